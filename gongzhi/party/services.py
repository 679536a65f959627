"""Every write of party work: `<entity>_<verb>(actor, *, ...)`, the rule checked, one transaction, the
audit record.

双积分: points are entered by the services that complete things (a 三单制 order done calls
`points_for_order` through core.registry.completed, inside its own transaction), priced by the
community's rule for that kind and capped per member and month; the community awards or deducts by
hand only with a reason, and never more than the member holds."""

import datetime
import hashlib
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from gongzhi.bodies.choices import PARTY_KINDS, OrgKind
from gongzhi.bodies.models import Organisation
from gongzhi.core import clock
from gongzhi.core.access import estate_for
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.files import Upload, check_uploads
from gongzhi.core.notifications import notify
from gongzhi.core.roles import Role
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.text import clean_text
from gongzhi.notices import services as notices
from gongzhi.notices.choices import Audience, NoticeKind
from gongzhi.party import rules, selectors
from gongzhi.party.choices import (
    AUTOMATIC_KINDS,
    AuditAction,
    BoardContact,
    ClaimStatus,
    PointsKind,
    PostKind,
    RegistrationStatus,
    ServiceOrderStatus,
    TeamRole,
    UnitRegistrationStatus,
)
from gongzhi.party.models import (
    BoardListing,
    BoardPublication,
    CadreAssignment,
    CadreTeamMember,
    CentralHousehold,
    CoveredHousehold,
    FieldVisit,
    GroupBuilding,
    HouseholdVisit,
    OrgRelation,
    PointsEntry,
    PointsRule,
    Post,
    PostClaim,
    PostDuty,
    Registration,
    ServiceOrder,
    ServiceProject,
    UnitRegistration,
)
from gongzhi.people import services as people
from gongzhi.people.choices import MemberStatus
from gongzhi.people.models import PartyMember, Person
from gongzhi.places.models import Community, Estate, Unit
from gongzhi.requests.choices import Channel
from gongzhi.requests.services import intake

MAX_MANUAL_POINTS = 100
MAX_RULE_POINTS = 100
MAX_MONTHLY_CAP = 1000

POINTS_ZERO = "请填写要加减的积分（非零整数） / Give the points to add or deduct (a whole number, not zero)"
POINTS_TOO_MANY = ("一次加减积分不超过{n}分 / At most {n} points can be added or deducted at once")
REASON_REQUIRED = "请填写加减积分的理由 / Give the reason for the adjustment"
REASON_TOO_LONG = "理由最多500字 / The reason is at most 500 characters"
OVER_BALANCE = ("扣减{points}分超过{name}的积分余额{balance}分，未扣减 / Deducting {points} points exceeds "
                "{name}'s balance of {balance}; nothing was deducted")
NOT_REGISTERED = ("{name}尚未到社区报到，无法由社区加减积分 / {name} has not registered at a community, so no "
                  "community can adjust their points")
KIND_NOT_PRICED = "该类积分不能设置规则：{kind} / This kind of points has no rule: {kind}"
RULE_POINTS = "每次积分应为0至{n}之间的整数 / Points per entry are a whole number from 0 to {n}"
RULE_CAP = ("每月上限应为不小于每次积分、不超过{n}的整数，或留空表示不设上限 / The monthly cap is a whole "
            "number from the points per entry up to {n}, or empty for no cap")
CAPPED = "已达本月上限"


def _whole(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# --- entries earned by work done ---------------------------------------------------------------------------
def points_award(*, member: PartyMember, kind: str, community_id: int, estate_id: int | None, source_type: str,
                 source_id: int, source_label: str, actor=None, on=None) -> PointsEntry:
    """The entry a source earns the member, once: a second call for the same source (a retried
    completion) returns the first entry and writes nothing. Called inside the completing transaction."""
    if kind not in AUTOMATIC_KINDS:
        raise InvalidInput(KIND_NOT_PRICED.format(kind=kind), field="kind")
    with transaction.atomic():
        PartyMember.objects.select_for_update().filter(pk=member.pk).first()  # one award at a time: the cap holds
        found = PointsEntry.objects.filter(member=member, kind=kind, source_type=source_type,
                                           source_id=source_id).first()
        if found is not None:
            return found
        day = on or clock.today()
        rule = selectors.rule_for(community_id, kind)
        points = rule.points
        note = rule.describe()
        if rule.monthly_cap is not None:
            month = clock.period("month", containing=day)
            room = max(rule.monthly_cap - selectors.earned(member, kind, month.start, month.end), 0)
            if room < points:
                points, note = room, f"{note}（{CAPPED}）"
        try:
            with transaction.atomic():
                entry = PointsEntry.objects.create(
                    member=member, community_id=community_id, estate_id=estate_id, kind=kind, points=points,
                    source_type=source_type, source_id=source_id, source_label=source_label[:220], rule=note[:200],
                    on=day, created_at=clock.now(), created_by=actor if actor is not None and actor.pk else None)
        except IntegrityError:  # awarded meanwhile by another transaction: the first award stands
            return PointsEntry.objects.get(member=member, kind=kind, source_type=source_type, source_id=source_id)
        audit_record(actor, AuditAction.POINTS_AWARD, entry, after=snapshot(entry))
    return entry


def points_for_activity(signup, *, actor=None) -> PointsEntry | None:
    """Checked in at an activity (by the door's QR code or the organiser's tick): the member earns the
    community's points for attending, once per sign-up. Registered with on_completed("activity_attended")."""
    member = PartyMember.objects.filter(person__user_id=signup.user_id).first()
    if member is None:
        return None
    activity = signup.activity
    return points_award(member=member, kind=PointsKind.ACTIVITY, community_id=activity.estate.community_id,
                        estate_id=activity.estate_id, source_type="services.signup", source_id=signup.pk,
                        source_label=f"参加活动：{activity.title}", actor=actor,
                        on=clock.local_date(signup.checked_in_at))


def points_for_meeting(attendance, *, actor=None) -> PointsEntry | None:
    """Signed in at a meeting of an estate or a community: the member earns the community's points for
    attending, once per meeting. Meetings above the community (a subdistrict's, a district's) belong to no
    one community's rules and earn none. Registered with on_completed("meeting_attended")."""
    meeting = attendance.meeting
    community_id = meeting.estate.community_id if meeting.estate_id else meeting.community_id
    if community_id is None:
        return None
    member = (PartyMember.objects.filter(person_id=attendance.person_id).first() if attendance.person_id
              else PartyMember.objects.filter(person__user_id=attendance.user_id).first())
    if member is None:
        return None
    return points_award(member=member, kind=PointsKind.MEETING, community_id=community_id,
                        estate_id=meeting.estate_id, source_type="meetings.attendance", source_id=attendance.pk,
                        source_label=f"参加会议：{meeting.title}", actor=actor,
                        on=clock.local_date(attendance.signed_in_at))


def points_for_order(order, *, actor=None) -> PointsEntry | None:
    """A 三单制 order done earns whoever accepted it points, if they are a party member (a volunteer who
    is not earns none). Registered with core.registry.on_completed("order")."""
    member = PartyMember.objects.filter(person__user_id=order.accepted_by_id).first()
    if member is None or order.accepted_by_id is None:
        return None
    kind = PointsKind.MICRO_WISH if order.kind == "micro_wish" else PointsKind.ORDER
    on = clock.local_date(order.done_at) if order.done_at else None
    return points_award(member=member, kind=kind, community_id=order.community_id, estate_id=order.estate_id,
                        source_type="requests.order", source_id=order.pk,
                        source_label=f"{order.get_kind_display()}：{order.title}", actor=actor, on=on)


# --- the community's hand --------------------------------------------------------------------------------------
def points_adjust(actor, *, person_id: int, points: int, reason: str) -> PointsEntry:
    """A manual award (points > 0) or deduction (< 0) by the member's community, with a reason. A
    deduction larger than the balance is refused and nothing is written."""
    points = _whole(points)
    if not points:
        raise InvalidInput(POINTS_ZERO, field="points")
    if abs(points) > MAX_MANUAL_POINTS:
        raise InvalidInput(POINTS_TOO_MANY.format(n=MAX_MANUAL_POINTS), field="points")
    reason = clean_text(reason, 500, REASON_REQUIRED, REASON_TOO_LONG)
    member = selectors.member_get(fetched_by=actor, person_id=person_id) if actor is not None else \
        PartyMember.objects.select_related("person").filter(person_id=person_id).first()
    if member is None:
        raise NotFound()
    if not rules.may_keep_points(actor, member.registered_community_id):
        raise PermissionDenied(rules.NOT_KEEPER)
    if member.registered_community_id is None:
        raise InvalidInput(NOT_REGISTERED.format(name=member.person.name), field="person_id")
    kind = PointsKind.MANUAL_AWARD if points > 0 else PointsKind.MANUAL_DEDUCTION
    with transaction.atomic():
        PartyMember.objects.select_for_update().filter(pk=member.pk).first()  # two deductions at once: one fails
        held = selectors.balance(member)
        if points < 0 and -points > held:
            raise InvalidInput(OVER_BALANCE.format(points=-points, name=member.person.name, balance=held),
                               field="points")
        entry = PointsEntry.objects.create(
            member=member, community_id=member.registered_community_id, kind=kind, points=points,
            source_label=str(PointsKind(kind).label), reason=reason, on=clock.today(), created_at=clock.now(),
            created_by=actor)
        audit_record(actor, AuditAction.POINTS_ADJUST, entry, after=snapshot(entry))
    return entry


def points_rule_set(actor, *, community_id: int, kind: str, points: int, monthly_cap: int | None) -> PointsRule:
    """A community's price for one kind of work (points per entry) and its cap per member and month."""
    if actor is not None:
        community = selectors.community_for_readers(fetched_by=actor, community_id=community_id)
        if not rules.may_keep_points(actor, community.pk):
            raise PermissionDenied(rules.NOT_KEEPER)
    elif not Community.objects.filter(pk=community_id).exists():
        raise NotFound()
    if kind not in AUTOMATIC_KINDS:
        raise InvalidInput(KIND_NOT_PRICED.format(kind=kind), field="kind")
    points = _whole(points)
    if points is None or not 0 <= points <= MAX_RULE_POINTS:
        raise InvalidInput(RULE_POINTS.format(n=MAX_RULE_POINTS), field="points")
    if monthly_cap is not None and (_whole(monthly_cap) is None or not points <= monthly_cap <= MAX_MONTHLY_CAP):
        raise InvalidInput(RULE_CAP.format(n=MAX_MONTHLY_CAP), field="monthly_cap")
    with transaction.atomic():
        rule = PointsRule.objects.select_for_update().filter(community_id=community_id, kind=kind).first()
        before = snapshot(rule) if rule else None
        if rule is None:
            rule = PointsRule(community_id=community_id, kind=kind)
        rule.points, rule.monthly_cap = points, monthly_cap
        rule.save()
        audit_record(actor, AuditAction.POINTS_RULE_SET, rule, before=before, after=snapshot(rule))
    return rule


# --- 双报到 -----------------------------------------------------------------------------------------------------
NOT_A_MEMBER = "您尚未登记为党员，无法报到 / You are not on record as a party member, so you cannot register"
NOT_IN_SERVICE = ("双报到面向在职党员；离退休党员的组织关系已在社区 / Dual registration is for in-service members; "
                  "a retired member's membership is already in the community")
REGISTERED_TWICE = ("{name}已在{community}报到（{status}），不能重复报到 / {name} has already registered at "
                    "{community} ({status}); a second registration is refused")
ALREADY_REGISTERED = ("{name}已登记在{community}报到，不能重复报到 / {name} is already on record as registered at "
                      "{community}; a second registration is refused")
ESTATE_NOT_HOME = "只能在本人居住或拥有房屋的小区报到 / Register at an estate where you live or own a flat"
WORK_UNIT_REQUIRED = ("请选择工作单位党组织或填写工作单位名称 / Choose your work unit's party organisation or write "
                      "the work unit's name")
WORK_UNIT_TOO_LONG = "工作单位名称最多100字 / A work unit's name is at most 100 characters"
NOT_PENDING = "该报到已处理（{status}） / This registration has already been decided ({status})"
NO_REGISTRATION_OPEN = ("您已报到、正在等待确认，或不是在职党员，无需再报到 / You have registered, are waiting for "
                        "confirmation, or are not an in-service member: there is nothing to register")
DECLINE_NEEDS_NOTE = "退回报到请说明理由 / Say why the registration is declined"


def registration_submit(actor, *, estate_id: int, work_organisation_id: int | None = None, work_unit: str = "",
                        person_id: int | None = None) -> Registration:
    """An in-service member registers where they live, naming their work unit. The system (actor None,
    the demo) names the person; a user registers themself."""
    member = (PartyMember.objects.select_related("person").filter(person_id=person_id).first() if actor is None
              else selectors.member_of(actor))
    if member is None:
        raise PermissionDenied(NOT_A_MEMBER)
    if member.status != MemberStatus.IN_SERVICE:
        raise InvalidInput(NOT_IN_SERVICE)
    estates = Estate.objects.all() if actor is None else selectors.registration_estates(actor)
    estate = estates.select_related("community").filter(pk=estate_id).first()
    if estate is None:
        raise InvalidInput(ESTATE_NOT_HOME, field="estate_id")
    work_unit = clean_text(work_unit, 100, None, WORK_UNIT_TOO_LONG)
    organisation = None
    if work_organisation_id:
        visible = Organisation.objects.all() if actor is None else scope_for(actor).organisations()
        organisation = visible.filter(pk=work_organisation_id, active=True).first()
        if organisation is None:
            raise NotFound(field="work_organisation_id")
        work_unit = ""
    elif not work_unit:
        raise InvalidInput(WORK_UNIT_REQUIRED, field="work_unit")
    with transaction.atomic():
        PartyMember.objects.select_for_update().filter(pk=member.pk).first()  # one registration at a time
        member.refresh_from_db()
        _not_registered_yet(member)
        try:
            with transaction.atomic():
                registration = Registration.objects.create(
                    member=member, estate=estate, community=estate.community, work_organisation=organisation,
                    work_unit=work_unit, submitted_at=clock.now())
        except IntegrityError:  # registered meanwhile
            _not_registered_yet(member)
            raise
        audit_record(actor, AuditAction.REGISTRATION_SUBMIT, registration, after=snapshot(registration))
    return registration


def _not_registered_yet(member: PartyMember) -> None:
    name = member.person.name
    open_one = member.registrations.filter(status__in=[RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED]) \
        .select_related("community").first()
    if open_one is not None:
        raise WrongState(REGISTERED_TWICE.format(name=name, community=open_one.community.name,
                                                 status=open_one.get_status_display()))
    if member.registered_community_id is not None:
        raise WrongState(ALREADY_REGISTERED.format(name=name, community=member.registered_community.name))


def registration_decide(actor, *, registration_id: int, confirm: bool, note: str = "") -> Registration:
    """The community confirms a registration (the member is then registered there, from today) or
    declines it with a reason (the member may register again)."""
    note = clean_text(note, 500, None if confirm else DECLINE_NEEDS_NOTE, REASON_TOO_LONG, field="note")
    with transaction.atomic():
        scope_rows = Registration.objects.all() if actor is None else Registration.objects.filter(
            community__in=_visible_communities(actor))
        found = scope_rows.filter(pk=registration_id).first() if isinstance(registration_id, int) else None
        if found is None:
            raise NotFound()
        if not rules.may_confirm_registration(actor, found.community_id):
            raise PermissionDenied(rules.NOT_CONFIRMER)
        registration = Registration.objects.select_for_update().select_related("member__person", "community") \
            .get(pk=found.pk)
        if registration.status != RegistrationStatus.PENDING:
            raise WrongState(NOT_PENDING.format(status=registration.get_status_display()))
        before = snapshot(registration)
        registration.status = RegistrationStatus.CONFIRMED if confirm else RegistrationStatus.DECLINED
        registration.decided_at, registration.decided_by, registration.note = clock.now(), actor, note
        registration.save()
        if confirm:
            member = registration.member
            PartyMember.objects.filter(pk=member.pk).update(
                registered_community=registration.community, registered_on=clock.today(),
                work_unit=registration.unit_name[:100])
        action = AuditAction.REGISTRATION_CONFIRM if confirm else AuditAction.REGISTRATION_DECLINE
        audit_record(actor, action, registration, before=before, after=snapshot(registration))
    return registration


def _visible_communities(actor):
    scope = scope_for(actor)
    return Community.objects.filter(Q(pk__in=scope.communities().values("pk"))
                                    | Q(pk__in=scope.estates().values("community_id")))


# --- the chain to the household -------------------------------------------------------------------------------------
NOT_A_BUILDING_GROUP = "请选择本小区的楼栋党小组 / Choose a building party group of this estate"
BUILDING_ELSEWHERE = "该楼栋不在本小区 / The building is not in this estate"
BUILDING_TAKEN = "{building}已由{group}覆盖 / {building} is already covered by {group}"
NOT_RESIDENT_MEMBER = ("{name}不是本小区居住的党员 / {name} is not a party member living in this estate")
NOT_A_RESIDENT_MEMBER = "所选人员不是本小区居住的党员 / The person chosen is not a party member living in this estate"
HOME_NOT_THEIRS = "中心户须为该党员本人居住或拥有的房屋 / A central household is the member's own home"
HOUSEHOLDS_REQUIRED = "请选择中心户联系的住户（1至{n}户） / Choose the households it looks after (1 to {n})"
HOUSEHOLD_ELSEWHERE = "联系户须在同一小区 / The households are in the same estate"
HOUSEHOLD_TAKEN = "{unit}已由其他中心户联系 / {unit} is already looked after by another central household"
ALREADY_CENTRAL = "{unit}已是党员中心户 / {unit} is already a central household"
NOT_COVERED = "{unit}不是该中心户的联系户 / {unit} is not one of this central household's households"
VISIT_NOTE_REQUIRED = "请填写走访情况 / Say what the visit found"
VISIT_DATE_BAD = "走访日期格式不正确，请写作 YYYY-MM-DD / Write the visit's date as YYYY-MM-DD"
VISIT_IN_FUTURE = "走访日期不能晚于今天 / A visit cannot be dated after today"
MAX_COVERED = 30


def _chain_estate(actor, estate_id) -> Estate:
    return estate_for(actor, estate_id, roles=rules.POINTS_KEEPER_ROLES, denied=rules.NOT_CHAIN_KEEPER)


def group_building_set(actor, *, organisation_id: int, building_id: int) -> GroupBuilding:
    """A building party group covers a building of its estate; a building has one group."""
    organisation = Organisation.objects.filter(pk=organisation_id, kind=OrgKind.BUILDING_GROUP, active=True,
                                               estate__isnull=False).first()
    if organisation is None:
        raise InvalidInput(NOT_A_BUILDING_GROUP, field="organisation_id")
    estate = _chain_estate(actor, organisation.estate_id)
    building = estate.buildings.filter(pk=building_id).first()
    if building is None:
        raise InvalidInput(BUILDING_ELSEWHERE, field="building_id")
    with transaction.atomic():
        taken = GroupBuilding.objects.select_for_update().filter(building=building).select_related("organisation")
        if taken.exists():
            raise WrongState(BUILDING_TAKEN.format(building=building, group=taken[0].organisation.name))
        try:
            with transaction.atomic():
                row = GroupBuilding.objects.create(organisation=organisation, estate=estate, building=building)
        except IntegrityError:
            raise WrongState(BUILDING_TAKEN.format(building=building, group=organisation.name)) from None
        audit_record(actor, AuditAction.GROUP_BUILDING_SET, row, after=snapshot(row))
    return row


def central_household_designate(actor, *, estate_id: int, person_id: int, unit_id: int,
                                covered_unit_ids: list[int]) -> CentralHousehold:
    """A party member's home becomes a 中心户 looking after the listed households of the same estate."""
    estate = _chain_estate(actor, estate_id)
    member = PartyMember.objects.select_related("person").filter(person_id=person_id).first()
    if member is None or not Unit.objects.filter(Q(ownerships__person_id=person_id, ownerships__until__isnull=True)
                                                 | Q(residencies__person_id=person_id, residencies__until__isnull=True),
                                                 estate=estate).exists():
        raise InvalidInput(NOT_RESIDENT_MEMBER.format(name=member.person.name) if member else NOT_A_RESIDENT_MEMBER,
                           field="person_id")
    home = Unit.objects.filter(Q(ownerships__person_id=person_id, ownerships__until__isnull=True)
                               | Q(residencies__person_id=person_id, residencies__until__isnull=True),
                               estate=estate, pk=unit_id).first()
    if home is None:
        raise InvalidInput(HOME_NOT_THEIRS, field="unit_id")
    ids = sorted(set(covered_unit_ids or []) - {home.pk})
    if not 1 <= len(ids) <= MAX_COVERED:
        raise InvalidInput(HOUSEHOLDS_REQUIRED.format(n=MAX_COVERED), field="covered_unit_ids")
    units = list(Unit.objects.filter(pk__in=ids, estate=estate).order_by("code"))
    if len(units) != len(ids):
        raise InvalidInput(HOUSEHOLD_ELSEWHERE, field="covered_unit_ids")
    with transaction.atomic():
        if CentralHousehold.objects.select_for_update().filter(unit=home).exists():
            raise WrongState(ALREADY_CENTRAL.format(unit=home.code))
        taken = CoveredHousehold.objects.select_for_update().filter(unit__in=units).select_related("unit").first()
        if taken is not None:
            raise WrongState(HOUSEHOLD_TAKEN.format(unit=taken.unit.code))
        try:
            with transaction.atomic():
                central = CentralHousehold.objects.create(member=member, estate=estate, unit=home, since=clock.today())
                CoveredHousehold.objects.bulk_create([CoveredHousehold(central=central, estate=estate, unit=u)
                                                      for u in units])
        except IntegrityError:  # designated meanwhile by someone else
            raise WrongState(HOUSEHOLD_TAKEN.format(unit="、".join(u.code for u in units))) from None
        audit_record(actor, AuditAction.CENTRAL_HOUSEHOLD_DESIGNATE, central,
                     after={**snapshot(central), "covered": [u.pk for u in units]})
    return central


def household_visit_record(actor, *, central_id: int, unit_id: int, on, note: str) -> HouseholdVisit:
    """A 中心户's visit to a household it looks after; it earns the member the community's visit points."""
    central = CentralHousehold.objects.select_related("member__person", "estate__community__subdistrict", "unit") \
        .filter(pk=central_id).first() if isinstance(central_id, int) else None
    if central is None or not (actor is None or rules.is_self(actor, central.member)
                               or rules.may_read_chain(actor, central.estate)):
        raise NotFound()
    if actor is not None and not (rules.is_self(actor, central.member) or rules.may_keep_chain(actor, central.estate)):
        raise PermissionDenied(rules.NOT_VISITOR)
    note = clean_text(note, 500, VISIT_NOTE_REQUIRED, REASON_TOO_LONG, field="note")
    if not isinstance(on, datetime.date):
        raise InvalidInput(VISIT_DATE_BAD, field="on")
    if on > clock.today():
        raise InvalidInput(VISIT_IN_FUTURE, field="on")
    covered = central.covered.filter(unit_id=unit_id).select_related("unit").first()
    if covered is None:
        raise InvalidInput(NOT_COVERED.format(unit=unit_id), field="unit_id")
    with transaction.atomic():
        visit = HouseholdVisit.objects.create(central=central, estate=central.estate, unit=covered.unit, on=on,
                                              note=note, recorded_by=actor)
        audit_record(actor, AuditAction.HOUSEHOLD_VISIT_RECORD, visit, after=snapshot(visit))
        points_award(member=central.member, kind=PointsKind.VISIT, community_id=central.estate.community_id,
                     estate_id=central.estate_id, source_type="party.householdvisit", source_id=visit.pk,
                     source_label=f"走访：{covered.unit.code}", actor=actor, on=on)
    return visit


# --- 亮身份 boards ------------------------------------------------------------------------------------------------
NOT_A_MEMBER_BOARD = "您尚未登记为党员，无法设置亮身份 / You are not on record as a party member, so you have no board entry"
UNKNOWN_CONTACT = "未知的联系方式选项 / Unknown choice of contact"
OFFICE_PHONE_BAD = ("办公电话请填写6至20位数字（可含“-”） / The office phone is 6 to 20 digits, with '-' "
                    "allowed")
OFFICE_PHONE_REQUIRED = "选择展示办公电话时请填写办公电话 / Give the office phone you chose to show"
NO_MOBILE = "您的档案中没有手机号，无法展示手机号 / There is no mobile on your record to show"
PHOTO_TOO_BIG = "照片“{name}”超过 {mb} MB / The photo {name} is larger than {mb} MB"
PHOTO_TYPE = "照片“{name}”须为 JPEG、PNG 或 WebP 图片 / The photo {name} must be a JPEG, PNG or WebP image"
PHOTO_ONE = "只能上传{n}张照片 / Upload at most {n} photo"
BOARD_EMPTY = ("{place}没有党员选择在亮身份公示栏展示，未发布 / No member of {place} has chosen to appear on the "
               "board; nothing was published")
PHOTO_MAX_BYTES = 2 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
BOARD_COLUMNS = ["姓名", "楼栋", "岗位", "联系方式"]


def board_listing_set(actor, *, on_board: bool, contact: str, office_phone: str = "", photo: Upload | None = None,
                      remove_photo: bool = False, person_id: int | None = None) -> BoardListing:
    """A member's own choice for the public board: whether they appear and what reaches them there.
    Nobody chooses for a member; the system (actor None, the demo) names the person."""
    member = (PartyMember.objects.select_related("person").filter(person_id=person_id).first() if actor is None
              else selectors.member_of(actor))
    if member is None:
        raise PermissionDenied(NOT_A_MEMBER_BOARD)
    if contact not in BoardContact.values:
        raise InvalidInput(UNKNOWN_CONTACT, field="contact")
    office_phone = clean_text(office_phone, 20, None, OFFICE_PHONE_BAD, field="office_phone")
    if office_phone and not re.fullmatch(r"[0-9][0-9-]{4,18}[0-9]", office_phone):
        raise InvalidInput(OFFICE_PHONE_BAD, field="office_phone")
    if contact == BoardContact.OFFICE and not office_phone:
        raise InvalidInput(OFFICE_PHONE_REQUIRED, field="office_phone")
    if contact in (BoardContact.MASKED, BoardContact.MOBILE) and not member.person.phone:
        raise InvalidInput(NO_MOBILE, field="contact")
    checked = check_uploads([photo] if photo is not None else [], most=1, max_bytes=PHOTO_MAX_BYTES, field="photo",
                            too_many=PHOTO_ONE, too_big=PHOTO_TOO_BIG, allowed=PHOTO_TYPES, wrong_type=PHOTO_TYPE)
    with transaction.atomic():
        listing = BoardListing.objects.select_for_update().filter(member=member).first()
        before = snapshot(listing) if listing else None
        if listing is None:
            listing = BoardListing(member=member)
        listing.on_board, listing.contact, listing.office_phone = bool(on_board), contact, office_phone
        listing.updated_at = clock.now()
        if checked:
            upload, kind = checked[0]
            suffix = kind.split("/")[1].replace("jpeg", "jpg")
            listing.photo.save(f"{hashlib.sha256(upload.data).hexdigest()[:16]}.{suffix}", ContentFile(upload.data),
                               save=False)
            listing.photo_type = kind
        elif remove_photo:
            listing.photo, listing.photo_type = "", ""
        listing.save()
        audit_record(actor, AuditAction.BOARD_LISTING_SET, listing, before=before, after=snapshot(listing))
    return listing


def board_publish(actor, *, estate_id: int, building_id: int | None = None) -> BoardPublication:
    """Publish an estate's (or a building's) board as a public notice: what is printed is the notice's
    table, entered in the transparency log, so the printed board's QR code verifies it."""
    scope = scope_for(actor)
    estate = get_in_scope(scope.estates().select_related("community"), pk=estate_id)
    if not rules.may_publish_board(actor, estate):
        raise PermissionDenied(rules.NOT_BOARD_PUBLISHER)
    building = None
    if building_id is not None:
        building = estate.buildings.filter(pk=building_id).first()
        if building is None:
            raise NotFound(field="building_id")
    place = str(building) if building else estate.name
    lines = selectors.board(estate, building)
    if not lines:
        raise InvalidInput(BOARD_EMPTY.format(place=place), field="building_id")
    rows = [BOARD_COLUMNS] + [[line.name, f"{line.building}号楼" if line.building else "", "、".join(line.posts),
                               line.contact] for line in lines]
    with transaction.atomic():
        notice = notices.notice_publish(
            actor, estate_id=estate.pk, kind=NoticeKind.ANNOUNCEMENT, audience=Audience.PUBLIC,
            title=f"党员亮身份公示 · {place}", table=rows,
            body=f"{place}的共产党员亮明身份、接受监督，有事请找我们。以下为党员本人同意公开的信息。",
            authorised=True)  # the party's rule above, which lets a branch secretary without a publisher role
        publication = BoardPublication.objects.create(estate=estate, building=building, notice=notice,
                                                      published_at=notice.published_at)
        audit_record(actor, AuditAction.BOARD_PUBLISH, publication,
                     after={**snapshot(publication), "members": len(lines)})
    return publication


# --- 设岗定责 -----------------------------------------------------------------------------------------------------
UNKNOWN_POST_KIND = "未知的岗位类别 / Unknown kind of post"
POST_TITLE_TOO_LONG = "岗位名称最多60字 / A post's title is at most 60 characters"
OTHER_NEEDS_TITLE = "其他岗位请填写岗位名称 / Give the post's title"
DUTIES_REQUIRED = "请填写岗位职责 / Give the post's duties"
DUTIES_TOO_LONG = "岗位职责最多500字 / The duties are at most 500 characters"
POST_TAKEN = "“{post}”已由{name}认领（{status}） / {post} is already claimed by {name} ({status})"
NOT_HOME_ESTATE = ("只能认领本人居住或拥有房屋的小区的岗位 / You can claim posts only in an estate where you live "
                   "or own a flat")
CLAIM_NOT_PENDING = "该认领已处理（{status}） / This claim has already been decided ({status})"
CLAIM_NOT_HELD = "该岗位尚未确认由该党员担任，不能记录履职 / The post is not confirmed as held, so no duty is recorded"
DUTY_NOTE_REQUIRED = "请填写履职情况 / Say what was done"
DUTY_DATE_BAD = "履职日期格式不正确，请写作 YYYY-MM-DD / Write the duty's date as YYYY-MM-DD"
DUTY_IN_FUTURE = "履职日期不能晚于今天 / A duty cannot be dated after today"
DECLINE_CLAIM_NEEDS_NOTE = "退回认领请说明理由 / Say why the claim is declined"


def post_create(actor, *, estate_id: int, kind: str, duties: str, title: str = "",
                building_id: int | None = None) -> Post:
    """A post of an estate or one of its buildings with its duties (the community sets it up)."""
    estate = estate_for(actor, estate_id, roles=rules.POINTS_KEEPER_ROLES, denied=rules.NOT_POST_KEEPER)
    if kind not in PostKind.values:
        raise InvalidInput(UNKNOWN_POST_KIND, field="kind")
    title = clean_text(title, 60, OTHER_NEEDS_TITLE if kind == PostKind.OTHER else None, POST_TITLE_TOO_LONG,
                       field="title") or str(PostKind(kind).label)
    duties = clean_text(duties, 500, DUTIES_REQUIRED, DUTIES_TOO_LONG, field="duties")
    building = None
    if building_id is not None:
        building = estate.buildings.filter(pk=building_id).first()
        if building is None:
            raise InvalidInput(BUILDING_ELSEWHERE, field="building_id")
    with transaction.atomic():
        post = Post.objects.create(estate=estate, building=building, kind=kind, title=title, duties=duties,
                                   created_at=clock.now())
        audit_record(actor, AuditAction.POST_CREATE, post, after=snapshot(post))
    return post


def post_claim(actor, *, post_id: int, person_id: int | None = None) -> PostClaim:
    """A member claims a post of an estate where they live or own a flat; the community confirms. A post
    with a pending or confirmed claim is taken (of two claims at once, one wins). The system (actor
    None, the demo) names the person."""
    member = (PartyMember.objects.select_related("person").filter(person_id=person_id).first() if actor is None
              else selectors.member_of(actor))
    if member is None:
        raise PermissionDenied(NOT_A_MEMBER)
    post = Post.objects.select_related("estate", "building").filter(pk=post_id).first() \
        if isinstance(post_id, int) else None
    if post is None or (actor is not None and not _lives_in(actor, post.estate)):
        raise NotFound()
    if not selectors.resident_members(post.estate).filter(pk=member.pk).exists():
        raise InvalidInput(NOT_HOME_ESTATE, field="post_id")
    with transaction.atomic():
        Post.objects.select_for_update().filter(pk=post.pk).order_by().first()  # claims of one post one at a time
        _post_free(post)
        try:
            with transaction.atomic():
                claim = PostClaim.objects.create(post=post, estate=post.estate, member=member, claimed_at=clock.now())
        except IntegrityError:  # claimed meanwhile by another member
            _post_free(post)
            raise
        audit_record(actor, AuditAction.POST_CLAIM, claim, after=snapshot(claim))
    return claim


def _lives_in(actor, estate) -> bool:
    return scope_for(actor).estates().filter(pk=estate.pk).exists()


def _post_free(post: Post) -> None:
    taken = post.claims.filter(status__in=[ClaimStatus.PENDING, ClaimStatus.CONFIRMED]) \
        .select_related("member__person").first()
    if taken is not None:
        raise WrongState(POST_TAKEN.format(post=post.title, name=taken.member.person.name,
                                           status=taken.get_status_display()))


def post_claim_decide(actor, *, claim_id: int, confirm: bool, note: str = "") -> PostClaim:
    """The community confirms a claim (the member holds the post) or declines it with a reason (the post
    is free again)."""
    note = clean_text(note, 500, None if confirm else DECLINE_CLAIM_NEEDS_NOTE, REASON_TOO_LONG, field="note")
    found = PostClaim.objects.select_related("estate__community__subdistrict").filter(pk=claim_id).first() \
        if isinstance(claim_id, int) else None
    if found is None or not (actor is None or rules.may_read_chain(actor, found.estate)
                             or _lives_in(actor, found.estate)):
        raise NotFound()
    if not rules.may_keep_posts(actor, found.estate):
        raise PermissionDenied(rules.NOT_POST_KEEPER)
    with transaction.atomic():
        claim = PostClaim.objects.select_for_update().select_related("post", "member__person").get(pk=found.pk)
        if claim.status != ClaimStatus.PENDING:
            raise WrongState(CLAIM_NOT_PENDING.format(status=claim.get_status_display()))
        before = snapshot(claim)
        claim.status = ClaimStatus.CONFIRMED if confirm else ClaimStatus.DECLINED
        claim.decided_at, claim.decided_by, claim.note = clock.now(), actor, note
        claim.save()
        audit_record(actor, AuditAction.POST_CLAIM_CONFIRM if confirm else AuditAction.POST_CLAIM_DECLINE, claim,
                     before=before, after=snapshot(claim))
    return claim


def post_duty_record(actor, *, claim_id: int, on, note: str) -> PostDuty:
    """A duty of a held post done, by its member or the community; it earns the member post-duty points
    (once per record: a retried award finds the first)."""
    claim = PostClaim.objects.select_related("post", "member__person", "estate__community__subdistrict") \
        .filter(pk=claim_id).first() if isinstance(claim_id, int) else None
    if claim is None or not (actor is None or rules.is_self(actor, claim.member)
                             or rules.may_read_chain(actor, claim.estate)):
        raise NotFound()
    if actor is not None and not (rules.is_self(actor, claim.member) or rules.may_keep_posts(actor, claim.estate)):
        raise PermissionDenied(rules.NOT_POST_HOLDER)
    if claim.status != ClaimStatus.CONFIRMED:
        raise WrongState(CLAIM_NOT_HELD)
    note = clean_text(note, 500, DUTY_NOTE_REQUIRED, REASON_TOO_LONG, field="note")
    if not isinstance(on, datetime.date):
        raise InvalidInput(DUTY_DATE_BAD, field="on")
    if on > clock.today():
        raise InvalidInput(DUTY_IN_FUTURE, field="on")
    with transaction.atomic():
        duty = PostDuty.objects.create(claim=claim, estate=claim.estate, on=on, note=note, recorded_by=actor)
        audit_record(actor, AuditAction.POST_DUTY_RECORD, duty, after=snapshot(duty))
        points_for_duty(duty, actor=actor)
    return duty


def points_for_duty(duty: PostDuty, *, actor=None) -> PointsEntry:
    """The post-duty points a duty record earns its member: once per record."""
    claim = duty.claim
    return points_award(member=claim.member, kind=PointsKind.POST_DUTY, community_id=claim.estate.community_id,
                        estate_id=claim.estate_id, source_type="party.postduty", source_id=duty.pk,
                        source_label=f"{claim.post.title}：{duty.note}"[:220], actor=actor, on=duty.on)


# --- 包保 cadres ---------------------------------------------------------------------------------------------------
CADRE_UNKNOWN = "未找到该干部账号 / No such cadre"
CADRE_DATES = "包保结束日期不能早于开始日期 / The assignment cannot end before it starts"
CADRE_DATE_BAD = "日期格式不正确，请写作 YYYY-MM-DD / Write the date as YYYY-MM-DD"
OUTSIDE_SUBDISTRICT = ("{estate}不在{name}包保的{subdistrict}，未指派 / {estate} is outside {subdistrict}, where "
                       "{name} answers for estates; nothing was assigned")
ALREADY_ASSIGNED = "{name}已在包保{estate} / {name} already answers for {estate}"
OVER_CADRE_MAX = ("提醒：{name}现包保{n}个小区，超过{most}个 / Note: {name} now answers for {n} estates, more than "
                  "{most}")
UNKNOWN_TEAM_ROLE = "未知的团队角色 / Unknown team role"
TEAM_PERSON_UNKNOWN = "未找到该人员 / No such person"
TEAM_ALREADY = "{name}已是该团队的{role} / {name} is already this team's {role}"
FINDINGS_REQUIRED = "请填写蹲点发现的问题 / Say what the visit found"
FINDINGS_TOO_LONG = "发现的问题最多1000字 / The findings are at most 1000 characters"
VISIT_OUTSIDE_TERM = ("蹲点日期须在包保期内（{start}起）且不晚于今天 / The visit is dated within the assignment (from "
                      "{start}) and not after today")
ALREADY_RAISED = "该蹲点发现已转为诉求 #{id} / This finding is already request #{id}"


def _date(value, field: str) -> datetime.date:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise InvalidInput(CADRE_DATE_BAD, field=field)
    return value


def cadre_assign(actor, *, user_id: int, estate_id: int, start, end=None) -> tuple[CadreAssignment, str | None]:
    """包保: the subdistrict assigns a cadre to one of its estates for a term, granting the cadre's role
    there. Within the cadre's subdistrict only; above GONGZHI_CADRE_MAX_ESTATES estates at once it warns
    (the returned message) and still assigns."""
    estate = estate_for(actor, estate_id, roles=rules.CADRE_ASSIGNERS, denied=rules.NOT_CADRE_ASSIGNER)
    cadre = get_user_model().objects.filter(pk=user_id, is_active=True).first() if isinstance(user_id, int) else None
    if cadre is None:
        raise NotFound(CADRE_UNKNOWN, field="user_id")
    start, end = _date(start, "start"), None if end is None else _date(end, "end")
    if end is not None and end < start:
        raise InvalidInput(CADRE_DATES, field="end")
    name = cadre.get_full_name() or cadre.username
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=cadre.pk).first()  # one assignment at a time
        current = selectors.cadre_current(cadre)
        homes = {a.estate.community.subdistrict for a in current}
        if homes and estate.community.subdistrict not in homes:
            home = sorted(homes, key=lambda s: s.pk)[0]
            raise InvalidInput(OUTSIDE_SUBDISTRICT.format(estate=estate.name, name=name, subdistrict=home.name),
                               field="estate_id")
        if any(a.estate_id == estate.pk for a in current):
            raise WrongState(ALREADY_ASSIGNED.format(name=name, estate=estate.name))
        assignment = CadreAssignment.objects.create(cadre=cadre, estate=estate, start=start, end=end,
                                                    assigned_by=actor)
        if not cadre.role_assignments.current().filter(role=Role.CADRE, estate=estate).exists():
            # the grant follows the subdistrict's assignment (audited there as the system's)
            people.role_assign(None, user_id=cadre.pk, role=Role.CADRE, anchor_field="estate", anchor_id=estate.pk,
                               valid_from=start, valid_until=end)
        audit_record(actor, AuditAction.CADRE_ASSIGN, assignment, after=snapshot(assignment))
    count, most = len(current) + 1, settings.GONGZHI_CADRE_MAX_ESTATES
    return assignment, OVER_CADRE_MAX.format(name=name, n=count, most=most) if count > most else None


def _assignment_for(actor, assignment_id, *, cadre_only: bool) -> CadreAssignment:
    found = CadreAssignment.objects.select_related("estate__community__subdistrict", "cadre") \
        .filter(pk=assignment_id).first() if isinstance(assignment_id, int) else None
    if found is None or not (actor is None or actor.pk == found.cadre_id
                             or scope_for(actor).estates().filter(pk=found.estate_id).exists()):
        raise NotFound()
    if actor is not None and actor.pk != found.cadre_id and (cadre_only
                                                             or not rules.may_assign_cadre(actor, found.estate)):
        raise PermissionDenied(rules.NOT_THE_CADRE if cadre_only else rules.NOT_CADRE_ASSIGNER)
    return found


def cadre_team_add(actor, *, assignment_id: int, person_id: int, role: str) -> CadreTeamMember:
    """Someone who goes with the cadre (局长驻点, 政法干警进网格, 网格长, 单元长): the cadre or the subdistrict."""
    assignment = _assignment_for(actor, assignment_id, cadre_only=False)
    if role not in TeamRole.values:
        raise InvalidInput(UNKNOWN_TEAM_ROLE, field="role")
    person = Person.objects.filter(pk=person_id).first() if isinstance(person_id, int) else None
    if person is None:
        raise InvalidInput(TEAM_PERSON_UNKNOWN, field="person_id")
    with transaction.atomic():
        if assignment.team.filter(person=person, role=role).exists():
            raise WrongState(TEAM_ALREADY.format(name=person.name, role=TeamRole(role).label))
        member = CadreTeamMember.objects.create(assignment=assignment, estate=assignment.estate, person=person,
                                                role=role)
        audit_record(actor, AuditAction.CADRE_TEAM_ADD, member, after=snapshot(member))
    return member


def field_visit_record(actor, *, assignment_id: int, on, findings: str) -> FieldVisit:
    """蹲点: the cadre's visit to an estate they answer for, and what it found."""
    assignment = _assignment_for(actor, assignment_id, cadre_only=True)
    findings = clean_text(findings, 1000, FINDINGS_REQUIRED, FINDINGS_TOO_LONG, field="findings")
    on = _date(on, "on")
    last = min(assignment.end or clock.today(), clock.today())
    if not assignment.start <= on <= last:
        raise InvalidInput(VISIT_OUTSIDE_TERM.format(start=assignment.start.isoformat()), field="on")
    with transaction.atomic():
        visit = FieldVisit.objects.create(assignment=assignment, estate=assignment.estate, on=on, findings=findings)
        audit_record(actor, AuditAction.FIELD_VISIT_RECORD, visit, after=snapshot(visit))
    return visit


def field_visit_raise(actor, *, visit_id: int, category: str):
    """A visit's finding becomes a request (through the requests intake, channel 来访, the cadre as its
    contact), once."""
    found = FieldVisit.objects.filter(pk=visit_id).first() if isinstance(visit_id, int) else None
    if found is None:
        raise NotFound()
    assignment = _assignment_for(actor, found.assignment_id, cadre_only=True)
    with transaction.atomic():
        visit = FieldVisit.objects.select_for_update().get(pk=found.pk)
        if visit.request_id is not None:
            raise WrongState(ALREADY_RAISED.format(id=visit.request_id))
        cadre = assignment.cadre
        request = intake.request_submit(actor, intake.Intake(
            estate_id=visit.estate_id, category=category, description=visit.findings, channel=Channel.VISIT,
            contact_name=(cadre.get_full_name() or cadre.username)[:50]))
        visit.request = request
        visit.save(update_fields=["request"])
        audit_record(actor, AuditAction.FIELD_VISIT_RAISE, visit, after={"request": request.pk})
    return request


# --- 组织关系 (members of each party organisation, transferred in and out) ------------------------------------------
NOT_A_PARTY_ORGANISATION = "请选择党组织 / Choose a party organisation"
NO_SUCH_MEMBER = "所选人员不是党员 / The person chosen is not a party member"
RELATION_STILL_OPEN = ("{name}的组织关系仍在{organisation}，须先转出 / {name}'s membership is still in {organisation}; "
                       "transfer it out first")
RELATION_DATE_BAD = "日期格式不正确，请写作 YYYY-MM-DD / Write the date as YYYY-MM-DD"
RELATION_IN_FUTURE = "转接日期不能晚于今天 / A transfer cannot be dated after today"
RELATION_BEFORE_LAST = ("转入日期不能早于{name}上次转出的日期 {day} / The transfer in cannot be dated before {name}'s last "
                        "transfer out on {day}")
RELATION_OUT_BEFORE_IN = ("转出日期不能早于转入日期 {day} / The transfer out cannot be dated before the transfer in on "
                          "{day}")
RELATION_CLOSED = "{name}的组织关系已于{day}转出 / {name}'s membership was already transferred out on {day}"
RELATION_SAME = "转往的党组织与原党组织相同 / The organisation transferred to is the one transferred from"
DESTINATION_REQUIRED = ("请选择转往的党组织或填写转往单位 / Choose the party organisation transferred to, or write "
                        "where the membership goes")
UNIT_TEXT_TOO_LONG = "单位名称最多120字 / A unit's name is at most 120 characters"


def _party_organisation(actor, organisation_id, *, field: str) -> Organisation:
    found = Organisation.objects.select_related("estate").filter(
        pk=organisation_id, kind__in=PARTY_KINDS, active=True).first() \
        if isinstance(organisation_id, int) else None
    if found is None or not (actor is None or scope_for(actor).is_root
                             or scope_for(actor).organisations().filter(pk=found.pk).exists()
                             or rules.is_officer_of_organisation(actor, found)):
        raise NotFound(NOT_A_PARTY_ORGANISATION, field=field)
    return found


def _day(on, field: str) -> datetime.date:
    if not isinstance(on, datetime.date) or isinstance(on, datetime.datetime):
        raise InvalidInput(RELATION_DATE_BAD, field=field)
    if on > clock.today():
        raise InvalidInput(RELATION_IN_FUTURE, field=field)
    return on


def org_relation_transfer_in(actor, *, organisation_id: int, person_id: int, on, came_from: str = "") -> OrgRelation:
    """组织关系转入: the member belongs to the organisation from `on`. A member belongs to one
    organisation at a time: one whose membership is still open elsewhere is transferred out first."""
    organisation = _party_organisation(actor, organisation_id, field="organisation_id")
    if not rules.may_keep_relations(actor, organisation):
        raise PermissionDenied(rules.NOT_RELATION_KEEPER)
    member = PartyMember.objects.select_related("person").filter(person_id=person_id).first() \
        if isinstance(person_id, int) else None
    if member is None:
        raise InvalidInput(NO_SUCH_MEMBER, field="person_id")
    on = _day(on, "on")
    came_from = clean_text(came_from, 120, None, UNIT_TEXT_TOO_LONG, field="came_from")
    with transaction.atomic():
        PartyMember.objects.select_for_update().filter(pk=member.pk).first()  # one transfer of a member at a time
        relation = _open_relation_in(actor, member, organisation, on, came_from)
    return relation


def _open_relation_in(actor, member, organisation, on, came_from) -> OrgRelation:
    name = member.person.name
    still = member.org_relations.filter(end__isnull=True).select_related("organisation").first()
    if still is not None:
        raise WrongState(RELATION_STILL_OPEN.format(name=name, organisation=still.organisation.name))
    last = member.org_relations.exclude(end=None).order_by("-end").first()
    if last is not None and on < last.end:
        raise InvalidInput(RELATION_BEFORE_LAST.format(name=name, day=last.end.isoformat()), field="on")
    if not came_from and last is not None:
        came_from = last.organisation.name[:120]
    try:
        with transaction.atomic():
            relation = OrgRelation.objects.create(member=member, organisation=organisation, start=on,
                                                  came_from=came_from, recorded_by=actor)
    except IntegrityError:  # transferred in elsewhere meanwhile
        raise WrongState(RELATION_STILL_OPEN.format(name=name, organisation=organisation.name)) from None
    audit_record(actor, AuditAction.ORG_RELATION_IN, relation, after=snapshot(relation))
    return relation


def org_relation_transfer_out(actor, *, relation_id: int, on, to_organisation_id: int | None = None,
                              went_to: str = "") -> OrgRelation:
    """组织关系转出: the membership ends on `on`; transferred to a party organisation on record, it opens
    there the same day (the actor keeping both rolls), else `went_to` names where it went. Returns the
    closed relation."""
    found = OrgRelation.objects.select_related("organisation__estate", "member__person") \
        .filter(pk=relation_id).first() if isinstance(relation_id, int) else None
    if found is None or not (actor is None or rules.may_read_relations(actor, found.organisation)):
        raise NotFound()
    if not rules.may_keep_relations(actor, found.organisation):
        raise PermissionDenied(rules.NOT_RELATION_KEEPER)
    on = _day(on, "on")
    went_to = clean_text(went_to, 120, None, UNIT_TEXT_TOO_LONG, field="went_to")
    destination = None
    if to_organisation_id is not None:
        destination = _party_organisation(actor, to_organisation_id, field="to_organisation_id")
        if destination.pk == found.organisation_id:
            raise InvalidInput(RELATION_SAME, field="to_organisation_id")
        if not rules.may_keep_relations(actor, destination):
            raise PermissionDenied(rules.NOT_RELATION_KEEPER)
        went_to = destination.name[:120]
    elif not went_to:
        raise InvalidInput(DESTINATION_REQUIRED, field="went_to")
    with transaction.atomic():
        PartyMember.objects.select_for_update().filter(pk=found.member_id).first()
        relation = OrgRelation.objects.select_for_update(of=("self",)).select_related("member__person", "organisation") \
            .get(pk=found.pk)
        name = relation.member.person.name
        if relation.end is not None:
            raise WrongState(RELATION_CLOSED.format(name=name, day=relation.end.isoformat()))
        if on < relation.start:
            raise InvalidInput(RELATION_OUT_BEFORE_IN.format(day=relation.start.isoformat()), field="on")
        before = snapshot(relation)
        relation.end, relation.went_to = on, went_to
        relation.save(update_fields=["end", "went_to"])
        audit_record(actor, AuditAction.ORG_RELATION_OUT, relation, before=before, after=snapshot(relation))
        if destination is not None:
            _open_relation_in(actor, relation.member, destination, on, relation.organisation.name[:120])
    return relation


# --- 双报到单位 ---------------------------------------------------------------------------------------------------
UNIT_NAME_REQUIRED = "请选择共建单位或填写单位名称 / Choose the partner unit or write the unit's name"
UNIT_NAME_TOO_LONG = "单位名称最多100字 / A unit's name is at most 100 characters"
NOT_A_PARTNER = "请选择共建单位 / Choose a partner unit"
SERVICES_REQUIRED = "请填写单位可提供的服务 / Say what services the unit offers"
SERVICES_TOO_LONG = "可提供的服务最多500字 / The services are at most 500 characters"
CONTACT_TOO_LONG = "联系人及电话最多100字 / The contact is at most 100 characters"
UNIT_REGISTERED_TWICE = ("{unit}已在{community}报到（{status}），不能重复报到 / {unit} has already registered at "
                         "{community} ({status}); a second registration is refused")
UNIT_NOT_PENDING = "该单位报到已处理（{status}） / This unit's registration has already been decided ({status})"


def unit_registration_submit(actor, *, community_id: int, services: str, partner_id: int | None = None,
                             unit_name: str = "", contact: str = "") -> UnitRegistration:
    """A unit registers at a community with the services it offers (双报到单位): a partner unit on record,
    by one of its members or the community's staff; or a unit named in words, by anyone who sees the
    community. The community confirms or declines."""
    community = Community.objects.filter(pk=community_id).first() if isinstance(community_id, int) else None
    partner = None
    if partner_id is not None:
        partner = Organisation.objects.filter(pk=partner_id, kind=OrgKind.PARTNER_UNIT, active=True).first() \
            if isinstance(partner_id, int) else None
        if partner is None:
            raise InvalidInput(NOT_A_PARTNER, field="partner_id")
    sees = actor is None or (community is not None and _visible_communities(actor).filter(pk=community.pk).exists())
    if community is None or not (sees or rules.represents_partner(actor, partner)):
        raise NotFound(field="community_id")
    if partner is not None and not (actor is None or rules.represents_partner(actor, partner)
                                    or rules.may_confirm_unit(actor, community.pk)):
        raise PermissionDenied(rules.NOT_UNIT_REPRESENTATIVE)
    unit_name = "" if partner else clean_text(unit_name, 100, UNIT_NAME_REQUIRED, UNIT_NAME_TOO_LONG,
                                              field="unit_name")
    services = clean_text(services, 500, SERVICES_REQUIRED, SERVICES_TOO_LONG, field="services")
    contact = clean_text(contact, 100, None, CONTACT_TOO_LONG, field="contact")
    name = partner.name if partner else unit_name
    with transaction.atomic():
        Community.objects.select_for_update().filter(pk=community.pk).first()  # one unit registration at a time
        _unit_not_registered(community, partner, unit_name, name)
        try:
            with transaction.atomic():
                registration = UnitRegistration.objects.create(
                    community=community, partner=partner, unit_name=unit_name, services=services, contact=contact,
                    submitted_at=clock.now(), submitted_by=actor)
        except IntegrityError:
            _unit_not_registered(community, partner, unit_name, name)
            raise
        audit_record(actor, AuditAction.UNIT_REGISTRATION_SUBMIT, registration, after=snapshot(registration))
    return registration


def _unit_not_registered(community, partner, unit_name, name) -> None:
    rows = UnitRegistration.objects.filter(community=community, status__in=[UnitRegistrationStatus.PENDING,
                                                                            UnitRegistrationStatus.CONFIRMED])
    found = rows.filter(partner=partner).first() if partner else rows.filter(partner=None, unit_name=unit_name).first()
    if found is not None:
        raise WrongState(UNIT_REGISTERED_TWICE.format(unit=name, community=community.name,
                                                      status=found.get_status_display()))


def unit_registration_decide(actor, *, registration_id: int, confirm: bool, note: str = "") -> UnitRegistration:
    """The community confirms a unit's registration (it is then listed on the community's page) or
    declines it with a reason (the unit may register again)."""
    note = clean_text(note, 500, None if confirm else DECLINE_NEEDS_NOTE, REASON_TOO_LONG, field="note")
    found = UnitRegistration.objects.filter(pk=registration_id).first() if isinstance(registration_id, int) else None
    if found is None or not (actor is None or _visible_communities(actor).filter(pk=found.community_id).exists()):
        raise NotFound()
    if not rules.may_confirm_unit(actor, found.community_id):
        raise PermissionDenied(rules.NOT_UNIT_CONFIRMER)
    with transaction.atomic():
        registration = UnitRegistration.objects.select_for_update().get(pk=found.pk)
        if registration.status != UnitRegistrationStatus.PENDING:
            raise WrongState(UNIT_NOT_PENDING.format(status=registration.get_status_display()))
        before = snapshot(registration)
        registration.status = UnitRegistrationStatus.CONFIRMED if confirm else UnitRegistrationStatus.DECLINED
        registration.decided_at, registration.decided_by, registration.note = clock.now(), actor, note
        registration.save()
        action = AuditAction.UNIT_REGISTRATION_CONFIRM if confirm else AuditAction.UNIT_REGISTRATION_DECLINE
        audit_record(actor, action, registration, before=before, after=snapshot(registration))
    return registration


# --- 申报服务项目 (service projects members declare, residents order) ------------------------------------------------
PROJECT_TITLE_REQUIRED = "请填写服务项目名称 / Name the service"
PROJECT_TITLE_TOO_LONG = "服务项目名称最多60字 / A service's name is at most 60 characters"
PROJECT_TEXT_REQUIRED = "请填写服务内容 / Say what the service is"
PROJECT_TEXT_TOO_LONG = "服务内容最多500字 / The description is at most 500 characters"
PROJECT_NOT_HOME = ("只能在本人居住或拥有房屋的小区申报服务项目 / Declare services only in an estate where you live or "
                    "own a flat")
PROJECT_TWICE = "您已申报过“{title}” / You have already declared {title}"
PROJECTS_TOO_MANY = "每人最多同时申报{n}个服务项目 / At most {n} services can be offered at once"
PROJECT_CLOSED = "该服务项目已停止预约 / This service no longer takes orders"
ORDER_OWN_PROJECT = "不能预约自己申报的服务 / You cannot order your own service"
ORDER_NOTE_REQUIRED = "请说明需要什么帮助 / Say what help is needed"
ORDER_NOTE_TOO_LONG = "需求说明最多500字 / The note is at most 500 characters"
ORDER_TWICE = "您预约的“{title}”尚未办完，不能重复预约 / Your order of {title} is still open; a second is refused"
SERVICE_ORDER_NOT_ORDERED = "该预约已处理（{status}） / This order has already been answered ({status})"
SERVICE_ORDER_NOT_ACCEPTED = "该预约尚未接单或已办结（{status}） / This order is not accepted or is already closed ({status})"
ANSWER_REQUIRED = "请填写完成情况 / Say what was done"
DECLINE_REASON_REQUIRED = "婉拒请说明理由 / Say why the order is declined"
MAX_PROJECTS = 10


def service_project_declare(actor, *, estate_id: int, title: str, description: str,
                            person_id: int | None = None) -> ServiceProject:
    """A member declares a service they offer the residents of an estate where they live or own a flat.
    The system (actor None, the demo) names the person."""
    member = (PartyMember.objects.select_related("person").filter(person_id=person_id).first() if actor is None
              else selectors.member_of(actor))
    if member is None:
        raise PermissionDenied(NOT_A_MEMBER)
    estate = Estate.objects.filter(pk=estate_id).first() if isinstance(estate_id, int) else None
    if estate is None or not selectors.resident_members(estate).filter(pk=member.pk).exists():
        raise InvalidInput(PROJECT_NOT_HOME, field="estate_id")
    title = clean_text(title, 60, PROJECT_TITLE_REQUIRED, PROJECT_TITLE_TOO_LONG, field="title")
    description = clean_text(description, 500, PROJECT_TEXT_REQUIRED, PROJECT_TEXT_TOO_LONG, field="description")
    with transaction.atomic():
        PartyMember.objects.select_for_update().filter(pk=member.pk).first()
        active = member.service_projects.filter(active=True)
        if active.filter(estate=estate, title=title).exists():
            raise WrongState(PROJECT_TWICE.format(title=title))
        if active.count() >= MAX_PROJECTS:
            raise InvalidInput(PROJECTS_TOO_MANY.format(n=MAX_PROJECTS), field="title")
        project = ServiceProject.objects.create(member=member, estate=estate, title=title, description=description,
                                                declared_at=clock.now())
        audit_record(actor, AuditAction.SERVICE_PROJECT_DECLARE, project, after=snapshot(project))
    return project


def service_project_withdraw(actor, *, project_id: int) -> ServiceProject:
    """The member stops taking orders of a service (the orders already taken stay to be done)."""
    project = ServiceProject.objects.select_related("member__person").filter(pk=project_id).first() \
        if isinstance(project_id, int) else None
    if project is None or not (actor is None or rules.is_self(actor, project.member)):
        raise NotFound()
    with transaction.atomic():
        project = ServiceProject.objects.select_for_update().get(pk=project.pk)
        if not project.active:
            raise WrongState(PROJECT_CLOSED)
        project.active = False
        project.save(update_fields=["active"])
        audit_record(actor, AuditAction.SERVICE_PROJECT_WITHDRAW, project, after={"active": False})
    return project


def service_order_place(actor, *, project_id: int, note: str) -> ServiceOrder:
    """A resident of the estate orders a member's service; the member is told."""
    project = ServiceProject.objects.select_related("member__person", "estate").filter(pk=project_id).first() \
        if isinstance(project_id, int) else None
    if project is None or not _lives_in(actor, project.estate):
        raise NotFound()
    if rules.is_self(actor, project.member):
        raise InvalidInput(ORDER_OWN_PROJECT, field="project_id")
    note = clean_text(note, 500, ORDER_NOTE_REQUIRED, ORDER_NOTE_TOO_LONG, field="note")
    with transaction.atomic():
        project = ServiceProject.objects.select_for_update(of=("self",)).select_related("member__person", "estate") \
            .get(pk=project.pk)
        if not project.active:
            raise WrongState(PROJECT_CLOSED)
        if project.orders.filter(requester=actor, status__in=[ServiceOrderStatus.ORDERED,
                                                              ServiceOrderStatus.ACCEPTED]).exists():
            raise WrongState(ORDER_TWICE.format(title=project.title))
        order = ServiceOrder.objects.create(project=project, estate=project.estate, requester=actor, note=note,
                                            ordered_at=clock.now())
        audit_record(actor, AuditAction.SERVICE_ORDER_PLACE, order, after=snapshot(order))
        notify([project.member.person.user_id], title=f"新的服务预约：{project.title}", body=note,
               link=reverse("party:my_services"))
    return order


def _service_order(actor, order_id) -> ServiceOrder:
    found = ServiceOrder.objects.select_related("project__member__person").filter(pk=order_id).first() \
        if isinstance(order_id, int) else None
    if found is None or not (actor is None or found.requester_id == actor.pk
                             or rules.is_self(actor, found.project.member)):
        raise NotFound()
    if not rules.may_answer_service_order(actor, found):
        raise PermissionDenied(rules.NOT_PROJECT_OWNER)
    return ServiceOrder.objects.select_for_update(of=("self",)).select_related("project__member__person",
                                                                               "project__estate") \
        .get(pk=found.pk)


def service_order_answer(actor, *, order_id: int, accept: bool, note: str = "") -> ServiceOrder:
    """The member accepts an order, or declines it with a reason."""
    note = clean_text(note, 500, None if accept else DECLINE_REASON_REQUIRED, REASON_TOO_LONG, field="note")
    with transaction.atomic():
        order = _service_order(actor, order_id)
        if order.status != ServiceOrderStatus.ORDERED:
            raise WrongState(SERVICE_ORDER_NOT_ORDERED.format(status=order.get_status_display()))
        before = snapshot(order)
        if accept:
            order.status, order.accepted_at = ServiceOrderStatus.ACCEPTED, clock.now()
        else:
            order.status, order.answer = ServiceOrderStatus.DECLINED, note
        order.save()
        audit_record(actor, AuditAction.SERVICE_ORDER_ACCEPT if accept else AuditAction.SERVICE_ORDER_DECLINE, order,
                     before=before, after=snapshot(order))
        notify([order.requester_id], title=f"{'已接单' if accept else '已婉拒'}：{order.project.title}", body=note,
               link=reverse("party:estate_services", args=[order.estate_id]))
    return order


def service_order_complete(actor, *, order_id: int, note: str) -> ServiceOrder:
    """The member completes an accepted order: it earns them the community's order points once (a
    retried completion finds the order done and awards nothing)."""
    note = clean_text(note, 500, ANSWER_REQUIRED, REASON_TOO_LONG, field="note")
    with transaction.atomic():
        order = _service_order(actor, order_id)
        if order.status != ServiceOrderStatus.ACCEPTED:
            raise WrongState(SERVICE_ORDER_NOT_ACCEPTED.format(status=order.get_status_display()))
        before = snapshot(order)
        order.status, order.done_at, order.answer = ServiceOrderStatus.DONE, clock.now(), note
        order.save()
        audit_record(actor, AuditAction.SERVICE_ORDER_COMPLETE, order, before=before, after=snapshot(order))
        points_for_service_order(order, actor=actor)
        notify([order.requester_id], title=f"已完成：{order.project.title}", body=note,
               link=reverse("party:estate_services", args=[order.estate_id]))
    return order


def points_for_service_order(order: ServiceOrder, *, actor=None) -> PointsEntry:
    """The order points a completed service order earns its member: once per order."""
    project = order.project
    return points_award(member=project.member, kind=PointsKind.ORDER, community_id=project.estate.community_id,
                        estate_id=project.estate_id, source_type="party.serviceorder", source_id=order.pk,
                        source_label=f"服务项目：{project.title}", actor=actor,
                        on=clock.local_date(order.done_at) if order.done_at else None)
