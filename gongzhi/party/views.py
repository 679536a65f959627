"""Party work's pages: a member's own points with their sources, a member's points for the community
(with the manual award or deduction form for its staff), and a community's ranking with its rules; 双报到,
the chain to the household, the public 亮身份 boards, posts (设岗定责) and the 包保 cadre's page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.bodies.choices import PARTY_KINDS, OrgKind
from gongzhi.bodies.models import Organisation
from gongzhi.core import clock
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.files import Upload
from gongzhi.core.scoping import scope_for
from gongzhi.core.text import ascii_int
from gongzhi.core.web import UNKNOWN_ACTION, attempt, posted_date, posted_id
from gongzhi.notices import documents
from gongzhi.notices import selectors as notices_selectors
from gongzhi.party import forms, printing, rules, selectors, services
from gongzhi.party.choices import BoardContact, RegistrationStatus
from gongzhi.party.models import CadreAssignment, OrgRelation
from gongzhi.people.choices import MemberStatus
from gongzhi.places.models import Unit
from gongzhi.requests.choices import Category


@login_required
def my_points(request):
    member = selectors.member_of(request.user)
    if member is None:
        raise NotFound()
    return render(request, "party/points.html", {
        "member": member, "balance": selectors.balance(member), "entries": selectors.history(member), "mine": True,
    })


@login_required
def member_points(request, person_id: int):
    user = request.user
    member = selectors.member_get(fetched_by=user, person_id=person_id)
    can_adjust = rules.may_keep_points(user, member.registered_community_id) \
        and member.registered_community_id is not None
    form = forms.AdjustForm(request.POST if request.method == "POST" else None) if can_adjust else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(rules.NOT_KEEPER)
        if form.is_valid() and attempt(request, lambda: services.points_adjust(
                user, person_id=member.person_id, points=form.signed_points(), reason=form.cleaned_data["reason"]),
                _("积分已调整")) is not None:
            return redirect("party:member_points", person_id=member.person_id)
    return render(request, "party/points.html", {
        "member": member, "balance": selectors.balance(member), "entries": selectors.history(member),
        "mine": rules.is_self(user, member), "form": form,
    })


@login_required
def ranking(request, community_id: int):
    user = request.user
    community = selectors.community_for_readers(fetched_by=user, community_id=community_id)
    year = _year(request.GET.get("year", ""))
    can_keep = rules.may_keep_points(user, community.pk)
    form = forms.RuleForm(request.POST if request.method == "POST" else None) if can_keep else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(rules.NOT_KEEPER)
        if form.is_valid() and attempt(request, lambda: services.points_rule_set(
                user, community_id=community.pk, kind=form.cleaned_data["kind"], points=form.cleaned_data["points"],
                monthly_cap=form.cleaned_data["monthly_cap"]), _("积分规则已保存")) is not None:
            return redirect("party:ranking", community_id=community.pk)
    return render(request, "party/ranking.html", {
        "community": community, "year": year, "ranked": selectors.ranking(community=community, year=year),
        "rules": selectors.rules_of(community.pk), "form": form,
        "estates": community.estates.order_by("name"),
    })


# --- 双报到 -----------------------------------------------------------------------------------------------------
@login_required
def my_registration(request):
    user = request.user
    member = selectors.member_of(user)
    if member is None:
        raise NotFound()
    registrations = selectors.registrations_of(member)
    may_register = member.status == MemberStatus.IN_SERVICE and member.registered_community_id is None and not any(
        r.status in (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED) for r in registrations)
    form = None
    if may_register:
        form = forms.RegistrationForm(
            request.POST if request.method == "POST" else None, estates=selectors.registration_estates(user),
            organisations=scope_for(user).organisations().filter(kind__in=PARTY_KINDS | {OrgKind.PARTNER_UNIT},
                                                                  active=True).order_by("name"))
    if request.method == "POST":
        if form is None:
            raise WrongState(services.NO_REGISTRATION_OPEN)
        if form.is_valid():
            data = form.cleaned_data
            if attempt(request, lambda: services.registration_submit(
                    user, estate_id=data["estate"].pk, work_unit=data["work_unit"],
                    work_organisation_id=data["work_organisation"].pk if data["work_organisation"] else None),
                    _("已提交报到，等待社区确认")) is not None:
                return redirect("party:my_registration")
    return render(request, "party/registration.html", {"member": member, "registrations": registrations,
                                                       "form": form})


@login_required
def community_registrations(request, community_id: int):
    user = request.user
    community = selectors.community_for_readers(fetched_by=user, community_id=community_id)
    can_decide = rules.may_confirm_registration(user, community.pk)
    if request.method == "POST":
        if not can_decide:
            raise PermissionDenied(rules.NOT_CONFIRMER)
        action = request.POST.get("action")
        if action not in ("confirm", "decline"):
            raise InvalidInput(UNKNOWN_ACTION)
        form = forms.DecisionForm(request.POST)
        if form.is_valid() and attempt(request, lambda: services.registration_decide(
                user, registration_id=posted_id(request.POST.get("registration_id")) or 0,
                confirm=action == "confirm", note=form.cleaned_data["note"]),
                _("已确认报到") if action == "confirm" else _("已退回报到")) is not None:
            return redirect("party:community_registrations", community_id=community.pk)
    status = request.GET.get("status", "")
    return render(request, "party/community_registrations.html", {
        "community": community, "registrations": selectors.registration_list(community=community, status=status)[:500],
        "statuses": RegistrationStatus.choices, "status": status, "can_decide": can_decide,
    })


@login_required
def statements(request, community_id: int):
    community = selectors.community_for_readers(fetched_by=request.user, community_id=community_id)
    year = _year(request.GET.get("year", ""))
    return render(request, "party/statements.html", {
        "community": community, "year": year, "units": selectors.work_units(community=community, year=year)})


@login_required
def statement_pdf(request, community_id: int):
    community = selectors.community_for_readers(fetched_by=request.user, community_id=community_id)
    year = _year(request.GET.get("year", ""))
    unit = request.GET.get("unit", "")
    lines = selectors.unit_statement(community=community, year=year, unit=unit)
    response = HttpResponse(printing.statement_pdf(community=community, year=year, unit=unit, lines=lines),
                            content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename=statement-{community.pk}-{year}.pdf"
    return response


def _year(text) -> int:
    year = ascii_int(text, maximum=2100)
    return year if year and year >= 2000 else clock.today().year


# --- the chain to the household -----------------------------------------------------------------------------------------
UNKNOWN_UNITS = "未找到房号：{codes} / No such flats: {codes}"


@login_required
def estate_chain(request, estate_id: int):
    user = request.user
    estate = selectors.chain_estate(fetched_by=user, estate_id=estate_id)
    can_keep = rules.may_keep_chain(user, estate)
    group_form = central_form = None
    if can_keep:
        posted = request.POST if request.method == "POST" else None
        group_form = forms.GroupBuildingForm(
            posted if request.POST.get("action") == "group" else None, prefix="group",
            groups=scope_for(user).organisations().filter(estate=estate, kind=OrgKind.BUILDING_GROUP, active=True),
            buildings=estate.buildings.order_by("code"))
        central_form = forms.CentralForm(posted if request.POST.get("action") == "central" else None, prefix="central",
                                         members=selectors.resident_members(estate))
    if request.method == "POST":
        if not can_keep:
            raise PermissionDenied(rules.NOT_CHAIN_KEEPER)
        form = {"group": group_form, "central": central_form}.get(request.POST.get("action"))
        if form is None:
            raise InvalidInput(UNKNOWN_ACTION)
        if form.is_valid() and attempt(request, lambda: _chain_write(user, estate, form), _("已保存")) is not None:
            return redirect("party:estate_chain", estate_id=estate.pk)
    return render(request, "party/estate_chain.html", {
        "estate": estate, **selectors.estate_chain(estate), "group_form": group_form, "central_form": central_form})


def _chain_write(user, estate, form):
    data = form.cleaned_data
    if isinstance(form, forms.GroupBuildingForm):
        return services.group_building_set(user, organisation_id=data["organisation"].pk,
                                           building_id=data["building"].pk)
    codes = [data["home"].strip(), *form.codes()]
    units = dict(estate.units.filter(code__in=codes).values_list("code", "pk"))
    missing = [c for c in codes if c not in units]
    if missing:
        raise InvalidInput(UNKNOWN_UNITS.format(codes="、".join(missing)))
    return services.central_household_designate(
        user, estate_id=estate.pk, person_id=data["member"].person_id, unit_id=units[codes[0]],
        covered_unit_ids=[units[c] for c in codes[1:]])


@login_required
def my_household(request):
    user = request.user
    member = selectors.member_of(user)
    if member is None:
        raise NotFound()
    centrals = selectors.centrals_of(member)
    if not centrals:
        raise NotFound()
    central = centrals[0]
    form = forms.VisitForm(request.POST if request.method == "POST" else None, prefix="visit",
                           units=Unit.objects.filter(covered_by__central=central).order_by("code"))
    if request.method == "POST" and form.is_valid() and attempt(request, lambda: services.household_visit_record(
            user, central_id=central.pk, unit_id=form.cleaned_data["unit"].pk, on=form.cleaned_data["on"],
            note=form.cleaned_data["note"]), _("走访已记录")) is not None:
        return redirect("party:my_household")
    return render(request, "party/household.html", {"central": central, "form": form,
                                                    "visits": central.visits.select_related("unit")[:100]})


# --- 亮身份 boards ------------------------------------------------------------------------------------------------
@login_required
def my_board(request):
    """A member's own choice for the public board: whether they appear, the contact shown, a photo."""
    user = request.user
    member = selectors.member_of(user)
    if member is None:
        raise NotFound()
    listing = selectors.board_listing_of(member)
    initial = {"on_board": listing.on_board, "contact": listing.contact,
               "office_phone": listing.office_phone} if listing else {"contact": BoardContact.NONE}
    form = forms.BoardListingForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        photo = data["photo"]
        upload = Upload(name=photo.name, data=photo.read(services.PHOTO_MAX_BYTES + 1)) if photo else None
        if attempt(request, lambda: services.board_listing_set(
                user, on_board=data["on_board"], contact=data["contact"], office_phone=data["office_phone"],
                photo=upload, remove_photo=data["remove_photo"]), _("亮身份设置已保存")) is not None:
            return redirect("party:my_board")
    return render(request, "party/my_board.html", {"member": member, "listing": listing, "form": form})


def board(request, estate_id: int, building_id: int | None = None):
    """The public 亮身份 board of an estate or a building (no login): only what each member chose to
    show; its published versions with the printed board and the verification link; for those who may,
    the form that publishes it."""
    estate, building = selectors.board_place(estate_id=estate_id, building_id=building_id)
    user = request.user
    may_publish = user.is_authenticated and estate.pk in scope_for(user).estate_ids() \
        and rules.may_publish_board(user, estate)
    form = forms.BoardPublishForm(request.POST or None, buildings=estate.buildings.order_by("code"),
                                  initial={"building": building}) if may_publish else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(rules.NOT_BOARD_PUBLISHER)
        if form.is_valid():
            chosen = form.cleaned_data["building"]
            published = attempt(request, lambda: services.board_publish(
                user, estate_id=estate.pk, building_id=chosen.pk if chosen else None), _("亮身份公示已发布"))
            if published is not None:
                return redirect(board_url(published.estate_id, published.building_id))
    return render(request, "party/board.html", {
        "estate": estate, "building": building, "lines": selectors.board(estate, building),
        "buildings": estate.buildings.order_by("code") if building is None else None,
        "published": _published(request, selectors.board_publications(estate, building)[:5]), "form": form})


def board_url(estate_id, building_id=None) -> str:
    if building_id:
        return reverse("party:building_board", args=[estate_id, building_id])
    return reverse("party:estate_board", args=[estate_id])


def _published(request, publications) -> list[dict]:
    out = []
    for publication in publications:
        leaf = notices_selectors.leaf_of("notice", publication.notice_id)
        out.append({"publication": publication, "leaf": leaf, "verify_url": documents.verify_url(request, leaf),
                    "print_url": reverse("party:board_print", args=[publication.notice_id])})
    return out


def board_print(request, notice_id: int):
    """A published board as the A4 poster with its QR code: public while its notice is."""
    notice = notices_selectors.notices_visible(request.user).filter(pk=notice_id).first()
    publication = selectors.board_publication_of(notice)
    leaf = notices_selectors.leaf_of("notice", notice.pk)
    response = HttpResponse(printing.board_pdf(publication, leaf=leaf,
                                               verify_url=documents.verify_url(request, leaf)),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="board-{leaf.index}.pdf"'
    return response


def board_photo(request, name: str):
    listing = selectors.board_photo(name)
    return FileResponse(listing.photo.open("rb"), content_type=listing.photo_type)


# --- 设岗定责 -----------------------------------------------------------------------------------------------------
@login_required
def estate_posts(request, estate_id: int):
    """An estate's posts and who holds or claims each (the community's readers); the community sets up
    posts and confirms or declines claims here."""
    user = request.user
    estate = selectors.chain_estate(fetched_by=user, estate_id=estate_id)
    can_keep = rules.may_keep_posts(user, estate)
    form = forms.PostForm(request.POST if request.POST.get("action") == "create" else None,
                          buildings=estate.buildings.order_by("code")) if can_keep else None
    if request.method == "POST":
        if not can_keep:
            raise PermissionDenied(rules.NOT_POST_KEEPER)
        action = request.POST.get("action")
        if action == "create":
            if form.is_valid() and attempt(request, lambda: _post_create(user, estate, form.cleaned_data),
                                           _("岗位已设立")) is not None:
                return redirect("party:estate_posts", estate_id=estate.pk)
        elif action in ("confirm", "decline"):
            decision = forms.DecisionForm(request.POST)
            if decision.is_valid() and attempt(request, lambda: services.post_claim_decide(
                    user, claim_id=posted_id(request.POST.get("claim_id")) or 0, confirm=action == "confirm",
                    note=decision.cleaned_data["note"]),
                    _("已确认认领") if action == "confirm" else _("已退回认领")) is not None:
                return redirect("party:estate_posts", estate_id=estate.pk)
        else:
            raise InvalidInput(UNKNOWN_ACTION)
    return render(request, "party/estate_posts.html", {"estate": estate, "posts": selectors.estate_posts(estate),
                                                       "form": form, "can_keep": can_keep})


def _post_create(user, estate, data):
    return services.post_create(user, estate_id=estate.pk, kind=data["kind"], title=data["title"],
                                duties=data["duties"], building_id=data["building"].pk if data["building"] else None)


@login_required
def my_posts(request):
    """A member's posts: claim a free post where they live, record the duties of the posts they hold."""
    user = request.user
    member = selectors.member_of(user)
    if member is None:
        raise NotFound()
    action = request.POST.get("action")
    duty_form = forms.DutyForm(request.POST if action == "duty" else None, prefix="duty")
    if request.method == "POST":
        if action == "claim":
            if attempt(request, lambda: services.post_claim(user, post_id=posted_id(request.POST.get("post_id")) or 0),
                       _("已认领，等待社区确认")) is not None:
                return redirect("party:my_posts")
        elif action == "duty":
            if duty_form.is_valid() and attempt(request, lambda: services.post_duty_record(
                    user, claim_id=posted_id(request.POST.get("claim_id")) or 0, on=duty_form.cleaned_data["on"],
                    note=duty_form.cleaned_data["note"]), _("履职已记录")) is not None:
                return redirect("party:my_posts")
        else:
            raise InvalidInput(UNKNOWN_ACTION)
    return render(request, "party/my_posts.html", {**selectors.member_posts(member), "duty_form": duty_form})


# --- 包保 cadres ---------------------------------------------------------------------------------------------------
@login_required
def cadre(request, user_id: int):
    """A cadre's page: their estates with open requests and their age, the team, this month's visits;
    the cadre records visits and turns a finding into a request; the subdistrict assigns estates."""
    user = request.user
    who = selectors.cadre_get(fetched_by=user, user_id=user_id)
    is_cadre = user.pk == who.pk
    action = request.POST.get("action")
    posted = request.POST if request.method == "POST" else None
    visit_form = forms.FieldVisitForm(posted if action == "visit" else None, prefix="visit",
                                      assignments=CadreAssignment.objects.filter(
                                          pk__in=[a.pk for a in selectors.cadre_current(who)]).select_related(
                                          "estate")) if is_cadre else None
    assigners = scope_for(user).estates(rules.CADRE_ASSIGNERS)
    assign_form = forms.CadreAssignForm(posted if action == "assign" else None, prefix="assign",
                                        estates=assigners.order_by("name")) if scope_for(user).has_any(
        rules.CADRE_ASSIGNERS) else None
    if request.method == "POST":
        result = _cadre_write(request, who, action, visit_form, assign_form)
        if result is not None:
            return redirect("party:cadre", user_id=who.pk)
    return render(request, "party/cadre.html", {
        **selectors.cadre_page(fetched_by=user, cadre=who), "is_cadre": is_cadre, "visit_form": visit_form,
        "assign_form": assign_form, "categories": Category.choices})


def _cadre_write(request, who, action, visit_form, assign_form):
    user = request.user
    if action == "visit":
        if visit_form is None:
            raise PermissionDenied(rules.NOT_THE_CADRE)
        data = visit_form.cleaned_data if visit_form.is_valid() else None
        return data and attempt(request, lambda: services.field_visit_record(
            user, assignment_id=data["assignment"].pk, on=data["on"], findings=data["findings"]), _("蹲点已记录"))
    if action == "raise":
        return attempt(request, lambda: services.field_visit_raise(
            user, visit_id=posted_id(request.POST.get("visit_id")) or 0, category=request.POST.get("category", "")),
            _("已转为诉求"))
    if action == "assign":
        if assign_form is None:
            raise PermissionDenied(rules.NOT_CADRE_ASSIGNER)
        data = assign_form.cleaned_data if assign_form.is_valid() else None
        result = data and attempt(request, lambda: services.cadre_assign(
            user, user_id=who.pk, estate_id=data["estate"].pk, start=data["start"], end=data["end"]), _("已指派"))
        if result and result[1]:
            messages.warning(request, result[1])
        return result
    raise InvalidInput(UNKNOWN_ACTION)


# --- 组织关系 -------------------------------------------------------------------------------------------------------
@login_required
def organisation_members(request, organisation_id: int):
    """A party organisation's members on a day (today unless `on` is given), the history of its
    transfers in and out, and for those who keep its roll the forms that transfer members."""
    user = request.user
    organisation = selectors.relations_organisation(fetched_by=user, organisation_id=organisation_id)
    day = posted_date(request.GET.get("on", "")) or clock.today()
    can_keep = rules.may_keep_relations(user, organisation)
    action = request.POST.get("action") if request.method == "POST" else None
    in_form = out_form = None
    if can_keep:
        in_form = forms.TransferInForm(request.POST if action == "in" else None, prefix="in",
                                       members=selectors.transferable_members(organisation),
                                       initial={"on": clock.today()})
        out_form = forms.TransferOutForm(request.POST if action == "out" else None, prefix="out",
                                         relations=OrgRelation.objects.filter(organisation=organisation,
                                                                              end__isnull=True)
                                         .select_related("member__person").order_by("member__person__name"),
                                         destinations=Organisation.objects.filter(
                                             pk__in=[o.pk for o in selectors.transfer_destinations(user, organisation)]
                                         ).order_by("name"), initial={"on": clock.today()})
    if request.method == "POST":
        if not can_keep:
            raise PermissionDenied(rules.NOT_RELATION_KEEPER)
        form = {"in": in_form, "out": out_form}.get(action)
        if form is None:
            raise InvalidInput(UNKNOWN_ACTION)
        if form.is_valid() and attempt(request, lambda: _relation_write(request, organisation, form),
                                       _("已办理组织关系转入") if action == "in" else _("已办理组织关系转出")) is not None:
            return redirect("party:organisation_members", organisation_id=organisation.pk)
    return render(request, "party/organisation_members.html", {
        "organisation": organisation, "day": day, "members": selectors.members_on(organisation, day),
        "history": selectors.relation_history(organisation), "coverage": selectors.organisation_coverage(organisation),
        "in_form": in_form, "out_form": out_form, "today": clock.today()})


def _relation_write(request, organisation, form):
    user, data = request.user, form.cleaned_data
    if isinstance(form, forms.TransferInForm):
        return services.org_relation_transfer_in(user, organisation_id=organisation.pk,
                                                 person_id=data["member"].person_id, on=data["on"],
                                                 came_from=data["came_from"])
    destination = data["to_organisation"]
    return services.org_relation_transfer_out(
        user, relation_id=data["relation"].pk, on=data["on"],
        to_organisation_id=destination.pk if destination else None, went_to=data["went_to"])


# --- 双报到单位 ---------------------------------------------------------------------------------------------------
@login_required
def community_units(request, community_id: int):
    """The units registered at a community (双报到单位) with the services they offer: the confirmed ones
    for anyone who sees the community; for its staff, the pending ones to confirm or decline."""
    user = request.user
    community = selectors.unit_community(fetched_by=user, community_id=community_id)
    can_decide = rules.may_confirm_unit(user, community.pk)
    action = request.POST.get("action") if request.method == "POST" else None
    theirs = Q(pk__in=selectors.partner_units_of(user).values("pk"))
    partners = Organisation.objects.filter(
        (Q(pk__in=scope_for(user).organisations().values("pk")) if can_decide else Q(pk__in=[])) | theirs,
        kind=OrgKind.PARTNER_UNIT, active=True).order_by("name")
    form = forms.UnitRegistrationForm(request.POST if action == "register" else None, prefix="unit",
                                      partners=partners)
    if request.method == "POST":
        if action == "register":
            if form.is_valid() and attempt(request, lambda: _unit_register(user, community, form.cleaned_data),
                                           _("已提交单位报到，等待社区确认")) is not None:
                return redirect("party:community_units", community_id=community.pk)
        elif action in ("confirm", "decline"):
            if not can_decide:
                raise PermissionDenied(rules.NOT_UNIT_CONFIRMER)
            decision = forms.DecisionForm(request.POST)
            if decision.is_valid() and attempt(request, lambda: services.unit_registration_decide(
                    user, registration_id=posted_id(request.POST.get("registration_id")) or 0,
                    confirm=action == "confirm", note=decision.cleaned_data["note"]),
                    _("已确认单位报到") if action == "confirm" else _("已退回单位报到")) is not None:
                return redirect("party:community_units", community_id=community.pk)
        else:
            raise InvalidInput(UNKNOWN_ACTION)
    return render(request, "party/community_units.html", {
        "community": community, "units": selectors.unit_registrations(community=community, everything=can_decide),
        "can_decide": can_decide, "form": form})


def _unit_register(user, community, data):
    return services.unit_registration_submit(
        user, community_id=community.pk, partner_id=data["partner"].pk if data["partner"] else None,
        unit_name=data["unit_name"], services=data["services"], contact=data["contact"])


# --- 申报服务项目 ---------------------------------------------------------------------------------------------------
@login_required
def estate_services(request, estate_id: int):
    """The services the estate's members offer, each with a form to order it; the viewer's own orders."""
    user = request.user
    estate = selectors.services_estate(fetched_by=user, estate_id=estate_id)
    if request.method == "POST":
        if request.POST.get("action") != "order":
            raise InvalidInput(UNKNOWN_ACTION)
        form = forms.ServiceOrderForm(request.POST)
        if form.is_valid() and attempt(request, lambda: services.service_order_place(
                user, project_id=posted_id(request.POST.get("project_id")) or 0, note=form.cleaned_data["note"]),
                _("已预约，等待党员接单")) is not None:
            return redirect("party:estate_services", estate_id=estate.pk)
    me = selectors.member_of(user)
    return render(request, "party/estate_services.html", {
        "estate": estate, "projects": selectors.estate_projects(estate), "orders": selectors.orders_by(user, estate),
        "me": me.pk if me else None})


@login_required
def my_services(request):
    """A member's declared services and their orders: declare a service, stop taking orders, accept,
    decline and complete orders."""
    user = request.user
    member = selectors.member_of(user)
    if member is None:
        raise NotFound()
    action = request.POST.get("action") if request.method == "POST" else None
    form = forms.ServiceProjectForm(request.POST if action == "declare" else None, prefix="project",
                                    estates=selectors.registration_estates(user))
    if request.method == "POST":
        done = _service_write(request, action, form)
        if done is not None:
            return redirect("party:my_services")
    return render(request, "party/my_services.html", {"member": member, "form": form,
                                                      **selectors.member_services(member)})


SERVICE_DONE = {"withdraw": _("已停止接受预约"), "accept": _("已接单"), "decline": _("已婉拒"),
                "complete": _("已完成，积分已记入")}


def _service_write(request, action, form):
    user = request.user
    if action == "declare":
        data = form.cleaned_data if form.is_valid() else None
        return data and attempt(request, lambda: services.service_project_declare(
            user, estate_id=data["estate"].pk, title=data["title"], description=data["description"]),
            _("服务项目已申报"))
    if action not in SERVICE_DONE:
        raise InvalidInput(UNKNOWN_ACTION)
    if action == "withdraw":
        return attempt(request, lambda: services.service_project_withdraw(
            user, project_id=posted_id(request.POST.get("project_id")) or 0), SERVICE_DONE[action])
    order_id = posted_id(request.POST.get("order_id")) or 0
    note = request.POST.get("note", "")
    if action == "complete":
        return attempt(request, lambda: services.service_order_complete(user, order_id=order_id, note=note),
                       SERVICE_DONE[action])
    return attempt(request, lambda: services.service_order_answer(user, order_id=order_id, accept=action == "accept",
                                                                  note=note), SERVICE_DONE[action])
