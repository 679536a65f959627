"""Community life in the back office: read-only lists (every write goes through the services)."""

from django.contrib import admin
from django.db.models import Q

from gongzhi.core.admin_base import ReadOnlyScopedAdmin
from gongzhi.services.models import Activity, Adviser, Booking, Pairing, Space, VolunteerTeam


class ReadOnly(ReadOnlyScopedAdmin):
    """Rows of the estates the administrator's roles cover, never another's."""

    estate_path = "estate"

    def scoped(self, scope, qs):
        return qs.filter(**{f"{self.estate_path}__in": scope.estates()})


@admin.register(Space)
class SpaceAdmin(ReadOnly):
    list_display = ("name", "estate", "capacity", "opens", "closes", "needs_approval", "active")
    list_filter = ("needs_approval", "active")


@admin.register(Booking)
class BookingAdmin(ReadOnly):
    estate_path = "space__estate"
    list_display = ("space", "starts_at", "ends_at", "status")
    list_filter = ("status",)


@admin.register(Activity)
class ActivityAdmin(ReadOnly):
    list_display = ("title", "estate", "kind", "starts_at", "capacity")
    list_filter = ("kind",)


@admin.register(VolunteerTeam)
class VolunteerTeamAdmin(ReadOnly):
    list_display = ("name", "estate", "community", "services")

    def scoped(self, scope, qs):
        """An estate's teams, and a community association's teams where the administrator covers the community."""
        return qs.filter(Q(estate__in=scope.estates()) | Q(estate__isnull=True, community__in=scope.communities()))


@admin.register(Pairing)
class PairingAdmin(ReadOnly):
    list_display = ("partner", "estate", "starts_on", "ends_on")


@admin.register(Adviser)
class AdviserAdmin(ReadOnly):
    list_display = ("user", "estate", "panel", "profession", "active")
    list_filter = ("panel", "active")
