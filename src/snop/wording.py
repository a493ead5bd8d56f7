"""Numbers and months as the sentences of plans and exceptions write them."""

from __future__ import annotations


class Money:
    """Formats amounts in one currency: $1,234 (whole above a thousand), $12.5 below."""

    def __init__(self, currency: str) -> None:
        self.currency = currency

    def __call__(self, amount: float) -> str:
        """The amount with its currency sign."""
        if abs(amount) >= 1_000:
            return f"{self.currency}{amount:,.0f}"
        return f"{self.currency}{amount:,.2f}".replace(".00", "")


def units(quantity: float) -> str:
    """1,234 (whole units, thousands separated)."""
    return f"{quantity:,.0f}"


def span(first: str, last: str) -> str:
    """'in 2027-01' for one month, 'from 2027-01 to 2027-03' for several."""
    return f"in {first}" if first == last else f"from {first} to {last}"
