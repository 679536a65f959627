"""Votes in the back office: read-only, and without ballots — how an owner voted is not shown
here (secret votes) and a closed vote cannot change."""

from django.contrib import admin

from gongzhi.core.admin_base import ReadOnlyScopedAdmin
from gongzhi.votes.models import Vote


@admin.register(Vote)
class VoteAdmin(ReadOnlyScopedAdmin):
    list_display = ["title", "estate", "item", "status", "opens_at", "closes_at", "secret"]
    list_filter = ["status", "item", "secret"]
    list_select_related = ["estate"]
    exclude = ["buildings"]

    def scoped(self, scope, qs):
        return qs.filter(estate__in=scope.estates())
