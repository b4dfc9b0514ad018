import type { Connection } from '@temporalio/client';
import protos from '@temporalio/proto';
import { SearchAttributeKeys } from '../contracts/common.ts';

const { temporal } = protos;
/** Every search attribute the project sets, for registering them (and for dev servers started with them). */
export const searchAttributeKeys = Object.values(SearchAttributeKeys);

/**
 * Registers the project's search attributes on the namespace; a no-op for those already there.
 * Dev servers started by `npm run dev` get them from the command line too; this covers any other
 * cluster (docker compose, a shared dev cluster).
 */
export async function registerSearchAttributes(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = searchAttributeKeys.filter((key) => !(key.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((key) => [key.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
  return missing.map((key) => key.name);
}
