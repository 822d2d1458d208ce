"""What `voc run` checks before a run starts: window, provider, key, model, source, output.

Each check raises `BadInput` with one line that says what is wrong, so a bad flag is
exit code 2 at once, not a flow run that fails half way.
"""

import tempfile
from datetime import date, timedelta
from pathlib import Path


class BadInput(Exception):
    """Bad usage or input: one line on stderr, exit code 2."""


def default_window(source: str) -> tuple[date, date]:
    """The sample's last week, or the last seven full days."""
    from tasks.load import sample_window

    if source == "sample":
        return sample_window()
    end = date.today() - timedelta(days=1)
    return end - timedelta(days=6), end


def check_llm(provider: str, model: str, base_url: str | None) -> None:
    """The provider, its key and the model's price, checked before a run starts.

    `--base-url` wins over the environment, which wins over a block (tasks.services.credentials).
    """
    from monitor.pricing import check_priced
    from tasks.llm import PROVIDERS, LLMSettings, llm_client
    from tasks.llm.client import SERVICES

    if provider not in PROVIDERS:
        raise BadInput(f"unknown provider {provider!r} (choose from {', '.join(PROVIDERS)})")
    if base_url and provider not in SERVICES:
        raise BadInput(f"--base-url is for {' or '.join(SERVICES)}, not {provider}")
    try:
        client = llm_client(LLMSettings(provider=provider, model=model, base_url=base_url))
        check_priced(client.provider.name, model)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc


def check_source(source: str) -> str:
    """The source as the flow takes it: `sample`, `intercom` (with a token), or a file path."""
    if source == "sample":
        return source
    if source == "intercom":
        from tasks.services.intercom import intercom_credentials

        try:
            intercom_credentials()
        except ValueError as exc:
            raise BadInput(str(exc)) from exc
        return source
    path = Path(source)
    if not path.is_file():
        raise BadInput(f"source file not found: {source}")
    return str(path.resolve())


def check_run_inputs(
    source: str, start: date, end: date, provider: str, model: str, base_url: str | None = None
) -> str:
    """Everything a run needs, checked before it starts; returns the source as the flow takes it."""
    if end < start:
        raise BadInput(f"--end {end} is before --start {start}")
    check_llm(provider, model, base_url)
    return check_source(source)


def check_output_dir(output_dir: Path) -> None:
    """`output_dir` exists (made if need be) and takes a file."""
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        # A probe of its own: runs started together must not race on one name.
        with tempfile.NamedTemporaryFile(dir=output_dir, prefix=".voc-write-test-"):
            pass
    except OSError as exc:
        raise BadInput(f"output directory {output_dir} is not writable: {exc.strerror}") from exc
