"""Writes of people data: role assignments, ownership transfers, persons, residency, party
membership. (Ledger import lives in places.ledger.)

Ownership is a history: a title runs from `since` to `until` (both days included). A transfer on day T
ends the unit's current titles on T-1 and starts the new owners' on T, so "who owns the unit on a day"
has one answer for every day (votes and fees ask it). Dates in the future are refused: the rest of
the system reads an open title (until empty) as the current one. An owner's login holds the unit's
OWNER role for the title's days: the role ends with the title and starts with a new one."""

import datetime
import re
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from gongzhi.core import clock
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.roles import STAFF_ROLES, Role
from gongzhi.core.scoping import forget_scope, scope_for
from gongzhi.core.text import clean_text
from gongzhi.people import rules
from gongzhi.people.choices import AuditAction
from gongzhi.people.models import (
    ANCHOR_FIELDS,
    MemberStatus,
    Ownership,
    PartyMember,
    Person,
    Relation,
    Residency,
    RoleAssignment,
)
from gongzhi.places import models as places

ROLE_UNKNOWN = "未知角色：{role} / Unknown role: {role}"
ANCHOR_UNKNOWN = "未知的挂靠层级：{field} / Unknown anchor level: {field}"
ROLE_ALREADY_REVOKED = "该角色授权已失效 / This role assignment has already ended"
ROLE_DATES_ORDER = "失效日期不能早于生效日期 / A role cannot end before it starts"
OWNERSHIP_ENDED = "该产权已于{until}终止 / This title already ended on {until}"
OWNERSHIP_BACKWARDS = "终止日期不能早于起始日期{since} / A title cannot end before it began ({since})"
OWNERSHIP_FUTURE = "日期不能晚于今天（{today}），请在过户当天或之后办理 / The date cannot be after today ({today})"
OWNERSHIP_OVERLAP = (
    "{name}在{since}已是该房屋业主（{start}起），产权期间不能重叠 / "
    "{name} already owns this unit on {since} (since {start}); titles cannot overlap"
)
TRANSFER_BEFORE_TITLE = (
    "过户日期须晚于现业主{name}的起始日期{since} / The transfer must come after {name}'s title began ({since})"
)
TRANSFER_NO_OWNER = "请指定新业主（已登记的人员，或姓名） / Name the new owner (a registered person, or a name)"
TRANSFER_ONE_OWNER = "新业主只能二选一：已登记人员或新登记姓名 / Give either a registered person or a new name"
TRANSFER_TO_SELF = "{name}已是该房屋业主，无需过户 / {name} already owns this unit"
PERSON_NEEDS_NAME = "请填写姓名 / A name is required"
PERSON_NAME_TOO_LONG = "姓名最多 {n} 字 / A name is at most {n} characters"
ACCOUNT_EXISTS = "{name}已开通账号（登录名 {username}） / {name} already has an account ({username})"
ACCOUNT_NEEDS_PHONE = (
    "请先为{name}登记11位手机号码，它就是登录名 / Record {name}'s 11-digit mobile number first: it is the login name"
)
LOGIN_TAKEN = "登录名 {username} 已被另一账号使用 / The login name {username} is already in use"
MOBILE = re.compile(r"1\d{10}")
# Long enough for the password validators (settings.AUTH_PASSWORD_VALIDATORS), so an owner may keep it.
FIRST_PASSWORD_LENGTH = 12
PASSWORD_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i to misread on paper
PHONE_BAD = "联系电话只能包含数字、空格、+和-，最多20位 / A phone number is digits, spaces, + and -, up to 20"

_ANCHOR_MODELS = {
    "district": places.District,
    "subdistrict": places.Subdistrict,
    "community": places.Community,
    "grid": places.Grid,
    "estate": places.Estate,
    "building": places.Building,
    "unit": places.Unit,
}


def _check_admin(actor, scope_ids) -> None:
    if not rules.may_administer_people(actor, scope_ids):
        raise PermissionDenied(rules.ROLE_NEEDS_ADMIN)


def _anchor_visible(actor, anchor_field: str, anchor) -> bool:
    """Does the actor see the place a role would be anchored at? (An unseen one answers 404.)"""
    if actor is None:
        return True
    scope = scope_for(actor)
    if scope.is_root:
        return True
    if anchor_field == "district":
        return (any(a.district_id == anchor.pk for a in scope.assignments)
                or scope.subdistricts().filter(district=anchor).exists())
    if anchor_field == "subdistrict":
        return (scope.subdistricts().filter(pk=anchor.pk).exists()
                or scope.communities().filter(subdistrict=anchor).exists())
    estate_id, community_id = anchor.scope_ids()
    if estate_id is not None:
        return estate_id in scope.estate_ids()
    return (scope.communities().filter(pk=community_id).exists()
            or scope.estates().filter(community_id=community_id).exists())


def _assignment_visible(actor, assignment: RoleAssignment) -> bool:
    """Does the actor see this role assignment — their own, or one at a place they see through a staff
    role? One they do not see answers 404 like a missing one (a resident sees nobody else's roles)."""
    if actor is None or assignment.user_id == actor.pk:
        return True
    if not scope_for(actor).has_any(STAFF_ROLES):
        return False
    return _anchor_visible(actor, assignment.anchor_field, assignment.anchor)


def _check_grant(actor, role: str, anchor_field: str, anchor) -> None:
    if rules.may_grant_role(actor, role, anchor_field, anchor):
        return
    scope = scope_for(actor)
    community_id = rules.anchor_community_id(anchor_field, anchor)
    if (role not in rules.COMMUNITY_GRANTED_ROLES and community_id is not None
            and scope.communities(rules.COMMUNITY_GRANTERS).filter(pk=community_id).exists()):
        raise PermissionDenied(rules.ROLE_NOT_GRANTABLE.format(role=Role(role).label))
    raise PermissionDenied(rules.ROLE_NEEDS_ADMIN)


@transaction.atomic
def role_assign(
    actor,
    *,
    user_id: int,
    role: str,
    anchor_field: str,
    anchor_id: int,
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
) -> RoleAssignment:
    if role not in Role.values:
        raise InvalidInput(ROLE_UNKNOWN.format(role=role), field="role")
    if anchor_field not in ANCHOR_FIELDS:
        raise InvalidInput(ANCHOR_UNKNOWN.format(field=anchor_field), field="anchor_field")
    anchor = _ANCHOR_MODELS[anchor_field].objects.filter(pk=anchor_id).first()
    user = get_user_model().objects.filter(pk=user_id).first()
    if anchor is None or user is None or not _anchor_visible(actor, anchor_field, anchor):
        raise NotFound()
    _check_grant(actor, role, anchor_field, anchor)
    valid_from = valid_from or clock.today()
    if valid_until is not None and valid_until < valid_from:
        raise InvalidInput(ROLE_DATES_ORDER, field="valid_until")
    return _grant(actor, user, role, anchor_field, anchor, valid_from=valid_from, valid_until=valid_until)


def _grant(actor, user, role: str, anchor_field: str, anchor, *, valid_from: datetime.date,
           valid_until: datetime.date | None = None) -> RoleAssignment:
    assignment = RoleAssignment(
        user=user, role=role, valid_from=valid_from, valid_until=valid_until,
        **{anchor_field: anchor},
    )
    assignment.full_clean()
    assignment.save()
    audit_record(actor, AuditAction.ROLE_ASSIGN, assignment, after=snapshot(assignment))
    forget_scope(user)
    return assignment


@transaction.atomic
def role_revoke(actor, *, assignment_id: int) -> RoleAssignment:
    assignment = RoleAssignment.objects.select_for_update().filter(pk=assignment_id).first()
    if assignment is None or not _assignment_visible(actor, assignment):
        raise NotFound()
    _check_grant(actor, assignment.role, assignment.anchor_field, assignment.anchor)
    today = clock.today()
    if assignment.valid_until is not None and assignment.valid_until < today:
        raise WrongState(ROLE_ALREADY_REVOKED)
    before = snapshot(assignment)
    assignment.valid_until = today - datetime.timedelta(days=1)
    if assignment.valid_from > assignment.valid_until:
        assignment.valid_from = assignment.valid_until
    assignment.save(update_fields=["valid_until", "valid_from"])
    audit_record(actor, AuditAction.ROLE_REVOKE, assignment, before=before, after=snapshot(assignment))
    forget_scope(assignment.user)
    return assignment


@transaction.atomic
def person_link_user(actor, *, person_id: int, user_id: int):
    """Give a person a login (a resident registering, a cadre's account)."""
    person = Person.objects.select_for_update().filter(pk=person_id).first()
    user = get_user_model().objects.filter(pk=user_id).first()
    if person is None or user is None:
        raise NotFound()
    if actor is not None:
        _check_admin(actor, person.scope_ids())
    before = snapshot(person)
    person.user = user
    person.save(update_fields=["user"])
    audit_record(actor, AuditAction.PERSON_LINK_USER, person, before=before, after=snapshot(person))
    return person


@dataclass(frozen=True)
class OpenedAccount:
    """A new login: its name is the owner's mobile number; the first password is shown once, to hand
    over on paper or by text message, and is stored only as a hash."""

    person: Person
    username: str
    initial_password: str


@transaction.atomic
def account_open(actor, *, ownership_id: int) -> OpenedAccount:
    """Open a login for the owner of a current title, as owner of every unit they hold in that estate."""
    title = Ownership.objects.select_related("person").filter(pk=ownership_id).first()
    if title is None:
        raise NotFound()
    unit = _keeper_unit(actor, title.unit_id)  # whoever keeps the owners opens their logins
    person = Person.objects.select_for_update().get(pk=title.person_id)
    if title.until is not None:
        raise WrongState(OWNERSHIP_ENDED.format(until=title.until))
    if person.user_id is not None:
        raise WrongState(ACCOUNT_EXISTS.format(name=person.name, username=person.user.get_username()))
    username = re.sub(r"[\s-]", "", person.phone or "").removeprefix("+86")
    if not MOBILE.fullmatch(username):
        raise InvalidInput(ACCOUNT_NEEDS_PHONE.format(name=person.name), field="phone")
    users = get_user_model()
    if users.objects.filter(username=username).exists():
        raise WrongState(LOGIN_TAKEN.format(username=username))
    password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(FIRST_PASSWORD_LENGTH))
    user = users.objects.create_user(username=username, password=password, first_name=person.name[:150])
    before = snapshot(person)
    person.user = user
    person.save(update_fields=["user"])
    audit_record(actor, AuditAction.ACCOUNT_OPEN, person, before=before, after=snapshot(person))
    owned = places.Unit.objects.filter(estate_id=unit.estate_id, ownerships__person=person,
                                       ownerships__until__isnull=True).distinct()
    for home in owned:
        _grant(actor, user, Role.OWNER, "unit", home, valid_from=clock.today())
    return OpenedAccount(person=person, username=username, initial_password=password)


@transaction.atomic
def person_create(actor, *, name: str, phone: str = "", id_number: str = "", community_id: int | None = None):
    """A person not (yet) in any ledger: a cadre, a community worker, a tenant."""
    if actor is not None:
        _check_admin(actor, (None, community_id))
    if not (name or "").strip():
        raise InvalidInput("请填写姓名 / A name is required", field="name")
    person = Person.objects.create(name=name.strip(), phone=phone, id_number=id_number)
    audit_record(actor, AuditAction.PERSON_CREATE, person, after=snapshot(person), community_id=community_id)
    return person


@transaction.atomic
def residency_add(actor, *, person_id: int, unit_id: int, relation: str, since=None):
    if relation not in Relation.values:
        raise InvalidInput(f"未知关系：{relation} / Unknown relation", field="relation")
    person = Person.objects.filter(pk=person_id).first()
    unit = places.Unit.objects.select_related("estate").filter(pk=unit_id).first()
    if person is None or unit is None:
        raise NotFound()
    if actor is not None:
        _check_admin(actor, unit.scope_ids())
    residency = Residency.objects.create(person=person, unit=unit, relation=relation, since=since)
    audit_record(actor, AuditAction.RESIDENCY_ADD, residency, after=snapshot(residency))
    return residency


@transaction.atomic
def party_member_register(
    actor, *, person_id: int, status: str, work_unit: str = "", community_id: int | None = None,
    registered_on: datetime.date | None = None,
):
    """Record a party member and, for in-service members, their dual registration (双报到)."""
    if status not in MemberStatus.values:
        raise InvalidInput(f"未知党员状态：{status} / Unknown status", field="status")
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise NotFound()
    if actor is not None:
        _check_admin(actor, (None, community_id))
    member, _created = PartyMember.objects.update_or_create(
        person=person,
        defaults={"status": status, "work_unit": work_unit, "registered_community_id": community_id,
                  "registered_on": registered_on},
    )
    audit_record(actor, AuditAction.PARTY_MEMBER_REGISTER, member, after=snapshot(member), community_id=community_id)
    return member


# --- ownership: who owns a unit on a day --------------------------------------------------------------
def _keeper_unit(actor, unit_id: int, *, lock: bool = False):
    """The unit, if the actor may keep its owners: 404 out of sight, 403 without the role."""
    qs = places.Unit.objects.select_related("estate__community__subdistrict")
    if lock:
        qs = qs.select_for_update()
    unit = qs.filter(pk=unit_id).first()
    if unit is None:
        raise NotFound()
    if actor is not None and not rules.may_keep_ownership(actor, unit.estate):
        if unit.estate_id not in scope_for(actor).estate_ids():
            raise NotFound()
        raise PermissionDenied(rules.OWNERSHIP_NEEDS_KEEPER)
    return unit


def _not_future(day: datetime.date, field: str) -> datetime.date:
    if not isinstance(day, datetime.date):
        raise InvalidInput("日期格式不正确，请写作 YYYY-MM-DD / Write the date as YYYY-MM-DD", field=field)
    today = clock.today()
    if day > today:
        raise InvalidInput(OWNERSHIP_FUTURE.format(today=today), field=field)
    return day


def _end(actor, ownership: Ownership, until: datetime.date) -> None:
    if ownership.since is not None and until < ownership.since:
        raise InvalidInput(OWNERSHIP_BACKWARDS.format(since=ownership.since), field="until")
    ownership.until = until
    ownership.save(update_fields=["until"])
    _end_owner_role(actor, ownership, until)


def _start_owner_role(actor, ownership: Ownership) -> None:
    """A new owner who already has a login is the unit's owner from the title's first day."""
    user = ownership.person.user
    if user is None or RoleAssignment.objects.filter(user=user, role=Role.OWNER, unit_id=ownership.unit_id,
                                                     valid_until__isnull=True).exists():
        return
    _grant(actor, user, Role.OWNER, "unit", ownership.unit, valid_from=ownership.since or clock.today())


def _end_owner_role(actor, ownership: Ownership, until: datetime.date) -> None:
    """A former owner's login stops being the unit's owner on the title's last day."""
    user_id = ownership.person.user_id
    if user_id is None:
        return
    roles = RoleAssignment.objects.select_for_update().filter(
        user_id=user_id, role=Role.OWNER, unit_id=ownership.unit_id).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=until))
    for assignment in roles:
        before = snapshot(assignment)
        assignment.valid_until = until
        assignment.valid_from = min(assignment.valid_from, until)
        assignment.save(update_fields=["valid_until", "valid_from"])
        audit_record(actor, AuditAction.ROLE_REVOKE, assignment, before=before, after=snapshot(assignment))
        forget_scope(assignment.user)


def _check_no_overlap(unit, person: Person, since: datetime.date) -> None:
    clash = (Ownership.objects.filter(unit=unit, person=person)
             .filter(Q(until__isnull=True) | Q(until__gte=since)).order_by("since").first())
    if clash is not None:
        raise InvalidInput(OWNERSHIP_OVERLAP.format(name=person.name, since=since, start=clash.since or "—"),
                           field="person_id")


@transaction.atomic
def ownership_end(actor, *, ownership_id: int, until: datetime.date) -> Ownership:
    """End one title on `until` (the last day owned), e.g. when a co-owner leaves. Twice: 409."""
    ownership = Ownership.objects.select_for_update().filter(pk=ownership_id).select_related("person").first()
    if ownership is None:
        raise NotFound()
    _keeper_unit(actor, ownership.unit_id)
    if ownership.until is not None:
        raise WrongState(OWNERSHIP_ENDED.format(until=ownership.until))
    _not_future(until, "until")
    before = snapshot(ownership)
    _end(actor, ownership, until)
    audit_record(actor, AuditAction.OWNERSHIP_END, ownership, before=before, after=snapshot(ownership))
    return ownership


def _new_owner(actor, unit, *, person_id: int | None, name: str, phone: str) -> Person:
    if person_id is not None and (name or "").strip():
        raise InvalidInput(TRANSFER_ONE_OWNER, field="person_id")
    if person_id is not None:
        seen = Person.objects.all() if actor is None else scope_for(actor).persons()
        person = seen.filter(pk=person_id).first()
        if person is None:
            raise NotFound()
        return person
    name = clean_text(name, 100, TRANSFER_NO_OWNER, PERSON_NAME_TOO_LONG, field="name")
    phone = clean_text(phone, 20, field="phone")
    if phone and not all(c in "0123456789 +-" for c in phone):
        raise InvalidInput(PHONE_BAD, field="phone")
    person = Person.objects.create(name=name, phone=phone)
    audit_record(actor, AuditAction.PERSON_CREATE, person, after=snapshot(person), estate_id=unit.estate_id,
                 community_id=unit.estate.community_id)
    return person


@transaction.atomic
def ownership_start(
    actor, *, unit_id: int, since: datetime.date, person_id: int | None = None, name: str = "", phone: str = "",
) -> Ownership:
    """A co-owner's title starts on `since` beside the current owners (a registered person or a new one)."""
    unit = _keeper_unit(actor, unit_id, lock=True)
    _not_future(since, "since")
    person = _new_owner(actor, unit, person_id=person_id, name=name, phone=phone)
    _check_no_overlap(unit, person, since)
    ownership = Ownership.objects.create(unit=unit, person=person, since=since)
    audit_record(actor, AuditAction.OWNERSHIP_START, ownership, after=snapshot(ownership))
    _start_owner_role(actor, ownership)
    return ownership


@transaction.atomic
def ownership_transfer(
    actor, *, unit_id: int, on: datetime.date, person_id: int | None = None, name: str = "", phone: str = "",
) -> Ownership:
    """过户: every current title of the unit ends the day before `on`; the new owner's starts on `on`."""
    unit = _keeper_unit(actor, unit_id, lock=True)
    _not_future(on, "on")
    current = list(Ownership.objects.select_for_update().filter(unit=unit, until__isnull=True)
                   .select_related("person").order_by("pk"))
    for title in current:
        if title.since is not None and title.since >= on:
            raise InvalidInput(TRANSFER_BEFORE_TITLE.format(name=title.person.name, since=title.since), field="on")
    person = _new_owner(actor, unit, person_id=person_id, name=name, phone=phone)
    if any(title.person_id == person.pk for title in current) and len(current) == 1:
        raise InvalidInput(TRANSFER_TO_SELF.format(name=person.name), field="person_id")
    before = {"owners": [snapshot(t) for t in current]}
    last_day = on - datetime.timedelta(days=1)
    for title in current:
        _end(actor, title, last_day)
    _check_no_overlap(unit, person, on)
    ownership = Ownership.objects.create(unit=unit, person=person, since=on)
    audit_record(actor, AuditAction.OWNERSHIP_TRANSFER, ownership, before=before,
                 after={"owners": [snapshot(ownership)], "on": on.isoformat()})
    _start_owner_role(actor, ownership)
    return ownership
