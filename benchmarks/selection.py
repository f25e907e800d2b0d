"""Benchmark of the selection engine: ``python -m benchmarks.selection [options]``.

Prints one row per instance and algorithm: instance, n, k, number of types, algorithm, median
wall seconds and median CPU seconds of ``--repeat`` runs (default 3), peak memory in MB,
minimum selection probability, Gini coefficient and number of panels. On a loaded machine
compare the CPU seconds: wall time there also counts the time other processes held the CPU.

Instances: every folder of the shared data directory (``SORTITION_DATA_DIR``, default
``../shared/data`` from the project root; households on where ``instances.csv`` names
household columns) and seeded synthetic instances shaped like published real assemblies
(:data:`selection.synthetic.REAL_SHAPES`: pool/panel/categories 312/35/6, 404/40/6, 825/75/4,
1727/110/7).

What is measured: every run is a fresh ``python`` subprocess; *wall s* is the wall time of
``selection.select`` inside it (reading files and starting Python are excluded) and *CPU s*
its CPU time (``time.process_time``: every thread of the process, user and system); the runs
of one instance are interleaved (repeat 1 of every algorithm, and of sortition-algorithms with
``--compare``, then repeat 2, ...), so a change in the machine's load hits all alike; *peak MB* is
the subprocess's peak resident set size (``resource.getrusage(RUSAGE_SELF).ru_maxrss``),
which includes the Python interpreter, numpy and HiGHS (about 45 MB before any work); the
largest over the runs is shown.

``--compare`` also runs the ``sortition-algorithms`` package (PyPI, a benchmark-only
dependency: ``pip install -r requirements-bench.txt``) with its MAXIMIN algorithm on its
default ``highspy`` backend, on the same instances in the same run (interleaved with ours),
and prints its median wall and CPU seconds, its minimum probability and the CPU ratio (its CPU
seconds / ours for leximin); a run that exceeds
``--compare-timeout`` is reported as a timeout (its time is then at least that long).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """The shared data directory."""
    return Path(os.environ.get("SORTITION_DATA_DIR", PROJECT_ROOT.parent / "shared" / "data"))


def instance_names() -> list[str]:
    """Shared instance names (from instances.csv) followed by the synthetic ones."""
    from selection.synthetic import REAL_SHAPES  # lazy

    names = []
    index = data_dir() / "instances.csv"
    if index.exists():
        with index.open(encoding="utf-8") as f:
            names = [row["instance"] for row in csv.DictReader(f)]
    return names + [shape[0] for shape in REAL_SHAPES]


def load(name: str):
    """``(quotas, pool, k, households)`` for an instance name."""
    from selection import read_quotas, read_respondents  # lazy
    from selection.synthetic import REAL_SHAPES, synthetic_instance  # lazy

    for shape, n, k, g in REAL_SHAPES:
        if shape == name:
            quotas, pool = synthetic_instance(n, k, g, seed=name)
            return quotas, pool, k, False
    with (data_dir() / "instances.csv").open(encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["instance"] == name)
    house = [c for c in row["household_columns"].split(";") if c]
    quotas = read_quotas(data_dir() / name / "categories.csv")
    respondents = read_respondents(
        data_dir() / name / "respondents.csv",
        quotas=quotas,
        id_column=row["id_column"] or None,
        household_columns=house,
    )
    return quotas, respondents.pool, int(row["panel_size"]), bool(house)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kilobytes


def worker_ours(name: str, algorithm: str) -> dict:
    """One run of our engine (inside a subprocess)."""
    from selection import select  # lazy
    from selection.symmetry import build_types  # lazy

    quotas, pool, k, households = load(name)
    types = build_types(quotas, pool, k, households).num_types
    started, cpu = time.perf_counter(), time.process_time()
    result = select(quotas, pool, k, algorithm=algorithm, seed="benchmark", households=households)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "cpu": cpu,
        "n": len(pool),
        "k": k,
        "types": types,
        "seconds": seconds,
        "peak_mb": _peak_mb(),
        "min_probability": result.min_probability,
        "gini": result.gini,
        "panels": result.num_panels,
    }


def worker_theirs(name: str) -> dict:
    """One run of sortition-algorithms MAXIMIN on its default highspy backend."""
    from sortition_algorithms import features as sa_features
    from sortition_algorithms import people as sa_people
    from sortition_algorithms.committee_generation.maximin import find_distribution_maximin
    from sortition_algorithms.settings import Settings

    quotas, pool, k, households = load(name)
    head = ["feature", "value", "min", "max"]
    body = [
        {"feature": q.category, "value": q.value, "min": str(q.min), "max": str(q.max)}
        for q in quotas
    ]
    features, _, _ = sa_features.read_in_features(head, body)
    columns = list(quotas.categories)
    people_head = ["sa_id", *columns, "sa_household"]
    people_body = [
        {"sa_id": p.id, **{c: p.answers[c] for c in columns}, "sa_household": p.household or p.id}
        for p in pool
    ]
    settings = Settings(
        id_column="sa_id",
        columns_to_keep=[],
        check_same_address=households,
        check_same_address_columns=["sa_household"] if households else [],
        selection_algorithm="maximin",
    )
    people, _ = sa_people.read_in_people(people_head, people_body, features, settings)
    started, cpu = time.perf_counter(), time.process_time()
    committees, probabilities, _ = find_distribution_maximin(
        features, people, k, ["sa_household"] if households else []
    )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    chance = dict.fromkeys(pool.ids, 0.0)
    for committee, p in zip(committees, probabilities, strict=True):
        for pid in committee:
            chance[pid] += p
    return {
        "seconds": seconds,
        "cpu": cpu,
        "peak_mb": _peak_mb(),
        "min_probability": min(chance.values()),
    }


def _spawn(args: list[str], timeout: float) -> dict | None:
    command = [sys.executable, "-m", "benchmarks.selection", "--worker", *args]
    try:
        proc = subprocess.run(
            command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        return {"error": tail[:60]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _summary(runs: list[dict | None]) -> dict:
    errors = [r for r in runs if r is None or "error" in r]
    if errors:
        return errors[0] or {"error": "failed"}
    finished = [r for r in runs if r is not None]  # every run, after the check above
    summary = dict(finished[0])
    summary["seconds"] = statistics.median(r["seconds"] for r in finished)
    summary["cpu"] = statistics.median(r["cpu"] for r in finished)
    summary["peak_mb"] = max(r["peak_mb"] for r in finished)
    return summary


def _interleaved(specs: list[tuple[list[str], int, float]]) -> list[dict]:
    """Run every spec ``(worker args, repeat, timeout)`` round-robin: the first run of each,
    then the second, ...; a spec stops after its first error. Returns one summary per spec."""
    runs: list[list[dict | None]] = [[] for _ in specs]
    for round_ in range(max(repeat for _, repeat, _ in specs)):
        for i, (args, repeat, timeout) in enumerate(specs):
            failed = any(r is None or "error" in r for r in runs[i])
            if round_ < repeat and not failed:
                runs[i].append(_spawn(args, timeout))
    return [_summary(r) for r in runs]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.selection")
    parser.add_argument("--instances", default=None, help="comma-separated instance names")
    parser.add_argument("--algorithms", default="leximin,maximin,nash,legacy")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    parser.add_argument("--compare", action="store_true", help="also run sortition-algorithms")
    parser.add_argument("--compare-repeat", type=int, default=None, help="default: --repeat")
    parser.add_argument(
        "--compare-timeout", type=float, default=None, help="seconds per run (default: --timeout)"
    )
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        kind, name, *rest = args.worker
        result = worker_ours(name, rest[0]) if kind == "ours" else worker_theirs(name)
        print(json.dumps(result))
        return 0
    names = args.instances.split(",") if args.instances else instance_names()
    algorithms = args.algorithms.split(",")
    header = (
        f"{'instance':<22} {'n':>5} {'k':>4} {'types':>5} {'algorithm':<9} {'wall s':>8} "
        f"{'CPU s':>8} {'peak MB':>8} {'min prob':>9} {'gini':>6} {'panels':>6}"
    )
    if args.compare:
        header += f" | {'SA wall s':>9} {'SA CPU s':>9} {'SA min prob':>11} {'SA/ours CPU':>11}"
    print(header)
    print("-" * len(header))
    for name in names:
        specs = [(["ours", name, a], args.repeat, args.timeout) for a in algorithms]
        if args.compare:
            specs.append(
                (
                    ["theirs", name],
                    args.compare_repeat or args.repeat,
                    args.compare_timeout or args.timeout,
                )
            )
        summaries = _interleaved(specs)
        theirs = summaries[-1] if args.compare else {}
        for algorithm, ours in zip(algorithms, summaries, strict=False):
            if "error" in ours:
                print(f"{name:<22} {algorithm:<9} ERROR {ours['error']}", flush=True)
                continue
            line = (
                f"{name:<22} {ours['n']:>5} {ours['k']:>4} {ours['types']:>5} {algorithm:<9} "
                f"{ours['seconds']:>8.3f} {ours['cpu']:>8.3f} {ours['peak_mb']:>8.1f} "
                f"{ours['min_probability']:>9.6f} {ours['gini']:>6.3f} {ours['panels']:>6}"
            )
            if args.compare and algorithm == "leximin":
                if "error" in theirs:
                    line += f" | SA error: {theirs['error']}"
                else:
                    ratio = theirs["cpu"] / max(ours["cpu"], 1e-9)
                    line += (
                        f" | {theirs['seconds']:>9.3f} {theirs['cpu']:>9.3f} "
                        f"{theirs['min_probability']:>11.6f} {ratio:>10.1f}x"
                    )
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
