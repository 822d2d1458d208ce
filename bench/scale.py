"""The whole flow over 2,000, 10,000 and 50,000 conversations: wall time and peak memory.

    .venv/bin/python -m bench.scale [--sizes 2000,10000,50000] [--format jsonl]

For each size it generates that many conversations with the sample's generator
(`scripts/generate_sample.py`: the same two weeks, topics, languages, PII and
duplicates, more customers) into a temporary directory, with their labels beside them
(`X.labels.json`, what `voc eval` scores against; bench/evaluation.py uses them), then runs the
sixteen-agent flow over them with the offline provider, monitor on (SQLite store
in the same temporary directory), in a fresh process of its own. That process
first runs a no-op flow so its temporary Prefect server is up, then times the
flow alone and reports its own peak RSS (`ru_maxrss`) and its RSS before the
flow. Nothing generated is kept.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import generate_sample  # noqa: E402

from bench.timed_flow import run_timed, warm_up  # noqa: E402

# The generator's two weeks, Monday 2026-11-09 to Sunday 2026-11-22: every conversation.
WINDOW = {"start": date(2026, 11, 9), "end": date(2026, 11, 22)}
SAMPLE_TOTAL = sum(generate_sample.WEEK_COUNTS)


def labels_path(path: Path) -> Path:
    """Where a generated set's labels go: `X.labels.json` beside `X.json` or `X.jsonl`."""
    return path.with_name(f"{path.name.rsplit('.', 1)[0]}.labels.json")


def write_conversations(count: int, path: Path) -> int:
    """`count` conversations (plus the generator's duplicates) as JSON or JSONL, and their
    labels beside them; how many entries."""
    week_counts = (count * generate_sample.WEEK_COUNTS[0] // SAMPLE_TOTAL,)
    week_counts += (count - week_counts[0],)
    customers = round(generate_sample.CUSTOMERS * count / SAMPLE_TOTAL)
    data, labels = generate_sample.generate_labelled(week_counts=week_counts, customers=customers)
    labels_path(path).write_text(json.dumps(labels, ensure_ascii=False), encoding="utf-8")
    entries = data["conversations"]
    with path.open("w", encoding="utf-8") as handle:
        if path.suffix == ".jsonl":
            for entry in entries:
                handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        else:
            json.dump(data, handle, ensure_ascii=False)
    return len(entries)


def rss_mb() -> float:
    """This process's resident memory now, from /proc (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_flow(source: Path, out: Path) -> dict:
    """In this process: warm Prefect up, then time the flow over `source`."""
    warm_up()
    before = rss_mb()
    wall, result = run_timed(
        **WINDOW, source=str(source), output_dir=str(out), store=f"sqlite:///{out / 'voc.db'}"
    )
    return {
        "wall_s": wall,
        "rss_before_mb": before,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "analysed": result.summary.conversations,
    }


def measure(size: int, fmt: str, workdir: Path) -> dict:
    source = workdir / f"conversations-{size}.{fmt}"
    entries = write_conversations(size, source)
    out = workdir / f"out-{size}"
    command = [sys.executable, "-m", "bench.scale", "--run", str(source), "--out", str(out)]
    child = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if child.returncode:
        raise SystemExit(f"{size}: run failed\n{child.stderr[-3000:]}")
    result = json.loads(child.stdout.strip().splitlines()[-1])
    source.unlink()
    labels_path(source).unlink()
    return {"size": size, "entries": entries, **result}


def report(rows: list[dict]) -> None:
    first = rows[0]
    print(
        "| conversations (file entries) | analysed | wall | wall per 1,000 | peak RSS | "
        "RSS before flow | growth vs smallest: size, wall, peak RSS above start |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        above, first_above = (
            row["peak_rss_mb"] - row["rss_before_mb"],
            first["peak_rss_mb"] - first["rss_before_mb"],
        )
        print(
            f"| {row['size']:,} ({row['entries']:,}) | {row['analysed']:,} | "
            f"{row['wall_s']:.1f} s | {row['wall_s'] / row['analysed'] * 1000:.2f} s | "
            f"{row['peak_rss_mb']:.0f} MB | {row['rss_before_mb']:.0f} MB | "
            f"x{row['analysed'] / first['analysed']:.1f}, x{row['wall_s'] / first['wall_s']:.1f}, "
            f"x{above / first_above:.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,10000,50000")
    parser.add_argument("--format", choices=("json", "jsonl"), default="jsonl")
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_flow(args.run, args.out)))
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="voc-scale-") as workdir:
        for size in map(int, args.sizes.split(",")):
            rows.append(measure(size, args.format, Path(workdir)))
            print(json.dumps(rows[-1]), flush=True)
    report(rows)


if __name__ == "__main__":
    main()
