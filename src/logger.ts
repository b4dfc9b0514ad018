import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';

export type { Logger };
export type LogFormat = 'json' | 'pretty';

/** `pretty` when LOG_FORMAT says so, or when unset and stdout is a terminal; JSON otherwise. */
export function defaultLogFormat(env: NodeJS.ProcessEnv = process.env): LogFormat {
  if (env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty') return env.LOG_FORMAT;
  return process.stdout.isTTY ? 'pretty' : 'json';
}

/** pino-pretty as a synchronous stream, or null where it is not installed (production images). */
function prettyStream(): NodeJS.WritableStream | null {
  try {
    const pretty = createRequire(import.meta.url)('pino-pretty') as (options: object) => NodeJS.WritableStream;
    return pretty({
      colorize: Boolean(process.stdout.isTTY || process.env.FORCE_COLOR),
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,service,component,name',
      singleLine: true,
      sync: true,
    });
  } catch {
    return null;
  }
}

/**
 * Structured logs; child loggers carry requestId / workflowId so one search finds a request's story.
 * JSON lines for machines (written asynchronously, so a slow stdout reader never stalls request
 * handling, but with no minimum length, so each line appears at once); one readable line per event
 * for a person at a terminal (`npm run dev`).
 */
export function createLogger(
  name: string,
  level: string = process.env.LOG_LEVEL ?? 'info',
  format: LogFormat = defaultLogFormat(),
): Logger {
  const options = { name, level, base: { service: 'fulltime', component: name } };
  if (level === 'silent') return pino(options);
  const pretty = format === 'pretty' ? prettyStream() : null;
  if (pretty) return pino(options, pretty);
  const destination = pino.destination({ dest: 1, sync: false });
  process.once('beforeExit', () => destination.flushSync());
  return pino(options, destination);
}
