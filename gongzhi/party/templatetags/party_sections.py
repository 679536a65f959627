"""Party work's small sections on other apps' pages (the estate, community and organisation pages),
so those apps need not import party: `{% load party_sections %}` and the tag. Each section reads
through party's selectors and rules and shows only counts, public lists and links the viewer may open."""

from django import template
from django.db.models import Q

from gongzhi.bodies.choices import PARTY_KINDS
from gongzhi.core import clock
from gongzhi.party import rules, selectors

register = template.Library()


@register.inclusion_tag("party/sections/estate.html", takes_context=True)
def party_estate_section(context, estate):
    """An estate's party coverage (buildings with a 楼栋党小组, households a 中心户 looks after: counts),
    its public 亮身份 board and its members' services; the chain's page for its readers."""
    user = context["request"].user
    return {"estate": estate, "coverage": selectors.coverage(Q(estate=estate)),
            "can_read": rules.may_read_chain(user, estate), "projects": len(selectors.estate_projects(estate))}


@register.inclusion_tag("party/sections/community.html", takes_context=True)
def party_community_section(context, community):
    """The units registered at the community (双报到单位, confirmed) with the services they offer."""
    return {"community": community, "units": list(selectors.unit_registrations(community=community,
                                                                             everything=False)[:50])}


@register.inclusion_tag("party/sections/organisation.html", takes_context=True)
def party_organisation_section(context, organisation):
    """A party organisation's members today and its coverage, for those who read its roll."""
    user = context["request"].user
    if organisation.kind not in PARTY_KINDS or not rules.may_read_relations(user, organisation):
        return {"shown": False}
    return {"shown": True, "organisation": organisation,
            "members": len(selectors.members_on(organisation, clock.today())),
            "coverage": selectors.organisation_coverage(organisation)}
