from django.contrib import admin

from gongzhi.core.admin_base import ScopedAdmin
from gongzhi.places.models import Building, Community, District, Entrance, Estate, Grid, Subdistrict, Unit


@admin.register(District)
class DistrictAdmin(ScopedAdmin):
    list_display = ["name", "committee_max_term_years"]

    def scoped(self, scope, qs):
        return qs.filter(pk__in=scope.subdistricts().values("district_id"))


@admin.register(Subdistrict)
class SubdistrictAdmin(ScopedAdmin):
    list_display = ["name", "district", "committee_max_term_years"]
    list_select_related = ["district"]

    def scoped(self, scope, qs):
        return qs.filter(pk__in=scope.subdistricts().values("pk"))


@admin.register(Community)
class CommunityAdmin(ScopedAdmin):
    list_display = ["name", "subdistrict"]
    list_select_related = ["subdistrict"]
    search_fields = ["name"]

    def scoped(self, scope, qs):
        return qs.filter(pk__in=scope.communities().values("pk"))


@admin.register(Grid)
class GridAdmin(ScopedAdmin):
    list_display = ["name", "community"]
    list_select_related = ["community"]

    def scoped(self, scope, qs):
        return qs.filter(community__in=scope.communities().values("pk"))


@admin.register(Estate)
class EstateAdmin(ScopedAdmin):
    list_display = ["name", "community", "household_count", "property_service"]
    list_filter = ["property_service"]
    list_select_related = ["community"]
    search_fields = ["name"]

    def scoped(self, scope, qs):
        return qs.filter(pk__in=scope.estates().values("pk"))


@admin.register(Building)
class BuildingAdmin(ScopedAdmin):
    list_display = ["code", "estate", "floors"]
    list_select_related = ["estate"]
    search_fields = ["estate__name", "code"]
    raw_id_fields = ["estate"]

    def scoped(self, scope, qs):
        return qs.filter(estate__in=scope.estates().values("pk"))


@admin.register(Entrance)
class EntranceAdmin(ScopedAdmin):
    list_display = ["code", "building"]
    list_select_related = ["building__estate"]
    raw_id_fields = ["building"]

    def scoped(self, scope, qs):
        return qs.filter(building__estate__in=scope.estates().values("pk"))


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    list_display = ["code", "estate", "area", "kind"]
    # By estate and code, the unit_unique_code index: the scope's estates are read in that order, each
    # from its own part of the index, however many flats the city has (newest first walked every newer
    # district's flats to reach an older district's).
    ordering = ["estate_id", "code"]
    list_filter = ["kind"]
    list_select_related = ["estate"]
    search_fields = ["code", "estate__name"]
    raw_id_fields = ["estate", "building", "entrance"]

    def scoped(self, scope, qs):
        return qs & scope.units()  # the scope's flats by their own columns (estate, building, id lists)
