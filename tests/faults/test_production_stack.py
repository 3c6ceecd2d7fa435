"""`python3 tasks.py prod` starts the production stack (gunicorn, the workers of every queue,
beat) on the real PostgreSQL and Redis with production settings, and /healthz is green for
every part."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from .conftest import ROOT, free_port, served_database_url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_one_command_starts_the_stack_and_every_part_reports_ok(production_env, tmp_path):
    port = free_port()
    env = {
        **production_env,
        "DATABASE_URL": served_database_url(),
        # A Redis database of its own: its workers must not take the test run's tasks.
        "REDIS_URL": production_env["REDIS_URL"].rsplit("/", 1)[0] + "/6",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "BEAT_SCHEDULE_FILE": str(tmp_path / "beat-schedule"),
        "BEAT_HEARTBEAT_SECONDS": "2",
    }
    log = tmp_path / "stack.log"
    with log.open("w") as out:
        stack = subprocess.Popen(
            [sys.executable, "tasks.py", "prod"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    body = {}
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and stack.poll() is None:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"}
                )
                with urllib.request.urlopen(request, timeout=5) as response:
                    body = json.loads(response.read())
                if body.get("status") == "ok":
                    break
            except OSError:
                pass
            time.sleep(1)
    finally:
        os.killpg(stack.pid, signal.SIGTERM)
        try:
            stack.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)
    output = log.read_text()
    assert body.get("status") == "ok", (body, output[-4000:])
    checks = body["checks"]
    assert checks["database"]["vendor"] == "postgresql"
    assert checks["cache"]["backend"] == "RedisCache"
    assert checks["queue"]["mode"] == "broker"
    assert checks["workers"]["queues"] == ["default", "email", "search", "stamps"]
    assert checks["beat"]["seconds_since_tick"] <= 6
    for process in ("web.1", "worker.1", "stamps.1", "beat.1"):
        assert f"{process} " in output
