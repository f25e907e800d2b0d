"""Serving the site for the HTTP benchmarks: a free port and gunicorn started and awaited."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_start(
    env: dict[str, str],
    *,
    port: int,
    workers: int,
    threads: int,
    probe_path: str = "/healthz",
    timeout: float = 60.0,
) -> subprocess.Popen:
    """Start ``gunicorn opendlp.wsgi`` (gthread workers) in its own session on ``port`` and
    return once ``GET probe_path`` answers 200.

    Raises:
        SystemExit: when it does not answer within ``timeout`` seconds (it is then stopped).
    """
    command = [sys.executable, "-m", "gunicorn", "opendlp.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    command += ["--threads", str(threads), "--worker-class", "gthread"]
    command += ["--keep-alive", "30", "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", probe_path)
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit(f"gunicorn did not answer {probe_path} within {timeout:.0f} s")


def cpu_seconds(*, session: int | None = None, command: str | None = None) -> float:
    """CPU time (user + system) used so far by the processes of a session or with a name."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        if (session is not None and int(fields[3]) == session) or name == command:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")
