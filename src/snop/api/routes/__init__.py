"""The REST API's routes, one router per step of the cycle (see `snop.api.app`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute


class SameKeysRoute(APIRoute):
    """A route whose JSON holds exactly the keys the service returned.

    The response model names and checks every field; a field a service leaves out (a key
    that only some results have) stays out of the JSON rather than coming back as null.
    """

    def __init__(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        kwargs["response_model_exclude_unset"] = True
        super().__init__(path, endpoint, **kwargs)


def router(tag: str) -> APIRouter:
    """The router of one step, its routes listed under ``tag`` in /openapi.json."""
    return APIRouter(tags=[tag], route_class=SameKeysRoute)
