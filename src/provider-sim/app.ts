// A match provider simulator: the provider's one read (GET /matches/:id) over games an operator moves
// through scheduled, live and ended (PUT /sim/matches/:id), and a behaviour switch (PUT /sim/behaviour)
// to make it answer slowly, fail (503), or send garbage. For `npm run dev`, tests and benchmarks; it
// keeps its games in memory.
import express from 'express';
import { z } from 'zod';

const MatchState = z.object({
  status: z.enum(['scheduled', 'live', 'ended', 'postponed', 'cancelled']),
  homeGoals: z.number().int().min(0).max(99).nullable().optional(),
  awayGoals: z.number().int().min(0).max(99).nullable().optional(),
});
const Behaviour = z.object({
  mode: z.enum(['normal', 'slow', 'fail', 'garbage']),
  delayMs: z.number().int().min(0).max(120_000).default(5000),
});
type Match = z.infer<typeof MatchState> & { id: string };

export function createProviderSimulator() {
  const matches = new Map<string, Match>();
  let behaviour: z.infer<typeof Behaviour> = { mode: 'normal', delayMs: 5000 };
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json());

  app.get('/matches/:id', async (req, res) => {
    if (behaviour.mode === 'slow') await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    if (behaviour.mode === 'fail') return void res.status(503).json({ error: 'provider unavailable (simulated)' });
    if (behaviour.mode === 'garbage')
      return void res.status(200).type('application/json').send('{"id": 42, "status": "finished", "score": "two-one"');
    const match = matches.get(req.params.id);
    if (!match) return void res.status(404).json({ error: 'no such match' });
    res.json(match);
  });

  app.get('/sim/matches', (_req, res) => void res.json({ matches: [...matches.values()], behaviour }));
  app.put('/sim/matches/:id', (req, res) => {
    const parsed = MatchState.safeParse(req.body);
    if (!parsed.success)
      return void res.status(400).json({ error: parsed.error.issues.map((i) => i.message).join('; ') });
    const match = { id: req.params.id, homeGoals: null, awayGoals: null, ...parsed.data };
    matches.set(match.id, match);
    res.json(match);
  });
  app.put('/sim/behaviour', (req, res) => {
    const parsed = Behaviour.safeParse(req.body);
    if (!parsed.success)
      return void res.status(400).json({ error: parsed.error.issues.map((i) => i.message).join('; ') });
    behaviour = parsed.data;
    res.json(behaviour);
  });
  app.post('/sim/reset', (_req, res) => {
    matches.clear();
    behaviour = { mode: 'normal', delayMs: 5000 };
    res.json({ ok: true });
  });
  return app;
}
