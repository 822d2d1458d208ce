// Building the page without HTML strings: every piece of data becomes a text node.
// Nothing here (or anywhere in the dashboard) parses a string as HTML, so conversation
// text, quotes, file names and errors can never turn into markup.

const SVG_NS = "http://www.w3.org/2000/svg";

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function setAttributes(node, attrs) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (/^on/i.test(name)) throw new Error(`event attributes are not allowed: ${name}`);
    if (name === "href" && !isSafeHref(String(value))) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  return node;
}

/** An HTML element: h("td", {class: "num"}, "12", otherNode). */
export function h(tag, attrs, ...children) {
  return append(setAttributes(document.createElement(tag), attrs), children);
}

/** An SVG element, the same way. */
export function s(tag, attrs, ...children) {
  return append(setAttributes(document.createElementNS(SVG_NS, tag), attrs), children);
}

/** Replace all of `node`'s children. */
export function replace(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

/** Only our own relative links and http(s) links: never javascript: or data: URLs. */
export function isSafeHref(href) {
  if (href.startsWith("#") || href.startsWith("api/")) return true;
  try {
    const url = new URL(href, document.baseURI);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/** An external link that opens in a new tab without giving it our window. */
export function outLink(href, text) {
  if (!href || !isSafeHref(href)) return null;
  return h("a", { href, target: "_blank", rel: "noopener noreferrer" }, text);
}
