"""Packing one stamp scan end to end in the admin (target p95 <= 100 ms): what a packer waits
for between pressing the scanner's trigger and the beep (a benchmark that prints figures, not a
test).

    .venv/bin/python benchmarks/packing_scan.py                 # 400 units (about 2 minutes)
    .venv/bin/python benchmarks/packing_scan.py --units 99      # the largest one-line parcel
    .venv/bin/python benchmarks/packing_scan.py --keep          # keep the order and batch

What it does, all on 127.0.0.1:
1. Its own PostgreSQL database (``PACKING_DATABASE_URL``, default ``ocop_bench_packing``),
   created and migrated when missing, with the demo catalogue (``load_demo --no-images``) and
   the static files collected (production's manifest storage needs them for the admin's
   pages), under production settings with a signing key made for the run, Redis database 9.
2. Data through the real services: a packer (a staff member of the demo product's cooperative,
   ``membership_add``, a password set for the run); a released batch of ``--units`` stamps
   issued by the real issuer (``stamp_order_create``, ``issue_stamps``, ``batch_release``);
   a cash-on-delivery order of ``--units`` units of that product (``place_order``; the shop caps
   a line at ``ORDER_MAX_LINE_QUANTITY`` = 99, lifted for this call only) whose sub-order the
   packer confirms (``suborder_confirm``).
3. Two gunicorns (2 workers each, ``--access-logfile`` as in the ``Procfile``): the site
   (``marketplace.settings.production``) and the bare Django view (``../shared/bench/
   bare_django.py``, else ``benchmarks/_bare_django.py``), the ceiling a Django view reaches.
4. A client as the browser is (urllib, one request at a time, a new connection each as a sync
   gunicorn worker closes it): the login through Wagtail's form (``/admin/login/``, its CSRF
   token), the packing screen (the scan form's token), then each stamp's link POSTed to the scan
   endpoint exactly as ``static/orders/packing.js`` sends it (multipart ``code``, ``Accept:
   application/json``, ``X-CSRFToken``, ``X-Requested-With``), one after the other, each timed
   from sending to the last byte of the answer. TLS is the proxy's part: requests carry
   ``X-Forwarded-Proto: https`` and the browser's ``Origin``, and the cookie jar returns the
   ``Secure`` cookies over the loopback as a browser does over https.
5. The same number of POSTs of the same body to the bare view, and ``--refused`` scans of
   stamps already packed (the first ones again: a refusal, ``already_packed``, a JSON 400).

Prints min / p50 / p95 / max ms per kind of request, the accepted scans also by quarter of the
parcel (an answer re-draws only the line that changed: the quarters show whether its cost
grows with the units packed), the mean answer size, the servers' CPU per request (gunicorn,
PostgreSQL backends, Redis) and ``others``: the share of the machine's CPU other processes
used meanwhile (a warning above 5 %). Deletes its order and batch afterwards unless
``--keep``.
"""

import argparse
import base64
import http.cookiejar
import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _tracebench as tb

ROOT = tb.ROOT
HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ocop_bench_packing"
REDIS_URL = "redis://127.0.0.1:6379/9"
SITE_PORT, BARE_PORT = 8771, 8772
WORK = Path(tempfile.gettempdir()) / "ocop-packing"
USERNAME = "bench-packer"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TARGET_P95_MS = 100


# --- the stack ---------------------------------------------------------------------------


def production_env(database_url: str) -> dict:
    """As growth.py's: production settings from the environment, a key made for the run."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings.production",
        "SECRET_KEY": base64.urlsafe_b64encode(os.urandom(48)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "TRACE_SIGNING_KEY_PEM": pem,
        "TRACE_SIGNING_KEY_ID": "packing-1",
        "TRACE_RESOLVER_BASE_URL": "https://127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        "MEDIA_SERVED_BY": "webserver",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(WORK / "static"),
    }


def serve(app: str, port: int, env: dict, probe: str, chdir: Path = ROOT) -> subprocess.Popen:
    """gunicorn with 2 workers on ``port`` (as growth.py's ``serve``), once ``probe`` answers.
    Its log (the refused scans' "Bad Request" lines) goes to a file in ``WORK``."""
    log = WORK / f"gunicorn-{port}.log"
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--chdir",
            str(chdir),
            "--forwarded-allow-ips",
            "127.0.0.1",
            "--access-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        cwd=chdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{probe}", headers={"X-Forwarded-Proto": "https"}
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    stop(server)
    sys.exit(f"gunicorn ({app}) did not answer on port {port}:\n{log.read_text()[-3000:]}")


def stop(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except ProcessLookupError:
        pass


def bare_app() -> tuple[str, Path]:
    shared = ROOT.parent / "shared" / "bench"
    if (shared / "bare_django.py").exists():
        return "bare_django:application", shared
    return "_bare_django:application", HERE


def process_tree(pid: int) -> list[int]:
    """``pid`` and its children (gunicorn's master and workers), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return [pid] + [child for child, parent in parents.items() if parent == pid]


def site_pids(server: subprocess.Popen) -> list[int]:
    """The site's processes: gunicorn, this database's other PostgreSQL backends, Redis."""
    import redis
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
        backends = [row[0] for row in cursor.fetchall()]
    redis_pid = redis.Redis.from_url(REDIS_URL).info("server")["process_id"]
    return process_tree(server.pid) + backends + [redis_pid]


# --- data --------------------------------------------------------------------------------


def prepare(env: dict) -> None:
    """Migrated, the demo catalogue, the static files (the admin's pages need the manifest)."""
    tb.setup_django("marketplace.settings.production", env["DATABASE_URL"])
    tb.demo_variant()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def packer(cooperative, password: str):
    from marketplace.models import Membership, User
    from marketplace.services import membership_add

    user, _ = User.objects.get_or_create(
        username=USERNAME, defaults={"email": f"{USERNAME}@example.vn"}
    )
    user.set_password(password)
    user.save()
    membership_add(user=user, cooperative=cooperative, role=Membership.Role.STAFF)
    return user


def issue(variant, count: int):
    """A released batch of ``count`` stamps from the real issuer."""
    from django.db import transaction

    from traceability.issuing import issue_stamps
    from traceability.services import batch_release, stamp_order_create

    batch = tb.new_batch(count, prefix="PK", variant=variant)
    with transaction.atomic():
        order = stamp_order_create(batch=batch, count=count, run=False)
    issue_stamps(order.pk)
    return batch_release(batch=batch)


def confirmed_suborder(variant, units: int, user):
    """A cash-on-delivery order of ``units`` of ``variant`` placed at the checkout's service,
    its sub-order confirmed by the packer."""
    from django.test import override_settings

    from catalog.models import Stock
    from catalog.stock import stock_set_on_hand
    from orders.services import CheckoutLine, Customer, place_order, suborder_confirm

    stock = Stock.objects.get(variant=variant)
    stock_set_on_hand(variant_id=variant.pk, on_hand=stock.on_hand + units)
    with override_settings(ORDER_MAX_LINE_QUANTITY=max(units, 99)):
        order = place_order(
            lines=[
                CheckoutLine(variant_id=variant.pk, quantity=units, unit_price_seen=variant.price)
            ],
            customer=Customer(
                full_name="Nguyễn Thị Lan",
                phone="0912345678",
                email="lan@example.vn",
                province_code=1,
                ward_code=4,
                address_line="12 Hàng Bông",
            ),
            payment_method="cod",
        )
    suborder = order.suborders.get(cooperative=variant.page.cooperative)
    return suborder_confirm(suborder, actor=user)


def clean_up(suborder, batch, units: int) -> None:
    """The run's order (its packing rows first), its stock back, its batch with its stamps."""
    from django.db import transaction
    from django.db.models import F

    from catalog.models import Stock
    from orders.models import Order
    from traceability.models import LineLot, ParcelStamp

    variant_id = suborder.lines.get().variant_id
    with transaction.atomic():
        ParcelStamp.objects.filter(line__suborder=suborder).delete()
        LineLot.objects.filter(line__suborder=suborder).delete()
        Order.objects.filter(pk=suborder.order_id).delete()
        Stock.objects.filter(variant_id=variant_id).update(
            on_hand=F("on_hand") - units, reserved=F("reserved") - units
        )
    tb.drop_batch(batch)


# --- the client ----------------------------------------------------------------------------


class LoopbackPolicy(http.cookiejar.DefaultCookiePolicy):
    """``Secure`` cookies returned over the loopback: TLS ends at the proxy in production."""

    def return_ok_secure(self, cookie, request):
        return True


class Browser:
    """One tab: its cookies, the headers a browser sends to an https site behind a proxy."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.origin = f"https://127.0.0.1:{port}"
        self.jar = http.cookiejar.CookieJar(LoopbackPolicy())
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, path: str, *, data: bytes | None = None, headers=None, referer=""):
        """(status, body bytes, final path) of one request."""
        all_headers = {
            "X-Forwarded-Proto": "https",
            "Accept-Language": "vi",
            "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) ocop-bench",
            **(headers or {}),
        }
        if data is not None:
            all_headers["Origin"] = self.origin
            all_headers["Referer"] = self.origin + (referer or path)
        request = urllib.request.Request(self.base + path, data=data, headers=all_headers)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read(), urllib.parse.urlsplit(response.url).path
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), path

    def login(self, username: str, password: str) -> None:
        status, body, _ = self.request("/admin/login/")
        token = CSRF.search(body.decode())
        if status != 200 or not token:
            sys.exit(f"no login form at /admin/login/ ({status})")
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token.group(1),
                "username": username,
                "password": password,
                "next": "/admin/",
            }
        ).encode()
        status, body, where = self.request(
            "/admin/login/",
            data=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 200 or where != "/admin/":
            sys.exit(f"login refused: {status} at {where}\n{body[:2000].decode(errors='replace')}")


def multipart(fields: dict) -> tuple[bytes, str]:
    """The body ``fetch`` makes of a ``FormData``."""
    boundary = "----WebKitFormBoundary" + os.urandom(8).hex()
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    return ("".join(parts) + f"--{boundary}--\r\n").encode(), (
        f"multipart/form-data; boundary={boundary}"
    )


def post_code(browser: Browser, path: str, code: str, token: str, referer: str):
    """One scan as packing.js sends it: (ms, status, answer bytes)."""
    body, content_type = multipart({"code": code})
    headers = {
        "Content-Type": content_type,
        "Accept": "application/json",
        "X-CSRFToken": token,
        "X-Requested-With": "XMLHttpRequest",
    }
    started = time.perf_counter()
    status, answer, _ = browser.request(path, data=body, headers=headers, referer=referer)
    return (time.perf_counter() - started) * 1000, status, answer


# --- figures -------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least ``share`` of them at or below it."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def busy_warning(name: str, meter: tb.CpuMeter) -> str:
    share = meter.rest / max(meter.wall * tb.CORES, 1e-9)
    if share <= 0.05:
        return ""
    return (
        f"WARNING ({name}): other processes used {share:.0%} of the machine's CPU meanwhile;"
        " the times are longer by an unknown part of that. Re-run on a quiet machine."
    )


def row(name: str, times: list[float], sizes: list[int], meter: tb.CpuMeter | None) -> tuple:
    if meter is not None:
        share = f"{meter.rest / max(meter.wall * tb.CORES, 1e-9):.0%}"
        server = f"{meter.servers * 1000 / len(times):.1f}"
    else:
        share = server = ""
    return (
        name,
        f"{len(times):,}",
        f"{min(times):.1f}",
        f"{percentile(times, 0.5):.1f}",
        f"{percentile(times, 0.95):.1f}",
        f"{max(times):.1f}",
        f"{statistics.mean(sizes) / 1000:.1f}",
        server,
        share,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=400, help="stamps issued, units ordered")
    parser.add_argument("--refused", type=int, default=100, help="scans of packed stamps")
    parser.add_argument("--keep", action="store_true", help="keep the order and the batch")
    args = parser.parse_args()
    if args.units < 4 or args.refused < 1:
        sys.exit("--units at least 4, --refused at least 1")

    url = os.environ.get("PACKING_DATABASE_URL", DEFAULT_URL)
    WORK.mkdir(parents=True, exist_ok=True)
    env = production_env(url)
    os.environ.update(env)
    print("preparing the database and the static files…", file=sys.stderr)
    prepare(env)

    import redis
    from django.urls import reverse

    from orders.admin_views import SUBORDER_NS
    from traceability.models import ParcelStamp, Stamp

    redis.Redis.from_url(REDIS_URL).flushdb()
    variant = tb.demo_variant()
    password = base64.urlsafe_b64encode(os.urandom(18)).decode()
    user = packer(variant.page.cooperative, password)
    started = time.perf_counter()
    batch = issue(variant, args.units)
    suborder = confirmed_suborder(variant, args.units, user)
    stamps = list(Stamp.objects.filter(batch=batch).select_related("batch").order_by("number"))
    codes = [stamp.uri for stamp in stamps]
    print(
        f"data: batch {batch.lot} ({len(codes)} stamps), order {suborder.order.number}"
        f" ({args.units} units of {variant}); {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    packing_path = reverse(f"{SUBORDER_NS}:packing", args=[suborder.pk])
    scan_path = reverse(f"{SUBORDER_NS}:pack_scan", args=[suborder.pk])
    app, chdir = bare_app()
    bare_env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    site = bare = None
    rows = []
    warnings = []
    try:
        bare = serve(app, BARE_PORT, bare_env, "/", chdir)
        site = serve("marketplace.wsgi", SITE_PORT, env, "/healthz")

        # The ceiling: the same client loop, the same body, the bare view.
        client = Browser(BARE_PORT)
        for code in codes[:20]:  # warm-up
            post_code(client, "/", code, "x", "/")
        times, sizes = [], []
        with tb.CpuMeter(process_tree(bare.pid)) as meter:
            for code in codes:
                ms, status, answer = post_code(client, "/", code, "x", "/")
                if status != 200:
                    sys.exit(f"bare view answered {status}")
                times.append(ms)
                sizes.append(len(answer))
        rows.append(row("bare Django view (same POST)", times, sizes, meter))
        warnings.append(busy_warning("bare view", meter))

        browser = Browser(SITE_PORT)
        browser.login(USERNAME, password)
        for _ in range(6):  # warm-up: both workers render the screen
            status, body, _ = browser.request(packing_path)
        if status != 200 or scan_path not in body.decode():
            sys.exit(f"packing screen: {status}, its scan form at {scan_path} not found")
        token = CSRF.search(body.decode()).group(1)
        for _ in range(10):  # warm-up: refused scans go through the whole view too
            post_code(browser, scan_path, "not a stamp", token, packing_path)
        pids = site_pids(site)

        times, sizes, refused = [], [], []
        with tb.CpuMeter(pids) as meter:
            for code in codes:
                ms, status, answer = post_code(browser, scan_path, code, token, packing_path)
                data = json.loads(answer)
                if status != 200 or not data.get("ok"):
                    refused.append((status, data.get("reason"), data.get("message")))
                times.append(ms)
                sizes.append(len(answer))
        if refused:
            sys.exit(f"{len(refused)} scans refused, e.g. {refused[:3]}")
        rows.append(row("scan, unit packed: all", times, sizes, meter))
        warnings.append(busy_warning("scans", meter))
        accepted = times
        quarter = len(times) // 4
        for n in range(4):
            part = slice(n * quarter, (n + 1) * quarter if n < 3 else len(times))
            first, last = part.start + 1, part.stop
            rows.append(row(f"  units {first}-{last}", times[part], sizes[part], None))

        times, sizes = [], []
        with tb.CpuMeter(pids) as refusals:
            for n in range(args.refused):
                code = codes[n % len(codes)]
                ms, status, answer = post_code(browser, scan_path, code, token, packing_path)
                reason = json.loads(answer).get("reason")
                if status != 400 or reason != "already_packed":
                    sys.exit(f"a packed stamp again: {status} {reason}")
                times.append(ms)
                sizes.append(len(answer))
        rows.append(row("scan refused: already packed", times, sizes, refusals))
        warnings.append(busy_warning("refused scans", refusals))
    finally:
        for server in (site, bare):
            if server is not None:
                stop(server)

    packed = ParcelStamp.objects.filter(line__suborder=suborder).count()
    print(
        f"\nPacking scans: {args.units} stamps of one released batch into one confirmed sub-order"
        f" of {args.units} units, one POST at a time (as packing.js), gunicorn 2 workers,"
        f" production settings, PostgreSQL, Redis; {tb.CORES} cores,"
        f" {time.strftime('%Y-%m-%d %H:%M %Z')}\n"
    )
    print(
        tb.table(
            rows,
            (
                "request",
                "count",
                "min ms",
                "p50 ms",
                "p95 ms",
                "max ms",
                "answer KB",
                "server CPU ms",
                "others",
            ),
        )
    )
    p95 = percentile(accepted, 0.95)
    verdict = "met" if p95 <= TARGET_P95_MS else "NOT MET"
    print(f"scan p95 {p95:.1f} ms: target {TARGET_P95_MS} ms {verdict}")
    shipped = Stamp.objects.filter(batch=batch, status=Stamp.Status.SHIPPED).count()
    print(f"check: {packed} units packed of {args.units}, {shipped} stamps shipped")
    print(
        "server CPU = gunicorn, this database's PostgreSQL backends and Redis, per request;"
        " others = the CPU other processes took meanwhile, as a share of all cores"
    )
    for warning in filter(None, warnings):
        print(warning)
    if not args.keep:
        clean_up(suborder, batch, args.units)
    redis.Redis.from_url(REDIS_URL).flushdb()


if __name__ == "__main__":
    main()
