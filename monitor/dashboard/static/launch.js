// "Run analysis": the form that asks Prefect for a run of the weekly deployment, and the
// runs waiting in Prefect for a slot (position, Prefect state) before the monitor has
// rows for them. Every write goes through postJSON (CSRF token); the server validates.

import { getJSON, postJSON } from "./api.js";
import { h, replace } from "./dom.js";
import { shortId, when } from "./format.js";

const QUEUE_POLL_MS = 2000;

function field(label, control) {
  return h("label", { class: "field" }, h("span", { class: "muted small" }, label), control);
}

function select(name, options, value) {
  return h("select", { name, id: `launch-${name}` },
    options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)));
}

/** The form's values as the API's RunRequest: empty optional fields left out. */
function formRequest(form) {
  const data = new FormData(form);
  const body = {
    window: data.get("window"),
    source: data.get("source"),
    provider: data.get("provider"),
    model: String(data.get("model") || "").trim(),
  };
  if (body.window === "custom") {
    body.start = data.get("start") || null;
    body.end = data.get("end") || null;
  }
  const baseUrl = String(data.get("base_url") || "").trim();
  if (baseUrl) body.base_url = baseUrl;
  const budget = String(data.get("budget") || "").trim();
  if (budget) body.budget = budget;
  return body;
}

/** The form for `offer` (GET api/launch: the deployment, each provider's default model). */
function launchForm(status, offer) {
  const models = offer.default_models;
  const providers = Object.keys(models);
  const start = h("input", { type: "date", name: "start", id: "launch-start" });
  const end = h("input", { type: "date", name: "end", id: "launch-end" });
  const custom = h("span", { class: "custom-dates", hidden: true }, field("From", start), field("To", end));
  const windowSelect = select("window",
    [["last_week", "Last week"], ["this_week", "This week"], ["custom", "Custom dates"]], "last_week");
  windowSelect.addEventListener("change", () => { custom.hidden = windowSelect.value !== "custom"; });
  const provider = select("provider", providers.map((p) => [p, p]), providers[0]);
  const model = h("input", { type: "text", name: "model", id: "launch-model", value: models[providers[0]], size: 16 });
  provider.addEventListener("change", () => { model.value = models[provider.value] || ""; });
  const submit = h("button", { type: "submit", id: "launch-submit" }, "Run analysis");
  const form = h("form", { id: "launch-form", class: "launch-form" },
    field("Window", windowSelect), custom,
    field("Source", select("source", [["sample", "sample"], ["intercom", "intercom"]], "sample")),
    field("Provider", provider), field("Model", model),
    field("Base URL", h("input", { type: "url", name: "base_url", id: "launch-base-url", placeholder: "optional", size: 22 })),
    field("Budget (USD)", h("input", { type: "number", name: "budget", id: "launch-budget", min: "0.01", step: "0.01",
      placeholder: "no limit", size: 8 })),
    submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    replace(status, h("span", { class: "muted" }, "Asking Prefect for a run…"));
    try {
      const started = await postJSON("api/runs", formRequest(form));
      location.hash = `#/runs/${encodeURIComponent(started.run_id)}`;
    } catch (error) {
      replace(status, h("span", { class: "error", id: "launch-error", role: "alert" }, error.message));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function queueRow(entry, onCancel) {
  const cancel = h("button", { type: "button", class: "link", "data-cancel": entry.flow_run_id }, "Cancel");
  cancel.addEventListener("click", () => onCancel(entry.flow_run_id, cancel));
  const name = entry.recorded
    ? h("a", { href: `#/runs/${encodeURIComponent(entry.flow_run_id)}` }, shortId(entry.flow_run_id))
    : shortId(entry.flow_run_id);
  return h("tr", { "data-flow-run-id": entry.flow_run_id, "data-state": entry.state },
    h("td", { class: "num" }, String(entry.position)),
    h("td", {}, h("span", { class: "status status-pending" }, entry.state || "")),
    h("td", { class: "mono" }, name, " ", h("span", { class: "muted" }, entry.flow_run_name || "")),
    h("td", {}, entry.window_start && entry.window_end ? `${entry.window_start} – ${entry.window_end}` : "scheduled week"),
    h("td", {}, `${entry.provider || ""} ${entry.model || ""}`),
    h("td", {}, when(entry.expected_start_time)),
    h("td", {}, cancel));
}

/** Ask Prefect to cancel a run; errors land in `status`. */
export async function cancelRun(flowRunId, button, status) {
  button.disabled = true;
  try {
    const answer = await postJSON(`api/runs/${encodeURIComponent(flowRunId)}/cancel`, {});
    replace(status, h("span", { class: "muted" }, `Run ${shortId(flowRunId)}: ${answer.state}`));
  } catch (error) {
    replace(status, h("span", { class: "error", role: "alert" }, error.message));
    button.disabled = false;
  }
}

/** The "Run analysis" panel with the queue under it; returns [node, stop]. */
export function launchPanel() {
  const status = h("p", { class: "launch-status small", id: "launch-status" });
  const queue = h("div", { id: "queue" });
  const deployment = h("small", {});
  const form = h("div", { id: "launch-form-holder" });
  const panel = h("section", { class: "panel", id: "launch" },
    h("h3", {}, "Run analysis ", deployment), form, status, queue);
  // Built once the server says what it offers: a value typed in before would be replaced.
  getJSON("api/launch").then((offer) => {
    replace(deployment, `a run of ${offer.deployment}, through Prefect`);
    replace(form, launchForm(status, offer));
  }, (error) => replace(status, h("span", { class: "error", role: "alert" }, `form: ${error.message}`)));

  const onCancel = (id, button) => cancelRun(id, button, status);
  async function refreshQueue() {
    let answer;
    try {
      answer = await getJSON("api/queue");
    } catch (error) {
      replace(queue, h("p", { class: "error small" }, `queue: ${error.message}`));
      return;
    }
    if (answer.detail) {  // no Prefect server, no deployment, or no answer: how to fix it
      replace(queue, h("p", { class: "muted small", id: "launch-not-ready" }, answer.detail));
      return;
    }
    replace(queue, answer.queue.length
      ? h("table", { class: "queue-table", id: "queue-table" },
        h("thead", {}, h("tr", {}, ["#", "Prefect state", "Flow run", "Window", "Model", "Due", ""]
          .map((c) => h("th", {}, c)))),
        h("tbody", {}, answer.queue.map((entry) => queueRow(entry, onCancel))))
      : h("p", { class: "muted small", id: "queue-empty" }, "No runs waiting in Prefect."));
  }
  refreshQueue();
  const timer = setInterval(refreshQueue, QUEUE_POLL_MS);
  return [panel, () => clearInterval(timer)];
}
