// A failed job for the demo, so the console has something to show and retry: the stored events of
// the extra-time game are made impossible for a moment (a substitution taking off a player who never
// came on, written past the API, which would refuse it), a sending-off through the API starts its
// recalculation, that run fails on the bad timeline (non-retryable), and the bad row is removed again
// (moving the events version on, as a write would).
// A retry from the console (or POST /api/admin/jobs/:id/retry) then succeeds. Idempotent: once the
// sending-off is stored (or its Idempotency-Key used), nothing is done again.
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
  const sentOff = await prisma.disciplinaryAction.count({ where: { gameId, playerId: options.starterId, minute: sendingOffMinute } });
  if (sentOff > 0 || (await prisma.idempotencyKey.count({ where: { key: sendingOffKey } })) > 0) return undefined;

  await prisma.substitution.upsert({
    where: { id: impossibleSubstitutionId },
    create: { id: impossibleSubstitutionId, gameId, minute: 10, playerOutId: options.unusedSubstituteId, playerInId: options.starterId },
    update: {},
  });
  try {
    const res = await fetch(`${baseUrl}/api/games/${gameId}/disciplinary-actions`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': sendingOffKey },
      body: JSON.stringify({ playerId: options.starterId, cardType: 'red', minute: sendingOffMinute }),
    });
    const body = (await res.json()) as { recalculation?: { workflowId: string }; error?: { message: string } };
    if (!res.ok || !body.recalculation) throw new Error(`the demo sending-off started no recalculation: ${res.status} ${body.error?.message ?? ''}`);
    const { workflowId } = body.recalculation;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const job = await fetch(`${baseUrl}/api/admin/jobs/${encodeURIComponent(workflowId)}`, { headers });
      if (job.ok && ((await job.json()) as { status: string }).status === 'failed') break;
      if (Date.now() > deadline) throw new Error(`the demo recalculation ${workflowId} did not fail within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 250)); // polling a run's status; there is nothing to await instead
    }
    log(`demo data: a failed recalculation to retry from the console (${workflowId})`);
    return workflowId;
  } finally {
    // Removed the way a write would: the events version moves on, so a retry recalculates.
    await prisma.$transaction([
      prisma.substitution.deleteMany({ where: { id: impossibleSubstitutionId } }),
      prisma.game.update({ where: { id: gameId }, data: { eventsVersion: { increment: 1 } } }),
    ]);
  }
}
