import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { SearchAttributeNames, type Trigger } from '../shared.ts';

export const TriggerKey = defineSearchAttributeKey(SearchAttributeNames.trigger, SearchAttributeType.KEYWORD);
export const GameIdKey = defineSearchAttributeKey(SearchAttributeNames.gameId, SearchAttributeType.KEYWORD);
export const RequestIdKey = defineSearchAttributeKey(SearchAttributeNames.requestId, SearchAttributeType.KEYWORD);
export const searchAttributeKeys = [TriggerKey, GameIdKey, RequestIdKey];

/** The plain-JSON form stored in the outbox; turned into typed pairs when the workflow starts. */
export interface StoredSearchAttributes {
  trigger: Trigger;
  requestId: string;
  gameId?: string;
}

export function toSearchAttributePairs(attrs: StoredSearchAttributes): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: TriggerKey, value: attrs.trigger },
    { key: RequestIdKey, value: attrs.requestId },
  ];
  if (attrs.gameId) pairs.push({ key: GameIdKey, value: attrs.gameId });
  return pairs;
}
