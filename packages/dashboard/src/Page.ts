/**
 * The dashboard page: one self-contained HTML document (inline CSS and JS, hand-written SVG charts, no CDN, no
 * build step). It reads `/events` (server-sent events, `state` messages: the run's state and its history) and
 * redraws; it never reloads. A picker lists `/runs`; a `token` or `run` in the page's query goes on every request.
 *
 * @since 0.1.0
 */

const style = `
:root { --fg:#1d2330; --muted:#5d6778; --line:#dde2ea; --bg:#f5f7fa; --card:#fff; --ok:#1f9d55; --bad:#d64545;
  --warn:#d98a00; --accent:#2f6fde; --flight:#8e5bd6; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; flex-wrap:wrap; gap:12px 24px; align-items:center; padding:14px 24px; background:#1d2330; color:#fff; }
header h1 { font-size:18px; margin:0; font-weight:600; }
header .meta { color:#c4cbd8; }
header .meta b { color:#fff; }
.badge { display:inline-block; padding:2px 10px; border-radius:999px; font-size:12px; font-weight:600; text-transform:uppercase; letter-spacing:.04em; }
.s-running { background:#2f6fde; color:#fff; } .s-done { background:var(--ok); color:#fff; }
.s-failed { background:var(--bad); color:#fff; } .s-waiting, .s-starting { background:var(--warn); color:#fff; }
.s-alive { background:#e3f5ea; color:#17753f; } .s-dead { background:#fde8e8; color:#b3261e; }
#conn { margin-left:auto; font-size:12px; color:#c4cbd8; }
#conn.lost { color:#ffb4a9; font-weight:600; }
main { display:grid; grid-template-columns:repeat(12, 1fr); gap:16px; padding:16px 24px 32px; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px 16px; min-width:0; }
section h2 { font-size:13px; text-transform:uppercase; letter-spacing:.05em; color:var(--muted); margin:0 0 10px; font-weight:600; }
.w3 { grid-column:span 3; } .w4 { grid-column:span 4; } .w5 { grid-column:span 5; } .w6 { grid-column:span 6; }
.w7 { grid-column:span 7; } .w8 { grid-column:span 8; } .w12 { grid-column:span 12; }
@media (max-width: 1000px) { main > section { grid-column:span 12; } }
.big { font-size:26px; font-weight:600; } .sub { color:var(--muted); font-size:12px; }
.bar { display:flex; height:10px; border-radius:5px; overflow:hidden; background:#e9edf3; margin:8px 0 6px; }
.bar span { display:block; height:100%; }
.legend span { margin-right:14px; white-space:nowrap; } .dot { display:inline-block; width:9px; height:9px; border-radius:2px; margin-right:5px; }
table { width:100%; border-collapse:collapse; font-size:13px; }
th { text-align:left; color:var(--muted); font-weight:600; font-size:12px; border-bottom:1px solid var(--line); padding:4px 8px 6px 0; }
td { padding:6px 8px 6px 0; border-bottom:1px solid #f0f2f6; vertical-align:top; }
tr.failed td { background:#fff6f6; }
code, .mono { font-family:ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:12px; }
ul.plain { list-style:none; padding:0; margin:0; max-height:260px; overflow:auto; }
ul.plain li { padding:4px 0; border-bottom:1px solid #f0f2f6; }
.time { color:var(--muted); font-family:ui-monospace, monospace; font-size:12px; margin-right:8px; }
.empty { color:var(--muted); font-style:italic; }
svg text { font-size:11px; fill:var(--muted); }
#picker { background:#2b3342; color:#fff; border:1px solid #46506a; border-radius:6px; padding:3px 6px; font:inherit; max-width:260px; }
#staleness { font-size:12px; color:#c4cbd8; }
#staleness.stale { color:#ffb4a9; font-weight:600; }
.phase { margin:6px 0 0; padding:6px 10px; border-radius:6px; background:#fff7e0; color:#7a5200; font-size:12px; }
.count { display:inline-block; min-width:26px; margin-left:6px; padding:0 6px; border-radius:999px; background:#e9edf3; color:#3c4657; font-size:11px; font-weight:600; text-align:center; }
.legend.chart { margin-top:4px; }
`

const script = `
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&":"&amp;", "<":"&lt;", ">":"&gt;", '"':"&quot;", "'":"&#39;" })[c]);
const num = (n) => Number(n).toLocaleString("en-US");
const clock = (ms) => new Date(ms).toLocaleTimeString("en-GB", { hour12: false });
const ago = (ms) => { const s = Math.max(0, (Date.now() - ms) / 1000); return s < 60 ? s.toFixed(1) + " s ago" : Math.floor(s / 60) + " min ago"; };
// "12 s", "5 min", "3 h", "4 days": how long ago, at a glance.
const since = (ms) => { const s = Math.max(0, ms / 1000); return s < 60 ? Math.floor(s) + " s" : s < 3600 ? Math.floor(s / 60) + " min" : s < 172800 ? Math.floor(s / 3600) + " h" : Math.floor(s / 86400) + " days"; };
const span = (ms) => { const s = Math.round(ms / 1000); return s < 60 ? s + " s" : Math.floor(s / 60) + " min " + (s % 60) + " s"; };
const bytes = (n) => n < 1024 ? n + " B" : n < 1048576 ? (n / 1024).toFixed(1) + " KiB" : n < 1073741824 ? (n / 1048576).toFixed(1) + " MiB" : (n / 1073741824).toFixed(2) + " GiB";
const levelColors = { TRACE:"#9aa5b8", DEBUG:"#5b8def", INFO:"#1f9d55", NOTICE:"#27a3a3", WARN:"#e0a100", ERROR:"#d64545", FATAL:"#7a1fa2", unmatched:"#c4cbd8" };
const levels = ["TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "FATAL"];
const workerColors = ["#2f6fde", "#1f9d55", "#d98a00", "#8e5bd6", "#27a3a3", "#d64545", "#7a1fa2", "#5d6778"];
// The page keeps its token (a dashboard bound beyond loopback) and the run picked on every request it makes.
const query = new URLSearchParams(location.search);
const token = query.get("token");
let picked = query.get("run");
const api = (path, run) => {
  const q = new URLSearchParams();
  if (token) q.set("token", token);
  if (run) q.set("run", run);
  const s = q.toString();
  return path + (s ? "?" + s : "");
};
let state;

function stacked(parts, total) {
  return '<div class="bar">' + parts.map(([n, color]) => '<span style="width:' + (total ? 100 * n / total : 0) + '%;background:' + color + '"></span>').join("") + "</div>";
}

function countsChart(c) {
  const rows = levels.slice().reverse().filter((l) => c.levels[l] !== undefined).map((l) => [l, c.levels[l]]);
  if (c.unmatched) rows.push(["unmatched", c.unmatched]);
  if (rows.length === 0) return '<p class="empty">no lines counted yet</p>';
  const max = Math.max(...rows.map((r) => r[1])), h = 24, w = 560, label = 78, right = 90;
  return '<svg id="counts-chart" viewBox="0 0 ' + w + " " + rows.length * h + '" width="100%" role="img" aria-label="lines per level">' +
    rows.map(([l, n], i) => {
      const bw = max ? (w - label - right) * n / max : 0;
      return '<text x="0" y="' + (i * h + 16) + '" style="fill:#1d2330;font-weight:600">' + l + "</text>" +
        '<rect x="' + label + '" y="' + (i * h + 5) + '" width="' + Math.max(bw, 1) + '" height="' + (h - 9) + '" rx="3" fill="' + levelColors[l] + '"></rect>' +
        '<text x="' + (label + bw + 6) + '" y="' + (i * h + 16) + '">' + num(n) + "</text>";
    }).join("") + "</svg>";
}

// A time chart's frame: scales for t0..t1 and 0..max, and the svg opening with grid lines and axis labels.
function frame(id, label, t0, t1, max) {
  const w = 560, h = 150, left = 60, bottom = 20;
  const x = (t) => left + (w - left - 8) * (t - t0) / Math.max(1, t1 - t0), y = (v) => 8 + (h - bottom - 8) * (1 - v / max);
  const open = '<svg id="' + id + '" viewBox="0 0 ' + w + " " + h + '" width="100%" role="img" aria-label="' + label + '">' +
    '<line x1="' + left + '" y1="' + y(max) + '" x2="' + w + '" y2="' + y(max) + '" stroke="#eef1f5"></line>' +
    '<line x1="' + left + '" y1="' + y(0) + '" x2="' + w + '" y2="' + y(0) + '" stroke="#dde2ea"></line>' +
    '<text x="' + (left - 6) + '" y="' + (y(max) + 4) + '" text-anchor="end">' + num(max) + "</text>" +
    '<text x="' + (left - 6) + '" y="' + (y(0) + 4) + '" text-anchor="end">0</text>' +
    '<text x="' + left + '" y="' + (h - 4) + '">' + clock(t0) + "</text>" +
    '<text x="' + w + '" y="' + (h - 4) + '" text-anchor="end">' + clock(t1) + "</text>";
  return { x, y, open };
}

function throughputChart(samples, over) {
  if (samples.length < 2) return '<p class="empty">' + (over ? "no throughput samples in this run's snapshot" : "waiting for two samples") + "</p>";
  const t0 = samples[0].at, t1 = samples[samples.length - 1].at;
  const { x, y, open } = frame("throughput-chart", "lines per second", t0, t1, Math.max(1, ...samples.map((s) => s.linesPerSecond)));
  const pts = samples.map((s) => x(s.at).toFixed(1) + "," + y(s.linesPerSecond).toFixed(1)).join(" ");
  return open + '<polygon points="' + x(t0) + "," + y(0) + " " + pts + " " + x(t1) + "," + y(0) + '" fill="#2f6fde22"></polygon>' +
    '<polyline points="' + pts + '" fill="none" stroke="#2f6fde" stroke-width="2"></polyline></svg>';
}

// One line per key of series[i].perSecond, over time; keys in "order" first, colors from color(key, i).
function linesChart(id, label, series, order, color, over) {
  if (series.length < 2) return '<p class="empty">' + (over ? "no history: this dashboard was not watching while the run counted" : "waiting for two samples a second apart") + "</p>";
  const keys = [...new Set(series.flatMap((p) => Object.keys(p.perSecond)))]
    .filter((k) => series.some((p) => p.perSecond[k] > 0))
    .sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || (a < b ? -1 : 1));
  if (keys.length === 0) return '<p class="empty">nothing counted in this window</p>';
  const max = Math.max(1, ...series.flatMap((p) => keys.map((k) => p.perSecond[k] ?? 0)));
  const { x, y, open } = frame(id, label, series[0].at, series[series.length - 1].at, max);
  return open + keys.map((k, i) => '<polyline data-key="' + esc(k) + '" points="' + series.map((p) => x(p.at).toFixed(1) + "," + y(p.perSecond[k] ?? 0).toFixed(1)).join(" ") +
      '" fill="none" stroke="' + color(k, i) + '" stroke-width="2"></polyline>').join("") + "</svg>" +
    '<div class="legend chart sub">' + keys.map((k, i) => '<span><i class="dot" style="background:' + color(k, i) + '"></i>' + esc(k) +
      " <b>" + num(series[series.length - 1].perSecond[k] ?? 0) + "/s</b></span>").join("") + "</div>";
}

function staleness(s) {
  const el = $("staleness");
  const over = s.status === "done" || s.status === "failed";
  const age = (Date.now() - s.updatedAt) / 1000;
  el.textContent = (over ? "finished " : "last update ") + since(Date.now() - (over ? s.finishedAt ?? s.updatedAt : s.updatedAt)) + " ago";
  // A running run that has said nothing for a while: its master may be stuck or gone.
  el.className = !over && age > 10 ? "stale" : "";
}

async function refreshRuns() {
  try {
    const response = await fetch(api("runs"));
    if (!response.ok) return;
    const runs = await response.json();
    const select = $("picker");
    const chosen = picked ?? "";
    // A run asked for by address that the list does not hold (yet) stays selectable and selected.
    if (chosen && !runs.some((r) => r.runId === chosen)) runs.unshift({ runId: chosen, status: "unknown", startedAt: Date.now(), lines: 0 });
    select.innerHTML = '<option value="">latest run</option>' + runs.map((r) => '<option value="' + esc(r.runId) + '"' +
      (r.runId === chosen ? " selected" : "") + ' title="started ' + new Date(r.startedAt).toLocaleString("en-GB", { hour12: false }) + ", " + num(r.lines) + ' lines">' +
      esc(r.runId) + " · " + r.status + " · " + since(Date.now() - r.startedAt) + " ago</option>").join("");
  } catch {}
}

function render() {
  if (!state) return;
  const s = state, t = s.tasks, end = s.finishedAt ?? Date.now();
  $("run").textContent = s.runId;
  staleness(s);
  const planning = s.status === "starting";
  const over = s.status === "done" || s.status === "failed";
  $("status").className = "badge s-" + s.status;
  $("status").textContent = s.status;
  $("leader").innerHTML = s.leader ? "<b>" + esc(s.leader.id) + "</b> (term " + s.leader.term + ")" : "<b>—</b> (no election)";
  $("elapsed").textContent = span(end - s.startedAt);
  $("error").textContent = s.error ? "error: " + s.error : "";
  // Result messages set aside (undecodable or not matching a task still owed): their tasks are redone.
  $("rejected").textContent = s.rejected && s.rejected.count > 0 ? num(s.rejected.count) + " result(s) set aside" + (s.rejected.lastReason ? " (last: " + s.rejected.lastReason + ")" : "") : "";
  $("files").innerHTML = (planning ? '<div class="big">planning</div><p class="phase" id="phase">listing and splitting files for ' + span(Date.now() - s.startedAt) + ": no tasks yet</p>" : '<div class="big">' + num(s.files.done) + " / " + num(s.files.total) + "</div>") +
    stacked([[s.files.done, "var(--ok)"]], s.files.total) + '<div class="sub">' + bytes(s.bytes.done) + " of " + bytes(s.bytes.total) +
    (s.resumed ? " · resumed with " + num(s.resumed.filesAlreadyProcessed) + " files done" : "") + "</div>";
  $("tasks").innerHTML = '<div class="big" id="tasks-done">' + (planning ? "—" : num(t.done) + " / " + num(t.total)) + "</div>" +
    stacked([[t.done, "var(--ok)"], [t.inFlight, "var(--flight)"], [t.pending, "#c4cbd8"]], t.total) +
    '<div class="legend sub"><span><i class="dot" style="background:var(--ok)"></i>done <b>' + num(t.done) + '</b></span>' +
    '<span><i class="dot" style="background:var(--flight)"></i>in flight <b>' + num(t.inFlight) + "</b></span>" +
    '<span><i class="dot" style="background:#c4cbd8"></i>pending <b>' + num(t.pending) + "</b></span></div>";
  const last = s.throughput[s.throughput.length - 1];
  const took = ((s.finishedAt ?? Date.now()) - s.startedAt) / 1000;
  $("lines").innerHTML = '<div class="big">' + num(s.counts.lines) + '</div><div class="sub">' +
    (over ? (took > 0 ? "on average " + num(Math.round(s.counts.lines / took)) + " lines/s · " + bytes(Math.round(s.counts.bytes / took)) + "/s" : "finished")
      : last ? num(last.linesPerSecond) + " lines/s · " + bytes(last.bytesPerSecond) + "/s" : "no rate yet") + "</div>";
  const alive = s.workers.filter((w) => w.status === "alive").length;
  $("workers-count").innerHTML = '<div class="big">' + alive + " alive</div>" + '<div class="sub">' +
    (s.workers.length - alive) + " failed · " + s.workers.length + " seen</div>";
  const rates = s.history.workers[s.history.workers.length - 1]?.perSecond ?? {};
  $("workers").innerHTML = s.workers.length === 0 ? '<p class="empty">' + (planning ? "planning the run: workers get tasks once it is split" : "no worker has reported yet") + "</p>" :
    "<table><thead><tr><th>Worker</th><th>Status</th><th>Current task</th><th>Tasks done</th><th>Tasks/s</th><th>Last heartbeat</th></tr></thead><tbody>" +
    s.workers.map((w) => '<tr class="' + (w.status === "failed" ? "failed" : "") + '" data-worker="' + esc(w.workerId) + '" data-status="' + w.status + '">' +
      '<td class="mono">' + esc(w.workerId) + '</td><td><span class="badge ' + (w.status === "alive" ? "s-alive" : "s-dead") + '">' + w.status + "</span></td>" +
      '<td class="mono">' + (w.working.length ? w.working.map(esc).join("<br>") : '<span class="empty">idle</span>') + "</td>" +
      "<td>" + num(w.tasksDone) + "</td><td>" + (w.status === "alive" ? num(rates[w.workerId] ?? 0) : "—") + "</td><td>" + ago(w.lastHeartbeat) + "</td></tr>").join("") + "</tbody></table>";
  $("counts").innerHTML = countsChart(s.counts);
  $("throughput").innerHTML = throughputChart(s.throughput, over);
  $("levels-over-time").innerHTML = linesChart("levels-chart", "lines per second by level", s.history.levels, levels.slice().reverse().concat(["unmatched"]), (k) => levelColors[k] ?? "#5d6778", over);
  $("worker-throughput").innerHTML = linesChart("workers-chart", "tasks per second by worker", s.history.workers, [], (k, i) => workerColors[i % workerColors.length], over);
  $("recoveries").innerHTML = s.recoveries.length === 0 ? '<p class="empty">no worker has failed</p>' :
    '<ul class="plain">' + s.recoveries.slice().reverse().map((r) => '<li><span class="time">' + clock(r.at) + "</span>worker <b class=\\"mono\\">" +
      esc(r.workerId) + "</b> failed · " + r.requeued.length + " task(s) requeued" +
      (r.requeued.length ? '<div class="sub mono">' + r.requeued.map(esc).join("<br>") + "</div>" : "") + "</li>").join("") + "</ul>" +
    (s.failedTasks.length ? '<h2 style="margin-top:12px">Given-up tasks</h2><ul class="plain">' +
      s.failedTasks.map((f) => '<li class="mono">' + esc(f.path) + ": " + esc(f.reason) + "</li>").join("") + "</ul>" : "");
  const c = s.checkpoints;
  $("checkpoints").innerHTML = '<div class="big">' + c.saved + " saved</div>" + '<div class="sub">' +
    (c.lastSequence === null ? "none yet" : "last: sequence " + c.lastSequence + " at " + clock(c.lastAt) + " (" + ago(c.lastAt) + ")") + "</div>";
  // Each kind of event once, newest first, with how often it happened (121 checkpoints are one line).
  const events = s.history.events;
  $("log").innerHTML = events.length === 0 ? '<p class="empty">no events yet</p>' : '<ul class="plain">' +
    events.slice().reverse().map((e) => '<li data-kind="' + esc(e.kind) + '"><span class="time">' + clock(e.lastAt) + "</span>" +
      (e.count === 1 ? esc(e.text) : esc(e.kind.split("*").join("…").replace(/#/g, "N")) + '<span class="count" title="first at ' + clock(e.firstAt) + '">×' + num(e.count) + "</span>" +
        '<div class="sub">latest: ' + esc(e.text) + "</div>") + "</li>").join("") + "</ul>";
}

let source;
function connect() {
  if (source) source.close();
  source = new EventSource(api("events", picked));
  source.addEventListener("state", (e) => { state = JSON.parse(e.data); render(); });
  source.onopen = () => { $("conn").textContent = "live"; $("conn").className = ""; };
  source.onerror = () => { $("conn").textContent = "connection lost: retrying"; $("conn").className = "lost"; };
}
$("picker").addEventListener("change", (e) => {
  picked = e.target.value || null;
  const q = new URLSearchParams(location.search);
  if (picked) q.set("run", picked); else q.delete("run");
  history.replaceState(null, "", "?" + q.toString());
  state = undefined;
  connect();
});
connect();
refreshRuns();
setInterval(refreshRuns, 5000); // new runs appear in the picker
setInterval(render, 1000); // keeps "seconds ago" and the elapsed time moving between updates
`

/**
 * The dashboard page: one HTML document with its script, which reads the SSE stream and the run list.
 *
 * @since 0.1.0
 * @category constants
 */
export const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dla dashboard</title>
<style>${style}</style>
</head>
<body>
<header>
  <h1>dla · run <span id="run">—</span></h1>
  <span id="status" class="badge s-starting">waiting for a run</span>
  <span class="meta">leader <span id="leader"><b>—</b></span></span>
  <span class="meta">elapsed <b id="elapsed">—</b></span>
  <span class="meta" id="error"></span>
  <span class="meta" id="rejected"></span>
  <span id="staleness"></span>
  <label class="meta">run <select id="picker" aria-label="run"><option value="">latest run</option></select></label>
  <span id="conn">connecting…</span>
</header>
<main>
  <section class="w3"><h2>Files</h2><div id="files"></div></section>
  <section class="w3"><h2>Tasks</h2><div id="tasks"></div></section>
  <section class="w3"><h2>Lines counted</h2><div id="lines"></div></section>
  <section class="w3"><h2>Workers</h2><div id="workers-count"></div></section>
  <section class="w7"><h2>Workers</h2><div id="workers"><p class="empty">no worker has reported yet</p></div></section>
  <section class="w5"><h2>Lines per level</h2><div id="counts"></div></section>
  <section class="w6"><h2>Lines per second by level</h2><div id="levels-over-time"></div></section>
  <section class="w6"><h2>Tasks per second by worker</h2><div id="worker-throughput"></div></section>
  <section class="w7"><h2>Throughput (lines/s)</h2><div id="throughput"></div></section>
  <section class="w5"><h2>Checkpoints</h2><div id="checkpoints"></div></section>
  <section class="w6"><h2>Failed workers and recovery</h2><div id="recoveries"></div></section>
  <section class="w6"><h2>Events</h2><div id="log"></div></section>
</main>
<script>${script}</script>
</body>
</html>
`
