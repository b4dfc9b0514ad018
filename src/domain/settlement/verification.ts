// What match verification does with the provider's answer for one game: nothing yet (noop), ask again
// next run (retry), or record the result the provider reports (ended). Pure: the answer and the game
// in, the decision and its reason out. A malformed or failing answer is never a settlement.
import type { VerificationDecision } from '../../contracts/settlement.ts';

export type ProviderStatus = 'scheduled' | 'live' | 'ended' | 'postponed' | 'cancelled';

export type ProviderAnswer =
  | { kind: 'match'; status: ProviderStatus; homeGoals: number | null; awayGoals: number | null }
  | { kind: 'unknown' }
  | { kind: 'malformed'; reason: string }
  | { kind: 'unavailable'; reason: string };

export type Decision = (
  | { decision: 'noop'; reason: string }
  | { decision: 'retry'; reason: string }
  | { decision: 'ended'; reason: string; homeGoals: number; awayGoals: number }
) & { decision: VerificationDecision };

export function decide(
  game: { status: string; homeGoals: number | null; awayGoals: number | null },
  answer: ProviderAnswer,
): Decision {
  switch (answer.kind) {
    case 'unavailable':
      return { decision: 'retry', reason: `provider unavailable: ${answer.reason}` };
    case 'malformed':
      return { decision: 'retry', reason: `malformed provider answer (ignored): ${answer.reason}` };
    case 'unknown':
      return { decision: 'noop', reason: 'the provider does not know this game' };
    case 'match':
      if (answer.status !== 'ended')
        return { decision: 'noop', reason: `the provider reports the game ${answer.status}` };
      if (game.status === 'ended' && game.homeGoals === answer.homeGoals && game.awayGoals === answer.awayGoals) {
        return { decision: 'noop', reason: `already recorded as ended ${answer.homeGoals}-${answer.awayGoals}` };
      }
      return {
        decision: 'ended',
        reason:
          game.status === 'ended'
            ? `the provider corrects ${game.homeGoals}-${game.awayGoals} to ${answer.homeGoals}-${answer.awayGoals}`
            : `the provider reports it ended ${answer.homeGoals}-${answer.awayGoals}`,
        homeGoals: answer.homeGoals!,
        awayGoals: answer.awayGoals!,
      };
  }
}
