"""Benchmark of the daily lottery on PostgreSQL: closing a million ballots, and submitting.

    python -m benchmarks.lottery [--ballots 1000000] [--api-users 4000] [--clients 24]
                                 [--workers 3] [--threads 4]

It creates (or re-creates) its own database ``opendlp_bench_lottery`` and migrates it, then:

1. **Fill.** Inserts ``--ballots`` users and one ballot each into yesterday's lottery with
   ``INSERT ... SELECT generate_series`` (1 % of the users are banned, so the close also has
   ballots to exclude), then ``VACUUM ANALYZE``.
2. **Close.** Runs :func:`lottery.services.lottery_close` for yesterday in a child process
   (``python -m benchmarks.lottery --close-child DATE``) and reads that process's peak
   resident memory (``ru_maxrss`` from ``os.wait4``), which includes Django itself; the
   child also reports the time of the service call alone. Then ``lottery_verify`` runs in
   another child and must agree.
3. **Submit.** Gives ``--api-users`` of those users a personal API token, starts the site
   under gunicorn (``DEBUG=false``, plain HTTP, ``--workers`` x ``--threads``), and from a
   second process runs ``--clients`` concurrent clients, each on its own keep-alive
   connection, that ``POST /api/lotteries/today/ballots`` once per user with
   ``Authorization: Bearer <token>``. Success is a 201. Afterwards the number of ballots in
   today's lottery must equal the number of 201 responses ("nothing lost"); a second pass
   of repeat submissions must answer 200 and add no row.

Targets on a 2-core machine: close < 2 s and < 100 MB; >= 300 submissions/s, nothing lost.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import queue
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.serving import cpu_seconds, free_port, gunicorn_start

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "opendlp_bench_lottery"
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
BANNED_EVERY = 100  # user ids divisible by this are banned
CLOSE_SECONDS_TARGET = 2.0
CLOSE_MB_TARGET = 100.0
SUBMISSIONS_PER_SECOND_TARGET = 300.0


def bench_env(var_dir: str) -> dict[str, str]:
    """Environment of every process of the run: the bench database, production-like settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "CI"}
    }
    env.update(
        {
            "DATABASE_URL": f"{PG_ADMIN_URL}/{DB_NAME}",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_hex(32),
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "CELERY_BROKER_URL": "memory://",
            "VAR_DIR": var_dir,
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join(
                p for p in [str(ROOT), os.environ.get("PYTHONPATH", "")] if p
            ),
        }
    )
    return env


def _django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opendlp.settings")
    import django

    django.setup()


def database_recreate() -> None:
    """Drop and create the benchmark's own database."""
    import psycopg

    with psycopg.connect(f"{PG_ADMIN_URL}/postgres", autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [DB_NAME],
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def fill(*, ballots: int, day: dt.date) -> dict[str, int]:
    """Insert ``ballots`` users and one ballot each into the lottery of ``day`` (open)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO accounts_user (password, is_superuser, email, display_name, is_staff,
                                       is_active, date_joined, banned_at, ban_reason)
            SELECT '!', false, 'bench' || g || '@example.org', 'Bench ' || g, false, true,
                   now(), CASE WHEN g %% %s = 0 THEN now() END,
                   CASE WHEN g %% %s = 0 THEN 'benchmark' ELSE '' END
            FROM generate_series(1, %s) AS g
            """,
            [BANNED_EVERY, BANNED_EVERY, ballots],
        )
        cur.execute(
            "INSERT INTO lottery_lottery (date, status, created_at, seed, digest) "
            "VALUES (%s, 'open', now(), '', '') RETURNING id",
            [day],
        )
        (lottery_id,) = cur.fetchone()
        cur.execute(
            """
            INSERT INTO lottery_ballot (lottery_id, user_id, submitted_at, excluded)
            SELECT %s, id, now() - interval '1 day', false FROM accounts_user ORDER BY id
            """,
            [lottery_id],
        )
        cur.execute("VACUUM ANALYZE accounts_user")
        cur.execute("VACUUM ANALYZE lottery_ballot")
        cur.execute("SELECT count(*) FROM accounts_user WHERE banned_at IS NOT NULL")
        (banned,) = cur.fetchone()
    return {"lottery_id": lottery_id, "banned": banned}


def close_child(day: str) -> None:
    """In the child process: close ``day`` and print timing and memory as JSON."""
    _django({})
    from lottery.services import lottery_close  # lazy

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    lottery = lottery_close(date=dt.date.fromisoformat(day), via="benchmark")
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "status": lottery.status,
                "ballot_count": lottery.ballot_count,
                "winner": lottery.winning_ballot_id,
                "maxrss_kb_before_close": before,
            }
        )
    )


def verify_child(day: str) -> None:
    """In the child process: verify ``day`` and print the outcome as JSON."""
    _django({})
    from lottery.services import lottery_verify  # lazy

    started = time.perf_counter()
    result = lottery_verify(date=dt.date.fromisoformat(day))
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "ok": result.ok, "problems": result.problems}))


def run_measured(args: list[str], env: dict[str, str]) -> tuple[dict, float, float]:
    """Run a child, return (its JSON output, peak RSS in MB, wall seconds)."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed with exit status {proc.returncode}")
    return json.loads(out.strip().splitlines()[-1]), usage.ru_maxrss / 1024, wall


def tokens_create(*, count: int) -> list[str]:
    """Give ``count`` non-banned bench users a personal API token; return the plain tokens."""
    from accounts.models import ApiToken, User, token_digest  # lazy
    from accounts.services.tokens import API_TOKEN_SCHEME  # lazy

    users = list(
        User.objects.filter(banned_at__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[:count]
    )
    plains, rows = [], []
    for user_id in users:
        prefix = secrets.token_hex(6)
        plain = f"{API_TOKEN_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
        plains.append(plain)
        rows.append(
            ApiToken(user_id=user_id, name="bench", prefix=prefix, token_hash=token_digest(plain))
        )
    ApiToken.objects.bulk_create(rows, batch_size=2000)
    return plains


def client_child(port: int, tokens_file: str, clients: int) -> None:
    """In the client process: POST one ballot per token with ``clients`` concurrent clients."""
    tokens: queue.Queue[str] = queue.Queue()
    for line in Path(tokens_file).read_text().split():
        tokens.put(line)
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        barrier.wait()
        while True:
            try:
                token = tokens.get_nowait()
            except queue.Empty:
                break
            started = time.perf_counter()
            try:
                conn.request(
                    "POST",
                    "/api/lotteries/today/ballots",
                    headers={"Authorization": f"Bearer {token}", "Content-Length": "0"},
                )
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = time.perf_counter() - started
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                latencies.append(elapsed)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    latencies.sort()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "statuses": statuses,
                "p50_ms": 1000 * statistics.median(latencies),
                "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
                "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
            }
        )
    )


def submit_pass(
    env: dict[str, str], *, port: int, tokens: list[str], clients: int, workdir: str
) -> dict:
    tokens_file = Path(workdir) / "tokens.txt"
    tokens_file.write_text("\n".join(tokens))
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.lottery",
            "--client-child",
            str(port),
            str(tokens_file),
            str(clients),
        ],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--api-users", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=24)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--close-child", metavar="DATE", help=argparse.SUPPRESS)
    parser.add_argument("--verify-child", metavar="DATE", help=argparse.SUPPRESS)
    parser.add_argument("--client-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.close_child:
        return close_child(args.close_child)
    if args.verify_child:
        return verify_child(args.verify_child)
    if args.client_child:
        port, tokens_file, clients = args.client_child
        return client_child(int(port), tokens_file, int(clients))

    with tempfile.TemporaryDirectory(prefix="bench-lottery-") as workdir:
        env = bench_env(workdir)
        database_recreate()
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            env=env,
            cwd=ROOT,
            check=True,
        )
        _django(env)
        from django.db import connection

        from lottery.models import Ballot, Lottery  # lazy
        from lottery.selectors import lottery_today  # lazy

        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            (pg_version,) = cur.fetchone()
        print(
            f"lottery benchmark: database {DB_NAME} (PostgreSQL {pg_version}), "
            f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
        )

        today = lottery_today()
        yesterday = today - dt.timedelta(days=1)
        started = time.perf_counter()
        filled = fill(ballots=args.ballots, day=yesterday)
        print(
            f"fill:   {args.ballots:,} users and ballots in the lottery of {yesterday} "
            f"({filled['banned']:,} users banned) in {time.perf_counter() - started:.1f} s"
        )

        closed, peak_mb, wall = run_measured(
            [sys.executable, "-m", "benchmarks.lottery", "--close-child", yesterday.isoformat()],
            env,
        )
        django_mb = closed["maxrss_kb_before_close"] / 1024
        close_ok = closed["seconds"] < CLOSE_SECONDS_TARGET and peak_mb < CLOSE_MB_TARGET
        print(
            f"close:  {closed['status']} from {closed['ballot_count']:,} eligible ballots "
            f"(winner ballot {closed['winner']}): lottery_close took {closed['seconds']:.2f} s "
            f"(process {wall:.2f} s incl. start-up); closing process peak RSS {peak_mb:.1f} MB "
            f"({django_mb:.1f} MB before the close) -> target < {CLOSE_SECONDS_TARGET:.0f} s "
            f"and < {CLOSE_MB_TARGET:.0f} MB: {'PASS' if close_ok else 'FAIL'}"
        )
        verified, verify_mb, _ = run_measured(
            [sys.executable, "-m", "benchmarks.lottery", "--verify-child", yesterday.isoformat()],
            env,
        )
        print(
            f"verify: {'ok' if verified['ok'] else 'MISMATCH ' + str(verified['problems'])} "
            f"in {verified['seconds']:.2f} s (peak RSS {verify_mb:.1f} MB)"
        )

        tokens = tokens_create(count=args.api_users)
        lottery_id = Lottery.objects.create(date=today).pk  # the day's first ballot is done
        connection.close()
        port = free_port()
        server = gunicorn_start(
            env,
            port=port,
            workers=args.workers,
            threads=args.threads,
            probe_path="/api/openapi.json",
        )
        try:
            cpu_web, cpu_db = cpu_seconds(session=server.pid), cpu_seconds(command="postgres")
            first = submit_pass(
                env, port=port, tokens=tokens, clients=args.clients, workdir=workdir
            )
            cpu_web = cpu_seconds(session=server.pid) - cpu_web
            cpu_db = cpu_seconds(command="postgres") - cpu_db
            rows = Ballot.objects.filter(lottery_id=lottery_id).count()
            repeat = submit_pass(
                env,
                port=port,
                tokens=tokens[: max(1, len(tokens) // 4)],
                clients=args.clients,
                workdir=workdir,
            )
            rows_after_repeat = Ballot.objects.filter(lottery_id=lottery_id).count()
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        created = first["statuses"].get("201", 0)
        rate = created / first["seconds"]
        lost = rows != created or set(first["statuses"]) != {"201"}
        api_ok = rate >= SUBMISSIONS_PER_SECOND_TARGET and not lost
        print(
            f"submit: {len(tokens):,} users with tokens, gunicorn {args.workers} workers x "
            f"{args.threads} threads, {args.clients} concurrent clients in a second process: "
            f"{sum(first['statuses'].values()):,} POST in {first['seconds']:.2f} s = "
            f"{rate:.0f} submissions/s; statuses {first['statuses']}; "
            f"latency p50 {first['p50_ms']:.1f} ms, p95 {first['p95_ms']:.1f} ms, "
            f"p99 {first['p99_ms']:.1f} ms; CPU per request: gunicorn "
            f"{1000 * cpu_web / len(tokens):.1f} ms, "
            f"all PostgreSQL processes {1000 * cpu_db / len(tokens):.1f} ms"
        )
        print(
            f"        rows in today's lottery {rows:,} == 201 responses {created:,}: "
            f"{'nothing lost' if not lost else 'MISMATCH'} -> target >= "
            f"{SUBMISSIONS_PER_SECOND_TARGET:.0f}/s, nothing lost: {'PASS' if api_ok else 'FAIL'}"
        )
        print(
            f"repeat: {sum(repeat['statuses'].values()):,} repeat POST -> statuses "
            f"{repeat['statuses']}; rows {rows_after_repeat:,} "
            f"({'unchanged' if rows_after_repeat == rows else 'CHANGED'})"
        )
        if not (close_ok and api_ok and verified["ok"] and rows_after_repeat == rows):
            raise SystemExit(1)


if __name__ == "__main__":
    main()
