"""One application error; a single handler (middleware for pages, an API exception handler)
turns it into a clear 4xx answer, Chinese first."""


class GongzhiError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(GongzhiError):
    status = 400
    code = "invalid"


class NotFound(GongzhiError):
    status = 404
    code = "not_found"

    def __init__(self, message: str = "", **kwargs):
        super().__init__(message or NOT_FOUND, **kwargs)


class PermissionDenied(GongzhiError):
    status = 403
    code = "forbidden"

    def __init__(self, message: str = "", **kwargs):
        super().__init__(message or FORBIDDEN, **kwargs)


class WrongState(GongzhiError):
    status = 409
    code = "wrong_state"


NOT_FOUND = "未找到该记录 / Not found"
FORBIDDEN = "您没有权限执行此操作 / You are not allowed to do this"
