"""Money: amounts are stored as integer fen (分) and shown as 元 with thousands separators."""

from decimal import Decimal, InvalidOperation

from gongzhi.core.errors import InvalidInput

BAD_AMOUNT = "金额须为大于 0 的数，最多两位小数 / The amount must be positive, with at most two decimals"
MAX_YUAN = Decimal("1e12")


def _decimal(text) -> Decimal | None:
    try:
        value = Decimal(str(text).replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def fen(amount, *, message: str = BAD_AMOUNT, field: str = "amount") -> int:
    """Yuan (Decimal, str or int) to integer fen, refusing floats' rounding and anything not positive."""
    if isinstance(amount, float):
        raise InvalidInput(message, field=field)
    value = _decimal(amount)
    if value is None or value <= 0 or value != value.quantize(Decimal("0.01")) or value > MAX_YUAN:
        raise InvalidInput(message, field=field)
    return int(value * 100)


def fen_or_none(text) -> int | None:
    """A cell of a spreadsheet or statement as fen: empty is 0, anything not a sum of money is None."""
    if text is None or not str(text).strip():
        return 0
    value = _decimal(text)
    if value is None or value < 0 or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


def yuan(amount_fen: int) -> str:
    """12345678 → "123,456.78"."""
    return f"{Decimal(amount_fen) / 100:,.2f}"
