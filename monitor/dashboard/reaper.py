"""Runs whose process died are marked crashed while the dashboard is up, not only at start.

A killed `voc run` cannot say it stopped; `ResultsStore.mark_dead_runs` finds it by
its pid or its stale heartbeat. The dashboard asks every `every` seconds, and the
`run` event that marking writes reaches open pages like any other change.
"""

import asyncio
import logging

from monitor.store import ResultsStore

log = logging.getLogger(__name__)


async def reap_dead_runs(store: ResultsStore, every: float = 30.0) -> None:
    """Mark dead runs crashed now and every `every` seconds, until cancelled."""
    loop = asyncio.get_running_loop()
    while True:
        try:
            crashed = await loop.run_in_executor(None, store.mark_dead_runs)
        except Exception as exc:  # the store may be briefly unreachable: next round
            log.warning("checking for dead runs failed: %s", exc)
        else:
            if crashed:
                log.info("marked crashed: %s", ", ".join(crashed))
        await asyncio.sleep(every)
