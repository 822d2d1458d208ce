// report.md shown as cards: headings, lists, quotes and tables, built from text nodes.
// The report escapes markdown in customer words (a backslash, or a numeric reference for
// autolinks); they are decoded back to plain text here and shown as text, never parsed
// as markup.

import { h } from "./dom.js";

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Decode markdown's backslash escapes and character references, to plain text (never to
 * markup); one pass, so an escaped `&` stays the start of the words "&amp;". */
export function plainText(text) {
  return text.replace(/\\([!-\/:-@[-`{-~])|&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, escaped, name) => {
    if (escaped !== undefined) return escaped;
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X"
        ? parseInt(name.slice(2), 16)
        : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000
        ? String.fromCodePoint(code)
        : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

// A cell ends at a `|` without a backslash before it (GFM's rule).
function cells(line) {
  return line.replace(/^\|/, "").replace(/\|$/, "").split(/(?<!\\)\|/).map((c) => plainText(c.trim()));
}

function renderCard(text) {
  const nodes = [];
  let list = null;
  let table = null;
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (!line.startsWith("- ")) list = null;
    if (!line.startsWith("|")) table = null;
    if (line.startsWith("|")) {
      if (/^\|(\s*:?-+:?\s*\|)+$/.test(line)) continue;
      if (table === null) {
        table = h("tbody");
        nodes.push(h("table", { class: "report-table" },
          h("thead", {}, h("tr", {}, cells(line).map((c) => h("th", {}, c)))), table));
      } else {
        table.append(h("tr", {}, cells(line).map((c) => h("td", {}, c))));
      }
    } else if (line.startsWith("- ")) {
      if (list === null) {
        list = h("ul");
        nodes.push(list);
      }
      list.append(h("li", {}, plainText(line.slice(2))));
    } else if (line.startsWith("> ")) {
      nodes.push(h("blockquote", { class: "quote" }, plainText(line.slice(2))));
    } else if (line.startsWith("## ")) {
      nodes.push(h("h4", {}, plainText(line.slice(3))));
    } else if (line.startsWith("# ")) {
      nodes.push(h("h3", {}, plainText(line.slice(2))));
    } else if (line) {
      nodes.push(h("p", {}, plainText(line)));
    }
  }
  return nodes;
}

/** The report's cards (separated by `---` lines) as DOM sections. */
export function renderReport(markdown) {
  return markdown
    .split(/\n-{3,}\n/)
    .filter((card) => card.trim())
    .map((card) => h("section", { class: "report-card" }, renderCard(card)));
}
