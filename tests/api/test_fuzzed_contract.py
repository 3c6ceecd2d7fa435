"""The API keeps its published contract under fuzzing: schemathesis reads the served OpenAPI
schema and sends every operation a bounded number of generated requests (valid ones, some
with the world's real objects in the path, and invalid ones) against the live test server
on PostgreSQL, each as the caller the operation is for or as a stranger. No answer may be a
server error, and every answer's status, content type and body must be the schema's.

The run is deterministic (Hypothesis derandomised), without shrinking, and bounded by
``EXAMPLES`` per operation and mode: about 1,500 requests in all."""

import pytest
import requests
import schemathesis
from django.conf import settings as django_settings
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from . import world

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EXAMPLES = 6  # per operation and generation mode (and with real objects)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
OFFICE = ("/recall/", "/stamps/void/", "/anomaly-flags/", "/inspections/")
SHOPPER = ("/api/v1/cart", "/api/v1/checkout/", "/api/v1/orders/")


def callers_for(path: str) -> list[str]:
    """Whom the operation is for: its cooperative's token, the office, a shopper (signed in,
    or an app with the shopper's token), anyone."""
    if path.startswith("/api/v1/cooperative/") or path.endswith("/epcis"):
        return ["coop_a"]
    if any(part in path for part in OFFICE):
        return ["operator"]
    if path.startswith(SHOPPER):
        return ["shopper_a", "shopper_a_token"]
    return ["anonymous"]


def sessions(base: str, w) -> dict[str, tuple[requests.Session, dict]]:
    """Each caller's HTTP session and headers: a signed-in session carries its cookie and
    sends its CSRF token back, a cooperative its bearer token."""

    def signed_in(user) -> tuple[requests.Session, dict]:
        client = Client()
        client.force_login(user)
        http = requests.Session()
        http.cookies.set(django_settings.SESSION_COOKIE_NAME, client.session.session_key)
        http.get(f"{base}/api/v1/cart/", timeout=30)  # the CSRF cookie
        return http, {"X-CSRFToken": http.cookies["csrftoken"]}

    anonymous = requests.Session()
    anonymous.get(f"{base}/api/v1/cart/", timeout=30)
    return {
        "anonymous": (anonymous, {"X-CSRFToken": anonymous.cookies["csrftoken"]}),
        "shopper_a": signed_in(w.shopper_a),
        "operator": signed_in(w.operator),
        "coop_a": (requests.Session(), {"Authorization": f"Bearer {w.raw_a}"}),
        "shopper_a_token": (requests.Session(), {"Authorization": f"Bearer {w.raw_shopper_a}"}),
    }


@pytest.fixture
def fuzz_settings(settings):
    # A thousand calls from one address: lift the rate limits (the numbers only).
    rates = dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    settings.CHECKOUT_RATE_LIMIT = "100000/m"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_fuzz"
    return settings


def test_every_operation_keeps_to_the_schema(live_server, tree, fuzz_settings):
    w = world.build(tree)
    base = live_server.url
    schema = schemathesis.openapi.from_url(f"{base}/api/v1/schema/?format=json")
    callers = sessions(base, w)
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        path = operation.path
        real = world.path_parameters(path, w)
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
            *(
                [operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real)] * 2
                if real
                else []
            ),
        )
        who = st.sampled_from([*callers_for(path) * 2, "anonymous"])

        @settings(
            max_examples=EXAMPLES * (3 if real else 2),
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=cases, caller=who)
        def run(case, caller):
            http, headers = callers[caller]
            case.call_and_validate(
                base_url=base, session=http, headers=headers, checks=CHECKS, timeout=30
            )

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # the first failure of each operation
            failures.append(f"{operation.label}: {exc}")
    assert operations >= 50  # the whole API was read
    assert failures == [], "\n\n".join(failures)
