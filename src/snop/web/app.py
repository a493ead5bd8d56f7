"""The server `snop serve` runs: the web pages, their static files and the REST API.

The pages live at ``/``; the API stays under ``/api`` with its OpenAPI description at
``/openapi.json``. One error handler answers snop's errors as JSON for the API and as a
readable message for the pages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from snop.api import app as api
from snop.api import errors as api_errors
from snop.errors import InvalidInput, NotSignedIn, SnopError
from snop.web import deps, forgery, refresh
from snop.web.routes import (
    admin,
    audit,
    auth,
    cycle,
    data,
    demand,
    demand_analysis,
    family,
    home,
    money,
    proof,
    scenarios,
    supply,
)

ROUTERS = (
    auth,
    home,
    demand,
    demand_analysis,
    supply,
    family,
    money,
    scenarios,
    proof,
    cycle,
    audit,
    data,
    admin,
)


@lru_cache(maxsize=1)
def _plotly_js() -> bytes:
    """plotly.js as shipped inside the plotly package (no CDN)."""
    from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]

    script: str = get_plotlyjs()
    return script.encode()


def create_app(
    database: str | None = None, *, refresh_seconds: float | None = None, https: bool = False
) -> FastAPI:
    """The web app and the REST API over one database (a SQLite path or a URL).

    ``https``: people reach the server over HTTPS (directly or through a TLS proxy), so the
    session cookie is marked Secure even when the proxy talks plain HTTP to snop.

    While the server runs, a background thread computes the slow views after each change
    (`snop.web.refresh`) every ``refresh_seconds`` (default ``$SNOP_REFRESH_SECONDS`` or 2;
    0 turns it off).
    """
    app = api.create_app(database)
    app.state.https = https
    interval = refresh.interval_from_environment() if refresh_seconds is None else refresh_seconds

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        refresher = refresh.Refresher(app.state.database, interval=interval)
        app.state.refresher = refresher if interval > 0 else None
        if interval > 0:
            refresher.start()
        try:
            yield
        finally:
            refresher.stop()

    app.router.lifespan_context = lifespan

    @app.exception_handler(SnopError)
    async def snop_error(request: Request, error: SnopError) -> Response:
        if request.url.path.startswith("/api"):
            return api_errors.error_response(error)
        if isinstance(error, NotSignedIn):
            return deps.sign_in_redirect(request)
        details = [str(i) for i in error.issues] if isinstance(error, InvalidInput) else []
        message = "; ".join(details[:1]) or str(error)
        return deps.error_html(request, message, api_errors.status_code(error), details[1:])

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> Response:
        return Response(
            _plotly_js(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    app.mount("/static", StaticFiles(directory=deps.HERE / "static"), name="static")
    # Every page route refuses a change another site could have posted (the API takes a
    # bearer token instead, which a browser never sends by itself).
    for module in ROUTERS:
        app.include_router(module.router, dependencies=[Depends(forgery.refuse_forgery)])
    return app
