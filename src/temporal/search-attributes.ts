import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { SearchAttributeNames, type Trigger } from '../vocabulary.ts';

export const TriggerKey = defineSearchAttributeKey(SearchAttributeNames.trigger, SearchAttributeType.KEYWORD);
export const GameIdKey = defineSearchAttributeKey(SearchAttributeNames.gameId, SearchAttributeType.KEYWORD);
export const RequestIdKey = defineSearchAttributeKey(SearchAttributeNames.requestId, SearchAttributeType.KEYWORD);
export const JobKeyKey = defineSearchAttributeKey(SearchAttributeNames.jobKey, SearchAttributeType.KEYWORD);
// Four of the ten Keyword attributes the dev server's SQLite visibility allows.
export const searchAttributeKeys = [TriggerKey, GameIdKey, RequestIdKey, JobKeyKey];

/** The plain-JSON form stored in the outbox; turned into typed pairs when the workflow starts. */
export interface StoredSearchAttributes {
  trigger: Trigger;
  /** The request that started it; a scheduled run has none. */
  requestId?: string;
  gameId?: string;
  jobKey?: string;
}

export function toSearchAttributePairs(attrs: StoredSearchAttributes): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [{ key: TriggerKey, value: attrs.trigger }];
  if (attrs.requestId) pairs.push({ key: RequestIdKey, value: attrs.requestId });
  if (attrs.gameId) pairs.push({ key: GameIdKey, value: attrs.gameId });
  if (attrs.jobKey) pairs.push({ key: JobKeyKey, value: attrs.jobKey });
  return pairs;
}
