"""The audit trail: every service function calls audit_record inside its transaction."""

import datetime
import decimal

from django.db import models
from django.db.models.fields.files import FieldFile

from gongzhi.core.models import AuditEntry


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
        action=action,
        subject_type=f"{meta.app_label}.{meta.model_name}",
        subject_id=str(subject.pk or ""),
        subject_repr=str(subject)[:200],
        estate_id=estate_id,
        community_id=community_id,
        before=before,
        after=after,
    )
