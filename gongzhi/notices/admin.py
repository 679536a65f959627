"""Notices and the log in the back office: read-only. A published notice, a leaf and a head are
never edited or deleted here (or anywhere); corrections are new notices on the web or the API."""

from django.contrib import admin
from django.db.models import Q

from gongzhi.core.admin_base import ReadOnlyScopedAdmin
from gongzhi.notices.models import LogKey, LogLeaf, Notice, SignedTreeHead


def _place_scoped(scope, qs):
    return qs.filter(Q(estate__in=scope.estates()) | Q(community__in=scope.communities()))


@admin.register(Notice)
class NoticeAdmin(ReadOnlyScopedAdmin):
    list_display = ["title", "kind", "audience", "estate", "community", "published_at", "pinned", "views"]
    list_filter = ["kind", "audience"]
    search_fields = ["title"]
    list_select_related = ["estate", "community"]

    def scoped(self, scope, qs):
        return _place_scoped(scope, qs)


@admin.register(LogLeaf)
class LogLeafAdmin(ReadOnlyScopedAdmin):
    list_display = ["index", "kind", "ref_id", "appended_at"]
    list_filter = ["kind"]

    def scoped(self, scope, qs):
        return _place_scoped(scope, qs)


@admin.register(SignedTreeHead)
class SignedTreeHeadAdmin(ReadOnlyScopedAdmin):
    list_display = ["tree_size", "timestamp", "key"]

    def scoped(self, scope, qs):
        return qs  # heads are public


@admin.register(LogKey)
class LogKeyAdmin(ReadOnlyScopedAdmin):
    list_display = ["key_id", "algorithm", "created_at", "retired_at"]

    def scoped(self, scope, qs):
        return qs  # public keys are public
