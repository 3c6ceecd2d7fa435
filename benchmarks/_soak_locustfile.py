"""The shoppers and inspectors of ``benchmarks/soak.py`` (run by locust, headless).

The plan (URLs, variants, stamps, the bank's secret) comes from the JSON file named by
``SOAK_PLAN``; what the users did that the reconciliation needs (orders placed, transfers
notified, scans answered, page-cache hits and misses) is written to ``SOAK_OUT`` when the
run stops. Weights: browse 70, search 15, checkout 5, scans 10.
"""

import json
import os
import random
import re
import time

from locust import HttpUser, between, constant_throughput, events, task

with open(os.environ["SOAK_PLAN"]) as _plan:
    PLAN = json.load(_plan)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ORDER = re.compile(r"/orders/(DH[0-9A-Z]+)/")
AMOUNT = re.compile(r"<dd data-copy>([0-9.]+)\s*(?:&nbsp;|\u00a0)?₫</dd>")
PROXY = {"X-Forwarded-Proto": "https"}  # plain HTTP on loopback, as behind a TLS proxy

seen = {
    "orders": [],  # [number, payment method, quantity, variant]
    "notified": [],  # [number, transaction id]
    "refused": 0,  # checkouts the shop refused (out of stock): not errors
    "scans": 0,  # scans answered 200
    "cache": {"hit": 0, "miss": 0},
}


def _count_cache(response) -> None:
    state = response.headers.get("X-Page-Cache")
    if state in seen["cache"]:
        seen["cache"][state] += 1


PACE = float(os.environ.get("SOAK_PACE") or 0)


class Visitor(HttpUser):
    # Paced: each user starts a task every 1/PACE seconds (an offered load that does not grow
    # with the answers' speed); unpaced: the next one 0.05-0.3 s after an answer.
    wait_time = constant_throughput(PACE) if PACE else between(0.05, 0.3)

    def on_start(self):
        self.client.headers.update(PROXY)

    def _keep_cookies(self):
        for cookie in self.client.cookies:
            cookie.secure = False  # Secure cookies, sent back over the loopback's plain HTTP

    def _page(self, url: str, name: str):
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code == 200:
                _count_cache(response)
                response.success()
            else:
                response.failure(f"{response.status_code}")

    @task(70)
    def browse(self):
        kind = random.choices(["home", "category", "cooperative", "product"], [15, 20, 10, 55])[0]
        url = random.choice(PLAN["pages"][kind])
        self._page(url, kind)

    @task(15)
    def search(self):
        query = random.choice(PLAN["queries"])
        self._page(f"/search/?q={query}", "search")

    @task(5)
    def checkout(self):
        variant, quantity = random.choice(PLAN["variants"]), random.randint(1, 3)
        added = self.client.post(
            "/cart/add/",
            {"variant": variant, "quantity": quantity},
            name="cart add",
            allow_redirects=False,
        )
        self._keep_cookies()
        if added.status_code != 302:
            return
        form = self.client.get("/checkout/", name="checkout form")
        self._keep_cookies()
        token = CSRF.search(form.text)
        if not token:
            return
        method = random.choice(["cod", "vietqr"])
        origin = self.host.replace("http://", "https://")
        with self.client.post(
            "/checkout/",
            {
                "csrfmiddlewaretoken": token.group(1),
                "full_name": "Nguyễn Thị Lan",
                "phone": "0912345678",
                "email": "lan@example.vn",
                "province": "1",
                "ward": "4",
                "address_line": "12 Phố Hàng Bông",
                "payment_method": method,
            },
            headers={"Origin": origin, "Referer": origin + "/checkout/"},
            name="checkout",
            allow_redirects=False,
            catch_response=True,
        ) as placed:
            found = ORDER.search(placed.headers.get("Location", ""))
            if placed.status_code == 302 and found:
                placed.success()
                number = found.group(1)
                seen["orders"].append([number, method, quantity, variant])
                if method == "vietqr" and random.random() < 0.5:
                    self._notify(placed.headers["Location"], number)
            elif placed.status_code == 200 and "hết hàng" in placed.text.lower():
                placed.success()  # the shop said it sold out meanwhile: an answer
                seen["refused"] += 1
            else:
                placed.failure(f"{placed.status_code}")
        self.client.cookies.clear()

    def _notify(self, location: str, number: str) -> None:
        """The bank tells the shop the transfer arrived, for the amount the order page asks
        (signed as the bank's hook signs)."""
        import hashlib
        import hmac

        page = self.client.get(location, name="order page")
        amounts = AMOUNT.findall(page.text)
        if page.status_code != 200 or not amounts:
            return
        amount = int(amounts[0].replace(".", ""))
        transaction = f"FT{number[2:]}{random.randint(100, 999)}"
        body = json.dumps(
            {"transaction_id": transaction, "amount": amount, "description": f"CK {number}"}
        ).encode()
        stamp = int(time.time())
        digest = hmac.new(
            PLAN["vietqr_secret"].encode(), f"{stamp}.".encode() + body, hashlib.sha256
        ).hexdigest()
        with self.client.post(
            "/api/v1/payments/vietqr/notify",
            data=body,
            headers={"Content-Type": "application/json", "X-Signature": f"t={stamp},v1={digest}"},
            name="bank notification",
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                seen["notified"].append([number, transaction, amount, response.json()["status"]])
                response.success()
            else:
                response.failure(f"{response.status_code}")

    @task(10)
    def scan(self):
        path = random.choice(PLAN["stamps"])
        as_json = random.random() < 0.7
        headers = {"Accept": "application/json"} if as_json else {}
        with self.client.get(
            path, headers=headers, name="scan json" if as_json else "scan page", catch_response=True
        ) as response:
            if response.status_code == 200:
                seen["scans"] += 1
                response.success()
            else:
                response.failure(f"{response.status_code}")


@events.quitting.add_listener
def _write(environment, **kwargs):
    with open(os.environ["SOAK_OUT"], "w") as out:
        json.dump(seen, out)
