"""Volunteer teams of an estate or of a community's own association, their members, and the hours they
served: recorded from an activity they attended and confirmed by its organiser, or claimed when a 三单制
order they accepted is completed (core.registry's completion hook, as the party points are) and confirmed
by the order's dispatcher; once per activity or order and person (unique constraints hold the same)."""

import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse

from gongzhi.core import clock
from gongzhi.core.access import estate_for, object_for
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.notifications import notify
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.text import clean_text
from gongzhi.places.models import Community
from gongzhi.services import rules
from gongzhi.services.choices import AuditAction, SignupStatus
from gongzhi.services.models import Activity, Signup, VolunteerHours, VolunteerMember, VolunteerTeam
from gongzhi.services.selectors import member_ids, teams_seen

KEEPER_ONLY = "只有社区、业委会主任或物业可以成立志愿服务队 / Only the community, the committee chair or the property company set up teams"
TEAM_NAME_REQUIRED = "请填写服务队名称 / Give the team a name"
TEAM_NAME_TAKEN = "本小区已有名为“{name}”的服务队 / The estate already has a team called {name}"
ALREADY_MEMBER = "{name}已是“{team}”的队员 / {name} is already in {team}"
NOT_IN_ESTATE = "该用户不是本小区居民或工作人员 / This user does not live or work in the estate"
RUN_ONLY = "只有活动组织者可以确认志愿服务时长 / Only the activity's organiser confirms hours"
NOT_OVER = "活动结束后才能确认时长 / Hours are confirmed after the activity"
NOT_ATTENDED = "{name}未在本活动签到，不能记录时长 / {name} did not check in to this activity"
NOT_VOLUNTEER = "{name}不是本小区志愿服务队队员 / {name} is not in one of the estate's volunteer teams"
HOURS_TWICE = "{name}在本活动的服务时长已记录，不能重复记录 / {name}'s hours for this activity are already recorded"
MINUTES_RANGE = "服务时长须为 1 分钟至活动时长 / Hours are 1 minute up to the activity's length"
NOBODY = "请选择志愿者 / Choose the volunteers"
COMMUNITY_KEEPER_ONLY = "只有社区可以成立社区志愿服务队 / Only the community sets up the community's teams"
ONE_PLACE = "请选择小区或社区（二选一） / Choose an estate or a community, not both"
NOT_IN_COMMUNITY = "该用户不是本社区居民或工作人员 / This user does not live or work in the community"
CONFIRM_ONLY = "只有派单人或社区、业委会、物业可以确认点单服务时长 / Only the dispatcher or the estate's organisers confirm an order's hours"
ORDER_MINUTES_RANGE = "服务时长须为 1 至 {n} 分钟 / Hours are 1 to {n} minutes"
ORDER_HOURS_TWICE = "{name}在本单的服务时长已确认，不能重复确认 / {name}'s hours for this order are already confirmed"
ORDER_MINUTES_MAX = 8 * 60


@transaction.atomic
def volunteer_team_create(actor, *, estate_id: int | None = None, community_id: int | None = None, name: str,
                          services: str = "", leader_id: int | None = None):
    """An estate's team, or (with community_id) a team of the community's own volunteer association."""
    if (estate_id is None) == (community_id is None):
        raise InvalidInput(ONE_PLACE, field="estate_id")
    estate, community = None, None
    if estate_id is not None:
        estate = estate_for(actor, estate_id, roles=rules.SPACE_KEEPER_ROLES, denied=KEEPER_ONLY)
        community = estate.community
    else:
        community = get_in_scope(_communities_seen(actor), pk=community_id)
        if not rules.may_keep_community_teams(actor, community):
            raise PermissionDenied(COMMUNITY_KEEPER_ONLY)
    name = clean_text(name, 60, TEAM_NAME_REQUIRED, field="name")
    if VolunteerTeam.objects.filter(estate=estate, community=community, name=name).exists():
        raise WrongState(TEAM_NAME_TAKEN.format(name=name), field="name")
    team = VolunteerTeam.objects.create(estate=estate, community=community, name=name,
                                        services=clean_text(services, 200, field="services"), leader_id=leader_id,
                                        created_at=clock.now())
    audit_record(actor, AuditAction.TEAM_CREATE, team, after=snapshot(team))
    return team


def _communities_seen(actor):
    if actor is None or scope_for(actor).is_root:
        return Community.objects.all()
    return Community.objects.filter(pk__in=scope_for(actor).estates().values("community_id"))


def _may_keep_team(actor, team) -> bool:
    if team.estate_id is None:
        return rules.may_keep_community_teams(actor, team.community)
    return rules.may_keep_spaces(actor, team.estate)


def _takes_part(user, team) -> bool:
    if team.estate_id is not None:
        return rules.may_take_part(user, team.estate)
    return scope_for(user).estates(rules.TAKING_PART_ROLES).filter(community_id=team.community_id).exists()


def _name(user) -> str:
    return user.first_name or user.get_username()


@transaction.atomic
def volunteer_join(actor, *, team_id: int, user_id: int | None = None, skills: str = "") -> VolunteerMember:
    """Join a team oneself (a resident), or add someone to it (those who keep the estate's teams)."""
    team = get_in_scope(teams_seen(actor), pk=team_id)
    if actor is not None and not _takes_part(actor, team) and not _may_keep_team(actor, team):
        raise PermissionDenied(NOT_IN_ESTATE)
    joining = actor if user_id is None or (actor is not None and user_id == actor.pk) else None
    if joining is None:
        if not _may_keep_team(actor, team):
            raise PermissionDenied(KEEPER_ONLY)
        joining = get_user_model().objects.filter(pk=user_id).first()
        if joining is None:
            raise NotFound(field="user_id")
    if not _takes_part(joining, team):
        raise InvalidInput(NOT_IN_ESTATE if team.estate_id else NOT_IN_COMMUNITY, field="user_id")
    if VolunteerMember.objects.filter(team=team, user=joining).exists():
        raise WrongState(ALREADY_MEMBER.format(name=_name(joining), team=team.name))
    member = VolunteerMember.objects.create(team=team, user=joining, skills=clean_text(skills, 100, field="skills"),
                                            joined_on=clock.today())
    audit_record(actor, AuditAction.TEAM_JOIN, member, after=snapshot(member))
    return member


@transaction.atomic
def volunteer_hours_confirm(actor, *, activity_id: int, user_ids: list[int], minutes: int | None = None):
    """The organiser confirms the hours of the volunteers who checked in (the activity's length unless
    given); a volunteer's hours for one activity are recorded once."""
    visible = object_for(actor, Activity.objects.all(), activity_id, roles=rules.TAKING_PART_ROLES)
    activity = Activity.objects.select_for_update(of=("self",)).select_related(
        "estate__community__subdistrict").get(pk=visible.pk)
    if not rules.may_run_activity(actor, activity):
        raise PermissionDenied(RUN_ONLY)
    if clock.now() < activity.ends_at:
        raise WrongState(NOT_OVER)
    if not user_ids:
        raise InvalidInput(NOBODY, field="user_ids")
    length = int((activity.ends_at - activity.starts_at).total_seconds() // 60)
    minutes = length if minutes is None else minutes
    if not 1 <= minutes <= length:
        raise InvalidInput(MINUTES_RANGE, field="minutes")
    attended = {s.user_id: s.user for s in Signup.objects.filter(
        activity=activity, status=SignupStatus.CONFIRMED, checked_in_at__isnull=False).select_related("user")}
    members = member_ids(activity.estate)
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=user_ids)}
    recorded = []
    for user_id in dict.fromkeys(user_ids):
        user = users.get(user_id)
        if user is None:
            raise NotFound(field="user_ids")
        if user_id not in attended:
            raise InvalidInput(NOT_ATTENDED.format(name=_name(user)), field="user_ids")
        if user_id not in members:
            raise InvalidInput(NOT_VOLUNTEER.format(name=_name(user)), field="user_ids")
        if VolunteerHours.objects.filter(activity=activity, user=user).exists():
            raise WrongState(HOURS_TWICE.format(name=_name(user)))
        try:
            with transaction.atomic():
                row = VolunteerHours.objects.create(activity=activity, user=user, minutes=minutes, confirmed_by=actor,
                                                    confirmed_at=clock.now())
        except IntegrityError as exc:
            raise WrongState(HOURS_TWICE.format(name=_name(user))) from exc
        audit_record(actor, AuditAction.HOURS_RECORD, row, after=snapshot(row))
        recorded.append(row)
    return recorded


def hours_for_order(order, *, actor=None):
    """A completed 三单制 order claims its helper's hours if the helper is a volunteer of the order's estate
    or community: the time from accepting to completing, at most ORDER_MINUTES_MAX, waiting for the
    dispatcher to confirm. Registered with core.registry.on_completed("order"); runs in the completing
    transaction; a retried completion claims nothing twice."""
    if order.accepted_by_id is None or order.accepted_by_id not in member_ids(order.estate):
        return None
    spent = (order.done_at or clock.now()) - (order.accepted_at or order.done_at or clock.now())
    minutes = min(max(int(spent / datetime.timedelta(minutes=1)), 1), ORDER_MINUTES_MAX)
    row, created = VolunteerHours.objects.get_or_create(order=order, user_id=order.accepted_by_id,
                                                        defaults={"minutes": minutes})
    if created:
        audit_record(actor, AuditAction.HOURS_CLAIM, row, after=snapshot(row))
        who = [order.dispatched_by_id] if order.dispatched_by_id else []
        notify(who, title=f"请确认志愿服务时长：{order.title}"[:200], body=f"{minutes} 分钟",
               link=reverse("services:volunteering"))
    return row


@transaction.atomic
def order_hours_confirm(actor, *, hours_id: int, minutes: int | None = None) -> VolunteerHours:
    """The order's dispatcher (or the estate's organisers) confirms the hours claimed, as claimed or
    corrected; once."""
    qs = VolunteerHours.objects.filter(order__isnull=False).select_related("order__estate__community__subdistrict", "user")
    if actor is not None:
        qs = qs.filter(order__estate__in=scope_for(actor).estates())
    seen = get_in_scope(qs, pk=hours_id)
    if not rules.may_confirm_order_hours(actor, seen):
        raise PermissionDenied(CONFIRM_ONLY)
    row = VolunteerHours.objects.select_for_update(of=("self",)).select_related("user").get(pk=seen.pk)
    if row.confirmed_at is not None:
        raise WrongState(ORDER_HOURS_TWICE.format(name=_name(row.user)))
    if minutes is not None:
        if not 1 <= minutes <= ORDER_MINUTES_MAX:
            raise InvalidInput(ORDER_MINUTES_RANGE.format(n=ORDER_MINUTES_MAX), field="minutes")
        row.minutes = minutes
    before = {"confirmed_at": None}
    row.confirmed_by, row.confirmed_at = actor, clock.now()
    row.save(update_fields=["minutes", "confirmed_by", "confirmed_at"])
    audit_record(actor, AuditAction.HOURS_CONFIRM, row, before=before, after=snapshot(row, ["minutes", "confirmed_at"]))
    return row
