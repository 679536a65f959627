"""Requests in the back office: read-only (every step goes through the services and the timeline);
Open311 keys are issued with the `open311_key` command so the raw key is shown once."""

from django.contrib import admin
from django.db.models import Q

from gongzhi.core.admin_base import ReadOnlyScopedAdmin
from gongzhi.requests.models import Order, Request
from gongzhi.requests.rules import REQUEST_STAFF_ROLES


@admin.register(Request)
class RequestAdmin(ReadOnlyScopedAdmin):
    list_display = ["number", "category", "estate", "status", "level", "created_at"]
    list_filter = ["status", "level", "category", "channel"]
    list_select_related = ["estate"]
    exclude = ["contact_phone", "requester", "contact_name"]

    def scoped(self, scope, qs):
        # On the request's own place columns (literal ids), not a subquery over the place tree.
        either = Q(pk__in=[])
        for column, ids in scope.place_columns(REQUEST_STAFF_ROLES).items():
            if ids:
                either |= Q(**{f"{column}__in": ids})
        return qs.filter(either)


@admin.register(Order)
class OrderAdmin(ReadOnlyScopedAdmin):
    list_display = ["title", "kind", "estate", "status", "created_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["estate"]

    def scoped(self, scope, qs):
        return qs.filter(estate_id__in=sorted(scope.estate_ids()))
