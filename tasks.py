#!/usr/bin/env python3
"""The project's two commands, runnable on a fresh machine with nothing but Python 3.11+:

    python3 tasks.py serve   # virtualenv, install, migrate, demo data, serve :8000
    python3 tasks.py test    # virtualenv, install, run the whole test suite

Extra arguments after ``test`` go to pytest (``python3 tasks.py test -k search``).
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("OCOP_VENV", ROOT / ".venv"))
PYTHON = VENV / "bin" / "python"


def run(*args, **kwargs) -> int:
    print("+", " ".join(str(a) for a in args), flush=True)
    return subprocess.call([str(a) for a in args], cwd=ROOT, **kwargs)


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


def manage(*args) -> None:
    check(PYTHON, "manage.py", *args)


def serve() -> None:
    ensure_venv()
    manage("migrate", "--noinput")
    manage("load_demo")
    port = os.environ.get("PORT", "8000")
    print(f"\nOCOP Market: http://127.0.0.1:{port}/  (admin: http://127.0.0.1:{port}/admin/)\n")
    os.execv(str(PYTHON), [str(PYTHON), "manage.py", "runserver", f"127.0.0.1:{port}"])


def test(pytest_args: list[str]) -> None:
    ensure_venv("test")
    code = run(PYTHON, "-m", "pytest", *pytest_args)
    if code == 5:
        print("pytest collected no tests: that is a failure.", file=sys.stderr)
        sys.exit(1)
    sys.exit(code)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"serve", "test"}:
        print(__doc__)
        sys.exit(2)
    if sys.argv[1] == "serve":
        serve()
    else:
        test(sys.argv[2:])


if __name__ == "__main__":
    main()
