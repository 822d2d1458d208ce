// The dashboard's router: #/ (runs), #/runs/ID (one run, live), #/compare?weeks=N.

import { compareView } from "./compare.js";
import { historyView } from "./history.js";
import { runView } from "./run.js";

let cleanup = () => {};

function route() {
  cleanup();
  const root = document.getElementById("view");
  const [path, query] = (location.hash.slice(1) || "/").split("?");
  const params = new URLSearchParams(query || "");
  const match = path.match(/^\/runs\/([^/]+)$/);
  let section = "runs";
  if (match) {
    cleanup = runView(root, decodeURIComponent(match[1]));
  } else if (path === "/compare") {
    section = "compare";
    cleanup = compareView(root, params);
  } else {
    cleanup = historyView(root);
  }
  for (const link of document.querySelectorAll("[data-nav]")) {
    link.classList.toggle("active", link.dataset.nav === section);
  }
}

window.addEventListener("hashchange", route);
route();
