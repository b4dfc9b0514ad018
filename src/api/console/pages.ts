// The console's pages, rendered on the server from the same services the JSON API uses. Actions are
// plain forms (no JavaScript needed), shown to operators only; viewers see the same pages without them.
import { randomUUID } from 'node:crypto';
import type { Readiness } from '../../services/health.ts';
import type { AuditView } from '../../services/audit.ts';
import type { ExportView } from '../../services/exports.ts';
import {
  jobStatuses,
  jobTypes,
  retryableStatuses,
  type Job,
  type JobDetail,
  type JobFilter,
  type JobStatus,
  type JobType,
} from '../../services/jobs.ts';
import type { CronJobView, ScheduleHealth } from '../../services/schedules/operations.ts';
import type { OutboxBacklog } from '../../outbox/outbox.ts';
import type { ReleaseStatus } from '../../services/releases/releases.ts';
import type { settlementDetail } from '../../services/settlement/status.ts';
import type { StatsSwitches } from '../../contracts/stats.ts';
import { html, type Html } from './html.ts';
import { badge, duration, formGuard, json, page, type Viewer } from './layout.ts';

const when = (iso: string | null | undefined) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');
const jobLink = (workflowId: string) => `/admin/jobs/${encodeURIComponent(workflowId)}`;
const key = () => randomUUID();

export function loginPage(options: { csrf: string; error?: string; username?: string }): Html {
  return page(
    { title: 'Sign in', viewer: null },
    html`<section class="login">
      <h1>Sign in to the console</h1>
      ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
      <form method="post" action="/admin/login">
        <input type="hidden" name="_csrf" value="${options.csrf}" />
        <label
          >Username <input name="username" autocomplete="username" required value="${options.username ?? ''}"
        /></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
        <button type="submit">Sign in</button>
      </form>
    </section>`,
  );
}

export function messagePage(viewer: Viewer | null, title: string, text: string): Html {
  return page(
    { title, viewer, notice: { text, bad: true } },
    html`<h1>${title}</h1>
      <p><a href="/admin">Back to the overview</a></p>`,
  );
}

export function overviewPage(
  viewer: Viewer,
  data: {
    readiness: Readiness;
    schedules: ScheduleHealth[];
    outbox: OutboxBacklog | null;
    counts: Record<JobType, Record<JobStatus, number>> | null;
    since: string;
    release: ReleaseStatus | null;
  },
): Html {
  const problems = data.schedules.filter((s) => s.status === 'late' || s.status === 'missing');
  const statuses: readonly JobStatus[] = jobStatuses;
  return page(
    { title: 'Overview', viewer, current: '/admin', refreshSeconds: 30 },
    html`<h1>Overview</h1>
      <section class="cards">
        ${Object.entries(data.readiness.checks).map(
          ([name, check]) =>
            html`<div class="card">
              <div class="muted">${name}</div>
              <div class="value">${badge(check.status)}</div>
              <div class="muted">${check.status === 'up' ? `${check.latencyMs} ms` : check.error}</div>
            </div>`,
        )}
        <div class="card">
          <div class="muted">Outbox backlog</div>
          ${
            data.outbox
              ? html`<div class="value">${data.outbox.pending}</div>
                  <div class="muted">
                    ${data.outbox.failing} failing; oldest ${Math.round(data.outbox.oldestSeconds)} s
                  </div>`
              : html`<div class="muted">unknown (PostgreSQL did not answer)</div>`
          }
        </div>
      </section>
      <h2>Schedules late or missing</h2>
      ${
        problems.length === 0
          ? html`<p class="muted">None: every schedule exists and is on time.</p>`
          : html`<table>
              <tr>
                <th>Job</th>
                <th>Status</th>
                <th>Why</th>
              </tr>
              ${problems.map(
                (p) =>
                  html`<tr>
                    <td><a href="/admin/schedules">${p.jobKey}</a></td>
                    <td>${badge(p.status)}</td>
                    <td>${p.detail ?? ''}</td>
                  </tr>`,
              )}
            </table>`
      }
      ${releaseBlock(data.release)}
      <h2>Jobs since ${when(data.since)}</h2>
      ${
        data.counts
          ? html`<table>
              <tr>
                <th>Type</th>
                ${statuses.map((s) => html`<th class="num">${s}</th>`)}
              </tr>
              ${(Object.entries(data.counts) as [JobType, Record<JobStatus, number>][]).map(
                ([type, byStatus]) =>
                  html`<tr>
                    <td>${type}</td>
                    ${statuses.map((s) => html`<td class="num">${byStatus[s] > 0 ? html`<a href="/admin/jobs?type=${type}&status=${s}">${byStatus[s]}</a>` : '0'}</td>`)}
                  </tr>`,
              )}
            </table>`
          : html`<p class="muted">Temporal did not answer.</p>`
      }`,
  );
}

/** The workers' builds: which one new runs go to, which one is ramping, and what each still runs. */
function releaseBlock(release: ReleaseStatus | null): Html {
  if (!release)
    return html`<h2>Release</h2>
      <p class="muted">Temporal did not answer.</p>`;
  if (!release.exists) {
    return html`<h2>Release</h2>
      <p class="muted">No worker of deployment ${release.deployment} has polled yet.</p>`;
  }
  return html`<h2>Release: ${release.deployment}</h2>
    <p>
      Current <strong>${release.current ?? 'none (unversioned workers)'}</strong>;
      ${release.ramping ? html`ramping <strong>${release.ramping.buildId}</strong> at ${release.ramping.percent}%` : 'no ramp'}.
      <span class="muted">Change with npm run release (docs/deploy.md).</span>
    </p>
    <table>
      <tr>
        <th>Build ID</th>
        <th>Status</th>
        <th class="num">Open runs</th>
        <th>Created</th>
      </tr>
      ${release.versions.map(
        (v) =>
          html`<tr>
            <td>${v.buildId}</td>
            <td>${badge(v.status)}</td>
            <td class="num">${v.openRuns}</td>
            <td>${v.createdAt ? when(v.createdAt) : ''}</td>
          </tr>`,
      )}
    </table>`;
}

// The enumerations are the jobs service's own.
const jobTypeNames = Object.keys(jobTypes) as JobType[];
const jobStatusNames: readonly JobStatus[] = jobStatuses;

function filterQuery(filter: JobFilter, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filter, ...extra }))
    if (v !== undefined && v !== '' && !(v instanceof Date)) params.set(k, String(v));
  return params.toString();
}

export function jobsPage(viewer: Viewer, data: { filter: JobFilter; jobs: Job[]; nextPageToken: string | null }): Html {
  const { filter } = data;
  const option = (value: string, selected: string | undefined) =>
    html`<option value="${value}" ${value === selected ? html` selected` : ''}>${value || 'any'}</option>`;
  return page(
    { title: 'Jobs', viewer, current: '/admin/jobs', refreshSeconds: 30 },
    html`<h1>Jobs</h1>
      <form class="filters" method="get" action="/admin/jobs">
        <label
          >Type
          <select name="type">
            ${['', ...jobTypeNames].map((t) => option(t, filter.type))}
          </select></label
        >
        <label
          >Status
          <select name="status">
            ${['', ...jobStatusNames].map((s) => option(s, filter.status))}
          </select></label
        >
        <label>Trigger <input name="trigger" value="${filter.trigger ?? ''}" placeholder="post-match" /></label>
        <label>Game <input name="gameId" value="${filter.gameId ?? ''}" /></label>
        <label>Request <input name="requestId" value="${filter.requestId ?? ''}" /></label>
        <button type="submit">Filter</button> <a href="/admin/jobs">Clear</a>
      </form>
      ${
        viewer.role === 'operator' && filter.status === 'failed'
          ? html`<p class="actions">
              <a href="/admin/jobs/retry?${filterQuery(filter)}">Retry every failed job matching this filter…</a>
            </p>`
          : ''
      }
      <table>
        <tr>
          <th>Job</th>
          <th>Type</th>
          <th>Trigger</th>
          <th>Asked by</th>
          <th>Status</th>
          <th class="num" title="1 first … 5 last">Priority</th>
          <th>Started</th>
          <th class="num">Duration</th>
          <th>Game</th>
        </tr>
        ${data.jobs.map(
          (j) =>
            html`<tr>
              <td><a href="${jobLink(j.workflowId)}">${j.workflowId}</a></td>
              <td>${j.type}</td>
              <td>${j.triggeredBy ?? ''}</td>
              <td>${j.requestedBy}</td>
              <td>${badge(j.status)}</td>
              <td class="num">${j.priority}</td>
              <td>${when(j.startedAt)}</td>
              <td class="num">${duration(j.durationMs)}</td>
              <td>
                ${j.gameId ? html`<a href="/admin/games/${encodeURIComponent(j.gameId)}/settlement">${j.gameId}</a>` : ''}
              </td>
            </tr>`,
        )}
      </table>
      ${data.jobs.length === 0 ? html`<p class="muted">No job matches.</p>` : ''}
      ${data.nextPageToken ? html`<p><a href="/admin/jobs?${filterQuery(filter, { pageToken: data.nextPageToken })}">Next page</a></p>` : ''}`,
  );
}

export function bulkRetryConfirmPage(
  viewer: Viewer,
  data: { filter: JobFilter & { status: 'failed' }; matched: number; max: number },
): Html {
  const { filter } = data;
  return page(
    { title: 'Retry failed jobs', viewer, current: '/admin/jobs' },
    html`<h1>Retry failed jobs</h1>
      <p>
        <strong>${data.matched}</strong> failed job(s) match: type ${filter.type ?? 'any'}, trigger
        ${filter.trigger ?? 'any'}, game ${filter.gameId ?? 'any'}.
        ${data.matched > data.max ? html` Only the newest ${data.max} will be retried.` : ''}
      </p>
      ${
        data.matched > 0
          ? html`<form method="post" action="/admin/jobs/retry">
              ${formGuard(viewer, key())}
              ${(['type', 'trigger', 'gameId'] as const).map((k) => (filter[k] ? html`<input type="hidden" name="${k}" value="${filter[k]}" />` : ''))}
              <input type="hidden" name="max" value="${Math.min(data.max, data.matched)}" />
              <button type="submit">Retry ${Math.min(data.max, data.matched)} job(s)</button>
              <a href="/admin/jobs?${filterQuery(filter)}">Cancel</a>
            </form>`
          : html`<p><a href="/admin/jobs?${filterQuery(filter)}">Back</a></p>`
      }`,
  );
}

export function bulkRetryDonePage(
  viewer: Viewer,
  data: { matched: number; retried: { workflowId: string; newWorkflowId: string }[] },
): Html {
  return page(
    {
      title: 'Retried',
      viewer,
      current: '/admin/jobs',
      notice: { text: `${data.retried.length} of ${data.matched} matching job(s) retried.` },
    },
    html`<h1>Retried</h1>
      <table>
        <tr>
          <th>Failed job</th>
          <th>New run</th>
        </tr>
        ${data.retried.map(
          (r) =>
            html`<tr>
              <td><a href="${jobLink(r.workflowId)}">${r.workflowId}</a></td>
              <td><a href="${jobLink(r.newWorkflowId)}">${r.newWorkflowId}</a></td>
            </tr>`,
        )}
      </table>`,
  );
}

export function jobPage(viewer: Viewer, data: { job: JobDetail; temporalUi: string | null; notice?: string }): Html {
  const { job } = data;
  const retryable = retryableStatuses.includes(job.status);
  const retryOf = (job.memo.retryOf as { workflowId?: string } | undefined)?.workflowId;
  return page(
    {
      title: job.workflowId,
      viewer,
      current: '/admin/jobs',
      refreshSeconds: job.status === 'running' ? 10 : 0,
      notice: data.notice ? { text: data.notice } : null,
    },
    html`<h1>${job.type}: ${job.workflowId}</h1>
      <table>
        <tr>
          <th>Status</th>
          <td>${badge(job.status)}</td>
        </tr>
        <tr>
          <th>Run</th>
          <td>
            ${job.runId}${data.temporalUi ? html` · <a href="${data.temporalUi}">open in the Temporal Web UI</a>` : ''}
          </td>
        </tr>
        <tr>
          <th>Trigger</th>
          <td>${job.triggeredBy ?? ''}</td>
        </tr>
        <tr>
          <th>Asked by</th>
          <td>${job.requestedBy}</td>
        </tr>
        <tr>
          <th>Priority</th>
          <td>${job.priority} <span class="muted">(1 first … 5 last)</span></td>
        </tr>
        <tr>
          <th>Started</th>
          <td>${when(job.startedAt)}</td>
        </tr>
        <tr>
          <th>Closed</th>
          <td>${when(job.closedAt)}</td>
        </tr>
        <tr>
          <th>Duration</th>
          <td>${duration(job.durationMs)}</td>
        </tr>
        <tr>
          <th>Attempts</th>
          <td>${job.attempts ?? ''}</td>
        </tr>
        ${
          job.gameId
            ? html`<tr>
                <th>Game</th>
                <td>
                  <a href="/admin/games/${encodeURIComponent(job.gameId)}/settlement">${job.gameId}</a> ·
                  <a href="/admin/jobs?gameId=${encodeURIComponent(job.gameId)}">its jobs</a>
                </td>
              </tr>`
            : ''
        }
        ${
          retryOf
            ? html`<tr>
                <th>Retry of</th>
                <td><a href="${jobLink(retryOf)}">${retryOf}</a></td>
              </tr>`
            : ''
        }
      </table>
      ${
        viewer.role === 'operator'
          ? html`<div class="actions">
              ${retryable ? html`<form method="post" action="${jobLink(job.workflowId)}/retry">${formGuard(viewer, key())}<button type="submit">Retry</button></form>` : ''}
              ${
                job.status === 'running'
                  ? html`<form method="post" action="${jobLink(job.workflowId)}/cancel">
                        ${formGuard(viewer, key())}<input name="reason" required placeholder="reason" /><button
                          type="submit"
                          class="quiet"
                        >
                          Cancel
                        </button>
                      </form>
                      <form method="post" action="${jobLink(job.workflowId)}/terminate">
                        ${formGuard(viewer, key())}<input name="reason" required placeholder="reason" /><button
                          type="submit"
                          class="danger"
                        >
                          Terminate
                        </button>
                      </form>`
                  : ''
              }
            </div>`
          : ''
      }
      ${
        job.error
          ? html`<h2>Error ${job.error.type ? html`<code>${job.error.type}</code>` : ''}</h2>
              <p class="error">${job.error.message}</p>
              ${job.error.details ? json(job.error.details) : ''}`
          : ''
      }
      ${
        job.result !== undefined
          ? html`<h2>Result</h2>
              ${json(job.result)}`
          : ''
      }
      <h2>Input</h2>
      ${json(job.input)}
      <h2>Memo</h2>
      ${json(job.memo)}`,
  );
}

export function schedulesPage(viewer: Viewer, data: { jobs: CronJobView[]; notice?: string }): Html {
  const operator = viewer.role === 'operator';
  return page(
    {
      title: 'Schedules',
      viewer,
      current: '/admin/schedules',
      refreshSeconds: 30,
      notice: data.notice ? { text: data.notice } : null,
    },
    html`<h1>Schedules</h1>
      ${data.jobs.map(
        (j) =>
          html`<section class="card">
            <h2>${j.jobKey} ${j.exists ? badge(j.paused ? 'paused' : 'ok') : badge('missing')}</h2>
            <p>${j.description}</p>
            <p class="muted">
              ${j.spec} · next run ${when(j.nextRunAt) || '—'}${j.note ? html` · note: ${j.note}` : ''}
            </p>
            <table>
              <tr>
                <th>Recent run</th>
                <th>Status</th>
                <th>Started</th>
                <th>Closed</th>
              </tr>
              ${j.recentRuns.slice(0, 5).map(
                (r) =>
                  html`<tr>
                    <td><a href="${jobLink(r.workflowId)}">${r.workflowId}</a></td>
                    <td>${badge(r.status)}</td>
                    <td>${when(r.startedAt)}</td>
                    <td>${when(r.closedAt)}</td>
                  </tr>`,
              )}
            </table>
            ${
              operator
                ? html`<div class="actions">
                    <form method="post" action="/admin/schedules/${j.jobKey}/run">
                      ${formGuard(viewer, key())}<button type="submit">Run now</button>
                    </form>
                    ${
                      j.paused
                        ? html`<form method="post" action="/admin/schedules/${j.jobKey}/unpause">
                            ${formGuard(viewer, key())}<input name="note" placeholder="note" /><button type="submit">
                              Unpause
                            </button>
                          </form>`
                        : html`<form method="post" action="/admin/schedules/${j.jobKey}/pause">
                            ${formGuard(viewer, key())}<input name="note" placeholder="why (shown everywhere)" /><button
                              type="submit"
                              class="quiet"
                            >
                              Pause
                            </button>
                          </form>`
                    }
                    <form method="post" action="/admin/schedules/${j.jobKey}/backfill">
                      ${formGuard(viewer, key())}
                      <label>From <input name="from" required placeholder="2026-11-25T02:55:00Z" /></label
                      ><label>To <input name="to" required placeholder="2026-11-25T03:05:00Z" /></label>
                      <button type="submit" class="quiet">Backfill</button>
                    </form>
                  </div>`
                : ''
            }
          </section>`,
      )}`,
  );
}

export function switchesPage(viewer: Viewer, data: { switches: StatsSwitches; notice?: string }): Html {
  const operator = viewer.role === 'operator';
  const rows = (group: 'triggers' | 'aggregations') =>
    Object.entries(data.switches[group]).map(
      ([name, on]) =>
        html`<tr>
          <td>${name}</td>
          <td>${badge(on ? 'on' : 'off')}</td>
          ${operator ? html`<td><input type="checkbox" name="${group}.${name}" value="on" ${on ? html` checked` : ''} aria-label="${name} on" /></td>` : ''}
        </tr>`,
    );
  const table = html`<h2>Triggers</h2>
    <table>
      <tr>
        <th>Trigger</th>
        <th>State</th>
        ${operator ? html`<th>On</th>` : ''}
      </tr>
      ${rows('triggers')}
    </table>
    <h2>Aggregations</h2>
    <table>
      <tr>
        <th>Aggregation</th>
        <th>State</th>
        ${operator ? html`<th>On</th>` : ''}
      </tr>
      ${rows('aggregations')}
    </table>`;
  return page(
    { title: 'Stats switches', viewer, current: '/admin/switches', notice: data.notice ? { text: data.notice } : null },
    html`<h1>Stats switches</h1>
      ${
        operator
          ? html`<form method="post" action="/admin/switches">
              ${formGuard(viewer, key())}${table}
              <p class="actions"><button type="submit">Save</button></p>
            </form>`
          : table
      }`,
  );
}

export function settlementPage(
  viewer: Viewer,
  data: Awaited<ReturnType<typeof settlementDetail>> & { notice?: string },
): Html {
  const { game, status, scoreboard } = data;
  return page(
    {
      title: `Settlement of ${game.homeTeam} – ${game.awayTeam}`,
      viewer,
      notice: data.notice ? { text: data.notice } : null,
    },
    html`<h1>${game.homeTeam} – ${game.awayTeam}</h1>
      <p class="muted">
        Game ${game.id} · ${game.status}${game.homeGoals !== null ? ` · ${game.homeGoals}-${game.awayGoals}` : ''} ·
        kick-off ${when(game.kickoffAt.toISOString())} ·
        <a href="/admin/jobs?gameId=${encodeURIComponent(game.id)}">its jobs</a>
      </p>
      <table>
        <tr>
          <th>Settlement</th>
          <td>
            ${badge(status.status)}${'error' in status && status.error ? html` <span class="error">${status.error}</span>` : ''}
          </td>
        </tr>
        <tr>
          <th>Predictions settled</th>
          <td>${status.predictionsSettled}</td>
        </tr>
        <tr>
          <th>Applied</th>
          <td>${when(status.appliedAt)}</td>
        </tr>
        ${
          scoreboard
            ? html`<tr>
                <th>Scoreboard of ${scoreboard.tournamentName}</th>
                <td>
                  version ${scoreboard.postgresVersion} in PostgreSQL, ${scoreboard.redisVersion ?? 'none'} in Redis
                  ${scoreboard.redisError ? html` <span class="error">(Redis: ${scoreboard.redisError})</span>` : scoreboard.redisVersion === scoreboard.postgresVersion ? badge('ok') : badge('late')}
                </td>
              </tr>`
            : ''
        }
      </table>
      ${
        scoreboard && viewer.role === 'operator'
          ? html`<div class="actions">
              <form method="post" action="/admin/tournaments/${encodeURIComponent(scoreboard.tournamentId)}/rebuild">
                ${formGuard(viewer, key())}<input type="hidden" name="gameId" value="${game.id}" /><button
                  type="submit"
                  class="quiet"
                >
                  Rebuild the Redis scoreboards
                </button>
              </form>
            </div>`
          : ''
      }
      <h2>Results and ledger</h2>
      <table>
        <tr>
          <th>Result</th>
          <th>Score</th>
          <th>From</th>
          <th>Posted</th>
          <th>Ledger</th>
          <th class="num">Predictions</th>
          <th>Settlement run</th>
        </tr>
        ${data.results.map(
          (r) =>
            html`<tr>
              <td><code>${r.resultHash}</code></td>
              <td>${r.score}</td>
              <td>${r.source}</td>
              <td>${when(r.postedAt)}</td>
              <td>
                ${r.ledger ? badge(r.ledger.status) : r.error ? html`${badge('failed')} <span class="error">${r.error}</span>` : badge('pending')}
              </td>
              <td class="num">${r.ledger?.predictionsSettled ?? ''}</td>
              <td>
                ${r.settlementWorkflowId ? html`<a href="${jobLink(r.settlementWorkflowId)}">${r.settlementWorkflowId}</a>` : ''}
              </td>
            </tr>`,
        )}
      </table>
      ${data.results.length === 0 ? html`<p class="muted">No result posted yet.</p>` : ''}
      <h2>Verification decisions</h2>
      <table>
        <tr>
          <th>When</th>
          <th>Decision</th>
          <th>Why</th>
          <th>Provider said</th>
        </tr>
        ${data.decisions.map(
          (d) =>
            html`<tr>
              <td>${when(d.at)}</td>
              <td>
                ${badge(d.decision === 'ended' ? 'applied' : d.decision === 'retry' ? 'pending' : 'skipped')}
                ${d.decision}
              </td>
              <td>${d.reason}</td>
              <td>${d.providerStatus ?? ''}</td>
            </tr>`,
        )}
      </table>
      ${data.decisions.length === 0 ? html`<p class="muted">Match verification has not asked about this game.</p>` : ''}`,
  );
}

export function auditPage(viewer: Viewer, entries: AuditView[]): Html {
  return page(
    { title: 'Audit', viewer, current: '/admin/audit' },
    html`<h1>Audit log</h1>
      <table>
        <tr>
          <th>When</th>
          <th>Who</th>
          <th>Action</th>
          <th>Target</th>
          <th>Outcome</th>
          <th>Request</th>
        </tr>
        ${entries.map(
          (e) =>
            html`<tr>
              <td>${when(e.at)}</td>
              <td>${e.actor}</td>
              <td>${e.action}</td>
              <td>${e.target ?? ''}</td>
              <td>${badge(e.outcome)}</td>
              <td><code>${e.requestId}</code></td>
            </tr>`,
        )}
      </table>`,
  );
}

export function exportsPage(viewer: Viewer, data: { exports: ExportView[]; notice?: string }): Html {
  return page(
    {
      title: 'Exports',
      viewer,
      current: '/admin/exports',
      refreshSeconds: data.exports.some((e) => e.status === 'running') ? 5 : 0,
      notice: data.notice ? { text: data.notice } : null,
    },
    html`<h1>Exports</h1>
      ${
        viewer.role === 'operator'
          ? html`<div class="actions">
              <form method="post" action="/admin/exports">
                ${formGuard(viewer, key())}<input type="hidden" name="kind" value="tournament-scoreboard" /><label
                  >Tournament <input name="tournamentId" required /></label
                ><button type="submit">Export its scoreboard</button>
              </form>
              <form method="post" action="/admin/exports">
                ${formGuard(viewer, key())}<input type="hidden" name="kind" value="player-stats" /><label
                  >Season <input name="season" required placeholder="2026" /></label
                ><button type="submit">Export player stats</button>
              </form>
            </div>`
          : ''
      }
      <table>
        <tr>
          <th>Export</th>
          <th>Kind</th>
          <th>Status</th>
          <th class="num">Rows</th>
          <th>Created</th>
          <th></th>
        </tr>
        ${data.exports.map(
          (e) =>
            html`<tr>
              <td><code>${e.exportId}</code></td>
              <td>${e.kind}</td>
              <td>${badge(e.status)}${e.error ? html` <span class="error">${e.error}</span>` : ''}</td>
              <td class="num">${e.rows ?? ''}</td>
              <td>${when(e.createdAt)}</td>
              <td>
                ${e.status === 'ready' ? html`<a href="/admin/exports/${e.exportId}/download">Download CSV</a>` : ''}
              </td>
            </tr>`,
        )}
      </table>`,
  );
}
