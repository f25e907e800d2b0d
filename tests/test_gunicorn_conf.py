"""gunicorn.conf.py: gunicorn's access log goes through the redaction filter.

A real gunicorn serves the project from its directory (so it reads gunicorn.conf.py, as the
Docker image does) with ``--access-logfile -``; one request carries a withdraw token in its
path and an invitation token in its query string.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
# A withdraw token as django.core.signing makes it: payload:timestamp:signature.
SIGNED = (
    "eyJyIjoiNmY0ZDkxYTAtOTVhZS00ZjBkLWI3ODctYjBlZjI1YzdjMzQxIiwiYSI6N30"
    ":1vQh2K:Vx3mQ0b9kR7yZp2LdF8sT1uWc4eHnA6jGiKoPqMrXsY"
)
INVITATION = "Zq8pL2mXv7Rk4Tn9Wc1Yb6Hs3Jd0Ge5Uf2Ai8Ko7Pl4"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, path: str) -> int | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError:
        return None


@pytest.mark.slow
def test_gunicorn_access_log_hides_tokens_and_keeps_status_and_size(tmp_path):
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(DEBUG="true", VAR_DIR=str(tmp_path), REDIS_URL="", PYTHONUNBUFFERED="1")
    log_file = tmp_path / "gunicorn.log"
    with log_file.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "opendlp.wsgi:application"]
            + ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", "-"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            give_up = time.monotonic() + 120
            while _get(port, "/healthz") is None and time.monotonic() < give_up:
                time.sleep(0.2)
            path = f"/a/climate-2026/withdraw/{SIGNED}/?next=%2Faccount%2Finvitations%2F"
            status = _get(port, f"{path}{INVITATION}%2F")
        finally:
            server.terminate()
            server.wait(timeout=30)
    text = log_file.read_text()

    assert status is not None
    assert SIGNED not in text and INVITATION not in text
    line = next(line for line in text.splitlines() if '"GET /a/' in line)
    assert (
        '"GET /a/climate-2026/withdraw/[redacted]/?next=%2Faccount%2Finvitations%2F[redacted]%2F'
        f' HTTP/1.1" {status} ' in line
    )
    size = line.split(f'HTTP/1.1" {status} ', 1)[1].split()[0]
    assert size.isdigit() or size == "-"
