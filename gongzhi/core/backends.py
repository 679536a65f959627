"""Logging in as people expect: the login name in any case ("WangAyi" is wangayi)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class CaseInsensitiveModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        users = get_user_model()
        if username is None:
            username = kwargs.get(users.USERNAME_FIELD)
        if username is not None:
            username = self._stored_name(users, username)
        return super().authenticate(request, username=username, password=password, **kwargs)

    @staticmethod
    def _stored_name(users, typed: str) -> str:
        """The name as stored: the exact one, or the only one equal to it ignoring case (two logins
        that differ only in case keep needing the exact spelling)."""
        field = users.USERNAME_FIELD
        if users.objects.filter(**{field: typed}).exists():
            return typed
        found = list(users.objects.filter(**{f"{field}__iexact": typed}).values_list(field, flat=True)[:2])
        return found[0] if len(found) == 1 else typed
