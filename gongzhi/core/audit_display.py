"""The audit trail as people read it: a subject type by its model's Chinese name, and a row's change as
one line per changed field — the field's label, the value before and after, written humanly (是/否,
a choice by its label, fen as 元, instants in local time).

The stored before/after stay as they were written (JSON of attnames and values, core.audit.snapshot);
this only reads them.
"""

import datetime
import re
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.money import yuan
from gongzhi.core.registry import CJK, approval_kind, model_label
from gongzhi.core.roles import Role

NOTHING = "—"
# Keys services write beside a snapshot's fields (core.audit callers' `after={...}`), by their meaning.
EXTRA_LABELS = {
    "reason": _("原因"), "memo": _("摘要"), "amount": _("金额"), "count": _("数量"), "rows": _("行数"),
    "added": _("新增条数"), "month": _("月份"), "bills": _("账单数"), "bill": _("账单"), "file": _("文件"),
    "seal": _("印章"), "transaction": _("凭证"), "approval": _("审批单"), "outcome": _("结果"),
    "level": _("层级"), "approved": _("同意"), "step": _("步骤"), "meeting_id": _("会议"),
    "members": _("成员"), "term_start": _("任期开始"), "term_end": _("任期结束"), "start": _("开始"),
    "end": _("结束"), "party": _("签署方"), "signer": _("签署人"), "on_behalf": _("代为签署"),
    "reference": _("文号"), "document": _("附件"), "findings": _("审计意见"), "custodian": _("保管人"),
    "from": _("原保管人"), "receipt": _("收据号"), "method": _("收款方式"), "reversal": _("冲销凭证"),
    "lines": _("分录"), "pairs": _("对账配对"), "property_service": _("物业服务"), "rate": _("费率"),
    "unit_kind": _("房屋类别"), "effective_from": _("生效日期"), "department": _("部门"),
    "note": _("说明"), "comment": _("意见"), "status": _("状态"), "name": _("名称"), "title": _("标题"),
    "created_at": _("创建时间"), "updated_at": _("更新时间"), "signed_at": _("签署时间"), "decided_at": _("决定时间"),
    "position": _("顺序"), "role": _("角色"), "roles": _("签署角色"), "kind": _("类别"), "estate_id": _("小区"), "user_id": _("用户"),
    "subject_type": _("关联对象类型"), "subject_type_id": _("关联对象类型"), "subject_id": _("关联对象编号"),
}
ROLE_KEYS = frozenset({"role", "roles"})  # values are core.roles.Role codes
# A value under these keys, outside a model field that says so, is a sum in fen (core.money).
MONEY_KEYS = frozenset({"amount", "paid", "debit", "credit"})
def _approval_kind(kind) -> str:
    declared = approval_kind(str(kind))
    return str(declared.label) if declared is not None else str(kind)


# Values whose names live outside their field's choices.
VALUE_LABELS = {("core.approval", "kind"): _approval_kind}
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_MISSING = object()


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    before: str
    after: str


def subject_model(subject_type: str):
    """The model an audit row's subject_type ("core.approvalsignature") names, or None."""
    try:
        return apps.get_model(subject_type)
    except (LookupError, ValueError):
        return None


def subject_type_label(subject_type: str) -> str:
    model = subject_model(subject_type)
    return model_label(model) if model is not None else subject_type


def subject_types() -> list[tuple[str, str]]:
    """Every kind of record the trail can name (the project's models and the login), by Chinese name."""
    user = apps.get_model("auth", "User") if apps.is_installed("django.contrib.auth") else None
    found = [m for m in apps.get_models() if m.__module__.startswith("gongzhi.") or m is user]
    return sorted(((m._meta.label_lower, model_label(m)) for m in found), key=lambda pair: pair[1])


def _blank(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def changed_keys(before: dict | None, after: dict | None) -> list[str]:
    """The keys a row changed: for an edit, those of `after` whose value differs from `before`; for a
    creation or a deletion (one side absent), every key with a value. Read from the values as stored,
    before masking (two phones masked alike may still differ). The row's own id is its subject number."""
    if before and after:
        keys = [key for key in after if before.get(key, _MISSING) != after[key]]
    else:
        keys = [key for key, value in (after or before or {}).items() if not _blank(value)]
    return [key for key in keys if key != "id"]


def _fields(subject_type: str) -> dict:
    model = subject_model(subject_type)
    fields = {}
    if model is not None:
        for field in model._meta.concrete_fields:
            fields[field.name] = fields[field.attname] = field
    return fields


def references(subject_type: str, keys: list[str], before: dict | None, after: dict | None) -> set[tuple[str, int]]:
    """The (model label, id) pairs of the changed values that point at a login or an estate (signer_id,
    estate_id), so a page's worth of them is named in one query each (see `change_rows`)."""
    fields, found = _fields(subject_type), set()
    for key in keys:
        target = _reference_model(fields.get(key))
        for side in (before or {}, after or {}):
            if target and isinstance(side.get(key), int) and not isinstance(side.get(key), bool):
                found.add((target, side[key]))
    return found


ESTATE = "places.estate"


def user_label() -> str:
    return get_user_model()._meta.label_lower


def _reference_model(field) -> str:
    """The login model's or the estate's label when the field points at one, else ""."""
    if field is None or not field.is_relation or field.related_model is None:
        return ""
    label = field.related_model._meta.label_lower
    return label if label in (ESTATE, user_label()) else ""


def change_rows(subject_type: str, keys: list[str], before: dict | None, after: dict | None,
                names: dict | None = None) -> list[Change]:
    """The changed keys as rows of a before/after table, with the subject model's field labels; `names`
    maps (model label, id) from `references` to what people call it."""
    fields, names = _fields(subject_type), names or {}
    before, after = before or {}, after or {}
    rows = []
    for key in keys:
        field = fields.get(key)
        target = _reference_model(field)

        def shown(value, field=field, key=key, target=target):
            if target and (target, value) in names:
                return names[(target, value)]
            return value_text(value, key, field, subject_type)

        rows.append(Change(key, field_label(key, field), shown(before.get(key)), shown(after.get(key))))
    return rows


def _in_fen(key: str, field) -> bool:
    if field is not None:
        return "（分" in str(field.verbose_name)
    return key in MONEY_KEYS


def field_label(key: str, field) -> str:
    label = str(field.verbose_name) if field is not None else ""
    if not CJK.search(label):  # no field, or one without a Chinese label ("signed at")
        return str(EXTRA_LABELS.get(key, EXTRA_LABELS.get(getattr(field, "name", key), label or key)))
    return label.replace("（分）", "").replace("（分/", "（元/")  # the value is shown in 元


def value_text(value, key: str, field=None, subject_type: str = "") -> str:
    """One recorded value as people read it."""
    if value is None or value == "":
        return NOTHING
    if (subject_type, key) in VALUE_LABELS:
        return VALUE_LABELS[(subject_type, key)](value)
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if field is not None and field.choices:
        labels = {str(code): label for code, label in field.flatchoices}
        if str(value) in labels:
            return str(labels[str(value)])
    if isinstance(value, int) and _in_fen(key, field):
        per = field is not None and "（分/" in str(field.verbose_name)  # a rate: its label says 元/m²/月
        return yuan(value) if per else f"{yuan(value)} 元"
    if isinstance(value, str) and _INSTANT.match(value):
        return _instant(value)
    if key in ROLE_KEYS and isinstance(value, str) and value in Role.values:
        return str(Role(value).label)
    if isinstance(value, list | tuple):
        return "；".join(" ".join(value_text(v, "") for v in item) if isinstance(item, list | tuple)
                        else value_text(item, key) for item in value) or NOTHING
    if isinstance(value, dict):
        return "，".join(f"{EXTRA_LABELS.get(k, k)}：{value_text(v, k)}" for k, v in value.items()) or NOTHING
    return str(value)


def _instant(text: str) -> str:
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        return text
    return clock.stamp(clock.aware(when), "%Y-%m-%d %H:%M:%S")
