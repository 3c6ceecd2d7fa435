"""Fixtures of the API tests: the orders tests' shop (two cooperatives, tea in stock and
custard apples on pre-order)."""

from ..orders.conftest import shop  # noqa: F401
