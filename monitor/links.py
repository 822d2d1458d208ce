"""Where a run can be seen from outside the store: its Prefect UI page, its dashboard downloads.

Prefect's settings name the UI that flow-run links point to (`PREFECT_UI_URL`, the
profile, or derived from `PREFECT_API_URL`); `VOC_DASHBOARD_URL` (the `voc dashboard`
address others reach, e.g. `http://voc.internal:8787`) makes a download link for each
output file.
"""

import os
import re
from urllib.parse import quote

DASHBOARD_URL_ENV = "VOC_DASHBOARD_URL"


def _base(value: str | None) -> str | None:
    return (value or "").strip().rstrip("/") or None


def prefect_ui_url() -> str | None:
    """The Prefect UI of Prefect's settings, without a trailing slash; None without one."""
    from prefect.settings import get_current_settings  # slow to import: only when asked

    return _base(get_current_settings().ui_url)


def dashboard_url() -> str | None:
    """`VOC_DASHBOARD_URL` without a trailing slash, or None when unset."""
    return _base(os.environ.get(DASHBOARD_URL_ENV))


def flow_run_url(ui_url: str, run_id: str) -> str:
    """The flow run's page in the Prefect UI (a run's id is its flow run's id)."""
    return f"{ui_url.rstrip('/')}/runs/flow-run/{run_id}"


def file_url(dashboard: str, run_id: str, path: str) -> str:
    """The dashboard's download URL of one output file (`path` relative to the run's directory)."""
    return f"{dashboard.rstrip('/')}/api/runs/{run_id}/files/{quote(path, safe='/')}"


def file_artifact_key(path: str) -> str:
    """The file's artifact key, the same every week: `report.md` -> `voc-file-report-md`."""
    return "voc-file-" + (re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "unnamed")
