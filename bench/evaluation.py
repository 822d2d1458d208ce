"""`voc eval` offline, as a user runs it: wall time from the command to its answer, and scores.

    .venv/bin/python -m bench.evaluation [--repeat 3] [--sizes 2000]

Runs `voc eval --json` (local provider) `--repeat` times on the bundled sample, then once
on each generated labelled set of `--sizes` conversations (bench/scale.py's generator,
labels beside the file), each in a fresh voc home and Prefect home of its own, so every
run pays for starting voc's own Prefect server as a first run does. Prints one markdown
row per run: the set, its conversations scored, the wall time, and the scores.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.scale import write_conversations

ROOT = Path(__file__).resolve().parent.parent
VOC = str(Path(sys.executable).with_name("voc"))
SHOWN = ("topic_accuracy", "sentiment_accuracy", "quote_relevance", "topic_mix_max_error")


def timed_eval(source: str, home: Path) -> dict:
    """One `voc eval --json --source SOURCE` in a fresh home; its wall time and answer."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VOC_", "OPENAI_"))}
    env |= {"VOC_HOME": str(home / "voc"), "PREFECT_HOME": str(home / "prefect")}
    started = time.perf_counter()
    done = subprocess.run(
        [VOC, "eval", "--json", "--source", source],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"voc eval --source {source} failed:\n{done.stderr[-2000:]}")
    (answer,) = json.loads(done.stdout)
    return {"source": source, "wall_s": wall, **answer}


def row(result: dict) -> str:
    scores = {s["metric"]: s for s in result["scores"]}
    conversations = scores["topic_accuracy"]["detail"]["conversations"]
    values = " | ".join(f"{scores[m]['value']:.3f}" for m in SHOWN)
    name = Path(result["source"]).name
    return f"| {name} | {conversations:,} | {result['wall_s']:.1f} s | {values} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", default="2000")
    args = parser.parse_args()
    print(
        "| set | conversations scored | wall (command to answer) | topic acc | sentiment acc "
        "| quote relevance | topic mix max error (pts) |"
    )
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="voc-eval-bench-") as workdir:
        runs = [("sample", Path(workdir, f"sample-{n}")) for n in range(args.repeat)]
        for size in filter(None, args.sizes.split(",")):
            source = Path(workdir, f"generated-{size}.jsonl")
            write_conversations(int(size), source)
            runs.append((str(source), Path(workdir, f"generated-{size}")))
        for source, home in runs:
            home.mkdir()
            print(row(timed_eval(source, home)), flush=True)


if __name__ == "__main__":
    main()
