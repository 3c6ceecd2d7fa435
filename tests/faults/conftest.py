"""Faults under production settings: the project served by gunicorn with
``marketplace.settings.production`` (its Celery, cache and database configuration, collected
static files), against the test database, with a service made unreachable by pointing its
URL at a port nobody listens on.

A test whose configuration differs from production's proves nothing about production, so
these tests start the real thing. They need PostgreSQL (the test database must be reachable
from another process): CI runs them there.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def served_database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture(scope="session")
def production_env(tmp_path_factory):
    """The production settings' environment, on loopback: HTTP (the tests send
    ``X-Forwarded-Proto: https`` as a proxy would), static files collected once."""
    if connection.vendor != "postgresql":
        pytest.skip("faults are tested on PostgreSQL (CI runs them there)")
    static = tmp_path_factory.mktemp("static")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="marketplace.settings.production",
        SECRET_KEY="fault-" + "x" * 60,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="False",
        STATIC_ROOT=str(static),
        MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
        MEDIA_SERVED_BY="webserver",
        TRACE_SIGNING_KEY_PEM=_pem(),
        TRACE_SIGNING_KEY_ID="fault",
        TRACE_RESOLVER_BASE_URL="https://127.0.0.1",
        TRACE_PRINT_FILES_ROOT=str(tmp_path_factory.mktemp("print")),
        PRIVATE_FILES_ROOT=str(tmp_path_factory.mktemp("private")),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**env, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return env


@contextmanager
def gunicorn(env: dict, *, timeout: int = 10, workers: int = 2):
    """gunicorn serving the project with ``env`` on a free port; yields its base URL and a
    function that returns what it logged so far."""
    port = free_port()
    log = Path(env["STATIC_ROOT"]).parent / f"gunicorn-{port}.log"
    executable = shutil.which("gunicorn") or str(Path(sys.executable).parent / "gunicorn")
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                executable,
                "marketplace.wsgi",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
                "--timeout",
                str(timeout),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=5).close()
            break
        except urllib.error.HTTPError:
            break  # it answered (503 while a service is down is an answer)
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
    try:
        yield base, log.read_text
    finally:
        process.terminate()
        process.wait(timeout=30)


class Browser:
    """A client of the production site over plain HTTP on loopback: it says it came through
    an HTTPS proxy and keeps the ``Secure`` cookies as a browser on https would."""

    def __init__(self, base: str):
        import requests

        self.base = base
        self.session = requests.Session()
        origin = base.replace("http://", "https://")
        self.headers = {"X-Forwarded-Proto": "https", "Origin": origin, "Referer": origin + "/"}

    def _keep_cookies(self):
        for cookie in self.session.cookies:
            cookie.secure = False

    def get(self, path: str, **kwargs):
        response = self.session.get(self.base + path, headers=self.headers, timeout=30, **kwargs)
        self._keep_cookies()
        return response

    def post(self, path: str, data: dict, **kwargs):
        kwargs.setdefault("allow_redirects", False)
        response = self.session.post(
            self.base + path, data=data, headers=self.headers, timeout=30, **kwargs
        )
        self._keep_cookies()
        return response

    def csrf_token(self, html: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


class TcpProxy:
    """A TCP relay to a real service that a test can cut (every connection closed, new ones
    closed at once) and restore: the connection really cut, the service left running for
    the rest of the machine."""

    def __init__(self, upstream: tuple[str, int]):
        import threading

        self.upstream = upstream
        self.port = free_port()
        self.cut_off = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        import threading

        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            if self.cut_off:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket):
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, target):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self):
        self.cut_off = True
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass

    def restore(self):
        self.cut_off = False

    def close(self):
        self.cut()
        self._server.close()


def database_url_through(proxy: TcpProxy) -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@127.0.0.1:{proxy.port}/{db['NAME']}"


@contextmanager
def celery_worker(env: dict, *, queues: str, log: Path):
    """A Celery worker of the project with ``env`` (its own process group, so a test can kill
    it with SIGKILL as an out-of-memory killer or a crashed machine would)."""
    import signal

    executable = shutil.which("celery") or str(Path(sys.executable).parent / "celery")
    with log.open("a") as out:
        process = subprocess.Popen(
            [
                executable,
                "-A",
                "marketplace",
                "worker",
                "--queues",
                queues,
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def real_broker(url: str):
    """This test process publishes its tasks to ``url`` (a worker subprocess takes them)
    instead of running them eagerly; back to eager afterwards."""
    from marketplace.celery import app

    def use(broker: str, eager: bool) -> None:
        app._pool = None  # the pools made for the last broker (left open: others hold them)
        app.amqp._producer_pool = None
        app.conf.broker_url, app.conf.task_always_eager = broker, eager

    use(url, eager=False)
    try:
        yield
    finally:
        use("memory://", eager=True)


def wait_until(probe, seconds: float, *, every: float = 0.02):
    """``probe()`` until it returns something true or ``seconds`` pass; its last answer."""
    deadline = time.monotonic() + seconds
    while not (answer := probe()) and time.monotonic() < deadline:
        time.sleep(every)
    return answer
