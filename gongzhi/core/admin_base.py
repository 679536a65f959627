"""The back office's base classes: every admin list and change page is filtered through the scope,
so another estate's row answers exactly like a missing one; saves and deletes go through
core.services.record_save / record_delete, which check the scope and write the audit trail.
Every app's admin.py builds on these."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from gongzhi.core.errors import GongzhiError
from gongzhi.core.roles import Role
from gongzhi.core.scoping import scope_for
from gongzhi.core.services import record_delete, record_save


class ScopedAdmin(admin.ModelAdmin):
    """Subclasses say how their rows are scoped by overriding `scoped(scope, qs)`."""

    list_per_page = 50
    show_full_result_count = False

    def scoped(self, scope, qs):
        raise NotImplementedError

    def get_queryset(self, request):
        scope = scope_for(request.user)
        qs = super().get_queryset(request)
        return qs if scope.is_root else self.scoped(scope, qs)

    def _is_admin(self, request) -> bool:
        scope = scope_for(request.user)
        return request.user.is_active and request.user.is_staff and (scope.is_root or Role.ADMINISTRATOR in scope.roles)

    def has_module_permission(self, request):
        return self._is_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_add_permission(self, request):
        return self._is_admin(request)

    def has_change_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_delete_permission(self, request, obj=None):
        return self._is_admin(request)

    def save_model(self, request, obj, form, change):
        try:
            record_save(request.user, obj, scope_ids=obj.scope_ids())
        except (GongzhiError, ValidationError) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
            raise

    def delete_model(self, request, obj):
        record_delete(request.user, obj, scope_ids=obj.scope_ids())

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyScopedAdmin(ScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown beside their parent and never edited there (ledger lines, sign-offs)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
