import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; child loggers carry requestId / workflowId so one search finds a request's story. */
export function createLogger(name: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { service: 'fulltime', component: name } });
}
