"""snop's errors as HTTP answers: one status per kind, a JSON body that says what to fix."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from snop.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    NotSignedIn,
    SnopError,
    TooManyAttempts,
)

_STATUS = {
    TooManyAttempts: 429,
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
    Forbidden: 403,
    NotSignedIn: 401,
}


def status_code(error: SnopError) -> int:
    """The HTTP status of one of snop's errors."""
    for kind, code in _STATUS.items():
        if isinstance(error, kind):
            return code
    return 400


def error_body(error: SnopError) -> dict[str, Any]:
    """The JSON body of one of snop's errors (`schemas.common.ErrorRead`)."""
    body: dict[str, Any] = {"error": str(error), "kind": type(error).__name__}
    if isinstance(error, InvalidInput):
        body["issues"] = [i.to_dict() for i in error.issues]
        body["error"] = "; ".join(str(i) for i in error.issues) or str(error)
    return body


def error_response(error: SnopError) -> JSONResponse:
    """One of snop's errors as its status and JSON body."""
    return JSONResponse(status_code=status_code(error), content=error_body(error))
