"""Benchmark of the public registration form under gunicorn on PostgreSQL.

    python -m benchmarks.registration [--seconds 30] [--clients 16] [--workers 3] [--threads 4]

It creates (or re-creates) its own database ``opendlp_bench_registration``, migrates it,
collects the static files, creates an open assembly with two categories and their quotas,
and starts the site under gunicorn with ``DEBUG=false``, a random ``SECRET_KEY``, plain HTTP
(``SECURE_SSL_REDIRECT``/secure cookies off), rate limits raised for the run, a minimum fill
time of half a second, and emails going to Django's dummy backend (``EMAIL_URL=dummymail://``:
the confirmation email is rendered but not sent). The cache is Redis (database 12) when
Redis answers on 127.0.0.1:6379, as in production; otherwise each worker's memory.

A second process then runs ``--clients`` concurrent clients for ``--seconds`` seconds. Each
client opens the form once (getting the CSRF cookie, the CSRF token and the signed fill-time
token, then waiting out the minimum fill time, as a person would), and then posts valid
registrations, each with a new email address, on one keep-alive connection. A registration
counts as successful when the answer is the redirect to the thank-you page.

Printed: requests per second, latency p50/p95/p99 (milliseconds), errors, and whether the
number of registrants in the database equals the number of successful responses. Target on
a 2-core machine: >= 200 registrations/s with p99 < 250 ms and nothing lost.
"""

from __future__ import annotations

import argparse
import html
import http.client
import multiprocessing
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import TypedDict

from benchmarks.serving import cpu_seconds, free_port, gunicorn_start

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "opendlp_bench_registration"
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
#: Cache and Celery broker of the benchmarked site (a Redis database of its own, emptied first).
REDIS_BENCH_URL = "redis://127.0.0.1:6379/9"
MIN_FILL_SECONDS = 0.5
SLUG = "bench-assembly"
QUESTIONS = {
    "gender": ["Woman", "Man", "Another gender"],
    "age": ["16-29", "30-44", "45-64", "65+"],
}


class _CpuGroup(TypedDict, total=False):
    """Keyword arguments of :func:`cpu_seconds`: the processes one CPU figure covers."""

    session: int
    command: str


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def server_environment(static_root: str) -> dict[str, str]:
    """The environment of the benchmarked site (and of this process's Django set-up)."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "opendlp.settings",
            "DATABASE_URL": f"{PG_ADMIN_URL}/{DB_NAME}",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_hex(32),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "EMAIL_URL": "dummymail://",
            "RATE_LIMIT_REGISTRATION_IP": "100000000/h",
            "RATE_LIMIT_REGISTRATION_EMAIL": "1000/h",
            "REGISTRATION_MIN_FILL_SECONDS": str(MIN_FILL_SECONDS),
            "STATIC_ROOT": static_root,
            "LOG_LEVEL": "WARNING",
        }
    )
    if _redis_up():
        # As in production: confirmation emails are queued in Redis for a worker (none runs
        # here; the queue is emptied before and after), the cache is Redis too.
        import redis

        redis.Redis.from_url(REDIS_BENCH_URL).flushdb()
        env["REDIS_URL"] = env["CELERY_BROKER_URL"] = REDIS_BENCH_URL
    else:
        env.pop("REDIS_URL", None)
        env["CELERY_BROKER_URL"] = "memory://"
    return env


def database_recreate() -> None:
    """Drop and create the benchmark's own database."""
    import psycopg

    with psycopg.connect(f"{PG_ADMIN_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def assembly_create() -> int:
    """Create the open assembly with its categories and quotas; returns its id."""
    from assemblies.models import Assembly, AssemblyStatus, Category, Quota  # lazy

    assembly = Assembly.objects.create(
        slug=SLUG,
        title="Benchmark assembly",
        question="How fast is registration?",
        panel_size=40,
        status=AssemblyStatus.OPEN,
    )
    for position, (name, values) in enumerate(QUESTIONS.items()):
        Category.objects.create(
            assembly=assembly, name=name, question=f"Your {name}?", position=position
        )
        for value_position, value in enumerate(values):
            Quota.objects.create(
                assembly=assembly,
                category=name,
                value=value,
                position=value_position,
                min=0,
                max=40,
            )
    return assembly.pk


def email_index_ensure(create: bool) -> str:
    """Make sure registrants can be found by (assembly, lower-cased email) through an index.

    The index is part of the model change proposed with the registration pages (a unique
    constraint on form registrations plus an index on ``(assembly, Lower("email"))``); until
    the migration has it, the benchmark creates the plain index itself (unless ``create`` is
    false) and says so.

    Returns:
        A short description for the report.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'assemblies_registrant' "
            "AND indexdef ILIKE '%%lower((email)%%'"
        )
        found = [row[0] for row in cursor.fetchall()]
        if found:
            return f"from the migrations ({', '.join(found)})"
        if not create:
            return "none (every lookup scans the assembly's registrants)"
        cursor.execute(
            "CREATE INDEX bench_registrant_assembly_email_ci "
            "ON assemblies_registrant (assembly_id, lower(email))"
        )
    return "created by the benchmark (the proposed (assembly, lower(email)) index)"


# --- the load generator (second process) ------------------------------------------------------

_INPUT = re.compile(r'<input type="hidden" name="(csrfmiddlewaretoken|form_token)" value="([^"]*)"')


def _client(number: int, port: int, run_id: str, deadline: float, results) -> None:  # noqa: ANN001
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    path = f"/a/{SLUG}/register/"
    conn.request("GET", path)
    response = conn.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
    tokens = {name: html.unescape(value) for name, value in _INPUT.findall(page)}
    if response.status != 200 or not cookie.startswith("csrftoken=") or len(tokens) != 2:
        results.append(("setup-error", 0.0, response.status))
        return
    time.sleep(MIN_FILL_SECONDS + 0.05)  # a person takes a while to fill in the form
    genders, ages = QUESTIONS["gender"], QUESTIONS["age"]
    sent = 0
    while time.monotonic() < deadline:
        body = urllib.parse.urlencode(
            {
                **tokens,
                "category_0": genders[sent % len(genders)],
                "category_1": ages[sent % len(ages)],
                "name": f"Bench Person {number}-{sent}",
                "email": f"bench-{run_id}-{number}-{sent}@example.org",
                "phone": "01632 960 001",
                "consent": "on",
                "website": "",
            }
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        started = time.perf_counter()
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            ok = status == 302 and response.getheader("Location", "").endswith("/thanks/")
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            status, ok = 0, False
        results.append(("ok" if ok else "error", time.perf_counter() - started, status))
        sent += 1


def load_generate(port: int, clients: int, seconds: float, run_id: str, queue) -> None:  # noqa: ANN001
    """Run ``clients`` threads against the site until ``seconds`` have passed; put the list of
    ``(outcome, latency seconds, status)`` and the measured duration on ``queue``."""
    import threading

    results: list = []
    start = time.monotonic()
    deadline = start + MIN_FILL_SECONDS + 0.1 + seconds
    threads = [
        threading.Thread(target=_client, args=(n, port, run_id, deadline, results))
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put((results, time.monotonic() - start - MIN_FILL_SECONDS - 0.1))


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat ((0, 0) elsewhere)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return float(sum(fields) - idle), float(sum(fields))


def _process_tree_cpu_seconds(pid: int) -> float:
    """User+system CPU seconds of a process and its waited-for children (Linux /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = sum(int(x) for x in stat[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], fraction: float) -> float:
    """The ``fraction`` quantile of ``values`` (nearest rank), 0.0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(fraction * len(ordered))) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--without-email-index",
        action="store_true",
        help="do not create the proposed (assembly, lower(email)) index when it is missing",
    )
    args = parser.parse_args(argv)

    static_root = tempfile.mkdtemp(prefix="opendlp-bench-static-")
    env = server_environment(static_root)
    os.environ.update(env)
    if "REDIS_URL" not in env:
        os.environ.pop("REDIS_URL", None)
    print(f"database {DB_NAME}: recreating and migrating ...", flush=True)
    database_recreate()
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")

    import django

    django.setup()
    from django.core.cache import cache

    from assemblies.models import Registrant  # lazy

    assembly_id = assembly_create()
    index = email_index_ensure(create=not args.without_email_index)
    cache.clear()
    port = free_port()
    server = gunicorn_start(env, port=port, workers=args.workers, threads=args.threads)
    try:
        print(
            f"gunicorn: {args.workers} workers x {args.threads} threads on port {port}; "
            f"cache: {'Redis' if 'REDIS_URL' in env else 'local memory'}; email: dummymail://; "
            f"{args.clients} clients for {args.seconds:.0f} s; email lookup index: {index} ...",
            flush=True,
        )
        queue: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()
        loader = multiprocessing.get_context("spawn").Process(
            target=load_generate,
            args=(port, args.clients, args.seconds, secrets.token_hex(4), queue),
        )
        cpu_groups: dict[str, _CpuGroup] = {
            "gunicorn": {"session": server.pid},
            "PostgreSQL": {"command": "postgres"},
            "Redis": {"command": "redis-server"},
        }
        busy_before, total_before = _machine_cpu()
        cpu_before = {name: cpu_seconds(**where) for name, where in cpu_groups.items()}
        loader.start()
        results, duration = queue.get(timeout=args.seconds + 120)
        busy_after, total_after = _machine_cpu()
        cpu_load = {
            name: cpu_seconds(**where) - cpu_before[name] for name, where in cpu_groups.items()
        }
        loader.join(timeout=30)
    finally:
        server.send_signal(signal.SIGTERM)
        # Wait for gunicorn without reaping it, so its CPU times (workers included) stay
        # readable in /proc until we have read them.
        os.waitid(os.P_PID, server.pid, os.WEXITED | os.WNOWAIT)
        app_cpu = _process_tree_cpu_seconds(server.pid)
        server.wait(timeout=30)

    oks = [latency for outcome, latency, _ in results if outcome == "ok"]
    latencies = [latency for outcome, latency, _ in results if outcome != "setup-error"]
    errors = [status for outcome, _, status in results if outcome != "ok"]
    stored = Registrant.objects.filter(assembly_id=assembly_id).count()
    rate = len(oks) / duration if duration > 0 else 0.0
    p50, p95, p99 = (1000 * percentile(latencies, f) for f in (0.50, 0.95, 0.99))
    print(f"duration            {duration:8.1f} s")
    print(f"requests            {len(latencies):8d}")
    print(f"registrations/s     {rate:8.1f}")
    print(f"latency p50         {p50:8.1f} ms")
    print(f"latency p95         {p95:8.1f} ms")
    print(f"latency p99         {p99:8.1f} ms")
    print(f"latency mean        {1000 * statistics.fmean(latencies or [0]):8.1f} ms")
    print(
        f"errors              {len(errors):8d}"
        + (f"  statuses {sorted(set(errors))}" if errors else "")
    )
    print(f"successful answers  {len(oks):8d}")
    verdict = "equal: nothing lost" if stored == len(oks) else "MISMATCH"
    print(f"registrants in db   {stored:8d}  ({verdict})")
    if total_after > total_before:
        machine = 100 * (busy_after - busy_before) / (total_after - total_before)
        print(f"machine CPU busy    {machine:8.0f} %  of {os.cpu_count()} CPUs (all processes)")
    if oks:
        print(
            f"app CPU per request {1000 * app_cpu / len(latencies):8.1f} ms  (gunicorn, whole run)"
        )
        split = ", ".join(
            f"{name} {1000 * seconds / len(latencies):.1f} ms" for name, seconds in cpu_load.items()
        )
        print(f"CPU per request under load: {split}")
    met = rate >= 200 and p99 < 250 and not errors and stored == len(oks)
    print(
        f"target (>= 200/s, p99 < 250 ms, no errors, nothing lost): {'met' if met else 'NOT met'}"
    )
    return 0 if stored == len(oks) and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
