"""Logging in as people expect: the login name in any case ("WangAyi" is wangayi), with failures
counted per account and per address, and a lockout once there are too many (core.services.login_lock).

Every login that goes through authenticate() with its request — the login page and the API's
POST /auth/token — is counted here, so both share one count and one lock. A call without a request
(the test client's login(), scripts) is not counted.
"""

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.backends import ModelBackend

from gongzhi.core import services


class CaseInsensitiveModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        users = get_user_model()
        if username is None:
            username = kwargs.get(users.USERNAME_FIELD)
        if username is None or request is None:
            if username is not None:
                username = self._stored_name(users, username)
            return super().authenticate(request, username=username, password=password, **kwargs)
        address = services.login_address(request)
        locked = services.login_lock(username, address)
        if locked is not None:
            raise locked  # refused even with the right password; the page and the API say why
        user = super().authenticate(request, username=self._stored_name(users, username), password=password, **kwargs)
        if user is None:
            services.login_failure_record(None, username=username, address=address)
        else:
            services.login_success_record(None, username=username)
        return user

    @staticmethod
    def _stored_name(users, typed: str) -> str:
        """The name as stored: the exact one, or the only one equal to it ignoring case (two logins
        that differ only in case keep needing the exact spelling)."""
        field = users.USERNAME_FIELD
        if users.objects.filter(**{field: typed}).exists():
            return typed
        found = list(users.objects.filter(**{f"{field}__iexact": typed}).values_list(field, flat=True)[:2])
        return found[0] if len(found) == 1 else typed


PASSWORD_TOO_SHORT = "密码太短：至少需要{min_length}个字符 / This password is too short: it needs at least {min_length} characters"


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with a message in Chinese: Django 5.2 changed the English text, and its
    zh-hans catalogue has not caught up, so the stock message arrives in English."""

    def get_error_message(self):
        return PASSWORD_TOO_SHORT.format(min_length=self.min_length)
