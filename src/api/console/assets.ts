// The console's stylesheet and its one script, served from /admin/assets (no CDN, no inline code:
// the Content-Security-Policy allows scripts and styles from this origin only).

export const stylesheet = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #5b6470; --line: #d8dde3; --bg: #f6f7f9; --accent: #1f5fbf;
  --ok: #1d7a3a; --warn: #9a6200; --bad: #b3261e; --run: #1f5fbf; --off: #6b7280; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
header { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.2rem; background: #fff; border-bottom: 1px solid var(--line); }
header .brand { font-weight: 700; }
header nav a { margin-right: 1rem; color: var(--ink); text-decoration: none; }
header nav a[aria-current="page"] { color: var(--accent); font-weight: 600; }
header .who { margin-left: auto; color: var(--muted); display: flex; gap: .6rem; align-items: center; }
main { padding: 1.2rem; max-width: 1280px; }
h1 { font-size: 1.35rem; margin: 0 0 1rem; }
h2 { font-size: 1.05rem; margin: 1.6rem 0 .6rem; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f4; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { background: #fff; border: 1px solid var(--line); padding: .6rem; overflow: auto; max-height: 24rem; }
.status { display: inline-block; padding: 0 .5rem; border-radius: 1rem; font-size: 12px; font-weight: 600; color: #fff; background: var(--off); }
.status.completed, .status.up, .status.ok, .status.applied, .status.succeeded, .status.ready, .status.on { background: var(--ok); }
.status.running, .status.pending { background: var(--run); }
.status.failed, .status.down, .status.missing, .status.late, .status.timed_out, .status.terminated, .status.refused { background: var(--bad); }
.status.canceled, .status.paused, .status.skipped, .status.off { background: var(--warn); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: .8rem; }
.card { background: #fff; border: 1px solid var(--line); padding: .8rem; }
.card .value { font-size: 1.4rem; font-weight: 700; }
.muted { color: var(--muted); }
.error { color: var(--bad); font-weight: 600; }
.notice { background: #fff; border-left: 4px solid var(--accent); padding: .6rem .8rem; margin: 0 0 1rem; }
.notice.bad { border-color: var(--bad); }
form.inline { display: inline; }
form.filters { display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; margin-bottom: 1rem; }
label { display: flex; flex-direction: column; gap: .2rem; font-size: 12px; color: var(--muted); }
input, select, button, textarea { font: inherit; padding: .3rem .5rem; border: 1px solid var(--line); border-radius: 3px; background: #fff; color: var(--ink); }
button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
button.danger { background: var(--bad); border-color: var(--bad); }
button.quiet { background: #fff; color: var(--ink); border-color: var(--line); }
.actions { display: flex; flex-wrap: wrap; gap: .6rem; margin: .6rem 0; }
.login { max-width: 22rem; margin: 4rem auto; background: #fff; border: 1px solid var(--line); padding: 1.5rem; }
.login form { display: flex; flex-direction: column; gap: .8rem; }
`;

/** Reloads pages marked data-refresh every 30 s, unless someone is typing in a form field. */
export const refreshScript = `
(function () {
  var seconds = Number(document.body.dataset.refresh || 0);
  if (!seconds) return;
  setInterval(function () {
    var active = document.activeElement;
    if (active && /INPUT|SELECT|TEXTAREA/.test(active.tagName)) return;
    location.reload();
  }, seconds * 1000);
})();
`;
