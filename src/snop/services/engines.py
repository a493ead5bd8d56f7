"""Connect to a cluster for forecasting: Dask (``--engine dask``) or Ray (``--engine ray``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from snop.errors import SnopError

ENGINES = ("dask", "ray")


@contextmanager
def connect(engine: str | None, address: str | None = None) -> Iterator[Any]:
    """Yield a client for ``engine`` (None runs here).

    Without ``address`` a local cluster is started for the run, which is how the engines
    are tested on one machine; with one, the existing cluster at that address is used.
    """
    if engine is None:
        yield None
        return
    if engine not in ENGINES:
        raise SnopError(f"unknown engine {engine}: use one of {', '.join(ENGINES)}")
    if engine == "dask":
        yield from _dask(address)
    else:
        yield from _ray(address)


def _dask(address: str | None) -> Iterator[Any]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise SnopError("Dask is not installed: pip install 'snop[dask]'") from exc
    if address:
        client = Client(address)  # type: ignore[no-untyped-call]
        try:
            yield client
        finally:
            client.close()  # type: ignore[no-untyped-call]
        return
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        yield client


def _ray(address: str | None) -> Iterator[Any]:
    try:
        import ray  # type: ignore[import-not-found]
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise SnopError("Ray is not installed: pip install 'snop[ray]'") from exc
    ray.init(address=address or None, ignore_reinit_error=True)
    try:
        yield ray
    finally:
        ray.shutdown()
