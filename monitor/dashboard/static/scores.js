// Scores of evaluated runs (`voc eval`): a run's scores with its sentiment confusion
// matrix, and cost against accuracy across the runs of one labelled set.

import { getJSON } from "./api.js";
import { scatterChart } from "./charts.js";
import { h, replace } from "./dom.js";
import { int, money, shortId } from "./format.js";

export const METRICS = {
  topic_accuracy: "Topic accuracy",
  topic_macro_f1: "Topic macro-F1",
  sub_topic_accuracy: "Sub-topic accuracy (right topic)",
  sentiment_accuracy: "Sentiment accuracy",
  quote_relevance: "Quote relevance",
  topic_mix_max_error: "Topic mix: largest error (points)",
};
const ERROR_METRIC = "topic_mix_max_error";

export function scoreText(metric, value) {
  if (value === null || value === undefined) return "n/a";
  return metric === ERROR_METRIC ? `${Number(value).toFixed(2)} pts` : Number(value).toFixed(3);
}

function confusionTable(matrix) {
  const columns = Object.keys(Object.values(matrix)[0] || {});
  return h("table", { class: "confusion", id: "confusion" },
    h("thead", {}, h("tr", {}, h("th", {}, "true \\ found"), columns.map((c) => h("th", { class: "num" }, c)))),
    h("tbody", {}, Object.entries(matrix).map(([truth, row]) => h("tr", {},
      h("th", {}, truth), columns.map((c) => h("td", { class: "num" }, int(row[c])))))));
}

/** The run page's panel: each metric, and the sentiment confusion matrix; null if unscored. */
export function scoresPanel(run) {
  if (!run.scores || !run.scores.length) return null;
  const sentiment = run.scores.find((s) => s.metric === "sentiment_accuracy");
  return h("section", { class: "panel", id: "scores" },
    h("h3", {}, "Scores", h("small", {}, ` against ${run.scores[0].labels}`)),
    h("table", { class: "scores-table" }, h("tbody", {}, run.scores.map((s) => h("tr", { "data-metric": s.metric },
      h("td", {}, METRICS[s.metric] || s.metric), h("td", { class: "num" }, scoreText(s.metric, s.value)))))),
    sentiment && sentiment.detail && sentiment.detail.confusion
      ? [h("h3", {}, "Sentiment: true by found"), confusionTable(sentiment.detail.confusion)] : null);
}

function sets(runs) {
  const found = new Map();
  for (const run of runs) {
    if (!run.scores || !Object.keys(run.scores).length) continue;
    if (!found.has(run.source)) found.set(run.source, []);
    found.get(run.source).push(run);
  }
  return found;
}

function select(id, options, chosen) {
  return h("select", { id }, options.map(([value, text]) =>
    h("option", { value, selected: value === chosen }, text)));
}

/** Cost against a chosen score across the evaluated runs of a chosen labelled set. */
export function accuracyPanel() {
  const body = h("div");
  const panel = h("section", { class: "panel", id: "accuracy" },
    h("h3", {}, "Cost against accuracy", h("small", {}, " (runs of `voc eval`, one labelled set)")), body);
  getJSON("api/runs?limit=500").then((runs) => {
    const bySet = sets(runs);
    if (!bySet.size) {
      replace(body, h("p", { class: "muted", id: "no-scores" }, "No evaluated runs yet: try `voc eval`."));
      return;
    }
    const state = { set: [...bySet.keys()][0], metric: "topic_accuracy" };
    const chart = h("div");
    const setPicker = select("accuracy-set", [...bySet.keys()].map((k) => [k, k]), state.set);
    const metricPicker = select("accuracy-metric", Object.entries(METRICS), state.metric);
    const draw = () => {
      const points = bySet.get(state.set)
        .filter((r) => r.scores[state.metric] !== null && r.scores[state.metric] !== undefined)
        .map((r) => ({ x: Number(r.cost), y: Number(r.scores[state.metric]), group: r.model || "",
          label: `${r.model} · run ${shortId(r.id)}` }));
      replace(chart, scatterChart(points, {
        xFormat: money, yFormat: (v) => scoreText(state.metric, v),
        yMax: state.metric === ERROR_METRIC ? undefined : 1, title: `Cost against ${METRICS[state.metric]}`,
      }));
    };
    setPicker.addEventListener("change", () => { state.set = setPicker.value; draw(); });
    metricPicker.addEventListener("change", () => { state.metric = metricPicker.value; draw(); });
    replace(body, h("p", { class: "picker" }, "Labelled set ", setPicker, " score ", metricPicker), chart);
    draw();
  }).catch((error) => replace(body, h("p", { class: "error" }, error.message)));
  return panel;
}
