"""Vietnam's administrative units (34 provinces, two tiers since July 2025).

Data comes from the ``vietnam-provinces`` package; this module only adapts it to forms
and models.
"""

from functools import cache

from vietnam_provinces import Province, Ward


class UnknownLocation(ValueError):
    pass


@cache
def province_choices() -> list[tuple[int, str]]:
    return sorted(((p.code.value, p.name) for p in Province.iter_all()), key=lambda c: c[1])


@cache
def ward_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Wards grouped by province, for a select with optgroups."""
    groups = []
    for code, name in province_choices():
        wards = sorted(
            ((w.code.value, w.name) for w in Ward.iter_by_province(code)),
            key=lambda c: c[1],
        )
        groups.append((name, wards))
    return groups


def get_province(code: int) -> Province:
    try:
        return Province.from_code(int(code))
    except (ValueError, KeyError, TypeError) as exc:
        raise UnknownLocation(f"Unknown province code {code}") from exc


def province_name(code: int | None) -> str:
    """The province's name, or "" for no code or a code that is not a province."""
    if not code:
        return ""
    try:
        return get_province(code).name
    except UnknownLocation:
        return ""


def get_ward(code: int) -> Ward:
    try:
        return Ward.from_code(int(code))
    except (ValueError, KeyError, TypeError) as exc:
        raise UnknownLocation(f"Unknown commune/ward code {code}") from exc


def ward_choices_for(province_code) -> list[tuple[int, str]]:
    try:
        wards = Ward.iter_by_province(int(province_code))
    except (TypeError, ValueError, KeyError):
        return []
    return sorted(((w.code.value, w.name) for w in wards), key=lambda c: c[1])
