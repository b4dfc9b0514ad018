// HTTP routes of CONTRACT.md. Thin: parse and validate input, then call a service inside an
// idempotent write (or a read), and answer with what it returns.
import { Router, type Request, type RequestHandler } from 'express';
import type { Config } from '../config.ts';
import type { PrismaClient } from '../db/client.ts';
import { createNamed, type NamedEntity } from '../services/people.ts';
import { createGame, getGame } from '../services/games.ts';
import { createMatchEventService } from '../services/match-events.ts';
import { getReport } from '../services/reports.ts';
import { parseInput } from './errors.ts';
import * as schemas from './schemas.ts';
import type { WriteRunner, WriteScope } from './write.ts';

export interface RouteDeps {
  prisma: PrismaClient;
  config: Config;
  runWrite: WriteRunner;
}

type Param = 'gameId' | 'substitutionId' | 'actionId';
const param = (req: Request, name: Param) => String(req.params[name]);

export function createRouter({ prisma, config, runWrite }: RouteDeps): Router {
  const router = Router();
  const events = createMatchEventService(config.taskQueues.minutes);

  /** A write: `prepare` validates the request (before any transaction) and returns the work to run. */
  const write =
    (status: number, prepare: (req: Request) => (scope: WriteScope) => Promise<unknown>): RequestHandler =>
    async (req, res) => {
      const work = prepare(req);
      const result = await runWrite(req, async (scope) => ({ status, body: await work(scope) }));
      if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
      res.status(result.status).json(result.body);
    };

  const named = (kind: NamedEntity) =>
    write(201, (req) => {
      const { name } = parseInput(schemas.NamedBody, req.body);
      return (scope) => createNamed(scope.tx, kind, name);
    });
  router.post('/players', named('player'));
  router.post('/users', named('user'));
  router.post('/tournaments', named('tournament'));

  router.post(
    '/games',
    write(201, (req) => {
      const input = parseInput(schemas.CreateGameBody, req.body);
      return (scope) => createGame(scope, config.taskQueues.minutes, input);
    }),
  );
  router.get('/games/:gameId', async (req, res) => {
    res.json(await getGame(prisma, param(req, 'gameId')));
  });
  router.get('/games/:gameId/report', async (req, res) => {
    res.json(await getReport(prisma, param(req, 'gameId')));
  });

  router.post(
    '/games/:gameId/substitutions',
    write(201, (req) => {
      const input = parseInput(schemas.SubstitutionBody, req.body);
      return (scope) => events.createSubstitution(scope, param(req, 'gameId'), input);
    }),
  );
  router.put(
    '/games/:gameId/substitutions/:substitutionId',
    write(200, (req) => {
      const patch = schemas.definedOnly(parseInput(schemas.SubstitutionPatch, req.body));
      return (scope) => events.updateSubstitution(scope, param(req, 'gameId'), param(req, 'substitutionId'), patch);
    }),
  );
  router.delete(
    '/games/:gameId/substitutions/:substitutionId',
    write(200, (req) => (scope) => events.deleteSubstitution(scope, param(req, 'gameId'), param(req, 'substitutionId'))),
  );

  router.post(
    '/games/:gameId/disciplinary-actions',
    write(201, (req) => {
      const input = parseInput(schemas.CardBody, req.body);
      return (scope) => events.createCard(scope, param(req, 'gameId'), input);
    }),
  );
  router.put(
    '/games/:gameId/disciplinary-actions/:actionId',
    write(200, (req) => {
      const patch = schemas.definedOnly(parseInput(schemas.CardPatch, req.body));
      return (scope) => events.updateCard(scope, param(req, 'gameId'), param(req, 'actionId'), patch);
    }),
  );
  router.delete(
    '/games/:gameId/disciplinary-actions/:actionId',
    write(200, (req) => (scope) => events.deleteCard(scope, param(req, 'gameId'), param(req, 'actionId'))),
  );

  router.post(
    '/games/:gameId/goals',
    write(201, (req) => {
      const input = parseInput(schemas.GoalBody, req.body);
      return (scope) => events.createGoal(scope, param(req, 'gameId'), input);
    }),
  );

  return router;
}
