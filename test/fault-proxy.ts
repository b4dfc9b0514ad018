// A TCP proxy for fault-injection tests, put between the service and PostgreSQL, Redis or Temporal.
// On command it cuts connections (reset, and refuses new ones), stalls them (holds every byte, as a
// partitioned network does; existing connections stay black holes for good, new ones work after
// `restore()`), or slows them (a delay per chunk, order kept).
import net from 'node:net';

type Mode = { kind: 'pass' } | { kind: 'cut' } | { kind: 'stall' } | { kind: 'slow'; delayMs: number };

interface Link {
  client: net.Socket;
  upstream: net.Socket;
  /** Stalled links never deliver again: a TCP session through a partition is lost. */
  blackHole: boolean;
}

export class FaultProxy {
  private mode: Mode = { kind: 'pass' };
  private readonly links = new Set<Link>();

  private constructor(
    private readonly server: net.Server,
    private readonly target: { host: string; port: number },
  ) {}

  /** Listens on an ephemeral port of 127.0.0.1 and forwards to `target`. */
  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    const server = net.createServer();
    const proxy = new FaultProxy(server, target);
    server.on('connection', (socket) => proxy.accept(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** For a URL such as postgresql://user@host:port/db or redis://host:port. */
  static forUrl(url: string): Promise<FaultProxy> {
    const parsed = new URL(url);
    return FaultProxy.start({ host: parsed.hostname, port: Number(parsed.port) });
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** `host:port` of the proxy. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlThrough(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  /** Resets every open connection and refuses new ones until `restore()`. */
  cut(): void {
    this.mode = { kind: 'cut' };
    for (const link of this.links) this.drop(link);
  }

  /** Holds every byte of every connection, open and new; open ones never deliver again. */
  stall(): void {
    this.mode = { kind: 'stall' };
    for (const link of this.links) link.blackHole = true;
  }

  /** Delays each chunk by `delayMs`, both ways. */
  slow(delayMs: number): void {
    this.mode = { kind: 'slow', delayMs };
  }

  /** Back to forwarding: new connections work; connections stalled before stay lost. */
  restore(): void {
    this.mode = { kind: 'pass' };
  }

  /** Connections open now (stalled ones included). */
  get openConnections(): number {
    return this.links.size;
  }

  async close(): Promise<void> {
    for (const link of this.links) this.drop(link);
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: net.Socket): void {
    if (this.mode.kind === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(this.target.port, this.target.host);
    const link: Link = { client, upstream, blackHole: this.mode.kind === 'stall' };
    this.links.add(link);
    this.forward(link, client, upstream);
    this.forward(link, upstream, client);
    const close = () => this.drop(link);
    for (const socket of [client, upstream]) {
      socket.on('error', close);
      socket.on('close', close);
    }
  }

  private forward(link: Link, from: net.Socket, to: net.Socket): void {
    // Chunks leave in order: each waits for the one before it.
    let previous = Promise.resolve();
    from.on('data', (chunk) => {
      if (link.blackHole) return;
      if (this.mode.kind === 'stall') {
        link.blackHole = true;
        return;
      }
      const delayMs = this.mode.kind === 'slow' ? this.mode.delayMs : 0;
      if (delayMs === 0) {
        previous = previous.then(() => {
          if (!link.blackHole && !to.destroyed) to.write(chunk);
        });
        return;
      }
      previous = previous.then(
        () =>
          new Promise<void>((resolve) =>
            setTimeout(() => {
              if (!link.blackHole && !to.destroyed) to.write(chunk);
              resolve();
            }, delayMs),
          ),
      );
    });
  }

  private drop(link: Link): void {
    if (!this.links.delete(link)) return;
    if (!link.client.destroyed) link.client.resetAndDestroy();
    if (!link.upstream.destroyed) link.upstream.resetAndDestroy();
  }
}
