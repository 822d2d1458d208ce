// Talking to the dashboard's JSON endpoints and its SSE streams (relative URLs, so the
// page also works behind a proxy under a path prefix).

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

/** GET a JSON endpoint; a non-2xx answer throws ApiError with the server's detail. */
export async function getJSON(path) {
  const response = await fetch(path, { headers: { accept: "application/json" } });
  if (!response.ok) throw await failure(response);
  return response.json();
}

async function failure(response) {
  let detail = response.statusText;
  try {
    detail = (await response.json()).detail || detail;
  } catch {
    /* not JSON: keep the status text */
  }
  return new ApiError(response.status, String(detail));
}

let csrfToken = null;

/**
 * POST JSON with the page's CSRF token (fetched once from api/csrf): the only writes
 * are starting and cancelling runs. A non-2xx answer throws ApiError with its detail.
 */
export async function postJSON(path, body) {
  if (csrfToken === null) csrfToken = (await getJSON("api/csrf")).token;
  const response = await fetch(path, {
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/json", "x-csrf-token": csrfToken },
    body: JSON.stringify(body ?? {}),
  });
  if (!response.ok) throw await failure(response);
  return response.json();
}

/** GET a text file. */
export async function getText(path) {
  const response = await fetch(path);
  if (!response.ok) throw new ApiError(response.status, response.statusText);
  return response.text();
}

/** The download URL of a run's file: each path segment encoded on its own. */
export function fileUrl(runId, path) {
  const segments = path.split("/").map(encodeURIComponent).join("/");
  return `api/runs/${encodeURIComponent(runId)}/files/${segments}`;
}

const connection = { open: 0 };

function showConnection() {
  const badge = document.getElementById("connection");
  if (!badge) return;
  badge.textContent = connection.open ? "live" : "offline";
  badge.dataset.state = connection.open ? "live" : "offline";
}

/**
 * Follow an SSE endpoint. `handlers` maps event kinds (run, agent, file, log) to
 * functions of the parsed event. The browser reconnects by itself and sends
 * Last-Event-ID, so no event is missed. Returns a function that stops following.
 */
export function follow(path, after, handlers) {
  const url = after === null || after === undefined ? path : `${path}?after=${after}`;
  const source = new EventSource(url);
  let open = false;
  const setOpen = (value) => {
    if (value !== open) connection.open += value ? 1 : -1;
    open = value;
    showConnection();
  };
  source.onopen = () => setOpen(true);
  source.onerror = () => setOpen(false);
  for (const kind of ["run", "agent", "file", "log"]) {
    source.addEventListener(kind, (message) => {
      const event = JSON.parse(message.data);
      (handlers[kind] || handlers.any || (() => {}))(event);
      if (handlers.after) handlers.after(event);
    });
  }
  return () => {
    source.close();
    setOpen(false);
  };
}

/** Call `fn` at most once per `ms`, and once more after the last request. */
export function throttle(fn, ms) {
  let timer = null;
  let again = false;
  const fire = () => {
    timer = null;
    if (again) {
      again = false;
      fn();
      timer = setTimeout(fire, ms);
    }
  };
  return () => {
    again = true;
    if (timer === null) fire();
  };
}
