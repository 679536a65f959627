"""Meetings and matters in the back office: read-only (steps are recorded through their procedure);
a community's own procedure variants are edited here."""

from django.contrib import admin

from gongzhi.core.admin_base import ReadOnlyScopedAdmin, ScopedAdmin
from gongzhi.meetings.models import Matter, Meeting, MeetingTypeConfig, ProcedureTemplate


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyScopedAdmin):
    list_display = ["title", "kind", "estate", "scheduled_at", "status"]
    list_filter = ["kind", "status"]
    list_select_related = ["estate"]
    exclude = ["agenda"]

    def scoped(self, scope, qs):
        return qs.filter(estate__in=scope.estates())


@admin.register(Matter)
class MatterAdmin(ReadOnlyScopedAdmin):
    list_display = ["title", "estate", "major", "status", "created_at"]
    list_filter = ["major", "status"]
    list_select_related = ["estate"]

    def scoped(self, scope, qs):
        return qs.filter(estate__in=scope.estates())


@admin.register(ProcedureTemplate)
class ProcedureTemplateAdmin(ScopedAdmin):
    list_display = ["community", "code"]

    def scoped(self, scope, qs):
        return qs.filter(community__in=scope.communities())


@admin.register(MeetingTypeConfig)
class MeetingTypeConfigAdmin(ScopedAdmin):
    list_display = ["community", "code", "name", "rule", "joint"]

    def scoped(self, scope, qs):
        return qs.filter(community__in=scope.communities())
