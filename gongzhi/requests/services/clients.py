"""Open311 clients: an API key for one jurisdiction (subdistrict), stored hashed."""

from django.db import transaction

from gongzhi.core.audit import audit_record
from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.core.text import clean_text
from gongzhi.places.models import Subdistrict
from gongzhi.requests.choices import AuditAction
from gongzhi.requests.models import Open311Key
from gongzhi.requests.rules import may_issue_keys
from gongzhi.requests.services.common import DESCRIPTION_TOO_LONG

NAME_REQUIRED = "请填写使用方名称 / Name the client"


def open311_key_issue(actor, *, jurisdiction: str, name: str, raw: str) -> Open311Key:
    """An Open311 client's key for a subdistrict (administrators or the CLI)."""
    if not may_issue_keys(actor):
        raise PermissionDenied()
    subdistrict = Subdistrict.objects.filter(code=jurisdiction).exclude(code="").first()
    if subdistrict is None:
        raise NotFound(f"未知的街道代码：{jurisdiction} / Unknown jurisdiction")
    name = clean_text(name, 100, NAME_REQUIRED, DESCRIPTION_TOO_LONG)
    with transaction.atomic():
        key = Open311Key.objects.create(name=name, key_hash=Open311Key.hash(raw), subdistrict=subdistrict)
        audit_record(actor, AuditAction.OPEN311_KEY_ISSUE, key, after={"name": name, "subdistrict": subdistrict.pk})
    return key
