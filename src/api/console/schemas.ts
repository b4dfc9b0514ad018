// Schemas the console's sections share; the rest come from the JSON API's route modules, so a field
// means the same and is checked the same way in both.
import { z } from 'zod';
import { notices, type Notice } from './route.ts';

/** `?done=<notice>`: what a successful action says on the page it leads to. */
export const DoneQuery = z.object({ done: z.enum(Object.keys(notices) as [Notice, ...Notice[]]).optional() });

/** The notice for a page's `done`, if any. */
export const noticeOf = (query: { done?: Notice } | undefined): string | undefined =>
  query?.done ? notices[query.done] : undefined;
