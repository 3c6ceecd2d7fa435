"""Totals, computed here and nowhere else: integer đồng, no floats.

Each cooperative ships its own parcel, so shipping is charged per cooperative: a base fee
for the first kilogram, a fee per further started kilogram, free above a subtotal.
"""

from dataclasses import dataclass, field

from django.conf import settings


@dataclass(frozen=True)
class PricedLine:
    variant_id: int
    cooperative_id: int
    unit_price: int
    quantity: int
    weight_g: int

    @property
    def total(self) -> int:
        return self.unit_price * self.quantity


@dataclass
class CooperativeQuote:
    cooperative_id: int
    lines: list[PricedLine] = field(default_factory=list)

    @property
    def subtotal(self) -> int:
        return sum(line.total for line in self.lines)

    @property
    def weight_g(self) -> int:
        return sum(line.weight_g * line.quantity for line in self.lines)

    @property
    def shipping(self) -> int:
        return shipping_fee(weight_g=self.weight_g, subtotal=self.subtotal)

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping


@dataclass
class Quote:
    parts: list[CooperativeQuote]

    @property
    def subtotal(self) -> int:
        return sum(p.subtotal for p in self.parts)

    @property
    def shipping_total(self) -> int:
        return sum(p.shipping for p in self.parts)

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping_total

    def part(self, cooperative_id: int) -> CooperativeQuote:
        return next(p for p in self.parts if p.cooperative_id == cooperative_id)


def shipping_fee(*, weight_g: int, subtotal: int) -> int:
    rules = settings.ORDER_SHIPPING
    if subtotal <= 0:
        return 0
    if rules["free_from"] and subtotal >= rules["free_from"]:
        return 0
    extra_kg = max(0, -(-weight_g // 1000) - 1)  # started kilograms beyond the first
    return rules["base"] + extra_kg * rules["per_extra_kg"]


def quote(lines: list[PricedLine]) -> Quote:
    """Group lines per cooperative (in the order they first appear) and price them."""
    parts: dict[int, CooperativeQuote] = {}
    for line in lines:
        parts.setdefault(line.cooperative_id, CooperativeQuote(line.cooperative_id)).lines.append(
            line
        )
    return Quote(list(parts.values()))
