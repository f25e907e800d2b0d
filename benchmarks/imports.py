"""Benchmark of a big registrants import: ``python -m benchmarks.imports [--rows 200000]``.

It creates (or re-creates) its own PostgreSQL database ``opendlp_bench_imports``, migrates it,
creates an assembly with two categories (gender: 3 values, age: 4 values) and their quotas,
and writes a CSV of ``--rows`` people (id, name, email, phone, postcode, the two answers and
an extra column; about 90 bytes a row). It then runs, each in a fresh Python subprocess, the
background job that previews the upload and the job that imports it
(:func:`assemblies.services.import_jobs.import_job_execute`, as the Celery worker does).

Printed for each step: wall seconds, CPU seconds (user + system of the subprocess, which
includes Django's start-up, about 1 s) and peak MB (the subprocess's peak resident set size,
interpreter and Django included). PostgreSQL's own CPU is not counted.

During each step a second subprocess (as a web worker would) registers people through the
public registration service, one after the other, 20 ms apart; printed: how many registered,
and the slowest registration in seconds (what a member of the public would wait for while
the file is imported; it includes waiting for the CPU on a busy machine).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "opendlp_bench_imports"
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
SLUG = "bench-imports"
QUESTIONS = {
    "gender": ["Woman", "Man", "Another gender"],
    "age": ["16-29", "30-44", "45-64", "65+"],
}


def csv_text(rows: int, seed: int = 1) -> str:
    """A registrants CSV of ``rows`` people with answers to :data:`QUESTIONS`."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    lines = ["id,name,email,phone,postcode,gender,age,note"]
    for i in range(rows):
        lines.append(
            f"R{i:07d},Person {i},p{i}@example.org,0123 {i:06d},AB{i % 999} 1XY,"
            f"{rng.choice(QUESTIONS['gender'])},{rng.choice(QUESTIONS['age'])},note {i}"
        )
    return "\n".join(lines) + "\n"


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "opendlp.settings",
            "DATABASE_URL": f"{PG_ADMIN_URL}/{DB_NAME}",
            "DEBUG": "true",
            "CELERY_BROKER_URL": "memory://",
            "LOG_LEVEL": "WARNING",
            "EMAIL_URL": "dummymail://",
        }
    )
    env.pop("REDIS_URL", None)
    return env


def database_recreate() -> None:
    """Drop and create the benchmark's own database, then migrate it."""
    import psycopg

    with psycopg.connect(f"{PG_ADMIN_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=_environment(),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _registrations(stop_file: str) -> None:
    """In its own subprocess (as a web worker): register people one after the other, 20 ms
    apart, until ``stop_file`` exists; print the count and the slowest (seconds) as JSON."""
    import django

    django.setup()
    from assemblies.models import Assembly, Quota  # lazy
    from assemblies.services.registration import registrant_register  # lazy

    count, slowest = 0, 0.0
    while not Path(stop_file).exists():
        assembly = Assembly.objects.filter(slug=SLUG).first()
        quotas = sum(len(values) for values in QUESTIONS.values())
        if assembly is None or Quota.objects.filter(assembly=assembly).count() < quotas:
            time.sleep(0.05)  # the step's subprocess is still creating them
            continue
        started = time.perf_counter()
        registrant_register(
            assembly=assembly,
            answers={"gender": "Woman", "age": "30-44"},
            contact={"name": "Reg", "email": f"reg{count}-{time.time()}@example.org"},
            base_url="http://bench.example",
        )
        slowest = max(slowest, time.perf_counter() - started)
        count += 1
        time.sleep(0.02)
    print(json.dumps({"registered": count, "slowest_registration": slowest}))


def _child(step: str, path: str) -> None:
    """In the subprocess: set up Django, run one job, print its figures as JSON."""
    import django

    started = time.perf_counter()
    django.setup()
    from django.contrib.auth import get_user_model

    from assemblies.models import Assembly, AssemblyStatus, PendingImport, Quota  # lazy
    from assemblies.services.import_jobs import import_job_execute, import_job_start  # lazy

    assembly, created = Assembly.objects.get_or_create(
        slug=SLUG,
        defaults={"title": "Benchmark imports", "panel_size": 40, "status": AssemblyStatus.OPEN},
    )
    if created:
        for category, values in QUESTIONS.items():
            for position, value in enumerate(values):
                Quota.objects.create(
                    assembly=assembly,
                    category=category,
                    value=value,
                    position=position,
                    min=0,
                    max=40,
                )
    pending = PendingImport.objects.filter(assembly=assembly).first()
    if pending is None:
        pending = PendingImport.objects.create(
            assembly=assembly,
            uploaded_by=get_user_model().objects.create_user(
                email="bench@example.org", is_staff=True
            ),
            kind=PendingImport.Kind.REGISTRANTS,
            filename="people.csv",
            text=Path(path).read_text(encoding="utf-8"),
            options={"id_column": "id"},
        )
    job = import_job_start(pending_id=pending.pk, action=step)
    before = time.perf_counter()
    job = import_job_execute(job_id=job.pk)
    wall = time.perf_counter() - before
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "step": step,
                "status": job.status,
                "error": job.error,
                "wall": wall,
                "cpu": usage.ru_utime + usage.ru_stime,
                "peak_mb": usage.ru_maxrss / 1024,
                "startup": before - started,
                "result": {k: v for k, v in job.result.items() if not isinstance(v, list)},
            }
        )
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument(
        "--child", choices=["preview", "import", "register"], help=argparse.SUPPRESS
    )
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "register":
        _registrations(args.file)
        return 0
    if args.child:
        _child(args.child, args.file)
        return 0
    database_recreate()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "people.csv"
        path.write_text(csv_text(args.rows), encoding="utf-8")
        print(f"{args.rows} rows, {path.stat().st_size / 1e6:.1f} MB of CSV")
        print(
            f"{'step':8} {'status':10} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} "
            f"{'regs':>6} {'slowest s':>9}  result"
        )
        for step in ("preview", "import"):
            stop = Path(folder) / f"stop-{step}"
            registering = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.imports",
                    "--child",
                    "register",
                    "--file",
                    str(stop),
                ],
                cwd=ROOT,
                env=_environment(),
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            try:
                out = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "benchmarks.imports",
                        "--child",
                        step,
                        "--file",
                        str(path),
                    ],
                    cwd=ROOT,
                    env=_environment(),
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
            finally:
                stop.touch()
                registered, _ = registering.communicate(timeout=120)
            figures = json.loads(out.strip().splitlines()[-1])
            figures.update(json.loads(registered.strip().splitlines()[-1]))
            print(
                f"{step:8} {figures['status']:10} {figures['wall']:8.1f} {figures['cpu']:8.1f} "
                f"{figures['peak_mb']:8.0f} {figures['registered']:6} "
                f"{figures['slowest_registration']:9.2f}  {figures['result'] or figures['error']}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
