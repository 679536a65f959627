"""Organisation pages: an organisation's members, terms and sub-organisations (seat a term, end it,
add a child in the party tree); an estate's bodies and service contracts (record, renew, replace);
a community's organisations, party tree and co-construction agreements. Each form is shown only to
those bodies.rules lets submit it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from gongzhi.bodies import forms, rules, selectors, services
from gongzhi.bodies.choices import COMPANY_KINDS, PARTY_KINDS, PLATFORM_KINDS, OrgKind, ServiceScope
from gongzhi.bodies.forms import SeatForm
from gongzhi.core.errors import GongzhiError, PermissionDenied
from gongzhi.core.figures import place_get
from gongzhi.core.money import yuan
from gongzhi.core.scoping import scope_for
from gongzhi.core.web import attempt, posted_action, posted_id, posted_ids
from gongzhi.people.models import PartyMember
from gongzhi.people.selectors import community_cadres
from gongzhi.places.models import Community
from gongzhi.places.selectors import community_get, estate_get

SAVED = _("已保存")


def _bound(request, action: str):
    return request.POST if request.method == "POST" and request.POST.get("action") == action else None


@login_required
def organisation_list(request):
    """Organisations the viewer sees, by place, kind or group (the dashboard's links)."""
    user, get = request.user, request.GET
    qs = selectors.organisation_list(
        fetched_by=user, kind=get.get("kind") or None, group=get.get("group", ""), active_only=bool(get.get("active")),
        place=place_get(user, get["place"], None) if get.get("place") else None)
    return render(request, "bodies/organisation_list.html", {
        "page": Paginator(qs, 50).get_page(get.get("page")), "kinds": OrgKind.choices, "filters": get,
        "kept_filters": [(k, get[k]) for k in ("place", "group", "active") if get.get(k)],
    })


@login_required
def organisation_detail(request, organisation_id: int):
    user = request.user
    organisation = selectors.organisation_get(fetched_by=user, organisation_id=organisation_id)
    members = selectors.ordered_members(organisation)
    party = set(PartyMember.objects.filter(person__in=[m.person_id for m in members]).values_list("person_id", flat=True))
    can_organise = rules.may_organise(user, organisation)
    seatable = organisation.kind not in (OrgKind.OWNERS_ASSEMBLY, *COMPANY_KINDS, OrgKind.PARTNER_UNIT,
                                         OrgKind.DEPARTMENT)
    posted = request.POST.get("action", "seat") if request.method == "POST" else None
    form = SeatForm(request.POST if posted == "seat" else None,
                    organisation=organisation) if can_organise and seatable else None
    end_form = forms.TermEndForm(_bound(request, "term_end"), prefix="end") if can_organise and members else None
    child_form = None
    if can_organise and organisation.kind in PARTY_KINDS and organisation.community_id:
        child_form = forms.OrganisationForm(
            _bound(request, "child"), prefix="child", community_id=organisation.community_id,
            organisations=scope_for(user).organisations(), estate=organisation.estate, parent=organisation)
    platform = organisation.kind in PLATFORM_KINDS
    if request.method == "POST" and posted == "serve" and can_organise and platform:
        if attempt(request, lambda: services.platform_serve(
                user, organisation_id=organisation.pk,
                estate_ids=posted_ids(request.POST.getlist("estate"), services.SERVED_NONE, "estate_ids")), SAVED):
            return redirect("bodies:organisation_detail", organisation_id=organisation.pk)
    elif request.method == "POST":
        if not can_organise:
            raise PermissionDenied(services.SEAT_NEEDS_ROLE)
        action = posted_action(request, {"seat": form, "term_end": end_form, "child": child_form}, posted)
        if action is form and form.is_valid():
            try:
                services.committee_seat(user, organisation_id=organisation.pk, **form.cleaned_data)
            except GongzhiError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("新一届成员已确认"))
                return redirect("bodies:organisation_detail", organisation_id=organisation.pk)
        elif action is end_form and end_form.is_valid():
            if attempt(request, lambda: services.organisation_term_end(
                    user, organisation_id=organisation.pk, on=end_form.cleaned_data["on"]), _("本届任期已结束")):
                return redirect("bodies:organisation_detail", organisation_id=organisation.pk)
        elif action is child_form and child_form.is_valid():
            child = attempt(request, lambda: services.organisation_create(
                user, **child_form.service_arguments(organisation.community_id)), SAVED)
            if child is not None:
                return redirect("bodies:organisation_detail", organisation_id=child.pk)
    cadres = []
    if form is not None and organisation.community_id:
        community = Community.objects.select_related("subdistrict").get(pk=organisation.community_id)
        cadres = list(community_cadres(community).order_by("name", "pk")[:100])
    served = set(selectors.estates_served(fetched_by=user, organisation=organisation)) if platform else set()
    servable = []
    if platform and can_organise:
        here = ({"community_id": organisation.community_id} if organisation.community_id
                else {"community__subdistrict_id": organisation.subdistrict_id})
        servable = [(e, e.pk in served) for e in scope_for(user).estates().filter(**here).order_by("name")[:200]]
    return render(request, "bodies/organisation_detail.html", {
        "platform": platform, "served": scope_for(user).estates().filter(pk__in=served).order_by("name"),
        "servable": servable,
        "organisation": organisation, "members": [(m, m.person_id in party) for m in members], "form": form,
        "end_form": end_form, "child_form": child_form, "cadres": cadres,
        "children": scope_for(user).organisations().filter(parent=organisation).order_by("kind", "name"),
        "history": selectors.membership_history(organisation=organisation)[:200],
    })


@login_required
def estate_bodies(request, estate_id: int):
    user = request.user
    estate = estate_get(fetched_by=user, estate_id=estate_id)
    can_organise = rules.may_seat_body(user, estate)
    visible = scope_for(user).organisations()
    org_form = contract_form = renew_form = replace_form = None
    if can_organise:
        org_form = forms.OrganisationForm(_bound(request, "organisation"), prefix="org",
                                          community_id=estate.community_id, organisations=visible, estate=estate)
        contract_form = forms.ContractForm(_bound(request, "contract"), prefix="new", organisations=visible)
        renew_form = forms.RenewForm(_bound(request, "renew"), prefix="renew")
        replace_form = forms.ReplaceForm(_bound(request, "replace"), prefix="replace", organisations=visible)
    if request.method == "POST":
        if not can_organise:
            raise PermissionDenied(services.SEAT_NEEDS_ROLE)
        form = posted_action(request, {"organisation": org_form, "contract": contract_form, "renew": renew_form,
                                       "replace": replace_form})
        contract_id = posted_id(request.POST.get("contract_id")) or 0
        if form.is_valid():
            data = form.cleaned_data
            calls = {
                "organisation": lambda: services.organisation_create(
                    user, **form.service_arguments(estate.community_id)),
                "contract": lambda: services.service_contract_create(
                    user, estate_id=estate.pk, company_id=data["company"].pk, start=data["start"], **form.terms()),
                "renew": lambda: services.service_contract_renew(
                    user, contract_id=contract_id, end=data["end"], fee=data["fee"] or None),
                "replace": lambda: services.service_contract_replace(
                    user, contract_id=contract_id, company_id=data["company"].pk, start=data["start"],
                    **form.terms()),
            }
            if attempt(request, calls[request.POST["action"]], SAVED) is not None:
                return redirect("bodies:estate_bodies", estate_id=estate.pk)
    contracts = list(selectors.service_contract_list(fetched_by=user, estate_id=estate.pk))
    followed = {c.predecessor_id for c in contracts if c.predecessor_id}
    return render(request, "bodies/estate_bodies.html", {
        "estate": estate, "organisations": selectors.organisation_list(fetched_by=user, estate_id=estate.pk),
        "contracts": [(c, selectors.contract_running(c), c.pk not in followed,
                       [ServiceScope(v).label for v in c.services if v in ServiceScope.values],
                       yuan(c.fee_fen_per_m2) if c.fee_fen_per_m2 else None) for c in contracts],
        "org_form": org_form, "contract_form": contract_form, "renew_form": renew_form, "replace_form": replace_form,
    })


@login_required
def community_bodies(request, community_id: int):
    user = request.user
    community = community_get(fetched_by=user, community_id=community_id)
    can_organise = rules.may_organise_community(user, community.pk)
    visible = scope_for(user).organisations()
    organisations = list(selectors.community_organisations(fetched_by=user, community_id=community.pk))
    org_form = agreement_form = None
    if can_organise:
        org_form = forms.OrganisationForm(_bound(request, "organisation"), prefix="org", community_id=community.pk,
                                          organisations=visible.filter(community_id=community.pk))
        agreement_form = forms.AgreementForm(_bound(request, "agreement"), prefix="agr",
                                             organisations=visible.filter(community_id=community.pk),
                                             partners=visible)
    if request.method == "POST":
        if not can_organise:
            raise PermissionDenied(services.SEAT_NEEDS_ROLE)
        form = posted_action(request, {"organisation": org_form, "agreement": agreement_form})
        if form.is_valid():
            call = (lambda: services.organisation_create(user, **form.service_arguments(community.pk))) \
                if form is org_form else (lambda: services.agreement_sign(user, **form.service_arguments()))
            if attempt(request, call, SAVED) is not None:
                return redirect("bodies:community_bodies", community_id=community.pk)
    return render(request, "bodies/community_bodies.html", {
        "community": community, "tree": selectors.party_tree(organisations),
        "others": [o for o in organisations if o.kind not in PARTY_KINDS],
        "agreements": selectors.agreement_list(fetched_by=user, community_id=community.pk)[:200],
        "org_form": org_form, "agreement_form": agreement_form,
    })
