"""EPCIS 2.0 / CBV 2.0 vocabulary for the steps cooperatives record.

CBV business steps and dispositions are used by their short names where CBV has them;
farm steps it lacks (harvesting, tea withering, rolling, drying) are URIs of our own
vocabulary, as EPCIS 2.0 allows for user extensions.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

OBJECT = "ObjectEvent"
TRANSFORMATION = "TransformationEvent"
AGGREGATION = "AggregationEvent"

# Our own vocabulary namespace (stable, never the resolver host: stamps may move hosts).
OCOP_VOCAB = "https://ocop.vn/voc/"


@dataclass(frozen=True)
class Step:
    code: str
    label: str
    event_type: str
    biz_step: str  # CBV short name or our URI
    disposition: str  # CBV short name
    action: str = "OBSERVE"  # ObjectEvent / AggregationEvent only


def _own(name: str) -> str:
    return f"{OCOP_VOCAB}BizStep-{name}"


STEPS: dict[str, Step] = {
    s.code: s
    for s in [
        Step("harvesting", _("Harvest"), OBJECT, _own("harvesting"), "active", "ADD"),
        Step("withering", _("Withering"), TRANSFORMATION, _own("withering"), "in_progress"),
        Step("rolling", _("Rolling"), TRANSFORMATION, _own("rolling"), "in_progress"),
        Step("drying", _("Drying / roasting"), TRANSFORMATION, _own("drying"), "in_progress"),
        Step("sorting", _("Sorting"), OBJECT, _own("sorting"), "in_progress"),
        Step("commissioning", _("Production finished"), OBJECT, "commissioning", "active", "ADD"),
        Step("packing", _("Packing"), OBJECT, "packing", "active"),
        # Units packed into a logistic unit with an SSCC (a carton, a pallet).
        Step(
            "cartoning",
            _("Packing into cartons (SSCC)"),
            AGGREGATION,
            "packing",
            "in_progress",
            "ADD",
        ),
        Step("inspecting", _("Inspection"), OBJECT, "inspecting", "conformant"),
        Step("storing", _("Storage"), OBJECT, "storing", "sellable_accessible"),
        Step("shipping", _("Shipping"), OBJECT, "shipping", "in_transit"),
        Step("receiving", _("Received by a shop"), OBJECT, "receiving", "sellable_accessible"),
    ]
}
STEP_CHOICES = [(s.code, s.label) for s in STEPS.values()]

DISPOSITION_CHOICES = [
    ("active", pgettext_lazy("disposition", "Active")),
    ("in_progress", pgettext_lazy("disposition", "In progress")),
    ("conformant", _("Conforming")),
    ("non_conformant", _("Not conforming")),
    ("sellable_accessible", _("On sale")),
    ("in_transit", _("In transit")),
    ("recalled", _("Recalled")),
    ("destroyed", _("Destroyed")),
]

# UN/CEFACT Rec 20 unit codes, as EPCIS quantities use them.
UNIT_CHOICES = [
    ("KGM", _("kg")),
    ("GRM", _("g")),
    ("TNE", _("tonne")),
    ("LTR", _("litre")),
    ("H87", _("pieces")),
]
