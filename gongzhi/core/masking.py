"""Masking of personal data on output (PIPL: minimum necessary). Used wherever a phone or ID
number can reach a screen, a file or an API answer: people's pages, exports, the audit trail."""

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
