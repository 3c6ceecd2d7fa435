"""Money is an integer number of đồng: VND has no minor unit (Stripe treats it as zero-decimal)."""


def format_vnd(amount: int | None) -> str:
    """Format đồng the Vietnamese way: ``125000`` -> ``"125.000 ₫"`` (non-breaking space)."""
    if amount is None:
        return ""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"Money must be an integer number of đồng, got {type(amount).__name__}")
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,}".replace(",", ".") + "\u00a0₫"
