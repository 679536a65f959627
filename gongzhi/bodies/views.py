"""Organisation pages: members and term, and seating a new term for those who organise bodies."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from gongzhi.bodies import rules, selectors, services
from gongzhi.bodies.forms import SeatForm
from gongzhi.core.errors import GongzhiError
from gongzhi.people.models import PartyMember


@login_required
def organisation_detail(request, organisation_id: int):
    user = request.user
    organisation = selectors.organisation_get(fetched_by=user, organisation_id=organisation_id)
    members = selectors.ordered_members(organisation)
    party = set(PartyMember.objects.filter(person__in=[m.person_id for m in members]).values_list("person_id", flat=True))
    can_seat = organisation.estate_id is not None and rules.may_seat_body(user, organisation.estate)
    form = SeatForm(request.POST or None, organisation=organisation) if can_seat else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.committee_seat(user, organisation_id=organisation.pk, **form.cleaned_data)
        except GongzhiError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("新一届成员已确认"))
            return redirect("bodies:organisation_detail", organisation_id=organisation.pk)
    return render(
        request,
        "bodies/organisation_detail.html",
        {"organisation": organisation, "members": [(m, m.person_id in party) for m in members], "form": form},
    )

