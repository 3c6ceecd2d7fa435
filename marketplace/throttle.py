"""Per-address limits on forms that cost the shop something when sent in bulk (a checkout
reserves stock, a registration files a document for the office): django-ratelimit's counter
in the shared cache, keyed on the client's address as the login throttling finds it (behind
``TRUSTED_PROXY_COUNT`` proxies, the address the nearest one saw).

With the cache unreachable the limit is not applied (``RATELIMIT_FAIL_OPEN``): an outage of
Redis must not stop checkouts, which go on without it.
"""

from django_ratelimit.core import is_ratelimited


def client_address(group, request) -> str:
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or "unknown"


def over_limit(request, group: str, rate: str, key=client_address) -> bool:
    """Count this POST against ``rate`` (``"20/m"``) for its address (or for what ``key``
    returns: an account, an inbox); True once past it."""
    return is_ratelimited(request, group=group, key=key, rate=rate, method=["POST"], increment=True)
