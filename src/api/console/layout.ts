// The console's page shell: navigation, who is signed in (with the sign-out form), the page.
import { html, type Html } from './html.ts';

export interface Viewer {
  username: string;
  role: 'viewer' | 'operator';
  /** A CSRF token for the forms of this page. */
  csrf: string;
}

const sections = [
  ['/admin', 'Overview'],
  ['/admin/jobs', 'Jobs'],
  ['/admin/schedules', 'Schedules'],
  ['/admin/switches', 'Switches'],
  ['/admin/exports', 'Exports'],
  ['/admin/reconciliations', 'Reconciliations'],
  ['/admin/explain', 'Explain'],
  ['/admin/audit', 'Audit'],
] as const;

export function page(
  options: {
    title: string;
    viewer: Viewer | null;
    current?: string;
    refreshSeconds?: number;
    notice?: { text: string; bad?: boolean } | null;
  },
  body: Html,
): Html {
  const { title, viewer, current } = options;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · Fulltime console</title>
        <link rel="stylesheet" href="/admin/assets/console.css" />
        <script src="/admin/assets/console.js" defer></script>
      </head>
      <body data-refresh="${options.refreshSeconds ?? 0}">
        <header>
          <span class="brand">Fulltime</span>
          ${
            viewer
              ? html`<nav>
                    ${sections.map(([href, label]) => html`<a href="${href}" ${current === href ? html` aria-current="page"` : ''}>${label}</a>`)}
                  </nav>
                  <span class="who"
                    >${viewer.username}
                    <span class="status ${viewer.role === 'operator' ? 'on' : 'off'}">${viewer.role}</span>
                    <form class="inline" method="post" action="/admin/logout">
                      <input type="hidden" name="_csrf" value="${viewer.csrf}" /><button class="quiet" type="submit">
                        Sign out
                      </button>
                    </form></span
                  >`
              : ''
          }
        </header>
        <main>
          ${options.notice ? html`<p class="notice${options.notice.bad ? ' bad' : ''}" role="status">${options.notice.text}</p>` : ''}
          ${body}
        </main>
      </body>
    </html>`;
}

/** A status as a coloured badge (classes in the stylesheet). */
export function badge(status: string): Html {
  return html`<span class="status ${status.replace(/[^a-z_]/g, '')}">${status}</span>`;
}

/** The hidden fields every state-changing form carries: the CSRF token, and an Idempotency-Key so a form sent twice acts once. */
export function formGuard(viewer: Viewer, key: string): Html {
  return html`<input type="hidden" name="_csrf" value="${viewer.csrf}" /><input
      type="hidden"
      name="_key"
      value="${key}"
    />`;
}

export function duration(ms: number | null): string {
  if (ms === null) return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function json(value: unknown): Html {
  return html`<pre>${JSON.stringify(value, null, 2)}</pre>`;
}
