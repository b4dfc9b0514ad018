// Leagues, their members, and predictions.
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config.ts';
import type { Tx } from '../../db/client.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../../domain/errors.ts';
import { Triggers } from '../../contracts/common.ts';
import { scoreboardProjectionWorkflowId } from '../../contracts/settlement.ts';
import { workflowStart } from '../../temporal/start-workflow.ts';
import type { WriteScope } from '../write.ts';

/** 400 naming each user that does not exist; `pathOf(i)` is the field of the i-th ID. */
async function checkUsers(tx: Tx, userIds: string[], pathOf: (index: number) => string): Promise<void> {
  const known = new Set(
    (await tx.user.findMany({ where: { id: { in: userIds } }, select: { id: true } })).map((u) => u.id),
  );
  const unknown = userIds.filter((id) => !known.has(id));
  if (unknown.length > 0)
    throw InvalidInputError.of(
      unknown.map((id) => ({ path: pathOf(userIds.indexOf(id)), message: `user ${id} does not exist` })),
    );
}

/**
 * Adds the users who are not members yet (the league row is locked by the caller, or new), moves the
 * tournament's scoreboard version on, and starts the projection that puts them on the league's board
 * (from the same transaction). Answers how many were added.
 */
async function addMembers(
  scope: WriteScope,
  taskQueues: Config['taskQueues'],
  leagueId: string,
  tournamentId: string,
  userIds: string[],
): Promise<number> {
  const { tx } = scope;
  const fresh = await tx.$queryRaw<{ user_id: string }[]>`
    SELECT u AS user_id FROM unnest(${userIds}::text[]) AS u
    WHERE NOT EXISTS (SELECT 1 FROM league_members m WHERE m.league_id = ${leagueId} AND m.user_id = u)`;
  if (fresh.length === 0) return 0;
  const [bumped] = await tx.$queryRaw<{ scoreboard_version: bigint }[]>`
    UPDATE tournaments SET scoreboard_version = scoreboard_version + 1, scoreboard_changed_at = now()
    WHERE id = ${tournamentId} RETURNING scoreboard_version`;
  await tx.$executeRaw`
    INSERT INTO league_members (league_id, user_id, version)
    SELECT ${leagueId}, user_id, ${bumped!.scoreboard_version} FROM unnest(${fresh.map((f) => f.user_id)}::text[]) AS user_id`;
  await scope.enqueue(
    workflowStart('projectScoreboardWorkflow', {
      workflowId: scoreboardProjectionWorkflowId(tournamentId, scope.requestId),
      taskQueue: taskQueues.settlement,
      args: [{ tournamentId }],
      searchAttributes: { trigger: Triggers.rebuild, requestId: scope.requestId },
      memo: { requestedBy: scope.requestedBy, tournamentId, leagueId, requestId: scope.requestId },
    }),
  );
  return fresh.length;
}

export async function createLeague(
  scope: WriteScope,
  taskQueues: Config['taskQueues'],
  input: { name: string; tournamentId: string; memberIds: string[] },
): Promise<{ id: string }> {
  const { tx } = scope;
  if (!(await tx.tournament.findUnique({ where: { id: input.tournamentId }, select: { id: true } }))) {
    throw InvalidInputError.of([{ path: 'tournamentId', message: `tournament ${input.tournamentId} does not exist` }]);
  }
  const memberIds = [...new Set(input.memberIds)];
  await checkUsers(tx, memberIds, (i) => `memberIds.${input.memberIds.indexOf(memberIds[i]!)}`);
  const id = randomUUID();
  await tx.league.create({ data: { id, name: input.name, tournamentId: input.tournamentId } });
  if (memberIds.length > 0) await addMembers(scope, taskQueues, id, input.tournamentId, memberIds);
  return { id };
}

export async function addLeagueMembers(
  scope: WriteScope,
  taskQueues: Config['taskQueues'],
  leagueId: string,
  userIds: string[],
): Promise<{ leagueId: string; added: number; members: number }> {
  const { tx } = scope;
  const [league] = await tx.$queryRaw<
    { tournament_id: string }[]
  >`SELECT tournament_id FROM leagues WHERE id = ${leagueId} FOR UPDATE`;
  if (!league) throw new NotFoundError('league', leagueId);
  const unique = [...new Set(userIds)];
  await checkUsers(tx, unique, (i) => `userIds.${userIds.indexOf(unique[i]!)}`);
  const added = await addMembers(scope, taskQueues, leagueId, league.tournament_id, unique);
  return { leagueId, added, members: await tx.leagueMember.count({ where: { leagueId } }) };
}

/** One prediction per user per game; a repeat before kickoff replaces it; none once the game has started. */
export async function putPrediction(
  scope: WriteScope,
  gameId: string,
  input: { userId: string; homeGoals: number; awayGoals: number },
) {
  const { tx } = scope;
  const [game] = await tx.$queryRaw<{ status: string; started: boolean }[]>`
    SELECT status, kickoff_at <= now() AS started FROM games WHERE id = ${gameId} FOR SHARE`;
  if (!game) throw new NotFoundError('game', gameId);
  await checkUsers(tx, [input.userId], () => 'userId');
  if (game.started || game.status === 'live' || game.status === 'ended') {
    throw new ConflictError('game_already_started', `game ${gameId} has kicked off; predictions are closed`);
  }
  const prediction = await tx.prediction.upsert({
    where: { gameId_userId: { gameId, userId: input.userId } },
    create: { gameId, userId: input.userId, homeGoals: input.homeGoals, awayGoals: input.awayGoals },
    update: { homeGoals: input.homeGoals, awayGoals: input.awayGoals },
  });
  return { gameId, userId: prediction.userId, homeGoals: prediction.homeGoals, awayGoals: prediction.awayGoals };
}
