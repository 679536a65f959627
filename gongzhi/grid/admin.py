"""Grid work in the back office: patrol plans and patrols, read-only. The special-population register
is deliberately absent: it is read only through its pages, where each read is audited."""

from django.contrib import admin

from gongzhi.core.admin_base import ReadOnlyScopedAdmin
from gongzhi.grid.models import MissedPatrol, Patrol, PatrolPlan
from gongzhi.grid.rules import PATROL_READER_ROLES


class _EstateScoped(ReadOnlyScopedAdmin):
    def scoped(self, scope, qs):
        return qs.filter(estate__in=scope.estates(PATROL_READER_ROLES))


@admin.register(PatrolPlan)
class PatrolPlanAdmin(_EstateScoped):
    list_display = ["title", "estate", "patroller", "every_days", "starts_on", "active"]
    list_filter = ["patroller", "active"]


@admin.register(Patrol)
class PatrolAdmin(_EstateScoped):
    list_display = ["plan", "patroller", "period_start", "started_at", "finished_at"]


@admin.register(MissedPatrol)
class MissedPatrolAdmin(_EstateScoped):
    list_display = ["plan", "estate", "period_start", "period_end", "flagged_at"]
