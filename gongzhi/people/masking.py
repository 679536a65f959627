"""Masking of personal data on output (PIPL: minimum necessary)."""


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


def person_contact(scope, person, estate_ids) -> dict:
    """Phone and ID number as this viewer may see them, for a person of these estates."""
    own = person.user_id is not None and person.user_id == scope.user.pk
    show_phone = own or scope.can_unmask("phone", estate_ids)
    show_id = own or scope.can_unmask("id_number", estate_ids)
    return {
        "phone": person.phone if show_phone else mask_phone(person.phone),
        "id_number": person.id_number if show_id else mask_id_number(person.id_number),
    }
