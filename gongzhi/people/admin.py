from django.contrib import admin

from gongzhi.core.admin_base import ScopedAdmin
from gongzhi.core.masking import mask_id_number, mask_phone
from gongzhi.core.scoping import scope_for
from gongzhi.people.models import Ownership, PartyMember, Person, Residency, RoleAssignment
from gongzhi.people.selectors import role_assignment_list


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    list_display = ["name", "kind", "masked_phone", "masked_id_number"]
    # By name, the person_name_order index: a district's or the city's list walks it and checks each row,
    # and stops at its page, since names do not cluster by place as ids do (a district seeded or moved in
    # first has the oldest ids, and "newest first" walked every newer district's people to reach its own).
    ordering = ["name", "id"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["user"]

    def scoped(self, scope, qs):
        return qs & scope.persons()  # the scope's own conditions (for a district: checked row by row)

    @admin.display(description="联系电话")
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    @admin.display(description="证件号码")
    def masked_id_number(self, obj):
        return mask_id_number(obj.id_number)


@admin.register(Ownership)
class OwnershipAdmin(ScopedAdmin):
    list_display = ["unit", "person", "since", "until"]
    list_select_related = ["unit__estate", "person"]
    raw_id_fields = ["unit", "person"]

    def scoped(self, scope, qs):
        return qs.filter(unit__in=scope.units().values("pk"))


@admin.register(Residency)
class ResidencyAdmin(OwnershipAdmin):
    list_display = ["unit", "person", "relation", "since", "until"]


@admin.register(PartyMember)
class PartyMemberAdmin(ScopedAdmin):
    list_display = ["person", "status", "work_unit", "registered_community", "registered_on"]
    list_select_related = ["person", "registered_community"]
    raw_id_fields = ["person"]

    def scoped(self, scope, qs):
        return qs.filter(person__in=scope.persons().values("pk"))


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ScopedAdmin):
    list_display = ["user", "role", "anchor", "valid_from", "valid_until"]
    list_filter = ["role"]
    raw_id_fields = ["user", "district", "subdistrict", "community", "grid", "estate", "building", "unit"]

    def get_queryset(self, request):
        return role_assignment_list(fetched_by=request.user)

    def scoped(self, scope, qs):  # get_queryset does the scoping
        return qs

    def has_change_permission(self, request, obj=None):
        return scope_for(request.user).is_root and super().has_change_permission(request, obj)
