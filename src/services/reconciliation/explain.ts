// Where a number came from. Each explanation reads the sources of a derived number and lays them
// out so that they add up to it: a user's tournament total game by game (the prediction, the result
// its settlement applied, the rule, the ledger entry, the results it replaced); a report's minutes
// player by player (the event that brought each one on and took them off); a player's season game by
// game. When they do not add up, the number has drifted: a reconciliation finds and repairs that.
import type { PrismaClient } from '../../db/client.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { explainTimeline, type PlayerTimeline } from '../../domain/minutes/timeline.ts';
import { createPostgresBoardReads } from '../settlement/scoreboards/postgres-reads.ts';
import { loadTimeline } from '../minutes/timeline-store.ts';

export type ScoringRule = 'exact' | 'outcome' | 'miss' | 'not_settled';

export interface ExplainedPrediction {
  gameId: string;
  homeTeam: string;
  awayTeam: string;
  kickoffAt: string;
  prediction: { homeGoals: number; awayGoals: number };
  result: { homeGoals: number; awayGoals: number; resultHash: string; source: string } | null;
  rule: ScoringRule;
  points: number;
  settlement: { workflowId: string; ledgerStatus: string; appliedAt: string } | null;
  replaced: { resultHash: string; homeGoals: number; awayGoals: number; status: string; appliedAt: string | null }[];
}

export interface UserExplanation {
  tournamentId: string;
  userId: string;
  points: number;
  exactCount: number;
  rank: number | null;
  games: ExplainedPrediction[];
}

interface PredictionRow {
  game_id: string;
  home_team: string;
  away_team: string;
  kickoff_at: Date;
  home_goals: number;
  away_goals: number;
  points: number | null;
  exact: boolean | null;
}

interface ResultRow {
  game_id: string;
  result_hash: string;
  home_goals: number;
  away_goals: number;
  source: string;
  ledger_status: string | null;
  workflow_id: string | null;
  applied_at: Date | null;
}

function ruleOf(points: number | null, exact: boolean | null): ScoringRule {
  if (points === null) return 'not_settled';
  if (exact) return 'exact';
  return points > 0 ? 'outcome' : 'miss';
}

/** A user's points in a tournament, game by game, adding up to the stored total. */
export async function explainUser(
  prisma: PrismaClient,
  tournamentId: string,
  userId: string,
): Promise<UserExplanation> {
  const [tournament, user] = await Promise.all([
    prisma.tournament.findUnique({ where: { id: tournamentId }, select: { id: true } }),
    prisma.user.findUnique({ where: { id: userId }, select: { id: true } }),
  ]);
  if (!tournament) throw new NotFoundError('tournament', tournamentId);
  if (!user) throw new NotFoundError('user', userId);
  const predictions = await prisma.$queryRaw<PredictionRow[]>`
    SELECT p.game_id, g.home_team, g.away_team, g.kickoff_at, p.home_goals, p.away_goals, p.points, p.exact
    FROM predictions p JOIN games g ON g.id = p.game_id
    WHERE g.tournament_id = ${tournamentId} AND p.user_id = ${userId}
    ORDER BY g.kickoff_at, g.id`;
  const gameIds = predictions.map((p) => p.game_id);
  // Every result of those games, newest first, with what the ledger did with it.
  const results = await prisma.$queryRaw<ResultRow[]>`
    SELECT r.game_id, r.result_hash, r.home_goals, r.away_goals, r.source,
           l.status AS ledger_status, l.workflow_id, l.applied_at
    FROM game_results r
    LEFT JOIN match_settlement_ledger l ON l.game_id = r.game_id AND l.result_hash = r.result_hash
    WHERE r.game_id = ANY(${gameIds}::text[])
    ORDER BY r.game_id, r.id DESC`;
  const resultsOf = new Map<string, ResultRow[]>();
  for (const r of results) resultsOf.set(r.game_id, [...(resultsOf.get(r.game_id) ?? []), r]);
  const [total, rank] = await Promise.all([
    prisma.userTournamentTotal.findUnique({
      where: { tournamentId_userId: { tournamentId, userId } },
      select: { points: true, exactCount: true },
    }),
    createPostgresBoardReads(prisma).rank(tournamentId, userId),
  ]);
  return {
    tournamentId,
    userId,
    points: total?.points ?? 0,
    exactCount: total?.exactCount ?? 0,
    rank: rank?.rank ?? null,
    games: predictions.map((p) => {
      const all = resultsOf.get(p.game_id) ?? [];
      // The result the points were given by: the newest one the ledger applied.
      const applied = all.find((r) => r.ledger_status === 'applied') ?? null;
      return {
        gameId: p.game_id,
        homeTeam: p.home_team,
        awayTeam: p.away_team,
        kickoffAt: p.kickoff_at.toISOString(),
        prediction: { homeGoals: p.home_goals, awayGoals: p.away_goals },
        result: applied
          ? {
              homeGoals: applied.home_goals,
              awayGoals: applied.away_goals,
              resultHash: applied.result_hash,
              source: applied.source,
            }
          : null,
        rule: ruleOf(p.points, p.exact),
        points: p.points ?? 0,
        settlement: applied
          ? {
              workflowId: applied.workflow_id!,
              ledgerStatus: applied.ledger_status!,
              appliedAt: applied.applied_at!.toISOString(),
            }
          : null,
        replaced: all
          .filter((r) => r !== applied)
          .map((r) => ({
            resultHash: r.result_hash,
            homeGoals: r.home_goals,
            awayGoals: r.away_goals,
            status: r.ledger_status ?? 'not_settled',
            appliedAt: r.applied_at?.toISOString() ?? null,
          })),
      };
    }),
  };
}

export interface ReportExplanation {
  gameId: string;
  eventsVersion: number;
  calculatedVersion: number | null;
  calculatedBy: { workflowId: string } | null;
  players: PlayerTimeline[];
}

/** A game report's minutes, player by player, with the events that put each player on and off the pitch. */
export async function explainReport(prisma: PrismaClient, gameId: string): Promise<ReportExplanation> {
  return prisma.$transaction(async (tx) => {
    const timeline = await loadTimeline(tx, gameId, 'FOR SHARE');
    if (!timeline) throw new NotFoundError('game', gameId);
    const [report, stored] = await Promise.all([
      tx.gameReport.findUnique({ where: { gameId }, select: { calculatedVersion: true, calculatedBy: true } }),
      tx.playerMinutes.findMany({ where: { gameId }, select: { playerId: true, minutesPlayed: true } }),
    ]);
    const minutes = new Map(stored.map((m) => [m.playerId, m.minutesPlayed]));
    const walked = explainTimeline(timeline);
    // An impossible timeline (the report says which event) explains no one's way on or off.
    const ways = new Map(walked.ok ? walked.players.map((p) => [p.playerId, p]) : []);
    return {
      gameId,
      eventsVersion: timeline.eventsVersion,
      calculatedVersion: report?.calculatedVersion ?? null,
      calculatedBy: report?.calculatedBy ? { workflowId: report.calculatedBy } : null,
      players: timeline.lineup.map(({ playerId }) => ({
        playerId,
        // The stored number is the one explained; the walk over the events says where it came from.
        minutesPlayed: minutes.get(playerId) ?? ways.get(playerId)?.minutesPlayed ?? 0,
        entered: ways.get(playerId)?.entered ?? null,
        left: ways.get(playerId)?.left ?? null,
      })),
    };
  });
}

export interface PlayerTotals {
  appearances: number;
  minutesPlayed: number;
  goals: number;
  assists: number;
  yellowCards: number;
  redCards: number;
}

export interface PlayerSeasonExplanation {
  playerId: string;
  season: string;
  totals: PlayerTotals;
  games: {
    gameId: string;
    kickoffAt: string;
    appearance: boolean;
    minutesPlayed: number;
    goals: number;
    assists: number;
    yellowCards: number;
    redCards: number;
  }[];
}

/** A player's season row, game by game from the per-game stats its aggregation sums. */
export async function explainPlayerSeason(
  prisma: PrismaClient,
  playerId: string,
  season: string,
): Promise<PlayerSeasonExplanation> {
  const player = await prisma.player.findUnique({ where: { id: playerId }, select: { id: true } });
  if (!player) throw new NotFoundError('player', playerId);
  const [row, games] = await Promise.all([
    prisma.playerSeasonStats.findUnique({ where: { playerId_season_part: { playerId, season, part: 'season' } } }),
    prisma.$queryRaw<
      {
        game_id: string;
        kickoff_at: Date;
        minutes_played: number;
        goals: number;
        assists: number;
        yellow_cards: number;
        red_cards: number;
      }[]
    >`SELECT s.game_id, s.kickoff_at, s.minutes_played, s.goals, s.assists, s.yellow_cards, s.red_cards
      FROM fulltime_player_game_stats(NULL::text[], ARRAY[${playerId}]::text[]) s
      WHERE s.season = ${season} ORDER BY s.kickoff_at, s.game_id`,
  ]);
  return {
    playerId,
    season,
    totals: {
      appearances: row?.appearances ?? 0,
      minutesPlayed: row?.minutesPlayed ?? 0,
      goals: row?.goals ?? 0,
      assists: row?.assists ?? 0,
      yellowCards: row?.yellowCards ?? 0,
      redCards: row?.redCards ?? 0,
    },
    games: games.map((g) => ({
      gameId: g.game_id,
      kickoffAt: g.kickoff_at.toISOString(),
      appearance: g.minutes_played > 0,
      minutesPlayed: g.minutes_played,
      goals: g.goals,
      assists: g.assists,
      yellowCards: g.yellow_cards,
      redCards: g.red_cards,
    })),
  };
}
