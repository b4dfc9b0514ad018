// Request body schemas (zod). Rules that need the database (lineup membership, minute within the
// game's duration, impossible timelines) live in the services.
import { z } from 'zod';

const id = z.string().trim().min(1).max(200);
const optionalId = id.nullish().transform((value) => value ?? undefined);
const name = z.string().trim().min(1).max(200);
const minute = z.number().int().min(0).max(150);

export const NamedBody = z.object({ name });

export const CreateGameBody = z
  .object({
    homeTeam: name,
    awayTeam: name,
    kickoffAt: z.iso.datetime({ offset: true }),
    durationMinutes: z.number().int().min(1).max(150).default(90),
    season: z.string().trim().min(1).max(50).nullish().transform((v) => v ?? undefined),
    tournamentId: optionalId,
    providerGameId: optionalId,
    lineup: z.array(z.object({ playerId: id, starter: z.boolean() })).max(100).default([]),
  })
  .superRefine((game, ctx) => {
    const seen = new Set<string>();
    game.lineup.forEach((entry, index) => {
      if (seen.has(entry.playerId)) {
        ctx.addIssue({ code: 'custom', path: ['lineup', index, 'playerId'], message: `player ${entry.playerId} is listed twice` });
      }
      seen.add(entry.playerId);
    });
  });

const differentPlayers = (s: { playerOutId?: string; playerInId?: string }) =>
  s.playerInId === undefined || s.playerInId !== s.playerOutId;
const differentPlayersIssue = { message: 'playerInId must differ from playerOutId', path: ['playerInId'] };

export const SubstitutionBody = z
  .object({ minute, playerOutId: id, playerInId: id })
  .refine(differentPlayers, differentPlayersIssue);

export const SubstitutionPatch = z
  .object({ minute: minute.optional(), playerOutId: id.optional(), playerInId: id.optional() })
  .refine(differentPlayers, differentPlayersIssue)
  .refine((patch) => Object.values(patch).some((v) => v !== undefined), { message: 'nothing to change' });

export const cardType = z.enum(['yellow', 'second-yellow', 'red']);
export const CardBody = z.object({ playerId: id, cardType, minute });
export const CardPatch = z
  .object({ playerId: id.optional(), cardType: cardType.optional(), minute: minute.optional() })
  .refine((patch) => Object.values(patch).some((v) => v !== undefined), { message: 'nothing to change' });

export const GoalBody = z
  .object({ scorerId: id, assistId: optionalId, minute, ownGoal: z.boolean().default(false) })
  .refine((g) => g.assistId === undefined || g.assistId !== g.scorerId, {
    message: 'assistId must differ from scorerId',
    path: ['assistId'],
  });

/** Drops keys whose value is undefined (a PATCH-style body's absent fields). */
export function definedOnly<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
