"""Back-office admin, scoped like everything else.

Only administrators (and superusers) get in; every list and change page is filtered through the
scope, so another estate's row answers exactly like a missing one; saves and deletes go through
core.services.record_save / record_delete, which check the scope and write the audit trail.
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from gongzhi.core.admin_base import ReadOnlyScopedAdmin, ScopedAdmin
from gongzhi.core.errors import GongzhiError
from gongzhi.core.models import Approval, ApprovalSignature, AuditEntry, CalendarDay, LoginFailure
from gongzhi.core.roles import AUDIT_ROLES, Role
from gongzhi.core.rules import may_edit_calendar
from gongzhi.core.scoping import scope_for
from gongzhi.core.selectors import audit_out
from gongzhi.core.services import account_unlock, calendar_day_delete, calendar_day_set

# Chinese here, English from the catalogue: a bilingual msgid would repeat its placeholders.
UNLOCKED = _("已解除 {count} 个账号的锁定")
UNLOCK_NO_ACCOUNT = _("“{name}”不是任何账号的登录名，无需解锁")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyScopedAdmin):
    list_display = ["at", "actor_name", "action", "subject_type", "subject_id", "subject_repr"]
    fields = ["at", "actor_name", "actor_role", "action", "subject_type", "subject_id", "subject_repr", "estate_id",
              "community_id", "before", "after"]
    readonly_fields = fields
    list_filter = ["action", "subject_type"]
    search_fields = ["actor_name", "subject_repr", "action"]
    date_hierarchy = "at"

    def scoped(self, scope, qs):
        return qs.filter(pk__in=scope.audit_entries().values("pk"))

    def has_module_permission(self, request):
        scope = scope_for(request.user)
        return request.user.is_active and request.user.is_staff and scope.has_any(AUDIT_ROLES)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            audit_out(fetched_by=request.user, entries=[obj])  # masks before/after for this viewer
        return obj


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyScopedAdmin):
    """Approvals are decided in the inbox (services), never edited here."""

    list_display = ["title", "estate", "status", "created_by", "created_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["estate", "created_by"]

    def scoped(self, scope, qs):
        return qs.filter(pk__in=scope.approvals().values("pk"))


@admin.register(ApprovalSignature)
class ApprovalSignatureAdmin(ReadOnlyScopedAdmin):
    list_display = ["approval", "role", "decision", "signer", "signed_at"]
    list_select_related = ["approval", "signer"]

    def scoped(self, scope, qs):
        return qs.filter(approval__in=scope.approvals().values("pk"))


@admin.register(CalendarDay)
class CalendarDayAdmin(ScopedAdmin):
    """Days the administrators add or correct over the official schedule (one calendar for the
    whole deployment), written through the calendar services."""

    list_display = ["day", "kind", "name", "entered_by", "entered_at"]
    list_filter = ["kind"]
    fields = ["day", "kind", "name"]
    date_hierarchy = "day"

    def scoped(self, scope, qs):
        return qs

    def _is_admin(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and may_edit_calendar(request.user)

    def save_model(self, request, obj, form, change):
        if change and "day" in form.changed_data:
            calendar_day_delete(request.user, day=form.initial["day"])
        calendar_day_set(request.user, day=obj.day, kind=obj.kind, name=obj.name)

    def delete_model(self, request, obj):
        calendar_day_delete(request.user, day=obj.day)


@admin.register(LoginFailure)
class LoginFailureAdmin(ReadOnlyScopedAdmin):
    """Failed logins (kept for the lockout window; `gongzhi logins_prune` deletes older ones). Read-only;
    the action unlocks the accounts of the chosen rows through core.services.account_unlock, which checks
    that the administrator reaches each account and writes the audit trail."""

    list_display = ["username", "address", "at"]
    search_fields = ["username", "address"]
    date_hierarchy = "at"
    actions = ["unlock_accounts"]

    def scoped(self, scope, qs):
        """An administrator sees the failures of the logins they reach (names of no account: root only)."""
        reached = scope.only([Role.ADMINISTRATOR]).persons().filter(user__isnull=False)
        names = get_user_model().objects.filter(person__in=reached).annotate(key=Lower("username")).values("key")
        return qs.filter(username__in=names)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_unlock_permission(self, request):
        return self._is_admin(request)

    @admin.action(description=_("解除所选记录对应账号的锁定"), permissions=["unlock"])
    def unlock_accounts(self, request, queryset):
        users = get_user_model().objects
        unlocked = 0
        for name in sorted(set(queryset.values_list("username", flat=True))):
            user = users.filter(username__iexact=name).first()
            if user is None:
                messages.warning(request, UNLOCK_NO_ACCOUNT.format(name=name))
                continue
            try:
                account_unlock(request.user, user_id=user.pk)
            except GongzhiError as exc:
                messages.error(request, f"{name}: {exc.message}")
            else:
                unlocked += 1
        if unlocked:
            messages.success(request, UNLOCKED.format(count=unlocked))
