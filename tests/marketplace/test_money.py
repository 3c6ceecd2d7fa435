import pytest

from marketplace.money import format_vnd


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (125_000, "125.000\u00a0₫"),
        (0, "0\u00a0₫"),
        (999, "999\u00a0₫"),
        (1_200_000, "1.200.000\u00a0₫"),
        (-50_000, "-50.000\u00a0₫"),
    ],
)
def test_format_vnd(amount, shown):
    assert format_vnd(amount) == shown


def test_format_vnd_refuses_floats():
    with pytest.raises(TypeError):
        format_vnd(125000.0)


def test_vnd_filter_in_templates():
    from django.template import Context, Template

    html = Template("{% load money %}{{ p|vnd }}").render(Context({"p": 90000}))
    assert html == "90.000\u00a0₫"
