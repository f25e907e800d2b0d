"""The Celery worker and beat log through the project's LOGGING (opendlp/celery.py).

Real processes: a worker (solo pool) against the local Redis and a beat with a file schedule,
started from the project directory exactly as ``make run`` starts them; their output is read
until the expected lines appear (or a generous deadline passes, which fails the test).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings

PROJECT_DIR = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
DEADLINE_SECONDS = 120


class _Output:
    """Collects a process's merged stdout and stderr on a thread, line by line."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._process = process
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self.lines.append(line)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, *needles: str) -> str:
        """Wait until every needle has appeared (or the process ended or the deadline passed)."""
        give_up = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < give_up and self._process.poll() is None:
            if all(needle in self.text for needle in needles):
                break
            time.sleep(0.2)
        return self.text


def _environment(tmp_path: Path, broker_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CELERY_")}
    env.update(
        DEBUG="true",
        VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_BROKER_URL=broker_url,
        REDIS_URL=broker_url,
        EMAIL_URL="consolemail://",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


def _start(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[str], _Output]:
    process = subprocess.Popen(
        [str(CELERY), "-A", "opendlp", *args],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, _Output(process)


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.mark.redis
@pytest.mark.slow
def test_worker_logs_failing_task_with_traceback(tmp_path):
    broker_url = settings.REDIS_URL
    queue = f"test-logging-{uuid.uuid4().hex[:12]}"
    process, output = _start(
        [
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--queues={queue}",
            f"--hostname={queue}@%h",
        ],
        _environment(tmp_path, broker_url),
    )
    try:
        sender = Celery("test-sender", broker=broker_url)
        try:
            result = sender.send_task("lottery.close", args=["not-a-date"], queue=queue)
        finally:
            sender.close()
        text = output.wait_for("Traceback (most recent call last)", "Invalid isoformat")
    finally:
        _stop(process)
    text = output.text
    assert f"Task lottery.close[{result.id}] received" in text
    assert f"Task lottery.close[{result.id}] raised unexpected: ValueError" in text
    assert "Traceback (most recent call last)" in text
    assert "Invalid isoformat string: 'not-a-date'" in text
    # One line format for the worker's own lines: time, level, logger name, message.
    assert " ERROR celery.app.trace Task lottery.close[" in text


@pytest.mark.slow
def test_beat_logs_its_start(tmp_path):
    process, output = _start(
        [
            "beat",
            "--loglevel=INFO",
            "--scheduler=celery.beat:PersistentScheduler",
            f"--schedule={tmp_path / 'beat-schedule'}",
            f"--pidfile={tmp_path / 'beat.pid'}",
        ],
        _environment(tmp_path, "memory://"),
    )
    try:
        output.wait_for("beat: Starting...")
    finally:
        _stop(process)
    assert " INFO celery.beat beat: Starting..." in output.text
