// A failed job for the demo, so the console has something to show and retry: the stored events of
// the extra-time game are made impossible for a moment (a substitution taking off a player who never
// came on, written past the API, which would refuse it), a sending-off through the API starts its
// recalculation, that run fails on the bad timeline (non-retryable), and the bad row is removed again
// (moving the events version on, as a write would).
// A retry from the console (or POST /api/admin/jobs/:id/retry) then succeeds. Idempotent: once the
// sending-off is stored (or its Idempotency-Key used), nothing is done again.
//
// No race with the game's own recalculations: on a cold machine the worker may still be bundling when
// the demo data is written, so the game's earlier runs are still queued. One of them running after
// the impossible row went in would fail in the sending-off's place and mark that version checked,
// and the sending-off's run would then end as superseded. So the row goes in only once no
// recalculation of the game runs and one has checked its current events; and whichever run does fail
// is the job.
import type { PrismaClient } from '../generated/prisma/client.ts';

interface FailedJobOptions {
  baseUrl: string;
  token: string;
  prisma: PrismaClient;
  gameId: string;
  /** A starter of that game, and a substitute who never came on in it. */
  starterId: string;
  unusedSubstituteId: string;
  log?: (line: string) => void;
}

/** Fixed, so a second run finds (and removes) the same row. */
const impossibleSubstitutionId = '00000000-0000-4000-8000-00000000dead';
const sendingOffKey = 'demo:g3:card:failed-run';
const sendingOffMinute = 64;

export async function seedFailedJob(options: FailedJobOptions): Promise<string | undefined> {
  const { baseUrl, token, prisma, gameId, log = () => {} } = options;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const sentOff = await prisma.disciplinaryAction.count({
    where: { gameId, playerId: options.starterId, minute: sendingOffMinute },
  });
  if (sentOff > 0 || (await prisma.idempotencyKey.count({ where: { key: sendingOffKey } })) > 0) return undefined;

  await untilQuiet(baseUrl, headers, prisma, gameId);
  await prisma.substitution.upsert({
    where: { id: impossibleSubstitutionId },
    create: {
      id: impossibleSubstitutionId,
      gameId,
      minute: 10,
      playerOutId: options.unusedSubstituteId,
      playerInId: options.starterId,
    },
    update: {},
  });
  try {
    const res = await fetch(`${baseUrl}/api/games/${gameId}/disciplinary-actions`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': sendingOffKey },
      body: JSON.stringify({ playerId: options.starterId, cardType: 'red', minute: sendingOffMinute }),
    });
    const body = (await res.json()) as { recalculation?: { workflowId: string }; error?: { message: string } };
    if (!res.ok || !body.recalculation)
      throw new Error(`the demo sending-off started no recalculation: ${res.status} ${body.error?.message ?? ''}`);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const failed = await recalculations(baseUrl, headers, gameId, 'failed');
      if (failed[0]) {
        log(`demo data: a failed recalculation to retry from the console (${failed[0]})`);
        return failed[0];
      }
      if (Date.now() > deadline)
        throw new Error(
          `the demo recalculation ${body.recalculation.workflowId} did not fail within 120 s (is a minutes worker running?)`,
        );
      await pause();
    }
  } finally {
    // Removed the way a write would: the events version moves on, so a retry recalculates.
    await prisma.$transaction([
      prisma.substitution.deleteMany({ where: { id: impossibleSubstitutionId } }),
      prisma.game.update({ where: { id: gameId }, data: { eventsVersion: { increment: 1 } } }),
    ]);
  }
}

// Polling a run's status through the jobs API: there is nothing to await instead.
const pause = () => new Promise((resolve) => setTimeout(resolve, 250));

/** The game's recalculation runs with `status`, newest first. */
async function recalculations(
  baseUrl: string,
  headers: Record<string, string>,
  gameId: string,
  status: 'running' | 'failed',
): Promise<string[]> {
  const res = await fetch(
    `${baseUrl}/api/admin/jobs?type=minutes-recalculation&status=${status}&gameId=${encodeURIComponent(gameId)}`,
    { headers },
  );
  if (!res.ok) throw new Error(`GET /api/admin/jobs -> ${res.status}`);
  return ((await res.json()) as { jobs: { workflowId: string }[] }).jobs.map((job) => job.workflowId);
}

/** Until no recalculation of the game runs and one has looked at its current events (a cold worker may take minutes). */
async function untilQuiet(
  baseUrl: string,
  headers: Record<string, string>,
  prisma: PrismaClient,
  gameId: string,
): Promise<void> {
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    const game = await prisma.game.findUniqueOrThrow({
      where: { id: gameId },
      select: { eventsVersion: true, report: { select: { checkedVersion: true } } },
    });
    const checked = game.report?.checkedVersion === game.eventsVersion;
    if (checked && (await recalculations(baseUrl, headers, gameId, 'running')).length === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `the demo game ${gameId}'s recalculations did not finish within 5 minutes (is a minutes worker running?)`,
      );
    await pause();
  }
}
