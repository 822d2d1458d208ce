"""The bundled sample's week run through the flow against a loopback OpenAI server."""

from datetime import date
from pathlib import Path

from prefect.states import State

from flows.voice_of_customer import voice_of_customer


def run_sample_week(base_url: str, output_dir: Path, store_url: str) -> State:
    """The flow over the sample's week with gpt-4o-mini at `base_url`: its final state."""
    return voice_of_customer(
        start=date(2026, 11, 16),
        end=date(2026, 11, 22),
        source="sample",
        provider="openai",
        model="gpt-4o-mini",
        base_url=base_url,
        output_dir=str(output_dir),
        store=store_url,
        return_state=True,
    )
