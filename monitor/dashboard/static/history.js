// The run history: the last 50 runs, newest first, kept current by the all-runs SSE stream.

import { follow, getJSON, throttle } from "./api.js";
import { h, outLink, replace } from "./dom.js";
import { int, money, seconds, shortId, STATUS_ICONS, when, windowText } from "./format.js";
import { launchPanel } from "./launch.js";

function runRow(run) {
  const link = `#/runs/${encodeURIComponent(run.id)}`;
  return h("tr", { "data-run-id": run.id, "data-status": run.status },
    h("td", {}, h("span", { class: `status status-${run.status}` },
      h("span", { class: "icon", "aria-hidden": "true" }, STATUS_ICONS[run.status] || "•"), ` ${run.status}`)),
    h("td", { class: "mono" }, h("a", { href: link }, shortId(run.id))),
    h("td", {}, windowText(run)),
    h("td", {}, when(run.started_at)),
    h("td", { class: "num" }, run.duration_s === null ? "running…" : seconds(run.duration_s)),
    h("td", { class: "num" }, `${run.agents_done}/${run.agents_total}`),
    h("td", { class: "num" }, int(run.calls)),
    h("td", { class: "num" }, money(run.cost)),
    h("td", {}, outLink(run.gamma_url, "Gamma ↗") || ""));
}

function statsStrip(stats) {
  const rate = stats.success_rate === null ? "–" : `${stats.success_rate}%`;
  return h("div", { class: "cards" },
    h("div", { class: "card" }, h("span", { class: "muted" }, "Finished runs"), h("strong", {}, int(stats.runs))),
    h("div", { class: "card" }, h("span", { class: "muted" }, "Success rate"), h("strong", {}, rate)),
    h("div", { class: "card" }, h("span", { class: "muted" }, "Average cost"),
      h("strong", {}, stats.average_cost === null ? "–" : money(stats.average_cost))),
    h("div", { class: "card" }, h("span", { class: "muted" }, "Average duration"),
      h("strong", {}, seconds(stats.average_duration_s) || "–")));
}

export function historyView(root) {
  const strip = h("section");
  const table = h("section", { class: "panel" });
  const [launch, stopLaunch] = launchPanel();
  replace(root, h("h2", {}, "Runs"), strip, launch, table,
    h("p", { class: "muted small" }, "Export every LLM call: ",
      h("a", { href: "api/export?format=csv" }, "CSV"), " · ", h("a", { href: "api/export?format=json" }, "JSON"),
      " · ", h("a", { href: "metrics" }, "Prometheus metrics")));

  const refreshStats = throttle(async () => replace(strip, statsStrip(await getJSON("api/stats"))), 2000);
  const refresh = throttle(async () => {
    const runs = await getJSON("api/runs?limit=50");
    replace(table, runs.length
      ? h("table", { class: "runs-table", id: "runs" },
        h("thead", {}, h("tr", {}, ["Status", "Run", "Window", "Started", "Duration", "Agents", "Calls",
          "Cost", "Gamma"].map((c) => h("th", {}, c)))),
        h("tbody", {}, runs.map(runRow)))
      : h("p", { class: "muted", id: "no-runs" }, "No runs yet: start one above, or with `voc run`."));
  }, 500);

  refresh();
  refreshStats();
  // Any event of any run may change the list (new runs, agents done); only a run's
  // status changes the statistics, which read every finished run.
  const stopFollowing = follow("api/events", null, {
    any: refresh,
    run: () => {
      refresh();
      refreshStats();
    },
  });
  return () => {
    stopFollowing();
    stopLaunch();
  };
}
