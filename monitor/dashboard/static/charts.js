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

/**
 * One dot per point ({x, y, label, group}), x and y axes from 0 to their largest value
 * (or `yMax`), each dot with its label as a tooltip; groups (models) share a colour,
 * with a legend.
 */
export function scatterChart(points, { xFormat, yFormat, yMax, title }) {
  const groups = [...new Set(points.map((p) => p.group))].sort();
  const legendH = Math.ceil(groups.length / 3) * 18 + 8;
  const height = H + 40 + legendH;
  const innerW = W - PAD.left - PAD.right - 40;
  const innerH = H - PAD.top - PAD.bottom;
  const xMax = Math.max(...points.map((p) => p.x), 0) || 1;
  const top = yMax ?? (Math.max(...points.map((p) => p.y), 0) || 1);
  const svg = s("svg", { viewBox: `0 0 ${W} ${height}`, class: "chart scatter", role: "img", "aria-label": title });
  const x0 = PAD.left;
  const y0 = PAD.top + innerH;
  svg.append(s("line", { x1: x0, y1: y0, x2: x0 + innerW, y2: y0, class: "axis" }));
  svg.append(s("line", { x1: x0, y1: PAD.top, x2: x0, y2: y0, class: "axis" }));
  svg.append(s("text", { x: x0 - 6, y: PAD.top + 10, class: "tick", "text-anchor": "end" }, yFormat(top)));
  svg.append(s("text", { x: x0 - 6, y: y0, class: "tick", "text-anchor": "end" }, yFormat(0)));
  svg.append(s("text", { x: x0, y: y0 + 16, class: "tick" }, xFormat(0)));
  svg.append(s("text", { x: x0 + innerW, y: y0 + 16, class: "tick", "text-anchor": "end" }, xFormat(xMax)));
  svg.append(s("text", { x: x0 + innerW / 2, y: y0 + 30, class: "tick", "text-anchor": "middle" }, "cost per run"));
  points.forEach((p) => {
    const cx = x0 + (p.x / xMax) * innerW;
    const cy = y0 - (Math.min(p.y, top) / top) * innerH;
    const fill = PALETTE[groups.indexOf(p.group) % PALETTE.length];
    svg.append(s("circle", { cx, cy, r: 5, fill, class: "dot", "data-group": p.group },
      s("title", {}, `${p.label}: ${xFormat(p.x)}, ${yFormat(p.y)}`)));
  });
  const legendTop = H + 44;
  groups.forEach((group, g) => {
    const x = PAD.left + (g % 3) * (innerW / 3);
    const y = legendTop + Math.floor(g / 3) * 18;
    svg.append(s("circle", { cx: x + 5, cy: y + 5, r: 5, fill: PALETTE[g % PALETTE.length] }));
    svg.append(s("text", { x: x + 14, y: y + 9, class: "tick legend" }, group));
  });
  return svg;
}
