import { randomUUID } from 'node:crypto';
import type { Tx } from '../db/client.ts';

/** Players (footballers), users (people who predict) and tournaments are all just a name for now. */
export type NamedEntity = 'player' | 'user' | 'tournament';

export async function createNamed(tx: Tx, kind: NamedEntity, name: string): Promise<{ id: string; name: string }> {
  const data = { id: randomUUID(), name };
  const select = { id: true, name: true } as const;
  switch (kind) {
    case 'player':
      return tx.player.create({ data, select });
    case 'user':
      return tx.user.create({ data, select });
    case 'tournament':
      return tx.tournament.create({ data, select });
  }
}
