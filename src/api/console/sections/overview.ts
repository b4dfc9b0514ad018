// The overview: dependencies, the outbox, schedules late or missing, the workers' builds (release), jobs
// of the last 24 hours.
import { outboxBacklog } from '../../../outbox/outbox.ts';
import { checkReadiness } from '../../../services/health.ts';
import { releaseStatus } from '../../../services/releases/releases.ts';
import * as pages from '../pages.ts';
import { consolePage, type ConsoleContext, type ConsoleRoute } from '../route.ts';

export function overviewSection({ config, prisma, redis, temporal, jobs, schedules }: ConsoleContext): ConsoleRoute[] {
  return [
    consolePage({
      path: '/',
      async render(_input, viewer) {
        const since = new Date(Date.now() - 24 * 3600_000);
        const readiness = await checkReadiness({ prisma, redis, temporal, scheduleHealth: () => schedules.health() });
        const [health, outbox, counts, release] = await Promise.all([
          schedules.health().catch(() => []),
          outboxBacklog(prisma).catch(() => null),
          jobs.counts(since).catch(() => null),
          releaseStatus({ temporal, deploymentName: config.WORKER_DEPLOYMENT_NAME }).catch(() => null),
        ]);
        return pages.overviewPage(viewer, {
          readiness,
          schedules: health,
          outbox,
          counts,
          since: since.toISOString(),
          release,
        });
      },
    }),
  ];
}
