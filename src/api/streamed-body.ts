// Sending a body a handler streams itself (route.ts, StreamedBody), for the JSON API and the console.
import type { Response } from 'express';
import type { StreamedBody } from './route.ts';

/**
 * Writes a streamed body chunk by chunk, waiting for the socket to drain (a slow client holds no
 * buffer); a client that goes aborts the body's signal, and writes after that are dropped.
 */
export async function sendStreamed(res: Response, body: StreamedBody): Promise<void> {
  for (const [name, value] of Object.entries(body.headers)) res.setHeader(name, value);
  res.flushHeaders();
  const closed = new AbortController();
  res.once('close', () => closed.abort());
  await body.stream(async (chunk) => {
    if (closed.signal.aborted) return;
    if (!res.write(chunk))
      await new Promise<void>((resolve) => {
        res.once('drain', resolve);
        closed.signal.addEventListener('abort', () => resolve(), { once: true });
      });
  }, closed.signal);
  res.end();
}
