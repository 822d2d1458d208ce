"""Starting, queueing and cancelling flow runs of one deployment, through Prefect.

The only module of the dashboard that talks to Prefect's API. The dashboard never runs
a flow itself: it asks the Prefect server for a flow run of the deployment its
`FlowLaunch` names (given by the composition root, flows.launcher), and a worker runs
it. How many run at once is Prefect's business (the deployment's `concurrency_limit`,
the pool's and the worker's limits); runs beyond it wait in Prefect (Scheduled, Late,
Submitting while a worker holds one for a slot, AwaitingConcurrencySlot), and this
module lists them in order. Without a Prefect server (ephemeral mode) every call says
how to deploy.
"""

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

import httpx
from pydantic import BaseModel

#: How many runs may wait for a slot; the 21st is refused (the original tool's limit).
MAX_WAITING = 20


class FlowLaunch(Protocol):
    """The flow's side of launching: which deployment, and how a request becomes its parameters."""

    #: `flow-name/deployment-name`, as Prefect reads it.
    deployment: str
    #: The body `POST /api/runs` accepts, validated before Prefect sees it.
    request_model: type[BaseModel]
    #: The commands that create the deployment and a worker for it.
    deploy_steps: str
    #: The form's providers, each with the model it starts with.
    default_models: Mapping[str, str]

    def parameters(
        self, request: BaseModel, defaults: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        """The flow run's parameters for `request`; `defaults` are the deployment's."""
        ...

    def summary(self, parameters: dict[str, Any]) -> dict[str, Any]:
        """What a queue entry shows of a waiting flow run's parameters."""
        ...


class LaunchError(RuntimeError):
    """Prefect cannot do what was asked; `status` is the HTTP status that says why."""

    status = 409


class NotDeployed(LaunchError):
    """No Prefect server is configured, or it lacks the deployment."""


class PrefectUnavailable(LaunchError):
    status = 503


class QueueFull(LaunchError):
    status = 429


class UnknownFlowRun(LaunchError):
    status = 404


class NotCancellable(LaunchError):
    """The flow run has already ended."""


@dataclass
class Launcher:
    """Flow runs of `flow`'s deployment through Prefect's API at `api_url` (None: no server)."""

    flow: FlowLaunch
    api_url: str | None
    max_waiting: int = MAX_WAITING
    _starting: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @classmethod
    def from_settings(cls, flow: FlowLaunch) -> "Launcher":
        """The API that Prefect's settings (PREFECT_API_URL, the profile) name."""
        from prefect.settings import get_current_settings

        return cls(flow, get_current_settings().api.url)

    @property
    def form(self) -> dict[str, Any]:
        """What the "Run analysis" form offers: the deployment, the providers and their
        default models, from the flow's side rather than a copy in the page."""
        flow = self.flow
        return {"deployment": flow.deployment, "default_models": dict(flow.default_models)}

    @property
    def request_model(self) -> type[BaseModel]:
        """The body `POST /api/runs` accepts."""
        return self.flow.request_model

    @property
    def how_to_deploy(self) -> str:
        """What to do when no Prefect server is configured."""
        return (
            f"starting runs from the dashboard needs a Prefect server with the deployment "
            f"{self.flow.deployment!r} and a worker: `prefect server start`, then with "
            "PREFECT_API_URL=http://127.0.0.1:4200/api set for this dashboard and the worker: "
            + self.flow.deploy_steps
        )

    @asynccontextmanager
    async def _client(self) -> AsyncIterator[Any]:
        if not self.api_url:
            raise NotDeployed(self.how_to_deploy)
        from prefect.client.orchestration import PrefectClient

        try:
            async with PrefectClient(self.api_url) as client:
                yield client
        except httpx.TransportError as exc:
            raise PrefectUnavailable(
                f"the Prefect server at {self.api_url} does not answer ({type(exc).__name__})"
            ) from None

    async def _deployment_id(self, client: Any) -> UUID:
        return (await self._deployment(client)).id

    async def _deployment(self, client: Any) -> Any:
        from prefect.exceptions import ObjectNotFound

        try:
            return await client.read_deployment_by_name(self.flow.deployment)
        except ObjectNotFound:
            raise NotDeployed(
                f"the Prefect server at {self.api_url} has no deployment "
                f"{self.flow.deployment!r}: {self.flow.deploy_steps}"
            ) from None

    async def start(self, request: BaseModel) -> dict[str, Any]:
        """A new flow run of the deployment for `request`, without waiting for it."""
        from prefect.deployments.flow_runs import arun_deployment

        async with self._starting, self._client() as client:
            deployment = await self._deployment(client)
            deployment_id = deployment.id
            parameters = self.flow.parameters(
                request, deployment.parameters or {}, datetime.now(UTC)
            )
            waiting = await self._waiting(client, deployment_id)
            if len(waiting) >= self.max_waiting:
                raise QueueFull(
                    f"the queue is full ({len(waiting)} waiting, at most {self.max_waiting}): "
                    "cancel one, or try again when some have started"
                )
            flow_run = await arun_deployment(
                deployment_id,
                client=client,
                parameters=parameters,
                timeout=0,
                as_subflow=False,
                tags=["voc-dashboard"],
            )
        return {
            "run_id": str(flow_run.id),
            "flow_run_id": str(flow_run.id),
            "flow_run_name": flow_run.name,
            "state": flow_run.state.name if flow_run.state else None,
            # Runs that were waiting for a slot before this one: it starts after them.
            "ahead": len(waiting),
        }

    async def queue(self) -> list[dict[str, Any]]:
        """Runs of the deployment that are due and not running yet, in the order they start."""
        async with self._client() as client:
            deployment_id = await self._deployment_id(client)
            waiting = await self._waiting(client, deployment_id)
        return [self._queued(position, run) for position, run in enumerate(waiting, start=1)]

    async def _waiting(self, client: Any, deployment_id: UUID) -> list[Any]:
        from prefect.client.schemas.filters import (
            DeploymentFilter,
            DeploymentFilterId,
            FlowRunFilter,
            FlowRunFilterExpectedStartTime,
            FlowRunFilterState,
            FlowRunFilterStateType,
        )
        from prefect.client.schemas.objects import StateType
        from prefect.client.schemas.sorting import FlowRunSort

        # Scheduled runs in the future (a cron schedule's next ones) are not waiting.
        due = FlowRunFilter(
            state=FlowRunFilterState(
                type=FlowRunFilterStateType(any_=[StateType.SCHEDULED, StateType.PENDING])
            ),
            expected_start_time=FlowRunFilterExpectedStartTime(before_=datetime.now(UTC)),
        )
        return await client.read_flow_runs(
            flow_run_filter=due,
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC,
            limit=200,
        )

    def _queued(self, position: int, flow_run: Any) -> dict[str, Any]:
        expected = flow_run.expected_start_time
        return {
            "position": position,
            "flow_run_id": str(flow_run.id),
            "flow_run_name": flow_run.name,
            "state": flow_run.state.name if flow_run.state else None,
            "state_type": flow_run.state.type.value if flow_run.state else None,
            "expected_start_time": expected.isoformat() if expected else None,
            **self.flow.summary(flow_run.parameters or {}),
        }

    @staticmethod
    async def _propose_cancel(client: Any, flow_run: Any) -> None:
        """Cancelled at once when no process runs the flow run yet, else Cancelling.

        With a process (running, or pending with a pid) the worker answers Cancelling:
        it stops the process, runs the cancellation hooks, then sets Cancelled. Without
        one, nothing would act on Cancelling, and a worker holding the run for a slot
        (Submitting) could still start it; if Prefect's rules refuse Cancelled there
        (a state the server knows better), Cancelling leaves it to the worker.
        """
        from prefect.client.schemas.responses import SetStateStatus
        from prefect.states import Cancelled, Cancelling

        message = "cancelled from the voc dashboard"
        if not (flow_run.state.is_running() or flow_run.infrastructure_pid):
            result = await client.set_flow_run_state(flow_run.id, Cancelled(message=message))
            if result.status == SetStateStatus.ACCEPT:
                return
        await client.set_flow_run_state(flow_run.id, Cancelling(message=message))

    async def cancel(self, flow_run_id: str) -> dict[str, Any]:
        """Ask Prefect to cancel the flow run: its worker stops the run's process."""
        from prefect.exceptions import ObjectNotFound

        try:
            wanted = UUID(flow_run_id)
        except ValueError:
            raise UnknownFlowRun(f"no flow run with id {flow_run_id!r}") from None
        async with self._client() as client:
            try:
                flow_run = await client.read_flow_run(wanted)
            except ObjectNotFound:
                raise UnknownFlowRun(f"Prefect has no flow run with id {flow_run_id!r}") from None
            if flow_run.deployment_id is None:
                # No worker watches it: Prefect would say Cancelling while it runs on.
                raise NotCancellable(
                    "this run was not started from a deployment: stop its `voc run` "
                    "with Ctrl-C (then `voc resume` continues it)"
                )
            if flow_run.state is None or flow_run.state.is_final():
                shown = flow_run.state.name if flow_run.state else "unknown"
                raise NotCancellable(f"the run has already ended ({shown}): nothing to cancel")
            if flow_run.state.is_cancelling():
                return {"flow_run_id": flow_run_id, "state": flow_run.state.name}
            await self._propose_cancel(client, flow_run)
            after = await client.read_flow_run(wanted)
        return {"flow_run_id": flow_run_id, "state": after.state.name if after.state else None}
