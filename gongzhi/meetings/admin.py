"""Meetings and matters in the back office: read-only (steps are recorded through their procedure);
a community's own procedure variants are edited here."""

from django.contrib import admin

from gongzhi.core.admin_base import ReadOnlyScopedAdmin, ScopedAdmin
from gongzhi.meetings.models import Matter, Meeting, MeetingTypeConfig, ProcedureTemplate
from gongzhi.meetings.selectors import visible_matters, visible_meetings


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyScopedAdmin):
    list_display = ["title", "kind", "place_name", "scheduled_at", "status"]
    list_filter = ["kind", "status"]
    list_select_related = ["estate", "community", "subdistrict", "district"]
    exclude = ["agenda", "units"]

    def scoped(self, scope, qs):
        return qs.filter(visible_meetings(scope.user, scope))


@admin.register(Matter)
class MatterAdmin(ReadOnlyScopedAdmin):
    list_display = ["title", "place_name", "major", "status", "created_at"]
    list_filter = ["major", "status"]
    list_select_related = ["estate", "community", "subdistrict", "district"]
    exclude = ["concerns"]

    def scoped(self, scope, qs):
        return qs.filter(visible_matters(scope.user, scope))


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
