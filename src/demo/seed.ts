// Demo data, written through the public API with fixed Idempotency-Keys: running it again replays
// the stored responses and creates nothing new. Every write starts the same workflows a client's would.

interface SeedOptions {
  baseUrl: string;
  token: string;
  log?: (line: string) => void;
}

export interface DemoData {
  tournamentId: string;
  playerIds: string[];
  games: { id: string; title: string }[];
  /** A game not played yet, with predictions: post its result to see settlement and the scoreboards. */
  upcomingGameId: string;
  leagueId: string;
  /** The people who predicted the upcoming game. */
  userIds: string[];
}

const squad = [
  'Bart Verbruggen',
  'Denzel Dumfries',
  'Virgil van Dijk',
  'Stefan de Vrij',
  'Nathan Aké',
  'Frenkie de Jong',
  'Tijjani Reijnders',
  'Xavi Simons',
  'Cody Gakpo',
  'Memphis Depay',
  'Donyell Malen',
  'Jeremie Frimpong',
  'Joey Veerman',
  'Wout Weghorst',
  'Brian Brobbey',
  'Micky van de Ven',
];

export async function seedDemoData({ baseUrl, token, log = () => {} }: SeedOptions): Promise<DemoData> {
  async function post<T>(path: string, key: string, body: unknown): Promise<T> {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'idempotency-key': `demo:${key}`,
      },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as T & { error?: { message: string } };
    if (!res.ok) throw new Error(`POST ${path} -> ${res.status}: ${json.error?.message ?? JSON.stringify(json)}`);
    return json;
  }

  const tournament = await post<{ id: string }>('/api/tournaments', 'tournament:1', { name: 'Demo Cup 2026' });
  const playerIds: string[] = [];
  for (const [i, name] of squad.entries()) {
    playerIds.push((await post<{ id: string }>('/api/players', `player:${i + 1}`, { name })).id);
  }
  const lineup = playerIds.map((playerId, i) => ({ playerId, starter: i < 11 }));
  const p = (i: number) => playerIds[i]!;

  const fixtures = [
    { key: 'game:1', title: 'Netherlands - Belgium', kickoffAt: '2026-06-14T19:00:00Z', durationMinutes: 90 },
    { key: 'game:2', title: 'Netherlands - Germany', kickoffAt: '2026-06-19T19:00:00Z', durationMinutes: 90 },
    {
      key: 'game:3',
      title: 'Netherlands - France (extra time)',
      kickoffAt: '2026-06-24T19:00:00Z',
      durationMinutes: 120,
    },
  ];
  const games: DemoData['games'] = [];
  for (const fixture of fixtures) {
    const [homeTeam, awayTeam] = fixture.title.replace(/ \(.*\)$/, '').split(' - ') as [string, string];
    const game = await post<{ id: string }>('/api/games', fixture.key, {
      homeTeam,
      awayTeam,
      kickoffAt: fixture.kickoffAt,
      durationMinutes: fixture.durationMinutes,
      tournamentId: tournament.id,
      providerGameId: `demo-${fixture.key}`,
      lineup,
    });
    games.push({ id: game.id, title: fixture.title });
  }

  const [g1, g2, g3] = games.map((g) => g.id) as [string, string, string];
  const events: [string, string, unknown][] = [
    [`/api/games/${g1}/substitutions`, 'g1:sub:1', { minute: 60, playerOutId: p(9), playerInId: p(14) }],
    [`/api/games/${g1}/substitutions`, 'g1:sub:2', { minute: 75, playerOutId: p(7), playerInId: p(11) }],
    [`/api/games/${g1}/disciplinary-actions`, 'g1:card:1', { playerId: p(5), cardType: 'yellow', minute: 33 }],
    [`/api/games/${g1}/goals`, 'g1:goal:1', { scorerId: p(8), assistId: p(7), minute: 21 }],
    [`/api/games/${g2}/disciplinary-actions`, 'g2:card:1', { playerId: p(2), cardType: 'red', minute: 38 }],
    [`/api/games/${g2}/substitutions`, 'g2:sub:1', { minute: 46, playerOutId: p(10), playerInId: p(15) }],
    [`/api/games/${g2}/disciplinary-actions`, 'g2:card:2', { playerId: p(6), cardType: 'second-yellow', minute: 81 }],
    [`/api/games/${g3}/substitutions`, 'g3:sub:1', { minute: 91, playerOutId: p(9), playerInId: p(13) }],
    [`/api/games/${g3}/substitutions`, 'g3:sub:2', { minute: 105, playerOutId: p(13), playerInId: p(12) }],
  ];
  for (const [path, key, body] of events) await post(path, key, body);
  // The first two games are over: their results start the post-match stats runs.
  await post(`/api/games/${g1}/result`, 'g1:result', { homeGoals: 2, awayGoals: 1 });
  await post(`/api/games/${g2}/result`, 'g2:result', { homeGoals: 0, awayGoals: 1 });

  // People who predict, a league of some of them, and their predictions for a game still to come.
  const fans = ['Anouk', 'Bram', 'Chloé', 'Daan', 'Eva'];
  const userIds: string[] = [];
  for (const [i, name] of fans.entries())
    userIds.push((await post<{ id: string }>('/api/users', `user:${i + 1}`, { name })).id);
  const upcoming = await post<{ id: string }>('/api/games', 'game:4', {
    homeTeam: 'Netherlands',
    awayTeam: 'Spain',
    kickoffAt: '2030-06-12T19:00:00Z',
    tournamentId: tournament.id,
    providerGameId: 'demo-game:4',
    lineup,
  });
  const league = await post<{ id: string }>('/api/leagues', 'league:1', {
    name: 'Office pool',
    tournamentId: tournament.id,
    memberIds: userIds.slice(0, 3),
  });
  const guesses: [number, number][] = [
    [2, 1],
    [1, 1],
    [2, 1],
    [0, 2],
    [3, 1],
  ];
  for (const [i, [homeGoals, awayGoals]] of guesses.entries()) {
    await post(`/api/games/${upcoming.id}/predictions`, `prediction:${i + 1}`, {
      userId: userIds[i],
      homeGoals,
      awayGoals,
    });
  }

  log(
    `demo data: 1 tournament, ${playerIds.length} players, ${games.length + 1} games (2 ended), ${events.length} match events, ${fans.length} users with predictions, 1 league`,
  );
  return { tournamentId: tournament.id, playerIds, games, upcomingGameId: upcoming.id, leagueId: league.id, userIds };
}
