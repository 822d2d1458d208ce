"""What the dashboard starts: a flow run of the weekly deployment, from a "Run analysis" form.

Given to `monitor.dashboard.create_app` through `Launcher`, so the dashboard knows no
deployment name or flow parameter of its own.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flows.run_request import RunRequest
from tasks.llm import DEFAULT_MODELS

DEPLOYMENT = "voice-of-customer/weekly"
DEPLOY_STEPS = (
    "`prefect work-pool create voc --type process`, `prefect --no-prompt deploy --all` in "
    "the repository, then `prefect worker start --pool voc` "
    '(README.md, "Deploying with Prefect")'
)


@dataclass(frozen=True)
class WeeklyLaunch:
    """The weekly deployment of `voice_of_customer` (prefect.yaml), started from a `RunRequest`."""

    deployment: str = DEPLOYMENT
    request_model: type[RunRequest] = RunRequest
    deploy_steps: str = DEPLOY_STEPS

    @property
    def default_models(self) -> dict[str, str]:
        """Each provider the flow knows, with the model its runs use unless told another."""
        return dict(DEFAULT_MODELS)

    def parameters(
        self, request: RunRequest, defaults: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        """The flow run's parameters; the week is cut in the request's timezone, else the
        deployment's `timezone` parameter, else in UTC.
        """
        zone = request.timezone or defaults.get("timezone") or "UTC"
        start, end = request.dates(now.astimezone(ZoneInfo(zone)).date())
        return {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "source": request.source,
            "provider": request.provider,
            "model": request.model,
            "base_url": str(request.base_url) if request.base_url else None,
            "budget": str(request.budget) if request.budget is not None else None,
            "timezone": zone,
        }

    def summary(self, parameters: dict[str, Any]) -> dict[str, Any]:
        """A waiting run's window, provider and model, for the dashboard's queue."""
        return {
            "window_start": parameters.get("start"),
            "window_end": parameters.get("end"),
            "provider": parameters.get("provider"),
            "model": parameters.get("model"),
        }


WEEKLY = WeeklyLaunch()
