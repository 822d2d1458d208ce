// Small inline-SVG charts (no library, nothing fetched): labels are SVG text nodes.

import { s } from "./dom.js";

export const PALETTE = [
  "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
  "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#86bcb6", "#d37295",
];

const W = 560;
const H = 200;
const PAD = { left: 64, right: 12, top: 12, bottom: 36 };

/** Vertical bars, one per label, with the value written above each. */
export function barChart(labels, values, format, title) {
  const max = Math.max(...values, 0) || 1;
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const step = innerW / Math.max(labels.length, 1);
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": title });
  svg.append(s("line", { x1: PAD.left, y1: PAD.top + innerH, x2: W - PAD.right, y2: PAD.top + innerH, class: "axis" }));
  svg.append(s("text", { x: PAD.left - 6, y: PAD.top + 10, class: "tick", "text-anchor": "end" }, format(max)));
  svg.append(s("text", { x: PAD.left - 6, y: PAD.top + innerH, class: "tick", "text-anchor": "end" }, format(0)));
  labels.forEach((label, i) => {
    const height = (values[i] / max) * innerH;
    const x = PAD.left + i * step + step * 0.15;
    const y = PAD.top + innerH - height;
    svg.append(s("rect", { x, y, width: step * 0.7, height: Math.max(height, 0.5), class: "bar" },
      s("title", {}, `${label}: ${format(values[i])}`)));
    svg.append(s("text", { x: x + step * 0.35, y: y - 3, class: "value", "text-anchor": "middle" }, format(values[i])));
    svg.append(s("text", { x: x + step * 0.35, y: H - PAD.bottom + 16, class: "tick", "text-anchor": "middle" }, label));
  });
  return svg;
}

/** One 100% stacked bar per week: each topic's share, with a legend. */
export function stackedShares(labels, mixes, title) {
  const topics = [...new Set(mixes.flatMap((m) => Object.keys(m)))].sort();
  const rowH = 22;
  const legendH = Math.ceil(topics.length / 3) * 18 + 8;
  const height = labels.length * (rowH + 8) + legendH + 8;
  const innerW = W - PAD.left - PAD.right;
  const svg = s("svg", { viewBox: `0 0 ${W} ${height}`, class: "chart", role: "img", "aria-label": title });
  labels.forEach((label, i) => {
    const y = 4 + i * (rowH + 8);
    svg.append(s("text", { x: PAD.left - 6, y: y + rowH * 0.7, class: "tick", "text-anchor": "end" }, label));
    let x = PAD.left;
    topics.forEach((topic, t) => {
      const share = Number(mixes[i][topic] || 0);
      const width = (share / 100) * innerW;
      if (width <= 0) return;
      svg.append(s("rect", { x, y, width, height: rowH, fill: PALETTE[t % PALETTE.length] },
        s("title", {}, `${label} · ${topic}: ${share}%`)));
      x += width;
    });
  });
  const top = labels.length * (rowH + 8) + 12;
  topics.forEach((topic, t) => {
    const x = PAD.left + (t % 3) * (innerW / 3);
    const y = top + Math.floor(t / 3) * 18;
    svg.append(s("rect", { x, y, width: 10, height: 10, fill: PALETTE[t % PALETTE.length] }));
    svg.append(s("text", { x: x + 14, y: y + 9, class: "tick" }, topic));
  });
  return svg;
}
