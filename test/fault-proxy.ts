// A TCP proxy for fault-injection tests and benchmarks, put between the service and PostgreSQL, Redis
// or Temporal. On command it cuts connections (reset, and refuses new ones), stalls them (holds every
// byte, as a partitioned network does; existing connections stay black holes for good, new ones work
// after `restore()`), stalls one connection at the first chunk a client sends that matches (a Redis
// that stops answering in the middle of a pipeline), or slows them (latency: each chunk is delivered
// `delayMs` after it arrived, order kept, so a pipeline pays the delay once, not once per chunk).
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
  /** One-shot: the first client chunk it accepts makes its connection a black hole. */
  private stallTrigger: ((chunk: Buffer) => boolean) | null = null;

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

  /** Delays each chunk by `delayMs` after it arrived, both ways. */
  slow(delayMs: number): void {
    this.mode = { kind: 'slow', delayMs };
  }

  /**
   * The first chunk a client sends for which `match` holds is held, and its connection never delivers
   * again (both ways); other connections are untouched. One-shot.
   */
  stallWhen(match: (chunk: Buffer) => boolean): void {
    this.stallTrigger = match;
  }

  /** Back to forwarding: new connections work; connections stalled before stay lost. */
  restore(): void {
    this.mode = { kind: 'pass' };
    this.stallTrigger = null;
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
    // Chunks leave in order, each no earlier than `delayMs` after it arrived: one timer drains the queue.
    const queue: { due: number; chunk: Buffer }[] = [];
    let timer: NodeJS.Timeout | null = null;
    const deliver = (chunk: Buffer) => {
      if (!link.blackHole && !to.destroyed) to.write(chunk);
    };
    const pump = () => {
      timer = null;
      while (queue.length > 0 && queue[0]!.due <= Date.now()) deliver(queue.shift()!.chunk);
      if (queue.length > 0) timer = setTimeout(pump, queue[0]!.due - Date.now());
    };
    const fromClient = from === link.client;
    from.on('data', (chunk: Buffer) => {
      if (link.blackHole) return;
      if (this.mode.kind === 'stall') {
        link.blackHole = true;
        return;
      }
      if (fromClient && this.stallTrigger?.(chunk)) {
        this.stallTrigger = null;
        link.blackHole = true;
        return;
      }
      const delayMs = this.mode.kind === 'slow' ? this.mode.delayMs : 0;
      if (delayMs === 0 && queue.length === 0) {
        deliver(chunk);
        return;
      }
      queue.push({ due: Math.max(Date.now() + delayMs, queue.at(-1)?.due ?? 0), chunk });
      if (!timer) timer = setTimeout(pump, Math.max(0, queue[0]!.due - Date.now()));
    });
  }

  private drop(link: Link): void {
    if (!this.links.delete(link)) return;
    if (!link.client.destroyed) link.client.resetAndDestroy();
    if (!link.upstream.destroyed) link.upstream.resetAndDestroy();
  }
}
