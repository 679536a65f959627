"""The advisers' section on a meetings matter's page: `{% load community_advice %}{% matter_advice matter %}`.
The meetings app knows nothing of advisers (it sits below community life); its template includes this
tag, which reads through this app's selectors and rules for the viewer of the page."""

from django import template

from gongzhi.core.scoping import scope_for
from gongzhi.services import forms, rules, selectors

register = template.Library()


@register.inclusion_tag("services/_matter_advice.html", takes_context=True)
def matter_advice(context, matter):
    user = context["request"].user
    if matter.estate_id is None:  # a matter above the estate: no estate, no advisers
        return {"hidden": True}
    step = selectors.current_step(matter)
    asks = step is not None and rules.may_ask_advisers(user, matter)
    has_advisers = asks and selectors.adviser_list(fetched_by=user, estate_id=matter.estate_id).exists()
    return {
        "matter": matter, "step": step, "asked": selectors.advice_for_matter(fetched_by=user, matter=matter),
        "ask_form": forms.AskForm() if has_advisers else None, "no_advisers": asks and not has_advisers,
        "shown": scope_for(user).contacts_shown(matter.estate_id), "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }
