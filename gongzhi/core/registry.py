"""What the apps declare to the kernel, each in its AppConfig.ready() — never as an import side effect:

- approval kinds: `register_approval_kind(kind, label, on_decided=...)`. When the last signature or a
  rejection decides an approval, the kind's `on_decided(approval)` runs inside the deciding
  transaction, so the subject (an expense, a seal use) changes state together with its approval.
  This is the one pattern for "the subject was decided". Unknown kinds are refused at creation.
- audit actions: `register_audit_actions(choices)` with a TextChoices of "<subject>.<verb>" codes and
  Chinese labels, so the audit trail can name every action. `DomainApp` does this for every app
  from its `choices.AuditAction`; an app overrides `declare()` for the rest.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from django.apps import AppConfig, apps
from django.db import models
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ApprovalKind:
    kind: str
    label: str
    on_decided: Callable | None = None


# "Something was completed" (an order done, a visit made): the completing service calls `completed(kind,
# subject, actor=)` inside its transaction and each listener registered for that kind runs there too
# (party: the points it earns). The completing app need not know who listens.
_completion_listeners: dict[str, list[Callable]] = {}


def on_completed(kind: str, listener: Callable) -> None:
    listeners = _completion_listeners.setdefault(kind, [])
    if listener not in listeners:
        listeners.append(listener)


def completed(kind: str, subject, *, actor) -> None:
    for listener in _completion_listeners.get(kind, ()):
        listener(subject, actor=actor)


# "Which version of this rule is in force here?": the rules library (grid) answers; apps below it that
# enforce a rule (finance's seal signatories, reviews' 九不准) ask through here and record the answer,
# so an enforced rule names the version it followed. With no library registered the answer is None.
@dataclass(frozen=True)
class RuleInForce:
    version_id: int
    label: str  # 《义乌城印章管理制度》第2版（2026-03-01施行）
    url: str


_rule_sources: list[Callable] = []


def register_rule_source(source: Callable) -> None:
    """`source(kind, estate, day) -> RuleInForce | None` for a rule kind of the rules library."""
    if source not in _rule_sources:
        _rule_sources.append(source)


def rule_in_force(kind: str, estate, day) -> RuleInForce | None:
    for source in _rule_sources:
        found = source(kind, estate, day)
        if found is not None:
            return found
    return None


# "What should an election's reviewer know about this candidate?": apps above votes (reviews: confirmed
# 九不准 breaches) register a provider; the eligibility review (两讲两有) shows every note it returns.
@dataclass(frozen=True)
class CandidateNote:
    text: str
    day: datetime.date
    url: str = ""


_candidate_note_providers: list[Callable] = []


def register_candidate_notes(provider: Callable) -> None:
    """`provider(person, estate, day) -> list[CandidateNote]`."""
    if provider not in _candidate_note_providers:
        _candidate_note_providers.append(provider)


def candidate_notes(person, estate, day) -> list[CandidateNote]:
    notes = [note for provider in _candidate_note_providers for note in provider(person, estate, day)]
    return sorted(notes, key=lambda n: n.day)


_approval_kinds: dict[str, ApprovalKind] = {"general": ApprovalKind("general", _("一般审批"))}
_audit_labels: dict[str, str] = {}


def register_approval_kind(kind: str, label, *, on_decided: Callable | None = None) -> None:
    _approval_kinds[kind] = ApprovalKind(kind, label, on_decided)


def approval_kind(kind: str) -> ApprovalKind | None:
    return _approval_kinds.get(kind)


def approval_kinds() -> list[ApprovalKind]:
    return list(_approval_kinds.values())


def register_audit_actions(choices: type[models.TextChoices]) -> None:
    for value, label in choices.choices:
        if value in _audit_labels and str(_audit_labels[value]) != str(label):
            raise ValueError(f"audit action {value} is declared twice with different labels")
        _audit_labels[value] = label


# Back-office edits (core.services.record_save / record_delete) record "<model>.<verb>" for any model.
_BACK_OFFICE_VERBS = {"create": _("后台新建"), "update": _("后台修改"), "delete": _("后台删除")}


def audit_action_label(action: str) -> str:
    """The action's name in the reader's language; an undeclared code shows as itself."""
    label = _audit_labels.get(action)
    if label is not None:
        return str(label)
    subject, _dot, verb = action.rpartition(".")
    if verb in _BACK_OFFICE_VERBS and subject:
        return f"{_BACK_OFFICE_VERBS[verb]}：{_model_verbose_name(subject)}"
    under = [str(label) for code, label in sorted(_audit_labels.items()) if code.startswith(f"{action}.")]
    if under:  # the part before the dot: every action on one kind of record (the trail's filter)
        named = _model_verbose_name(action.replace("_", ""))
        whose = named if named != action.replace("_", "") else "、".join(under[:3]) + ("等" if len(under) > 3 else "")
        return _("全部操作：%(whose)s") % {"whose": whose}
    return action


def audit_action_known(action: str) -> bool:
    """Whether the trail may hold rows of this action: a declared code, the part before the dot of one
    ("approval": every action on approvals), or a back-office edit of a model (grid.update, or grid)."""
    if action in _audit_labels or any(code.startswith(f"{action}.") for code in _audit_labels):
        return True
    subject, _dot, verb = action.rpartition(".")
    if not subject:
        subject, verb = action, "update"
    return verb in _BACK_OFFICE_VERBS and _model_verbose_name(subject) != subject


def _model_verbose_name(model_name: str) -> str:
    """A back-office action names its model by model_name ("grid"): the model's Chinese name (网格)."""
    found = next((m for m in apps.get_models() if m._meta.model_name == model_name), None)
    return model_label(found) if found is not None else model_name


def audit_actions() -> dict[str, str]:
    return dict(_audit_labels)


class DomainApp(AppConfig):
    """An app of the project. On ready() the kernel learns the app's audit actions (its
    `choices.AuditAction`), then the app's `declare()` registers anything else: approval kinds,
    deadline terms, record hooks. Both run once the app registry is ready, which is why `declare()`
    imports the app's services inside itself."""

    # Django takes the one AppConfig an apps.py offers by default: this base, imported there, is not one.
    default = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.default = True

    def ready(self):
        register_audit_actions(import_module(f"{self.name}.choices").AuditAction)
        self.declare()

    def declare(self) -> None:
        """Register the app's approval kinds and terms (none by default)."""


# --- the names of models, as the audit trail shows them ------------------------------------------------
# Models that do not (yet) carry a Chinese verbose_name, named here so the trail never shows "seal use";
# a model's own Chinese verbose_name wins, and any other model is named after its app (…记录).
MODEL_NAMES = {
    "core.notification": _("站内通知"), "notices.noticeread": _("公示阅读记录"), "notices.logstate": _("透明日志状态"),
    "notices.lognode": _("透明日志节点"), "votes.rollentry": _("表决名册"), "votes.ballot": _("选票"),
    "votes.reminder": _("投票提醒"), "votes.candidate": _("候选人"), "votes.selection": _("选举选择"),
    "votes.answer": _("征询答复"), "votes.article": _("条款"), "votes.articlecomment": _("条款意见"),
    "meetings.attendance": _("出席记录"), "meetings.matterstep": _("议题步骤"), "meetings.decision": _("议定事项"),
    "meetings.actionitem": _("行动事项"), "meetings.bid": _("报价"), "meetings.deliveryitem": _("交付事项"),
    "meetings.invitation": _("会议邀请"), "meetings.minutesapproval": _("纪要确认"), "finance.entry": _("分录"),
    "finance.sealuse": _("用印申请"), "finance.bankline": _("银行流水"), "finance.auditperiod": _("三审期间"),
    "finance.auditsignoff": _("三审签署"), "finance.accountabilitycase": _("问责案件"),
    "finance.receiptsequence": _("收据编号"), "finance.fundapplication": _("维修资金使用申请"),
    "finance.fundreview": _("维修资金联审"), "requests.orderoffer": _("接单申请"),
}
CJK = re.compile(r"[\u4e00-\u9fff]")


def model_label(model) -> str:
    """A model's name as the trail shows it: its Chinese verbose_name, else one given here, else its app's."""
    own = str(model._meta.verbose_name)
    if CJK.search(own):
        return own
    if model._meta.label_lower in MODEL_NAMES:
        return str(MODEL_NAMES[model._meta.label_lower])
    app = str(apps.get_app_config(model._meta.app_label).verbose_name)
    return f"{app}记录" if CJK.search(app) else own
