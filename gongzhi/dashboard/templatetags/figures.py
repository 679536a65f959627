"""How a figure reads: 1,234 for a count, 75.0% for a rate, ¥1,234.50 for money, — for nothing."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def figure(value, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit == "元":
        return f"¥{Decimal(value):,.2f}"
    if unit == "%":
        return f"{value:,.1f}%"
    return f"{value:,}"


@register.filter
def change(value, unit: str = "") -> str:
    """The change against last year, signed: +12, −3.5%."""
    if value is None:
        return "—"
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return sign + figure(abs(value), unit)
