"""Writes of people data: role assignments. (Ledger import lives in places.ledger.)"""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from gongzhi.core import clock
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied
from gongzhi.core.roles import Role
from gongzhi.core.scoping import forget_scope
from gongzhi.people import rules
from gongzhi.people.choices import AuditAction
from gongzhi.people.models import ANCHOR_FIELDS, MemberStatus, PartyMember, Person, Relation, Residency, RoleAssignment
from gongzhi.places import models as places

ROLE_UNKNOWN = "未知角色：{role} / Unknown role: {role}"
ANCHOR_UNKNOWN = "未知的挂靠层级：{field} / Unknown anchor level: {field}"
ROLE_ALREADY_REVOKED = "该角色授权已失效 / This role assignment has already ended"

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
    if anchor is None or user is None:
        raise NotFound()
    if actor is not None:
        _check_admin(actor, anchor.scope_ids())
    assignment = RoleAssignment(
        user=user, role=role, valid_from=valid_from or clock.today(), valid_until=valid_until,
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
    if assignment is None:
        raise NotFound()
    scope_ids = assignment.scope_ids()
    if actor is not None:
        _check_admin(actor, scope_ids)
    today = clock.today()
    if assignment.valid_until is not None and assignment.valid_until < today:
        raise InvalidInput(ROLE_ALREADY_REVOKED)
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
