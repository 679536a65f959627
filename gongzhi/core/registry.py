"""What the apps declare to the kernel, each in its AppConfig.ready() — never as an import side effect:

- approval kinds: `register_approval_kind(kind, label, on_decided=...)`. When the last signature or a
  rejection decides an approval, the kind's `on_decided(approval)` runs inside the deciding
  transaction, so the subject (an expense, a seal use) changes state together with its approval.
  This is the one pattern for "the subject was decided". Unknown kinds are refused at creation.
- audit actions: `register_audit_actions(choices)` with a TextChoices of "<subject>.<verb>" codes and
  Chinese labels, so the audit trail can name every action. `DomainApp` does this for every app
  from its `choices.AuditAction`; an app overrides `declare()` for the rest.
"""

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from django.apps import AppConfig
from django.db import models
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ApprovalKind:
    kind: str
    label: str
    on_decided: Callable | None = None


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
        return f"{_BACK_OFFICE_VERBS[verb]}：{subject}"
    return action


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
