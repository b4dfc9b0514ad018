// The console's reconciliation pages: the runs (start one), a run (its checks, its mismatches with a
// link to the explanation of each, repair), and Explain (a user in a tournament, a game's report, a
// player's season), each the JSON API's answer laid out for a person.
import { randomUUID } from 'node:crypto';
import { reconciliationChecks } from '../../contracts/reconciliation.ts';
import type {
  PlayerSeasonExplanation,
  ReportExplanation,
  UserExplanation,
} from '../../services/reconciliation/explain.ts';
import type { MismatchView, ReconciliationView } from '../../services/reconciliation/runs.ts';
import { html, type Html } from './html.ts';
import { badge, formGuard, page, type Viewer } from './layout.ts';

const when = (iso: string | null | undefined) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');
const q = (fields: Record<string, string | undefined>) =>
  new URLSearchParams(Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined)).toString();
const runLink = (id: string) => `/admin/reconciliations/${encodeURIComponent(id)}`;
const scopeText = (scope: ReconciliationView['scope']) =>
  Object.entries(scope)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ') || 'everything';
const total = (counts: Record<string, number | undefined>) =>
  Object.values(counts).reduce<number>((sum, n) => sum + (n ?? 0), 0);

/** Where a mismatch's number is explained (or, for a ledger entry, where its settlement is shown). */
export function explainLink(subject: Record<string, unknown>): string | null {
  const s = subject as Record<string, string | undefined>;
  if (s.table && s.playerId && s.season) return `/admin/explain?${q({ playerId: s.playerId, season: s.season })}`;
  if (s.tournamentId && s.userId) return `/admin/explain?${q({ tournamentId: s.tournamentId, userId: s.userId })}`;
  if (s.gameId && s.playerId) return `/admin/explain?${q({ gameId: s.gameId })}`;
  if (s.gameId) return `/admin/games/${encodeURIComponent(s.gameId)}/settlement`;
  return null;
}

export function reconciliationsPage(viewer: Viewer, data: { runs: ReconciliationView[]; notice?: string }): Html {
  return page(
    {
      title: 'Reconciliations',
      viewer,
      current: '/admin/reconciliations',
      refreshSeconds: data.runs.some((r) => r.status === 'running') ? 5 : 0,
      notice: data.notice ? { text: data.notice } : null,
    },
    html`<h1>Reconciliations</h1>
      <p>
        Each run recomputes derived numbers from their sources and lists what differs. The schedule
        <code>reconcile-nightly</code> runs one over everything every night.
      </p>
      ${
        viewer.role === 'operator'
          ? html`<form method="post" action="/admin/reconciliations" class="actions">
              ${formGuard(viewer, randomUUID())}
              <label>Tournament <input name="tournamentId" /></label>
              <label>Game <input name="gameId" /></label>
              <label>Season <input name="season" placeholder="2026" /></label>
              ${reconciliationChecks.map((c) => html`<label><input type="checkbox" name="checks" value="${c}" /> ${c}</label>`)}
              <button type="submit">Reconcile</button>
              <small>No scope: everything. No check ticked: all of them.</small>
            </form>`
          : ''
      }
      <table>
        <tr>
          <th>Started</th>
          <th>Scope</th>
          <th>Checks</th>
          <th>Status</th>
          <th class="num">Compared</th>
          <th class="num">Mismatches</th>
          <th>By</th>
        </tr>
        ${data.runs.map(
          (r) =>
            html`<tr>
              <td><a href="${runLink(r.reconciliationId)}">${when(r.startedAt)}</a></td>
              <td>${scopeText(r.scope)}</td>
              <td>${r.checks.join(', ')}</td>
              <td>${badge(r.status)}</td>
              <td class="num">${total(r.checked)}</td>
              <td class="num">${total(r.mismatches)}</td>
              <td>${r.requestedBy}</td>
            </tr>`,
        )}
      </table>`,
  );
}

export function reconciliationPage(
  viewer: Viewer,
  data: {
    run: ReconciliationView;
    mismatches: MismatchView[];
    check?: string;
    nextPageToken: string | null;
    notice?: string;
  },
): Html {
  const { run } = data;
  const mismatched = total(run.mismatches) > 0;
  return page(
    {
      title: 'Reconciliation',
      viewer,
      current: '/admin/reconciliations',
      refreshSeconds: run.status === 'running' ? 3 : 0,
      notice: data.notice ? { text: data.notice } : null,
    },
    html`<h1>Reconciliation ${badge(run.status)}</h1>
      <p>
        Over ${scopeText(run.scope)}, asked by ${run.requestedBy}, started
        ${when(run.startedAt)}${run.finishedAt ? html`, finished ${when(run.finishedAt)}` : ''}. Workflow
        <a href="/admin/jobs/${encodeURIComponent(run.workflowId)}"><code>${run.workflowId}</code></a
        >.
      </p>
      ${run.error ? html`<p class="error">${run.error}</p>` : ''}
      <table>
        <tr>
          <th>Check</th>
          <th class="num">Compared</th>
          <th class="num">Mismatches</th>
        </tr>
        ${run.checks.map(
          (c) =>
            html`<tr>
              <td><a href="${runLink(run.reconciliationId)}?${q({ check: c })}">${c}</a></td>
              <td class="num">${run.checked[c] ?? ''}</td>
              <td class="num">${run.mismatches[c] ?? ''}</td>
            </tr>`,
        )}
      </table>
      ${
        viewer.role === 'operator' && run.status === 'completed' && mismatched
          ? html`<form method="post" action="${runLink(run.reconciliationId)}/repair" class="actions">
              ${formGuard(viewer, randomUUID())}
              <button type="submit">Repair every mismatch</button>
              <small
                >Each number is re-derived by the path that owns it (re-settlement, board rebuild, recalculation, stats
                refresh).</small
              >
            </form>`
          : ''
      }
      <h2>Mismatches${data.check ? html` (${data.check})` : ''}</h2>
      ${
        data.mismatches.length === 0
          ? html`<p>None.</p>`
          : html`<table>
              <tr>
                <th>Check</th>
                <th>Subject</th>
                <th>Expected</th>
                <th>Stored</th>
                <th></th>
              </tr>
              ${data.mismatches.map((m) => {
                const link = explainLink(m.subject);
                return html`<tr>
                  <td>${m.check}</td>
                  <td><code>${JSON.stringify(m.subject)}</code></td>
                  <td><code>${JSON.stringify(m.expected)}</code></td>
                  <td><code>${JSON.stringify(m.actual)}</code></td>
                  <td>${link ? html`<a href="${link}">Explain</a>` : ''}</td>
                </tr>`;
              })}
            </table>`
      }
      ${
        data.nextPageToken
          ? html`<p>
              <a href="${runLink(run.reconciliationId)}?${q({ check: data.check, pageToken: data.nextPageToken })}"
                >Next page</a
              >
            </p>`
          : ''
      }`,
  );
}

export type Explanation =
  | { kind: 'user'; value: UserExplanation }
  | { kind: 'report'; value: ReportExplanation }
  | { kind: 'player'; value: PlayerSeasonExplanation }
  | { kind: 'none' };

function explainForms(): Html {
  return html`<div class="actions">
    <form method="get" action="/admin/explain">
      <label>Tournament <input name="tournamentId" required /></label>
      <label>User <input name="userId" required /></label>
      <button type="submit">Explain points</button>
    </form>
    <form method="get" action="/admin/explain">
      <label>Game <input name="gameId" required /></label>
      <button type="submit">Explain minutes</button>
    </form>
    <form method="get" action="/admin/explain">
      <label>Player <input name="playerId" required /></label>
      <label>Season <input name="season" required placeholder="2026" /></label>
      <button type="submit">Explain season stats</button>
    </form>
  </div>`;
}

function userBody(e: UserExplanation): Html {
  return html`<h2>User ${e.userId} in tournament ${e.tournamentId}</h2>
    <p>
      <strong>${e.points}</strong> points, ${e.exactCount} exact, rank ${e.rank ?? 'not on the board'}. The games add up
      to the total.
    </p>
    <table>
      <tr>
        <th>Game</th>
        <th>Kickoff</th>
        <th>Prediction</th>
        <th>Result applied</th>
        <th>Rule</th>
        <th class="num">Points</th>
        <th>Settlement</th>
        <th>Replaced results</th>
      </tr>
      ${e.games.map(
        (g) =>
          html`<tr>
            <td><a href="/admin/games/${encodeURIComponent(g.gameId)}/settlement">${g.homeTeam} – ${g.awayTeam}</a></td>
            <td>${when(g.kickoffAt)}</td>
            <td>${g.prediction.homeGoals}-${g.prediction.awayGoals}</td>
            <td>
              ${g.result ? html`${g.result.homeGoals}-${g.result.awayGoals} (${g.result.source}, <code>${g.result.resultHash.slice(0, 12)}</code>)` : 'none yet'}
            </td>
            <td>${badge(g.rule)}</td>
            <td class="num">${g.points}</td>
            <td>
              ${g.settlement ? html`<a href="/admin/jobs/${encodeURIComponent(g.settlement.workflowId)}">${g.settlement.ledgerStatus}</a> ${when(g.settlement.appliedAt)}` : ''}
            </td>
            <td>${g.replaced.map((r) => html`${r.homeGoals}-${r.awayGoals} (${r.status}) `)}</td>
          </tr>`,
      )}
    </table>`;
}

function reportBody(e: ReportExplanation): Html {
  return html`<h2>Game ${e.gameId}: minutes played</h2>
    <p>
      Events version ${e.eventsVersion}; minutes calculated at version
      ${e.calculatedVersion ?? 'none yet'}${
        e.calculatedBy
          ? html` by
              <a href="/admin/jobs/${encodeURIComponent(e.calculatedBy.workflowId)}"
                ><code>${e.calculatedBy.workflowId}</code></a
              >`
          : ''
      }.
    </p>
    <table>
      <tr>
        <th>Player</th>
        <th class="num">Minutes</th>
        <th>On</th>
        <th>Off</th>
      </tr>
      ${e.players.map(
        (p) =>
          html`<tr>
            <td><code>${p.playerId}</code></td>
            <td class="num">${p.minutesPlayed}</td>
            <td>${p.entered ? `${p.entered.minute}' (${p.entered.by})` : 'did not play'}</td>
            <td>${p.left ? `${p.left.minute}' (${p.left.by})` : ''}</td>
          </tr>`,
      )}
    </table>`;
}

function playerBody(e: PlayerSeasonExplanation): Html {
  const t = e.totals;
  return html`<h2>Player ${e.playerId}, season ${e.season}</h2>
    <table>
      <tr>
        <th>Game</th>
        <th>Kickoff</th>
        <th>Appearance</th>
        <th class="num">Minutes</th>
        <th class="num">Goals</th>
        <th class="num">Assists</th>
        <th class="num">Yellow</th>
        <th class="num">Red</th>
      </tr>
      ${e.games.map(
        (g) =>
          html`<tr>
            <td><a href="/admin/explain?${q({ gameId: g.gameId })}">${g.gameId}</a></td>
            <td>${when(g.kickoffAt)}</td>
            <td>${g.appearance ? 'yes' : 'no'}</td>
            <td class="num">${g.minutesPlayed}</td>
            <td class="num">${g.goals}</td>
            <td class="num">${g.assists}</td>
            <td class="num">${g.yellowCards}</td>
            <td class="num">${g.redCards}</td>
          </tr>`,
      )}
      <tr>
        <th>Season row</th>
        <th></th>
        <th>${t.appearances}</th>
        <th class="num">${t.minutesPlayed}</th>
        <th class="num">${t.goals}</th>
        <th class="num">${t.assists}</th>
        <th class="num">${t.yellowCards}</th>
        <th class="num">${t.redCards}</th>
      </tr>
    </table>`;
}

export function explainPage(viewer: Viewer, explanation: Explanation): Html {
  const body =
    explanation.kind === 'user'
      ? userBody(explanation.value)
      : explanation.kind === 'report'
        ? reportBody(explanation.value)
        : explanation.kind === 'player'
          ? playerBody(explanation.value)
          : '';
  return page(
    { title: 'Explain', viewer, current: '/admin/explain' },
    html`<h1>Explain a number</h1>
      ${explainForms()} ${body}`,
  );
}
