"""The audit trail: every service function calls audit_record inside its transaction.

Each row also records the roles its actor held over the row's estate or community at that moment
(`actor_role`), so that the trail still says in which capacity someone acted after their roles change.
"""

import datetime
import decimal
from dataclasses import dataclass

from django.db import models
from django.db.models.fields.files import FieldFile

from gongzhi.core.models import AuditEntry
from gongzhi.core.roles import Role
from gongzhi.core.scoping import scope_for
from gongzhi.places.models import Community, Estate

_ROLE_ORDER = {role: index for index, role in enumerate(Role.values)}


def _jsonable(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict:
    """The concrete field values of a row, JSON-ready, for before/after columns."""
    result = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        result[field.attname] = _jsonable(getattr(instance, field.attname))
    return result


@dataclass(frozen=True)
class Place:
    """Where an audit row is filed, with the places above it (what a role assignment may be anchored at)."""

    estate_id: int | None = None
    community_id: int | None = None
    grid_id: int | None = None
    subdistrict_id: int | None = None
    district_id: int | None = None


ESTATE_PLACE = ("pk", "community_id", "grid_id", "community__subdistrict_id", "community__subdistrict__district_id")
COMMUNITY_PLACE = ("pk", "subdistrict_id", "subdistrict__district_id")


def estate_place(row: dict) -> Place:
    """A Place from a row of Estate.values(*ESTATE_PLACE)."""
    return Place(row["pk"], row["community_id"], row["grid_id"], row["community__subdistrict_id"],
                 row["community__subdistrict__district_id"])


def community_place(row: dict) -> Place:
    """A Place from a row of Community.values(*COMMUNITY_PLACE)."""
    return Place(None, row["pk"], None, row["subdistrict_id"], row["subdistrict__district_id"])


def place_of(estate_id: int | None, community_id: int | None) -> Place:
    if estate_id is not None:
        row = Estate.objects.filter(pk=estate_id).values(*ESTATE_PLACE).first()
        if row is not None:
            return estate_place(row)
    if community_id is not None:
        row = Community.objects.filter(pk=community_id).values(*COMMUNITY_PLACE).first()
        if row is not None:
            return community_place(row)
    return Place()


def _covers(a, place: Place) -> bool:
    """Does the role assignment `a` (with building_estate_id, unit_estate_id, as the scope reads them)
    reach this place? The rule of Scope.covers, for an estate or a whole community."""
    here = place.estate_id
    return bool(
        (a.district_id and a.district_id == place.district_id)
        or (a.subdistrict_id and a.subdistrict_id == place.subdistrict_id)
        or (a.community_id and a.community_id == place.community_id)
        or (here and a.grid_id and a.grid_id == place.grid_id)
        or (here and a.estate_id == here)
        or (here and a.building_id and getattr(a, "building_estate_id", None) == here)
        or (here and a.unit_id and getattr(a, "unit_estate_id", None) == here)
    )


def roles_at(assignments, place: Place) -> list[str]:
    """The roles of these assignments that reach the place, in the order of core.roles.Role; when none
    does (a row filed nowhere, or above every anchor), all of them: the capacities the actor had."""
    covering = {a.role for a in assignments if _covers(a, place)} or {a.role for a in assignments}
    return sorted(covering, key=lambda role: _ROLE_ORDER.get(role, len(_ROLE_ORDER)))


def _actor_role(actor, estate_id: int | None, community_id: int | None) -> str:
    if actor is None or not actor.pk:
        return ""
    assignments = scope_for(actor).assignments
    if not assignments:
        return ""
    return ",".join(roles_at(assignments, place_of(estate_id, community_id)))[:200]


def audit_record(
    actor,
    action: str,
    subject: models.Model,
    *,
    before: dict | None = None,
    after: dict | None = None,
    estate_id: int | None = None,
    community_id: int | None = None,
) -> AuditEntry:
    """Append one audit row. `actor` None means the system (CLI, demo loader, seed).

    The row is filed under the subject's estate and community (its scope_ids) unless the caller
    names them, so that the scope filter can show it to the right supervisors.
    """
    if estate_id is None and community_id is None and hasattr(subject, "scope_ids"):
        estate_id, community_id = subject.scope_ids()
    meta = subject._meta
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor.get_username() if actor is not None else "system",
        actor_role=_actor_role(actor, estate_id, community_id),
        action=action,
        subject_type=f"{meta.app_label}.{meta.model_name}",
        subject_id=str(subject.pk or ""),
        subject_repr=str(subject)[:200],
        estate_id=estate_id,
        community_id=community_id,
        before=before,
        after=after,
    )
