// The live run view: agents as rows on a shared time axis (a waterfall), the
// progress bar, running totals, files, the report, and a live log. The snapshot
// comes from /api/runs/{id}; SSE events change rows at once and ask for a fresh
// snapshot (at most a few times a second) for durations, tokens and cost.

import { fileUrl, follow, getJSON, getText, throttle } from "./api.js";
import { h, outLink, replace } from "./dom.js";
import {
  bytes, clock, DONE, FINAL, int, money, seconds, shortId, STATUS_ICONS, when, windowText,
} from "./format.js";
import { cancelRun } from "./launch.js";
import { renderReport } from "./report.js";
import { scoresPanel } from "./scores.js";

const REPORT = "report.md";
// A run that is neither recorded nor waiting in Prefect this long is not coming.
const GIVE_UP_WAITING_MS = 30000;

function statusBadge(status, attrs = {}) {
  return h("span", { class: `status status-${status}`, ...attrs },
    h("span", { class: "icon", "aria-hidden": "true" }, STATUS_ICONS[status] || "•"), ` ${status}`);
}

/** Why an agent failed (an error) or was skipped (a note). */
function note(row) {
  if (!row.error) return null;
  return h("div", { class: row.status === "skipped" ? "muted small" : "error small" }, row.error);
}

function pendingRow(agent) {
  return {
    agent, status: "pending", duration_s: null, error: null, topics: 0, calls: 0,
    input_tokens: 0, output_tokens: 0, cached_tokens: 0, cost: "0",
    started_at: null, ended_at: null, topic_runs: [],
  };
}

/** Rows to show: the run's agents in start order, then those still to come. */
function displayRows(run) {
  const rows = [...run.breakdown];
  const present = new Set(rows.map((r) => r.agent));
  for (const name of run.expected_agents || []) {
    if (!present.has(name)) rows.push(pendingRow(name));
  }
  return rows;
}

function progressOf(run) {
  const rows = displayRows(run);
  const done = rows.filter((r) => DONE.has(r.status)).length;
  const running = rows.filter((r) => r.status === "running").map((r) => r.agent);
  return { done, total: run.agents_total, running };
}

/** The time axis: from the run's start to its end, or to now while it runs. */
function axis(run) {
  const start = Date.parse(run.started_at);
  let end = run.ended_at ? Date.parse(run.ended_at) : Date.now();
  for (const row of run.breakdown) {
    for (const t of [row.started_at, row.ended_at]) if (t) end = Math.max(end, Date.parse(t));
  }
  return { start, span: Math.max(end - start, 1) };
}

function timelineBar(row, timeAxis) {
  const track = h("div", { class: "track" });
  if (!row.started_at) return track;
  const begin = Date.parse(row.started_at);
  const end = row.ended_at ? Date.parse(row.ended_at)
    : row.status === "running" ? timeAxis.start + timeAxis.span : begin;
  const bar = h("div", { class: `bar bar-${row.status}`, title: `${row.agent}: ${row.status}` });
  // CSSOM, not a style attribute: allowed by the Content-Security-Policy.
  bar.style.left = `${((begin - timeAxis.start) / timeAxis.span) * 100}%`;
  bar.style.width = `${Math.max(((end - begin) / timeAxis.span) * 100, 0.6)}%`;
  track.append(bar);
  return track;
}

function liveDuration(row) {
  if (row.status === "running" && row.started_at) {
    return `${((Date.now() - Date.parse(row.started_at)) / 1000).toFixed(1)}s…`;
  }
  return seconds(row.duration_s);
}

export function runView(root, runId) {
  const apiPath = `api/runs/${encodeURIComponent(runId)}`;
  const state = { run: null, expanded: new Set(), snapshotEvent: 0, reportFor: null };
  const parts = {
    head: h("section", { class: "run-head" }),
    progress: h("section", { class: "progress-block" }),
    agents: h("section", { class: "panel" }),
    files: h("section", { class: "panel" }),
    scores: h("div"),
    report: h("section", { class: "panel report" }),
    log: h("ol", { class: "log", id: "log" }),
  };
  replace(root, parts.head, parts.progress, parts.scores, parts.agents,
    h("div", { class: "columns" },
      h("section", { class: "panel" }, h("h3", {}, "Live log"), parts.log), parts.files),
    parts.report);
  let stop = null;
  let ticker = null;
  let closed = false;

  const refresh = throttle(async () => {
    try {
      state.run = await getJSON(apiPath);
      renderAll();
    } catch (error) {
      logText(`refresh failed: ${error.message}`, "error");
    }
  }, 400);

  function renderHead() {
    const run = state.run;
    const links = [
      outLink(run.prefect_url, "Flow run in the Prefect UI ↗")
        || h("span", { class: "muted" }, `Prefect flow run ${run.flow_run_name || run.id}`),
      outLink(run.gamma_url, "Gamma presentation ↗"),
    ];
    replace(parts.head,
      h("div", { class: "title-row" },
        h("h2", {}, `Run ${shortId(run.id)}`),
        statusBadge(run.status, { id: "run-status", "data-status": run.status })),
      h("dl", { class: "facts" },
        h("dt", {}, "Window"), h("dd", {}, windowText(run)),
        h("dt", {}, "Started"), h("dd", {}, when(run.started_at)),
        h("dt", {}, "Duration"), h("dd", {}, run.duration_s === null ? "running…" : seconds(run.duration_s)),
        h("dt", {}, "Source"), h("dd", {}, run.source || ""),
        h("dt", {}, "Model"), h("dd", {}, `${run.provider || ""} ${run.model || ""}`)),
      h("p", { class: "links" }, links.filter(Boolean).flatMap((l, i) => (i ? [" · ", l] : [l]))),
      // Only a deployment's run has a worker that can stop it.
      run.status === "running" && run.deployment_id ? cancelControl() : null,
      run.error ? h("p", { class: "error", id: "run-error" }, run.error) : null);
  }

  /** "Cancel run": Prefect's worker stops the run, which then ends `cancelled`. */
  function cancelControl() {
    const status = h("span", { class: "small", id: "cancel-status" });
    const button = h("button", { type: "button", id: "run-cancel" }, "Cancel run");
    button.addEventListener("click", () => cancelRun(runId, button, status));
    return h("p", { class: "cancel-row" }, button, " ", status);
  }

  /** Until the run's worker starts it, where it waits in Prefect (or null: not queued). */
  function renderWaiting(entry) {
    const cancel = cancelControl();
    replace(parts.head,
      h("div", { class: "title-row" },
        h("h2", {}, `Run ${shortId(runId)}`),
        statusBadge("pending", { id: "run-status", "data-status": "queued" })),
      h("p", { id: "run-waiting" }, entry
        ? `Waiting in Prefect: ${entry.state}, position ${entry.position} in the queue.`
        : "Starting: waiting for its worker to record it…"),
      cancel);
  }

  // A run started from the dashboard has no rows until a worker runs it: until then the
  // page shows where it waits in Prefect and looks again every second.
  async function snapshot() {
    const since = Date.now();
    while (!closed) {
      try {
        return await getJSON(apiPath);
      } catch (error) {
        if (error.status !== 404) throw error;
        let entry = null;
        let prefect = false;
        try {
          const answer = await getJSON("api/queue");
          prefect = answer.configured;
          entry = answer.queue.find((q) => q.flow_run_id === runId) || null;
        } catch {
          /* Prefect unreachable: as if there were none */
        }
        // Without Prefect a run can only be one the store has.
        if (!entry && (!prefect || Date.now() - since > GIVE_UP_WAITING_MS)) throw error;
        renderWaiting(entry);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    return null;
  }

  function renderProgress() {
    const run = state.run;
    const { done, total, running } = progressOf(run);
    const bar = h("div", { class: "fill" });
    bar.style.width = `${total ? (100 * done) / total : 0}%`;
    replace(parts.progress,
      h("div", { class: "progress", role: "progressbar", "aria-valuemin": 0,
        "aria-valuemax": total, "aria-valuenow": done }, bar),
      h("div", { class: "progress-row" },
        h("strong", { id: "progress-text" }, `${done}/${total} agents`),
        h("span", { class: "muted" }, running.length ? ` running: ${running.join(", ")}` : ""),
        h("span", { class: "totals" },
          h("span", {}, "Cost ", h("strong", { id: "run-cost" }, money(run.cost))),
          h("span", {}, `Calls ${int(run.calls)}`),
          h("span", {}, `Tokens ${int(run.input_tokens)} in / ${int(run.output_tokens)} out`))));
  }

  function agentRow(row, timeAxis) {
    const label = row.topics ? `${row.agent} ×${row.topics}` : row.agent;
    const name = row.topic_runs.length
      ? h("button", { class: "link", type: "button", "aria-expanded": state.expanded.has(row.agent) }, label)
      : label;
    if (row.topic_runs.length) {
      name.addEventListener("click", () => {
        if (state.expanded.has(row.agent)) state.expanded.delete(row.agent);
        else state.expanded.add(row.agent);
        renderAgents();
      });
    }
    const tr = h("tr", { "data-agent": row.agent, "data-status": row.status, class: `row-${row.status}` },
      h("td", {}, statusBadge(row.status)),
      h("td", { class: "agent" }, name, note(row)),
      h("td", { class: "timeline" }, timelineBar(row, timeAxis)),
      h("td", { class: "num" }, liveDuration(row)),
      h("td", { class: "num" }, int(row.calls)),
      h("td", { class: "num" }, int(row.input_tokens)),
      h("td", { class: "num" }, int(row.output_tokens)),
      h("td", { class: "num" }, money(row.cost)));
    const children = state.expanded.has(row.agent)
      ? row.topic_runs.map((t) => h("tr", { class: "topic-run" },
        h("td", {}, statusBadge(t.status)),
        h("td", { class: "agent" }, t.key, note(t)),
        h("td", {}), h("td", { class: "num" }, seconds(t.duration_s)),
        h("td", { class: "num" }, int(t.calls)), h("td", {}), h("td", {}),
        h("td", { class: "num" }, money(t.cost))))
      : [];
    return [tr, ...children];
  }

  function renderAgents() {
    const run = state.run;
    const rows = displayRows(run);
    const timeAxis = axis(run);
    const missing = run.agents_total - rows.length;
    replace(parts.agents,
      h("h3", {}, "Agents"),
      h("table", { class: "agents-table", id: "agents" },
        h("thead", {}, h("tr", {},
          ["Status", "Agent", `Timeline (0 – ${(timeAxis.span / 1000).toFixed(1)}s)`, "Duration",
            "Calls", "Tokens in", "Tokens out", "Cost"].map((c) => h("th", {}, c)))),
        h("tbody", {}, rows.map((row) => agentRow(row, timeAxis)),
          missing > 0 ? h("tr", { class: "muted" }, h("td", { colspan: 8 },
            `${missing} more agent${missing === 1 ? "" : "s"} not started yet`)) : null)));
  }

  function renderFiles() {
    const run = state.run;
    replace(parts.files, h("h3", {}, "Files"),
      run.files.length
        ? h("table", { class: "files-table", id: "files" },
          h("tbody", {}, run.files.map((f) => h("tr", {},
            h("td", {}, h("a", { href: fileUrl(run.id, f.path), download: f.path.split("/").pop() }, f.path)),
            h("td", { class: "num" }, bytes(f.size)),
            h("td", { class: "mono", title: f.sha256 }, f.sha256.slice(0, 12))))))
        : h("p", { class: "muted" }, "No files yet."),
      run.output_dir ? h("p", { class: "muted small mono" }, run.output_dir) : null);
  }

  async function renderReportOnce() {
    const run = state.run;
    if (state.reportFor === run.id || !FINAL.has(run.status)) return;
    if (!run.files.some((f) => f.path === REPORT)) return;
    state.reportFor = run.id;
    try {
      const text = await getText(fileUrl(run.id, REPORT));
      replace(parts.report, h("h3", {}, "Report"), renderReport(text));
    } catch (error) {
      replace(parts.report, h("p", { class: "error" }, `report.md: ${error.message}`));
    }
  }

  function renderAll() {
    renderHead();
    renderProgress();
    renderAgents();
    renderFiles();
    replace(parts.scores, scoresPanel(state.run));
    renderReportOnce();
  }

  function logText(text, kind = "info", at = null) {
    parts.log.append(h("li", { class: `log-${kind}` }, h("time", {}, clock(at || new Date().toISOString())), " ", text));
    parts.log.scrollTop = parts.log.scrollHeight;
  }

  function logEvent(event) {
    const p = event.payload || {};
    let text;
    if (event.kind === "agent") text = `${p.key || p.agent}: ${p.status}${p.error ? ` (${p.error})` : ""}`;
    else if (event.kind === "run") text = `run ${p.status}${p.error ? `: ${p.error}` : ""}`;
    else if (event.kind === "file") text = `file ${p.path} (${bytes(p.size || 0)})`;
    else text = [p.level, p.agent || p.key, p.message ?? JSON.stringify(p)].filter(Boolean).join(" · ");
    logText(text, event.kind === "log" ? `log ${String(p.level || "").toLowerCase()}` : event.kind, event.created_at);
  }

  function onAgent(event) {
    const p = event.payload;
    let row = state.run.breakdown.find((r) => r.agent === p.agent);
    if (!row) {
      row = pendingRow(p.agent);
      state.run.breakdown.push(row);
    }
    if (p.key === p.agent) {
      row.status = p.status;
      row.error = p.error || null;
      if (p.status === "running") {
        row.started_at = row.started_at || event.created_at;
        row.ended_at = null;
      } else {
        row.ended_at = event.created_at;
        if (row.started_at) {
          row.duration_s = (Date.parse(row.ended_at) - Date.parse(row.started_at)) / 1000;
        }
      }
    }
    renderProgress();
    renderAgents();
  }

  function onRun(event) {
    state.run.status = event.payload.status;
    if (event.payload.error) state.run.error = event.payload.error;
    renderHead();
  }

  function onEvent(handler) {
    return (event) => {
      logEvent(event);
      // Events up to the snapshot's are already in it: they only fill the log.
      if (Number(event.id) <= state.snapshotEvent) return;
      if (handler) handler(event);
      refresh();
    };
  }

  async function start() {
    try {
      state.run = await snapshot();
      if (state.run === null) return;
    } catch (error) {
      replace(root, h("h2", {}, "Run not found"), h("p", { class: "error" }, error.message),
        h("p", {}, h("a", { href: "#/" }, "Back to the runs")));
      return;
    }
    state.snapshotEvent = Number(state.run.last_event_id);
    renderAll();
    // From 0: the whole log of the run fills the pane, then live events follow.
    stop = follow(`${apiPath}/events`, 0, {
      agent: onEvent(onAgent), run: onEvent(onRun), file: onEvent(null), log: onEvent(null),
    });
    // Running bars grow with the clock between events.
    ticker = setInterval(() => {
      if (state.run && !FINAL.has(state.run.status)) renderAgents();
    }, 1000);
  }

  start();
  return () => {
    closed = true;
    if (stop) stop();
    clearInterval(ticker);
  };
}
