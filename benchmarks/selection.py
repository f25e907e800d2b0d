"""Benchmark of the selection engine: ``python -m benchmarks.selection [options]``.

Prints a Markdown table (ready to paste in an issue's closing note) with one row per instance
and engine/algorithm: instance, n, k, number of types, algorithm, median wall seconds and median
CPU seconds of ``--repeat`` runs (default 3), peak memory in MB, minimum selection probability,
Gini coefficient, number of panels and, for sortition-algorithms rows, the CPU ratio (its CPU
seconds / ours for leximin). On a loaded machine compare the CPU seconds: wall time there also
counts the time other processes held the CPU.

Instances (``--instances a,b``; default: all of the first two groups):

- every folder of the shared data directory (``SORTITION_DATA_DIR``, default ``../shared/data``
  from the project root; households on where ``instances.csv`` names household columns);
- seeded synthetic instances shaped like published real assemblies
  (:data:`selection.synthetic.REAL_SHAPES`: pool/panel/categories 312/35/6, 404/40/6, 825/75/4,
  1727/110/7), answers drawn independently;
- with ``--shapes`` (``all``, ``small`` or names such as ``300_20_7,correlated_400_40_6``):
  the correlated-answer shapes (:data:`selection.synthetic.CORRELATED_SHAPES`: latent classes,
  quotas proportional +-1-2; 300/20/7, 400/40/6, 1000/100/7, 2000/100/7, 5000/100/7,
  10000/150/8; ``small`` is the first three). ``--shapes`` alone runs only these.

What is measured: every run is a fresh ``python`` subprocess; *wall s* is the wall time of
``selection.select`` inside it (reading files and starting Python are excluded) and *CPU s*
its CPU time (``time.process_time``: every thread of the process, user and system); the runs
of one instance are interleaved (repeat 1 of every algorithm and of every sortition-algorithms
backend, then repeat 2, ...), so a change in the machine's load hits all alike; *peak MB* is
the subprocess's peak resident set size (``resource.getrusage(RUSAGE_SELF).ru_maxrss``),
which includes the Python interpreter, numpy and HiGHS (about 45 MB before any work); the
largest over the runs is shown. A run longer than ``--timeout`` seconds is killed and shown
as ``> T s`` (its later repeats are skipped).

``--compare`` also runs the ``sortition-algorithms`` package ("SA"; PyPI, a benchmark-only
dependency: ``pip install -r requirements-bench.txt``) with its MAXIMIN algorithm, seeded
(``set_random_provider(SA_SEED)``, which also seeds its HiGHS), on each backend of
``--compare-backends`` (default ``highspy,mip``; a backend whose package is not importable is
reported as unavailable, not run), interleaved with ours on the same instances.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: The seed given to sortition-algorithms (its ``random_number_seed`` setting; 0 means unseeded).
SA_SEED = 20260101
#: The correlated shapes ``--shapes small`` selects (by pool size).
SMALL_POOLS = 1000


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


def shape_names(text: str) -> list[str]:
    """The correlated shapes named by ``--shapes``.

    Args:
        text: ``all``, ``small`` (pools of at most :data:`SMALL_POOLS`) or comma-separated
            names, each ``correlated_300_20_7``, ``300_20_7`` or ``300/20/7``.

    Returns:
        Instance names of :data:`selection.synthetic.CORRELATED_SHAPES`, in the order given.

    Raises:
        ValueError: a name that is no correlated shape (the message lists the shapes).
    """
    from selection.synthetic import CORRELATED_SHAPES  # lazy

    known = [shape[0] for shape in CORRELATED_SHAPES]
    if text.strip() == "all":
        return known
    if text.strip() == "small":
        return [name for name, n, _, _ in CORRELATED_SHAPES if n <= SMALL_POOLS]
    names = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name = part if part.startswith("correlated_") else "correlated_" + part.replace("/", "_")
        if name not in known:
            raise ValueError(f"unknown shape {part!r}: choose from {', '.join(known)}")
        names.append(name)
    return names


def load(name: str):
    """``(quotas, pool, k, households)`` for an instance name."""
    from selection import read_quotas, read_respondents  # lazy
    from selection.synthetic import (
        CORRELATED_SHAPES,
        REAL_SHAPES,
        correlated_instance,
        synthetic_instance,
    )  # lazy

    for shape, n, k, g in REAL_SHAPES:
        if shape == name:
            quotas, pool = synthetic_instance(n, k, g, seed=name)
            return quotas, pool, k, False
    for shape, n, k, g in CORRELATED_SHAPES:
        if shape == name:
            quotas, pool = correlated_instance(n, k, g, seed=name)
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


def instance_shape(name: str) -> dict:
    """``{"n", "k", "types"}`` of an instance, computed here (for rows whose runs all stopped)."""
    from selection.symmetry import build_types  # lazy

    quotas, pool, k, households = load(name)
    return {"n": len(pool), "k": k, "types": build_types(quotas, pool, k, households).num_types}


def backend_available(backend: str) -> bool:
    """Whether sortition-algorithms' ``backend`` can run here (``mip*`` needs ``mip``)."""
    package = "mip" if backend.startswith("mip") else backend
    return importlib.util.find_spec(package) is not None


def worker_theirs(name: str, backend: str = "highspy") -> dict:
    """One seeded run of sortition-algorithms MAXIMIN on ``backend`` (inside a subprocess)."""
    from sortition_algorithms import features as sa_features
    from sortition_algorithms import people as sa_people
    from sortition_algorithms.committee_generation.maximin import find_distribution_maximin
    from sortition_algorithms.settings import Settings
    from sortition_algorithms.utils import set_random_provider

    from selection.result import gini  # lazy

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
        solver_backend=backend,
        random_number_seed=SA_SEED,
    )
    people, _ = sa_people.read_in_people(people_head, people_body, features, settings)
    set_random_provider(settings.random_number_seed)
    started, cpu = time.perf_counter(), time.process_time()
    committees, probabilities, _ = find_distribution_maximin(
        features,
        people,
        k,
        ["sa_household"] if households else [],
        solver_backend=backend,
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
        "gini": gini(list(chance.values())),
        "panels": sum(1 for p in probabilities if p > 0),
    }


def _spawn(args: list[str], timeout: float) -> dict | None:
    """One worker subprocess; killed after ``timeout`` seconds (``{"timeout": timeout}``)."""
    command = [sys.executable, "-m", "benchmarks.selection", "--worker", *args]
    try:
        proc = subprocess.run(
            command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:  # subprocess.run has killed the worker
        return {"timeout": timeout}
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        return {"error": tail[:60]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _stopped(run: dict | None) -> bool:
    return run is None or "error" in run or "timeout" in run


def _summary(runs: list[dict | None]) -> dict:
    stopped = [r for r in runs if _stopped(r)]
    if stopped:
        return stopped[0] or {"error": "failed"}
    finished = [r for r in runs if r is not None]  # every run, after the check above
    summary = dict(finished[0])
    summary["seconds"] = statistics.median(r["seconds"] for r in finished)
    summary["cpu"] = statistics.median(r["cpu"] for r in finished)
    summary["peak_mb"] = max(r["peak_mb"] for r in finished)
    return summary


def _interleaved(specs: list[tuple[list[str], int, float]]) -> list[dict]:
    """Run every spec ``(worker args, repeat, timeout)`` round-robin: the first run of each,
    then the second, ...; a spec stops after its first error or timeout. Returns one summary
    per spec."""
    runs: list[list[dict | None]] = [[] for _ in specs]
    for round_ in range(max(repeat for _, repeat, _ in specs)):
        for i, (args, repeat, timeout) in enumerate(specs):
            if round_ < repeat and not any(_stopped(r) for r in runs[i]):
                runs[i].append(_spawn(args, timeout))
    return [_summary(r) for r in runs]


HEADER = (
    "| instance | n | k | types | algorithm | wall s | CPU s | peak MB | min prob | gini "
    "| panels | SA/ours CPU |"
)


def table_row(
    name: str, label: str, outcome: dict, shape: dict, leximin_cpu: float | None = None
) -> str:
    """One Markdown row.

    Args:
        name: instance. label: e.g. ``leximin`` or ``SA maximin (highspy)``.
        outcome: a run summary (``seconds``, ``cpu``, ... or ``timeout``/``error``/
            ``unavailable``). shape: ``n``, ``k``, ``types`` when known (from our runs).
        leximin_cpu: our leximin CPU seconds; given for sortition-algorithms rows, it adds
            the ratio of their CPU seconds to it.
    """
    sizes = [str(shape.get(key, "")) for key in ("n", "k", "types")]
    cells = [name, *sizes, label]
    if "timeout" in outcome:
        cells += [f"> {outcome['timeout']:.0f} s", "", "", "", "", "", ""]
    elif "unavailable" in outcome:
        cells += [outcome["unavailable"], "", "", "", "", "", ""]
    elif "error" in outcome:
        cells += [f"error: {outcome['error']}".replace("|", "/"), "", "", "", "", "", ""]
    else:
        ratio = ""
        if leximin_cpu is not None:
            ratio = f"{outcome['cpu'] / max(leximin_cpu, 1e-9):.1f}x"
        cells += [
            f"{outcome['seconds']:.3f}",
            f"{outcome['cpu']:.3f}",
            f"{outcome['peak_mb']:.1f}",
            f"{outcome['min_probability']:.6f}",
            f"{outcome['gini']:.3f}",
            str(outcome["panels"]),
            ratio,
        ]
    return "| " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the Markdown table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.selection")
    parser.add_argument("--instances", default=None, help="comma-separated instance names")
    parser.add_argument(
        "--shapes", default=None, help="correlated shapes: all, small or e.g. 300_20_7,400_40_6"
    )
    parser.add_argument("--algorithms", default="leximin,maximin,nash,legacy")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    parser.add_argument("--compare", action="store_true", help="also run sortition-algorithms")
    parser.add_argument("--compare-backends", default="highspy,mip")
    parser.add_argument("--compare-repeat", type=int, default=None, help="default: --repeat")
    parser.add_argument(
        "--compare-timeout", type=float, default=None, help="seconds per run (default: --timeout)"
    )
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        kind, name, *rest = args.worker
        result = worker_ours(name, rest[0]) if kind == "ours" else worker_theirs(name, *rest)
        print(json.dumps(result))
        return 0
    try:
        shapes = shape_names(args.shapes) if args.shapes else []
    except ValueError as exc:
        parser.error(str(exc))
    names = args.instances.split(",") if args.instances else ([] if shapes else instance_names())
    names += shapes
    algorithms = args.algorithms.split(",")
    backends = args.compare_backends.split(",") if args.compare else []
    usable = [b for b in backends if backend_available(b)]
    print(HEADER)
    print("|" + "---|" * HEADER.count(" | ") + "---|")
    for name in names:
        specs = [(["ours", name, a], args.repeat, args.timeout) for a in algorithms]
        specs += [
            (
                ["theirs", name, backend],
                args.compare_repeat or args.repeat,
                args.compare_timeout or args.timeout,
            )
            for backend in usable
        ]
        summaries = _interleaved(specs)
        ours = dict(zip(algorithms, summaries, strict=False))
        shape: dict = next((s for s in ours.values() if "types" in s), {}) or instance_shape(name)
        for algorithm, outcome in ours.items():
            print(table_row(name, algorithm, outcome, shape), flush=True)
        leximin = ours.get("leximin", {})
        theirs = dict(zip(usable, summaries[len(algorithms) :], strict=True))
        for backend in backends:
            outcome = theirs.get(backend) or {
                "unavailable": f"backend unavailable (no {backend.split('-')[0]} package)"
            }
            print(
                table_row(name, f"SA maximin ({backend})", outcome, shape, leximin.get("cpu")),
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
