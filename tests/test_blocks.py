"""Credentials blocks: registered with `prefect block register -m blocks`, read behind env vars."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tasks.services.credentials import OPENAI, load_block, resolve

PREFECT = str(Path(sys.executable).with_name("prefect"))


def test_blocks_register_with_the_prefect_cli(tmp_path):
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "COLUMNS": "200",
    }
    env.pop("PREFECT_API_URL", None)
    done = subprocess.run(
        [PREFECT, "block", "register", "-m", "blocks"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    for name in (
        "VoC OpenAI Credentials",
        "VoC Anthropic Credentials",
        "VoC Intercom Credentials",
        "VoC Gamma Credentials",
        "VoC Trace Export",
        "SQLAlchemy Connector",
    ):
        assert name in done.stdout


@pytest.mark.usefixtures("prefect_harness")
def test_environment_wins_over_the_block_setting_by_setting(monkeypatch):
    from blocks import OpenAICredentials

    OpenAICredentials(api_key="sk-from-block-123456", base_url="http://block.test/v1").save(
        "voc", overwrite=True
    )
    load_block.cache_clear()
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    try:
        from_block = resolve(OPENAI)
        assert from_block.secret() == "sk-from-block-123456"
        assert from_block.base_url == "http://block.test/v1" and not from_block.official

        monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env-123456")
        mixed = resolve(OPENAI)
        assert mixed.secret() == "sk-from-env-123456" and mixed.base_url == "http://block.test/v1"

        monkeypatch.setenv("OPENAI_BASE_URL", "http://env.test/v1")
        assert resolve(OPENAI).base_url == "http://env.test/v1"
        assert resolve(OPENAI, "http://flag.test/v1/").base_url == "http://flag.test/v1"
        assert "sk-from" not in repr(from_block)  # SecretStr all the way
    finally:
        OpenAICredentials.delete("voc")
        load_block.cache_clear()


def test_block_type_slugs_are_those_saved_blocks_are_found_by():
    import blocks

    saved = {
        "OpenAICredentials": "voc-openai-credentials",
        "AnthropicCredentials": "voc-anthropic-credentials",
        "IntercomCredentials": "voc-intercom-credentials",
        "GammaCredentials": "voc-gamma-credentials",
    }
    assert {name: getattr(blocks, name).get_block_type_slug() for name in saved} == saved
