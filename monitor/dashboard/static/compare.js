// Week over week: cost, duration, volume and topic mix of the last N windows, and
// the per-agent averages of every finished run.

import { getJSON } from "./api.js";
import { barChart, stackedShares } from "./charts.js";
import { h, replace } from "./dom.js";
import { int, money, seconds } from "./format.js";
import { accuracyPanel } from "./scores.js";

const CHOICES = [4, 8, 12, 26];

function weekLabel(week) {
  return String(week.window_start).slice(5);
}

function delta(values, format) {
  if (values.length < 2) return "";
  const [before, now] = values.slice(-2);
  const change = now - before;
  const sign = change > 0 ? "+" : change < 0 ? "−" : "±";
  return ` (${sign}${format(Math.abs(change))} on the week before)`;
}

function agentsTable(stats) {
  return h("table", { class: "agents-table" },
    h("thead", {}, h("tr", {}, ["Agent", "Runs", "Avg duration", "Avg cost", "Calls"].map((c) => h("th", {}, c)))),
    h("tbody", {}, stats.agents.map((a) => h("tr", {},
      h("td", {}, a.agent), h("td", { class: "num" }, int(a.runs)),
      h("td", { class: "num" }, seconds(a.average_duration_s)),
      h("td", { class: "num" }, money(a.average_cost)), h("td", { class: "num" }, int(a.calls))))));
}

export function compareView(root, params) {
  const weeks = Number(params.get("weeks")) || 8;
  const body = h("div");
  const picker = h("p", { class: "picker" }, "Last ", CHOICES.flatMap((n, i) => [
    i ? " · " : "",
    n === weeks ? h("strong", {}, `${n} weeks`) : h("a", { href: `#/compare?weeks=${n}` }, `${n} weeks`),
  ]));
  replace(root, h("h2", {}, "Week over week"), picker, body, accuracyPanel());

  Promise.all([getJSON(`api/compare?weeks=${weeks}`), getJSON("api/stats")]).then(([data, stats]) => {
    const rows = data.weeks;
    if (!rows.length) {
      replace(body, h("p", { class: "muted" }, "No completed runs yet."));
      return;
    }
    const labels = rows.map(weekLabel);
    const costs = rows.map((w) => Number(w.cost));
    const durations = rows.map((w) => Number(w.duration_s || 0));
    const volumes = rows.map((w) => Number(w.conversations || 0));
    const scored = rows.filter((w) => w.scores && w.scores.topic_accuracy !== undefined);
    const dollars = (v) => money(v);
    const secs = (v) => `${v.toFixed(1)}s`;
    replace(body,
      h("div", { class: "columns" },
        h("section", { class: "panel" }, h("h3", {}, "Cost per week", h("small", {}, delta(costs, dollars))),
          barChart(labels, costs, dollars, "Cost per week")),
        h("section", { class: "panel" }, h("h3", {}, "Duration per week", h("small", {}, delta(durations, secs))),
          barChart(labels, durations, secs, "Duration per week"))),
      h("div", { class: "columns" },
        h("section", { class: "panel" }, h("h3", {}, "Conversations per week"),
          barChart(labels, volumes, (v) => int(v), "Conversations per week")),
        h("section", { class: "panel" }, h("h3", {}, "Topic mix (%)"),
          stackedShares(labels, rows.map((w) => w.topic_mix || {}), "Topic mix per week"))),
      scored.length ? h("section", { class: "panel", id: "weekly-accuracy" },
        h("h3", {}, "Topic accuracy per week", h("small", {}, " (weeks whose newest run was evaluated)")),
        barChart(scored.map(weekLabel), scored.map((w) => Number(w.scores.topic_accuracy || 0)),
          (v) => v.toFixed(3), "Topic accuracy per week")) : null,
      h("section", { class: "panel" }, h("h3", {}, "Per-agent averages (all finished runs)"), agentsTable(stats)));
  }).catch((error) => replace(body, h("p", { class: "error" }, error.message)));
  return () => {};
}
