// Players (footballers), users (people who predict) and tournaments: a name each.
import { z } from 'zod';
import { createNamed, type NamedEntity } from '../../services/people.ts';
import { writeRoute, type Route } from '../route.ts';
import { Name } from '../schemas.ts';

const NamedBody = z.object({ name: Name });
const Named = z.strictObject({ id: z.string(), name: z.string() }).meta({ id: 'Named' });

const plural: Record<NamedEntity, string> = { player: 'players', user: 'users', tournament: 'tournaments' };
const about: Record<NamedEntity, string> = {
  player: 'A footballer whose minutes and stats are kept.',
  user: 'A person who makes predictions.',
  tournament: 'A competition that games and predictions belong to.',
};

export function peopleRoutes(): Route[] {
  return (['player', 'user', 'tournament'] as const).map((kind) =>
    writeRoute({
      method: 'post',
      path: `/api/${plural[kind]}`,
      summary: `Create a ${kind}`,
      description: about[kind],
      tags: ['People and tournaments'],
      body: NamedBody,
      response: { status: 201, description: `The new ${kind}.`, schema: Named },
      write: ({ body }, scope) => createNamed(scope.tx, kind, body.name),
    }),
  );
}
