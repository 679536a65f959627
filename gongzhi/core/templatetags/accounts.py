"""`{% load accounts %}{% password_reset_link person.user_id as reset %}`: the address of the page where the
viewer resets this login's forgotten password (core.views.account_password_reset), or "" when they may not:
a page shows the link only to whom the reset would not answer 403 or 404."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from gongzhi.core.selectors import password_resettable

register = template.Library()


@register.simple_tag(takes_context=True)
def password_reset_link(context, user_id) -> str:
    request = context.get("request")
    if request is None or not password_resettable(fetched_by=request.user, user_id=user_id):
        return ""
    url = reverse("core:account_password_reset", args=[user_id])
    return f"{url}?{urlencode({'back': request.get_full_path()})}"
