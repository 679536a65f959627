"""`{{ text|redact }}`: free text shown to anyone, with the phone and ID numbers in it masked
(core.masking.redact). Apply it before truncating, so a cut never leaves a number half shown.
`{{ text|redact:shown }}`: as one viewer may read it, `shown` from Scope.contacts_shown (the view's)."""

from django import template

from gongzhi.core.masking import redact as redact_text

register = template.Library()


@register.filter
def redact(text, shown="") -> str:
    return redact_text(str(text) if text is not None else "", shown or "")


@register.simple_tag(takes_context=True)
def redacted(context, text, estate_id, building_id=None) -> str:
    """`{% redacted text estate_id %}`: free text about an estate as the page's viewer may read it, for
    lists that mix estates (action items, comments) where the view computes no single `shown`."""
    from gongzhi.core.scoping import scope_for

    user = context["request"].user
    return redact_text(str(text) if text is not None else "", scope_for(user).contacts_shown(estate_id, building_id))
