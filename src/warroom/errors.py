"""The one error type of warroom.

Every failure a user or client can cause is a `WarroomError` carrying its HTTP status and a
stable machine code; `web.errors` renders it in one place as
``{"error": {"code", "message", "details"}}`` and the CLI prints its message without a traceback.
Messages say what was wrong *and* how to fix it.
"""

from __future__ import annotations

from typing import Any


class WarroomError(Exception):
    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, details: Any = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code


class InvalidInput(WarroomError):
    status = 422
    code = "invalid_input"


class OutsideCity(WarroomError):
    status = 422
    code = "outside_city"


class NotFound(WarroomError):
    status = 404
    code = "not_found"


class Conflict(WarroomError):
    status = 409
    code = "conflict"


class Unauthorized(WarroomError):
    status = 401
    code = "unauthorized"


class Forbidden(WarroomError):
    status = 403
    code = "forbidden"


class RateLimited(WarroomError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message, details={"retry_after_s": retry_after_s})
        self.retry_after_s = retry_after_s


class ConfigError(WarroomError):
    """A bad configuration file or environment variable: reported at start-up, never at request time."""

    status = 500
    code = "config_error"
