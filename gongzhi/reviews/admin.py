"""Holding service to account in the back office: read-only lists (every write goes through the services)."""

from django.contrib import admin

from gongzhi.core.admin_base import ReadOnlyScopedAdmin
from gongzhi.reviews.models import Evaluation, Interview, ListEntry, Rectification


class ReadOnly(ReadOnlyScopedAdmin):
    """Rows of the estates the administrator's roles cover, never another's."""

    estate_path = "estate"

    def scoped(self, scope, qs):
        return qs.filter(**{f"{self.estate_path}__in": scope.estates()})


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnly):
    list_display = ("title", "estate", "company", "kind", "status", "score")
    list_filter = ("kind", "status")


@admin.register(Interview)
class InterviewAdmin(ReadOnly):
    list_display = ("company", "estate", "held_on", "reason", "status")
    list_filter = ("reason", "status")


@admin.register(Rectification)
class RectificationAdmin(ReadOnly):
    estate_path = "interview__estate"
    list_display = ("commitment", "interview", "due_at", "status")
    list_filter = ("status",)


@admin.register(ListEntry)
class ListEntryAdmin(ReadOnly):
    list_display = ("unit", "estate", "kind", "status", "objection_until", "listed_until")
    list_filter = ("kind", "status")
