"""Where a run can be seen from outside the store: its Prefect UI page, its dashboard downloads.

`PREFECT_UI_URL` (e.g. `http://127.0.0.1:4200`) makes flow-run links; `VOC_DASHBOARD_URL`
(the `voc dashboard` address others reach, e.g. `http://voc.internal:8787`) makes a
download link for each output file. Both are read from the environment only, so `voc`
need not import Prefect to print them.
"""

import os
import re
from urllib.parse import quote

DASHBOARD_URL_ENV = "VOC_DASHBOARD_URL"
PREFECT_UI_URL_ENV = "PREFECT_UI_URL"


def _base(env: str) -> str | None:
    value = os.environ.get(env, "").strip()
    return value.rstrip("/") or None


def prefect_ui_url() -> str | None:
    """`PREFECT_UI_URL` without a trailing slash, or None when unset."""
    return _base(PREFECT_UI_URL_ENV)


def dashboard_url() -> str | None:
    """`VOC_DASHBOARD_URL` without a trailing slash, or None when unset."""
    return _base(DASHBOARD_URL_ENV)


def flow_run_url(ui_url: str, run_id: str) -> str:
    """The flow run's page in the Prefect UI (a run's id is its flow run's id)."""
    return f"{ui_url.rstrip('/')}/runs/flow-run/{run_id}"


def file_url(dashboard: str, run_id: str, path: str) -> str:
    """The dashboard's download URL of one output file (`path` relative to the run's directory)."""
    return f"{dashboard.rstrip('/')}/api/runs/{run_id}/files/{quote(path, safe='/')}"


def file_artifact_key(path: str) -> str:
    """The file's artifact key, the same every week: `report.md` -> `voc-file-report-md`."""
    return "voc-file-" + (re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "unnamed")
