import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs; child loggers carry requestId / workflowId so one search finds a request's
 * story. Written asynchronously, so a slow stdout reader never stalls request handling, but with no
 * minimum length, so each line appears at once; processes flush what is left when they shut down.
 */
export function createLogger(name: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  const destination = level === 'silent' ? undefined : pino.destination({ dest: 1, sync: false });
  const logger = pino({ name, level, base: { service: 'fulltime', component: name } }, destination!);
  if (destination) process.once('beforeExit', () => destination.flushSync());
  return logger;
}
