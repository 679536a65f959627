"""Masking of a person's contact data for one viewer (the masks themselves are in core.masking)."""

from gongzhi.core.masking import mask_id_number, mask_phone


def person_contact(scope, person, estate_ids) -> dict:
    """Phone and ID number as this viewer may see them, for a person of these estates."""
    own = person.user_id is not None and person.user_id == scope.user.pk
    show_phone = own or scope.can_unmask("phone", estate_ids)
    show_id = own or scope.can_unmask("id_number", estate_ids)
    return {
        "phone": person.phone if show_phone else mask_phone(person.phone),
        "id_number": person.id_number if show_id else mask_id_number(person.id_number),
    }
