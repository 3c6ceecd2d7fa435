"""The deployment files lint: the Dockerfile with hadolint, the Compose file against the Compose
specification's JSON Schema (and it runs what the Procfile runs), the nginx configuration with
``nginx -t``. No Docker engine runs here: nothing is built or started."""

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DEPLOY = ROOT / "deploy"
VENV_BIN = Path(sys.executable).parent


def test_the_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or str(VENV_BIN / "hadolint")
    result = subprocess.run(
        [hadolint, "--no-color", str(DEPLOY / "Dockerfile")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert dockerfile.count("FROM ") == 2  # build and runtime stages
    assert re.search(r"^USER 10001", dockerfile, re.M)  # not root
    assert "collectstatic" in dockerfile


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_the_compose_file_follows_the_compose_specification():
    import jsonschema

    schema_path = Path(sys.prefix) / "share" / "compose-spec" / "compose_spec.json"
    schema = json.loads(schema_path.read_text())
    errors = sorted(
        jsonschema.Draft7Validator(schema).iter_errors(compose()), key=lambda e: list(e.path)
    )
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def test_the_compose_file_runs_the_procfiles_processes():
    services = compose()["services"]
    assert {"migrate", "web", "worker", "stamps", "beat", "nginx", "postgres", "redis"} <= set(
        services
    )
    assert services["opensearch"]["profiles"] == ["search"]
    assert services["minio"]["profiles"] == ["s3"]
    procfile = {
        name: command.split()[:8]
        for name, command in (
            line.split(": ", 1)
            for line in (ROOT / "Procfile").read_text().splitlines()
            if line and not line.startswith("#")
        )
    }
    for name in ("worker", "stamps", "beat"):
        command = services[name]["command"]
        assert command[:5] == procfile[name][:5], name
        assert procfile[name][5].split(",")[0] in " ".join(command), name
    # Secrets come from the environment, never the file.
    environment = services["web"]["environment"]
    for name in ("SECRET_KEY", "TRACE_SIGNING_KEY_PEM", "ALLOWED_HOSTS"):
        assert environment[name].startswith("${" + name + ":?"), name
    # Private files are on their own volumes, which nginx never mounts.
    nginx_volumes = " ".join(services["nginx"]["volumes"])
    assert "private" not in nginx_volumes and "print-files" not in nginx_volumes


def render_nginx(tmp_path: Path) -> Path:
    """deploy/nginx/ocop.conf.template as the nginx image renders it (envsubst of its
    variables), inside a main configuration that writes nothing outside ``tmp_path``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ocop.test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    values = {
        "OCOP_UPSTREAM": "127.0.0.1:8000",
        "OCOP_SERVER_NAME": "ocop.test",
        "OCOP_TLS_CERT": str(tmp_path / "cert.pem"),
        "OCOP_TLS_KEY": str(tmp_path / "key.pem"),
    }
    template = (DEPLOY / "nginx" / "ocop.conf.template").read_text()
    rendered = re.sub(r"\$\{(OCOP_[A-Z_]+)\}", lambda m: values[m.group(1)], template)
    assert "${" not in rendered
    (tmp_path / "ocop.conf").write_text(rendered)
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{ access_log {tmp_path}/access.log; include {tmp_path}/ocop.conf; }}\n"
    )
    return main


@pytest.mark.skipif(
    not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")),
    reason="nginx is not installed (apt-get install nginx-light; .ci/run does)",
)
def test_the_nginx_configuration_is_valid(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    main = render_nginx(tmp_path)
    result = subprocess.run(
        [nginx, "-t", "-c", str(main), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
    rendered = (tmp_path / "ocop.conf").read_text()
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in rendered
    assert "location /static/" in rendered and "location /media/" in rendered
