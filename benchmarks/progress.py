"""How often a long selection reports progress: ``python -m benchmarks.progress``.

The engine promises ``progress`` and ``should_cancel`` at least once a second of work
(:class:`selection.monitor.Monitor`, default interval 0.25 s). Tests check the behaviour with a
stepped clock (polls happen inside HiGHS solves as well as between them); this benchmark
measures the real gaps. For each synthetic shape and algorithm it prints the run's wall and CPU
seconds, the number of progress calls, and the largest and 99th-percentile gap between calls in
wall seconds, with the CPU seconds the process spent in the largest gap (on a loaded machine
wall gaps grow while CPU gaps stay near the interval). Runs of the different algorithms are
interleaved, ``--repeat`` rounds (default 2).
"""

from __future__ import annotations

import argparse
import time

from selection import select
from selection.synthetic import synthetic_instance

SHAPES = ((300, 35, 6), (404, 40, 6), (825, 75, 4))


def measure(n: int, k: int, categories: int, algorithm: str) -> dict[str, float]:
    """One run; returns seconds (wall, cpu), calls and the gaps (seconds)."""
    quotas, pool = synthetic_instance(n, k, categories, seed=f"progress-{n}")
    stamps: list[tuple[float, float]] = []
    wall0, cpu0 = time.perf_counter(), time.process_time()
    stamps.append((wall0, cpu0))
    select(
        quotas,
        pool,
        k,
        algorithm=algorithm,
        seed="progress",
        progress=lambda *_: stamps.append((time.perf_counter(), time.process_time())),
    )
    wall1, cpu1 = time.perf_counter(), time.process_time()
    stamps.append((wall1, cpu1))
    gaps = sorted(((b[0] - a[0]), (b[1] - a[1])) for a, b in zip(stamps, stamps[1:], strict=False))
    p99 = gaps[min(len(gaps) - 1, int(0.99 * len(gaps)))][0]
    return {
        "wall": wall1 - wall0,
        "cpu": cpu1 - cpu0,
        "calls": len(stamps) - 2,
        "max_gap": gaps[-1][0],
        "max_gap_cpu": gaps[-1][1],
        "p99_gap": p99,
    }


def main(argv: list[str] | None = None) -> None:
    """Print one row per (shape, algorithm, round)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--algorithms", default="leximin,maximin,nash")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    algorithms = args.algorithms.split(",")
    print("shape        algorithm  round  wall s   cpu s  calls  max gap s (cpu s)  p99 gap s")
    for n, k, c in SHAPES:
        for round_ in range(1, args.repeat + 1):
            for algorithm in algorithms:  # interleaved: every algorithm once per round
                m = measure(n, k, c, algorithm)
                print(
                    f"{n}/{k}/{c:<6} {algorithm:<9} {round_:>5} {m['wall']:>7.2f} "
                    f"{m['cpu']:>7.2f} {m['calls']:>6} {m['max_gap']:>9.3f} "
                    f"({m['max_gap_cpu']:.3f}) {m['p99_gap']:>10.3f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
