"""How an API caller proves who it is: a bearer token (apps, city systems) or the browser's session."""

import datetime
import functools

from django.contrib.auth import get_user_model
from ninja.security import APIKeyCookie, HttpBearer

from gongzhi.core import clock
from gongzhi.core.models import PASSWORD_CHANGE_DUE, ApiToken

LAST_USED_GRANULARITY = datetime.timedelta(minutes=5)


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        now = clock.now()
        # "last used" to within a few minutes is all anyone needs; not a write per call
        stale_before = now - LAST_USED_GRANULARITY
        # an expired token (or one from before expiry existed, never given one) is no token: 401
        user = next(iter(get_user_model().objects.raw(_token_user_sql(), [stale_before, ApiToken.hash(token), now])), None)
        if user is None or not user.is_active:
            return None
        if user.token_stale:
            ApiToken.objects.filter(pk=user.token_id).update(last_used_at=now)
        request.user = user
        return user


@functools.cache
def _token_user_sql() -> str:
    """The token's user in one hand-written query: every API call runs it, and compiling the ORM's
    join each time cost more than the rest of a light endpoint (about 0.5 ms)."""
    users, tokens = get_user_model()._meta.db_table, ApiToken._meta.db_table
    return (f"SELECT u.*, t.id AS token_id, "
            f"CASE WHEN t.last_used_at IS NULL OR t.last_used_at < %s THEN 1 ELSE 0 END AS token_stale FROM {users} u "
            f"JOIN {tokens} t ON t.user_id = u.id WHERE t.key_hash = %s AND t.expires_at > %s")


class SessionAuth(APIKeyCookie):
    """The browser's login session (CSRF-checked for writes)."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        if request.session.get(PASSWORD_CHANGE_DUE):  # a one-time password is changed on its page first
            return None
        return request.user if request.user.is_authenticated else None
