"""The REST API: every service the command line has, over HTTP with token auth.

`snop serve` runs it. Each route (in `snop.api.routes`, one router per step) is a thin
adapter: it authenticates the caller (an API token from `snop user token`, or a session
from ``POST /api/session``), calls one service with that caller — the services enforce
roles, scopes and the cycle's stages — and returns JSON that a response model in
`snop.api.schemas` names and checks. snop's errors become JSON bodies with a message that
says what to fix (`snop.api.errors`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from snop import __version__
from snop.api.errors import error_response
from snop.api.routes import (
    conversation,
    cycle,
    data,
    demand,
    reconcile,
    scenarios,
    session,
    supply,
    team,
    versions,
)
from snop.api.schemas.common import ErrorRead
from snop.errors import SnopError
from snop.services.database import open_database

ROUTERS = (session, data, demand, supply, reconcile, scenarios, versions, cycle, team, conversation)
"""In the order /openapi.json lists them: as the CLI's commands are grouped."""

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorRead, "description": text}
    for code, text in (
        (401, "Not signed in: no token, or one that is wrong or expired."),
        (403, "Not allowed: the caller's role, scope or the cycle's stage forbids it."),
        (404, "Not found: no such version, scenario, user, ... (or no data yet)."),
        (409, "Conflict: changed since it was read, or the cycle is not ready."),
    )
}
"""snop's errors every route may answer (422 keeps FastAPI's, with snop's issues too)."""


def create_app(database: str | None = None) -> FastAPI:
    """The API over one database (a SQLite path or a URL; default as the CLI's)."""
    app = FastAPI(
        title="snop",
        version=__version__,
        description="Sales & Operations Planning: one plan of record every month.",
    )

    @app.exception_handler(SnopError)
    async def snop_error(request: Request, error: SnopError) -> JSONResponse:
        return error_response(error)

    app.state.database = open_database(database)
    for module in ROUTERS:
        app.include_router(module.router, responses=ERRORS)
    return app
