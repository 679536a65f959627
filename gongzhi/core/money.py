"""Money: amounts are stored as integer fen (分) and shown as 元 with thousands separators."""

import re
from decimal import Decimal, InvalidOperation

from gongzhi.core.errors import InvalidInput

BAD_AMOUNT = "金额须为大于 0 的数，最多两位小数 / The amount must be positive, with at most two decimals"
# No single sum an estate books, bills, pays or applies for comes near 1 亿元; anything above is a typing
# slip ("1e9", a pasted account number) and must not be booked as such.
MAX_YUAN = Decimal("100000000")
AMOUNT_TOO_LARGE = "金额超过单笔上限 100,000,000 元，请核对 / The amount exceeds the limit of 100,000,000 yuan; check it"
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")  # written out: no "1e9", "Infinity", hex or "١٢"


def _decimal(text) -> Decimal | None:
    if isinstance(text, Decimal):
        return text if text.is_finite() else None
    cleaned = str(text).replace(",", "").replace("，", "").strip()
    if not _PLAIN_NUMBER.fullmatch(cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def _whole_fen(value: Decimal) -> bool:
    """True when the sum has at most two decimals. Called only on sums within MAX_YUAN: quantize on a
    28-digit number would overflow the decimal context (InvalidOperation), so the bound comes first."""
    try:
        return value == value.quantize(Decimal("0.01"))
    except InvalidOperation:
        return False


def fen(amount, *, message: str = BAD_AMOUNT, field: str = "amount") -> int:
    """Yuan (Decimal, str or int) to integer fen, refusing floats' rounding and anything not positive."""
    if isinstance(amount, float):
        raise InvalidInput(message, field=field)
    value = _decimal(amount)
    if value is not None and value > MAX_YUAN:
        raise InvalidInput(AMOUNT_TOO_LARGE, field=field)
    if value is None or value <= 0 or not _whole_fen(value):
        raise InvalidInput(message, field=field)
    return int(value * 100)


def fen_or_none(text) -> int | None:
    """A cell of a spreadsheet or statement as fen: empty is 0, anything not a sum of money is None —
    including "NaN", "1e20", "Infinity" and a sum above MAX_YUAN (it would not fit the books' integers)."""
    if text is None or not str(text).strip():
        return 0
    value = _decimal(text)
    if value is None or value < 0 or value > MAX_YUAN or not _whole_fen(value):
        return None
    return int(value * 100)


def yuan(amount_fen: int) -> str:
    """12345678 → "123,456.78"."""
    return f"{Decimal(amount_fen) / 100:,.2f}"


class HasAmount:
    """A row with an `amount` in fen, shown in 元 (1,234.50)."""

    @property
    def amount_yuan(self) -> str:
        return yuan(self.amount)
