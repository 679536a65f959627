from django.contrib import admin

from gongzhi.bodies.models import CoConstructionAgreement, Membership, Organisation, ServiceContract
from gongzhi.core.admin_base import ScopedAdmin


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdmin):
    list_display = ["name", "kind", "estate", "community", "term_start", "term_end", "active"]
    list_filter = ["kind", "active"]
    list_select_related = ["estate", "community"]
    search_fields = ["name"]
    raw_id_fields = ["estate", "community", "subdistrict", "district", "parent"]

    def scoped(self, scope, qs):
        return qs.filter(pk__in=scope.organisations().values("pk"))


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    list_display = ["organisation", "person", "role", "term_start", "term_end", "active"]
    list_select_related = ["organisation", "person"]
    list_filter = ["role", "active"]
    raw_id_fields = ["organisation", "person"]

    def scoped(self, scope, qs):
        return qs.filter(organisation__in=scope.organisations().values("pk"))


@admin.register(ServiceContract)
class ServiceContractAdmin(ScopedAdmin):
    list_display = ["estate", "company", "start", "end"]
    list_select_related = ["estate", "company"]
    raw_id_fields = ["estate", "company"]

    def scoped(self, scope, qs):
        return qs.filter(estate__in=scope.estates().values("pk"))


@admin.register(CoConstructionAgreement)
class AgreementAdmin(ScopedAdmin):
    list_display = ["party_organisation", "partner", "signed_on", "expires_on"]
    list_select_related = ["party_organisation", "partner"]
    raw_id_fields = ["party_organisation", "partner"]

    def scoped(self, scope, qs):
        return qs.filter(party_organisation__in=scope.organisations().values("pk"))
