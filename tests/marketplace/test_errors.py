"""Errors as a shopper and a load balancer understand them: a database that cannot be
reached is a 503 with Retry-After; any other failure stays a 500."""

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import path

from marketplace.views import server_error


def database_gone(request):
    try:
        raise ConnectionRefusedError("connection refused")
    except ConnectionRefusedError as exc:
        raise OperationalError("could not connect to server") from exc


def bug(request):
    raise ValueError("a bug")


urlpatterns = [path("gone/", database_gone), path("api/gone/", database_gone), path("bug/", bug)]
handler500 = server_error


@pytest.fixture
def app(settings):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    return Client(raise_request_exception=False)


def test_a_database_that_cannot_be_reached_is_a_503(app):
    response = app.get("/gone/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Chợ đang tạm gián đoạn" in response.content.decode()
    api = app.get("/api/gone/")
    assert api.status_code == 503 and "database" in api.json()["error"]


def test_any_other_error_stays_a_500(app):
    response = app.get("/bug/")
    assert response.status_code == 500
    assert "Retry-After" not in response
