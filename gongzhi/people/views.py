"""People's pages: a community's role assignments (grant, revoke) and a unit's owners over time
(transfer, a co-owner's title, ending one). Forms are shown only when people.rules allows them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.core.web import attempt, posted_action, posted_date, posted_id
from gongzhi.people import forms, rules, selectors, services
from gongzhi.places.selectors import community_get


@login_required
def community_roles(request, community_id: int):
    user = request.user
    community = community_get(fetched_by=user, community_id=community_id)
    if not rules.may_grant_in_community(user, community):
        raise PermissionDenied(rules.ROLE_NEEDS_ADMIN)
    form = forms.RoleForm(request.POST if request.POST.get("action") == "assign" else None, community=community,
                          roles=forms.grantable_roles(user, community))
    if request.method == "POST":
        action = posted_action(request, {"assign": "assign", "revoke": "revoke"})
        if action == "revoke":
            done = attempt(request, lambda: services.role_revoke(
                user, assignment_id=posted_id(request.POST.get("assignment")) or 0), _("角色已撤销"))
            if done is not None:
                return redirect("people:community_roles", community_id=community.pk)
        elif form.is_valid():
            def assign():
                target = get_user_model().objects.filter(username=form.cleaned_data["username"]).first()
                if target is None:
                    raise NotFound()
                field, pk = form.anchor_parts()
                return services.role_assign(user, user_id=target.pk, role=form.cleaned_data["role"],
                                            anchor_field=field, anchor_id=pk,
                                            valid_from=form.cleaned_data["valid_from"],
                                            valid_until=form.cleaned_data["valid_until"])
            if attempt(request, assign, _("角色已授予")) is not None:
                return redirect("people:community_roles", community_id=community.pk)
    assignments = selectors.community_role_assignments(community=community)
    page = Paginator(assignments, 50).get_page(request.GET.get("page"))
    rows = [(a, rules.may_grant_role(user, a.role, a.anchor_field, a.anchor)) for a in page]
    return render(request, "people/community_roles.html",
                  {"community": community, "form": form, "page": page, "rows": rows})


@login_required
def unit_ownership(request, unit_id: int):
    user = request.user
    unit, titles = selectors.ownership_history(fetched_by=user, unit_id=unit_id)
    can_keep = rules.may_keep_ownership(user, unit.estate)
    posted = request.POST.get("action") if request.method == "POST" else None
    transfer = forms.TransferForm(request.POST if posted == "transfer" else None, prefix="t") if can_keep else None
    co_owner = forms.CoOwnerForm(request.POST if posted == "start" else None, prefix="c") if can_keep else None
    end = forms.EndForm(request.POST if posted == "end" else None, prefix="e") if can_keep else None
    opened = None
    if posted is not None and not can_keep:
        raise PermissionDenied(rules.OWNERSHIP_NEEDS_KEEPER)
    if posted == "account":  # shown on this answer only: the first password is never shown again
        opened = attempt(request, lambda: services.account_open(
            user, ownership_id=posted_id(request.POST.get("ownership")) or 0), None)
    elif posted is not None:
        form = posted_action(request, {"transfer": transfer, "start": co_owner, "end": end})
        if form.is_valid():
            data = form.cleaned_data
            calls = {
                "transfer": lambda: services.ownership_transfer(
                    user, unit_id=unit.pk, on=data["on"], person_id=data["person_id"], name=data["name"],
                    phone=data["phone"]),
                "start": lambda: services.ownership_start(
                    user, unit_id=unit.pk, since=data["since"], person_id=data["person_id"], name=data["name"],
                    phone=data["phone"]),
                "end": lambda: services.ownership_end(
                    user, ownership_id=posted_id(request.POST.get("ownership")) or 0, until=data["until"]),
            }
            if attempt(request, calls[posted], _("产权记录已更新")) is not None:
                return redirect("people:unit_ownership", unit_id=unit.pk)
    day = posted_date(request.GET.get("on")) or clock.today()
    owners_then = selectors.owners_on(fetched_by=user, unit_id=unit.pk, day=day)
    return render(request, "people/unit_ownership.html", {
        "unit": unit, "titles": titles, "day": day, "owners_then": owners_then,
        "transfer": transfer, "co_owner": co_owner, "end": end, "opened": opened,
        "may_open_account": rules.may_open_account(user, unit.estate),
    })
