// The match provider port: `fetchMatch(providerGameId)` answers what the provider says, already
// classified (a match, unknown, malformed, unavailable), so a bad answer can never become a result.
// The HTTP adapter validates every payload with zod and bounds every request with a timeout.
import { z } from 'zod';
import { MAX_GOALS } from '../../domain/settlement/scoring.ts';
import type { ProviderAnswer } from '../../domain/settlement/verification.ts';

export interface MatchProvider {
  fetchMatch(providerGameId: string): Promise<ProviderAnswer>;
}

const goals = z.number().int().min(0).max(MAX_GOALS);
/** The provider's payload for one match (GET <PROVIDER_URL>/matches/<id>). */
export const ProviderMatch = z
  .object({
    id: z.string().min(1),
    status: z.enum(['scheduled', 'live', 'ended', 'postponed', 'cancelled']),
    homeGoals: goals.nullable().optional(),
    awayGoals: goals.nullable().optional(),
  })
  .refine((m) => m.status !== 'ended' || (typeof m.homeGoals === 'number' && typeof m.awayGoals === 'number'), {
    message: 'an ended match needs homeGoals and awayGoals',
  });

export function createHttpProvider(options: {
  baseUrl: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}): MatchProvider {
  const request = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');
  return {
    async fetchMatch(providerGameId) {
      let res: Response;
      let text: string;
      try {
        res = await request(`${base}/matches/${encodeURIComponent(providerGameId)}`, {
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        text = await res.text();
      } catch (err) {
        const e = err as Error;
        return {
          kind: 'unavailable',
          reason: e.name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : e.message,
        };
      }
      if (res.status === 404) return { kind: 'unknown' };
      if (!res.ok) return { kind: 'unavailable', reason: `HTTP ${res.status}` };
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return { kind: 'malformed', reason: `not JSON: ${text.slice(0, 80)}` };
      }
      const parsed = ProviderMatch.safeParse(body);
      if (!parsed.success)
        return {
          kind: 'malformed',
          reason: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
        };
      if (parsed.data.id !== providerGameId)
        return { kind: 'malformed', reason: `answered for match ${parsed.data.id}, asked for ${providerGameId}` };
      return {
        kind: 'match',
        status: parsed.data.status,
        homeGoals: parsed.data.homeGoals ?? null,
        awayGoals: parsed.data.awayGoals ?? null,
      };
    },
  };
}
