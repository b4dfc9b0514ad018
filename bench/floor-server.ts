// The write floor for `npm run bench:floors`: the API's durable transaction for
// `PUT /api/games/:id/substitutions/:subId` done with bare `pg` behind `node:http`: no express, no
// Prisma, no validation library, no logging, no Temporal start after the commit. The same statements
// in the same order: the Idempotency-Key row, the game locked, its timeline read, the substitution
// changed, the events version bumped, the outbox row, the stored response. (Its outbox rows are marked
// dispatched, so no relay starts them: the floor measures the transaction, not the workflows.)
// `tsx bench/floor-server.ts <database url>`; prints {"port": n} once listening.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.argv[2], max: 10 });

async function write(gameId: string, substitutionId: string, minute: number, key: string): Promise<unknown> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO idempotency_keys (key, fingerprint, method, path, response_status, response_body)
      VALUES ($1, 'floor', 'PUT', $2, 0, 'null'::json) ON CONFLICT (key) DO NOTHING`,
      [key, `/floor/${gameId}`],
    );
    const {
      rows: [game],
    } = await client.query('SELECT status, duration_minutes, events_version FROM games WHERE id = $1 FOR UPDATE', [
      gameId,
    ]);
    if (!game) throw new Error('no such game');
    await client.query(
      `SELECT
      (SELECT coalesce(json_agg(json_build_object('playerId', l.player_id, 'starter', l.starter) ORDER BY l.starter DESC, l.player_id), '[]') FROM game_lineups l WHERE l.game_id = $1) AS lineup,
      (SELECT coalesce(json_agg(json_build_object('id', s.id, 'minute', s.minute, 'seq', s.seq, 'playerOutId', s.player_out_id, 'playerInId', s.player_in_id)), '[]') FROM substitutions s WHERE s.game_id = $1) AS substitutions,
      (SELECT coalesce(json_agg(json_build_object('id', d.id, 'minute', d.minute, 'seq', d.seq, 'playerId', d.player_id, 'cardType', d.card_type)), '[]') FROM disciplinary_actions d WHERE d.game_id = $1) AS cards`,
      [gameId],
    );
    const {
      rows: [substitution],
    } = await client.query(
      'UPDATE substitutions SET minute = $2, updated_at = now() WHERE id = $1 RETURNING id, minute, player_out_id, player_in_id',
      [substitutionId, minute],
    );
    const {
      rows: [bumped],
    } = await client.query(
      'UPDATE games SET events_version = events_version + 1 WHERE id = $1 RETURNING events_version',
      [gameId],
    );
    const workflowId = `minutes-recalc:${key}`;
    await client.query(
      `INSERT INTO workflow_outbox (request_id, workflow_id, start, next_attempt_at, dispatched_at)
      VALUES ($1, $2, $3::jsonb, now(), now())`,
      [
        key,
        workflowId,
        JSON.stringify({
          workflowType: 'recalculateMinutesWorkflow',
          workflowId,
          args: [{ gameId, eventsVersion: bumped.events_version }],
        }),
      ],
    );
    const body = { substitution, recalculation: { workflowId } };
    await client.query('UPDATE idempotency_keys SET response_status = 200, response_body = $2::json WHERE key = $1', [
      key,
      JSON.stringify(body),
    ]);
    await client.query('COMMIT');
    return body;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

const server = http.createServer((req, res) => {
  let raw = '';
  req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
  req.on('end', () => {
    const [, , gameId, , substitutionId] = (req.url ?? '').split('/'); // /floor/<game>/substitutions/<id>
    const { minute } = JSON.parse(raw) as { minute: number };
    write(gameId!, substitutionId!, minute, String(req.headers['idempotency-key']))
      .then((body) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)))
      .catch((err: Error) => res.writeHead(500).end(err.message));
  });
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
process.on('SIGTERM', () =>
  server.close(() => {
    pool.end().catch(() => {});
  }),
);
