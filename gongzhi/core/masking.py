"""Masking of personal data on output (PIPL: minimum necessary). Used wherever a phone or ID
number can reach a screen, a file or an API answer: people's pages, exports, the audit trail; and
`redact`, for the numbers someone typed into free text."""

import re
import unicodedata


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(id_number: str) -> str:
    """410102198001011234 -> 410***********1234."""
    if not id_number:
        return ""
    if len(id_number) <= 7:
        return "*" * len(id_number)
    return id_number[:3] + "*" * (len(id_number) - 7) + id_number[-4:]


_MASKERS = {"phone": mask_phone, "id_number": mask_id_number}


def mask_values(scope, values: dict | None, estate_ids) -> dict | None:
    """A before/after snapshot with phone and ID number masked unless the viewer may see them."""
    if not values:
        return values
    out = dict(values)
    for field, masker in _MASKERS.items():
        if out.get(field) and not scope.can_unmask(field, estate_ids):
            out[field] = masker(str(out[field]))
    return out


# --- free text ---------------------------------------------------------------------------------------
# Phone and ID numbers typed into free text (a handler's note, a description) are found however they
# are written — full-width digits, spaces, dashes or dots between the groups, a +86/0086 prefix — and
# masked like the fields above; everything else in the text is left as it was. The patterns run over
# the text normalised character by character (NFKC: １３８ -> 138, the ideographic space and the
# full-width hyphen -> " " and "-"), and the replacement is put back over the original characters.
_SEP = r"(?:[ \t]*[\-\u2010-\u2015\u2212\ufe63.][ \t]*|[ \t]+)?"  # one dash or dot, or spaces
_FREE_TEXT = re.compile(
    # 18-digit resident ID: 6 (region) + 8 (birth date) + 4 (last may be X), as 6-8-4 groups or not
    rf"(?<![0-9])(?P<id>[1-9][0-9]{{5}}{_SEP}[0-9]{{8}}{_SEP}[0-9]{{3}}[0-9Xx])(?![0-9A-Za-z])"
    # mobile: 1[3-9]x xxxx xxxx, after an optional +86 / 0086 / (+86)
    rf"|(?<![0-9+])(?P<cc>\(?(?:\+|00)[ \t]?86\)?[ \t\-]?)?(?P<mobile>1[3-9][0-9]{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}})(?![0-9])"
    # landline: 0xx-xxxxxxxx (010, 02x) or 0xxx-xxxxxxx(x), the area code perhaps in brackets
    rf"|(?<![0-9])(?P<area>\(?0(?:[12][0-9]\)?{_SEP}(?=[0-9]{{8}}(?![0-9]))|[3-9][0-9]{{2}}\)?{_SEP}(?=[0-9]{{7,8}}(?![0-9]))))"
    r"(?P<local>[0-9]{7,8})(?![0-9])"
)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch in "0123456789Xx").upper()


def _normalised(text: str) -> tuple[str, list[int]]:
    """The text under NFKC, one character at a time, with the original index of each result character."""
    out: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        piece = unicodedata.normalize("NFKC", ch) if not ch.isascii() else ch
        out.append(piece)
        origin.extend([index] * len(piece))
    return "".join(out), origin


def _masked(match: re.Match) -> str:
    if match.group("id"):
        return mask_id_number(_digits(match.group("id")))
    if match.group("mobile"):
        return (match.group("cc") or "") + mask_phone(_digits(match.group("mobile")))
    local = _digits(match.group("local"))
    return f"{_digits(match.group('area'))}-{'*' * (len(local) - 4)}{local[-4:]}"


# How much of the numbers typed into free text a viewer reads in full (Scope.contacts_shown):
SHOWN_NONE, SHOWN_PHONES, SHOWN_ALL = "", "phones", "all"


def redact(text: str | None, shown: str = SHOWN_NONE) -> str:
    """Free text with every mobile, landline and ID number in it masked (138****5678, 0372-****3456,
    410***********7215), the rest unchanged. For text anyone may read: the public board, Open311; for
    a viewer, `shown` says what they may read in full (SHOWN_PHONES: the phones, not the ID numbers)."""
    if not text:
        return ""
    if shown == SHOWN_ALL:
        return text
    normal, origin = _normalised(text)
    pieces: list[str] = []
    done = 0  # how much of the original text is already in `pieces`
    for match in _FREE_TEXT.finditer(normal):
        if shown == SHOWN_PHONES and not match.group("id"):
            continue
        start, end = origin[match.start()], origin[match.end() - 1] + 1
        pieces.append(text[done:start])
        pieces.append(_masked(match))
        done = end
    pieces.append(text[done:])
    return "".join(pieces)
