"""Party work in the back office: read-only. The ledger is append-only (a correction is a new entry
made by the community through party.services.points_adjust); rules are set on the ranking page."""

from django.contrib import admin

from gongzhi.core.admin_base import ReadOnlyScopedAdmin
from gongzhi.party.models import PointsEntry, PointsRule
from gongzhi.party.rules import PARTY_READER_ROLES


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyScopedAdmin):
    list_display = ["member", "points", "kind", "source_label", "on", "community"]
    list_filter = ["kind"]
    list_select_related = ["member__person", "community"]

    def scoped(self, scope, qs):
        return qs.filter(community__in=scope.communities(PARTY_READER_ROLES))


@admin.register(PointsRule)
class PointsRuleAdmin(ReadOnlyScopedAdmin):
    list_display = ["community", "kind", "points", "monthly_cap"]

    def scoped(self, scope, qs):
        return qs.filter(community__in=scope.communities(PARTY_READER_ROLES))
