"""Back-office admin, scoped like everything else.

Only administrators (and superusers) get in; every list and change page is filtered through the
scope, so another estate's row answers exactly like a missing one; saves and deletes go through
core.services.record_save / record_delete, which check the scope and write the audit trail.
"""

from django.contrib import admin

from gongzhi.core.admin_base import ReadOnlyScopedAdmin, ScopedAdmin
from gongzhi.core.models import Approval, ApprovalSignature, AuditEntry, CalendarDay
from gongzhi.core.roles import AUDIT_ROLES
from gongzhi.core.rules import may_edit_calendar
from gongzhi.core.scoping import scope_for
from gongzhi.core.selectors import audit_out
from gongzhi.core.services import calendar_day_delete, calendar_day_set


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyScopedAdmin):
    list_display = ["at", "actor_name", "action", "subject_type", "subject_id", "subject_repr"]
    fields = ["at", "actor_name", "action", "subject_type", "subject_id", "subject_repr", "estate_id",
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
