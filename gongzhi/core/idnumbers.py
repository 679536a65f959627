"""Resident ID numbers (居民身份证号码, GB 11643): the check digit, for validating a ledger and for
generating synthetic people."""

import re

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


def check_digit(body: str) -> str:
    """The 18th character for the first 17 digits."""
    return CHECK[sum((ord(digit) - 48) * weight for digit, weight in zip(body, WEIGHTS, strict=True)) % 11]


def id_number_valid(value: str) -> bool:
    """GB 11643 check digit of an 18-character resident ID number (15-digit old numbers pass)."""
    if re.fullmatch(r"\d{15}", value):
        return True
    if not re.fullmatch(r"\d{17}[\dXx]", value):
        return False
    return check_digit(value[:17]) == value[17].upper()
