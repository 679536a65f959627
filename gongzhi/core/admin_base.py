"""The back office's base classes: every admin list and change page is filtered through the scope,
so another estate's row answers exactly like a missing one; saves and deletes go through
core.services.record_save / record_delete, which check the scope and write the audit trail.
Every app's admin.py builds on these.

A row's parents are checked as well as the row: every foreign key and many-to-many field of a
scoped admin offers (in its dropdown, its raw-id lookup and what it accepts) only the rows of the
related model the user administers — the related model's own admin `scoped()` seen through the
user's ADMINISTRATOR assignments — so an estate cannot be moved to another district's community,
nor a community to another district's subdistrict; such a post answers with a form error and
saves nothing."""

from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied

from gongzhi.core.errors import GongzhiError
from gongzhi.core.paging import EstimatedPaginator
from gongzhi.core.roles import Role
from gongzhi.core.scoping import scope_for
from gongzhi.core.services import record_delete, record_save

PARENT_OUT_OF_SCOPE = ("所选的“{label}”不在您管理的范围内，未保存 / The chosen {label} is not one you "
                       "administer; nothing was saved")
ADMIN_ROLES = (Role.ADMINISTRATOR,)


class ScopedAdmin(admin.ModelAdmin):
    """Subclasses say how their rows are scoped by overriding `scoped(scope, qs)`."""

    list_per_page = 50
    show_full_result_count = False
    paginator = EstimatedPaginator  # a district's hundreds of thousands of rows are not counted one by one

    def scoped(self, scope, qs):
        raise NotImplementedError

    def get_queryset(self, request):
        scope = scope_for(request.user)
        qs = super().get_queryset(request)
        if scope.is_root:
            return qs
        if IS_POPUP_VAR in request.GET or TO_FIELD_VAR in request.GET:  # a raw-id lookup picks a parent
            scope = scope.only(ADMIN_ROLES)
        return self.scoped(scope, qs)

    # --- parents: only what the user administers -------------------------------------------------
    def administered(self, request, model):
        """The rows of `model` this user administers, as its own scoped admin says; None when the
        model has no scoped admin (then it is not a place or a record of one)."""
        related = self.admin_site._registry.get(model)
        if not isinstance(related, ScopedAdmin):
            return None
        scope = scope_for(request.user)
        qs = super(ScopedAdmin, related).get_queryset(request)
        return qs if scope.is_root else related.scoped(scope.only(ADMIN_ROLES), qs)

    def _limit_to_administered(self, db_field, request, kwargs):
        if "queryset" not in kwargs:
            administered = self.administered(request, db_field.remote_field.model)
            if administered is not None:
                kwargs["queryset"] = administered

    def _refusal(self, field, db_field):
        if field is not None:
            field.error_messages = {**field.error_messages,
                                    "invalid_choice": PARENT_OUT_OF_SCOPE.format(label=db_field.verbose_name)}
        return field

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        self._limit_to_administered(db_field, request, kwargs)
        return self._refusal(super().formfield_for_foreignkey(db_field, request, **kwargs), db_field)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._limit_to_administered(db_field, request, kwargs)
        return self._refusal(super().formfield_for_manytomany(db_field, request, **kwargs), db_field)

    def check_parents(self, request, obj, form) -> None:
        """The form's own check, once more before any save: every parent chosen in the form is one the
        user administers (so a subclass whose form forgot the querysets cannot move a row out)."""
        for name in form.changed_data:
            try:
                field = obj._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if not (field.many_to_one or field.one_to_one) or getattr(obj, field.attname, None) is None:
                continue
            administered = self.administered(request, field.remote_field.model)
            if administered is not None and not administered.filter(
                    **{field.remote_field.field_name: getattr(obj, field.attname)}).exists():
                raise DjangoPermissionDenied(PARENT_OUT_OF_SCOPE.format(label=field.verbose_name))

    def save_form(self, request, form, change):
        obj = super().save_form(request, form, change)
        self.check_parents(request, obj, form)
        return obj

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
