// Numbers, money, times and statuses as the CLI prints them.

export const DONE = new Set(["completed", "cached", "skipped"]);
export const FINAL = new Set(["completed", "failed", "crashed", "cancelled"]);

export const STATUS_ICONS = {
  pending: "○",
  running: "◔",
  completed: "✔",
  cached: "↺",
  skipped: "»",
  failed: "✘",
  crashed: "✘",
  cancelled: "⊘",
};

/** Money arrives as a decimal string in USD. */
export function money(value) {
  const n = Number(value || 0);
  return n && n < 0.01 ? `$${n.toFixed(6)}` : `$${n.toFixed(4)}`;
}

export function int(value) {
  return Number(value || 0).toLocaleString("en-US");
}

export function seconds(value) {
  return value === null || value === undefined ? "" : `${Number(value).toFixed(2)}s`;
}

export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return `${d.toLocaleDateString("en-CA")} ${d.toLocaleTimeString("en-GB")}`;
}

export function clock(iso) {
  return iso ? new Date(iso).toLocaleTimeString("en-GB") : "";
}

export function shortId(id) {
  return String(id).slice(0, 8);
}

export function windowText(run) {
  return run.window_start ? `${run.window_start} → ${run.window_end}` : "";
}

export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
