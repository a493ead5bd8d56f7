"""Hand a panel to a distributed engine statsforecast supports (Dask or Ray).

statsforecast runs on whatever engine the data frame belongs to (through fugue), so the
only work here is turning the pandas panel into that engine's frame.
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def distribute(panel: pd.DataFrame, engine: Any) -> Any:
    """The panel as a frame of ``engine`` (a dask.distributed Client, or the ray module)."""
    kind = type(engine).__module__.split(".")[0]
    if kind == "distributed" or kind == "dask":
        import dask.dataframe as dd

        workers = max(1, len(getattr(engine, "nthreads", lambda: {1: 1})()))
        # Whole series per partition: statsforecast groups by unique_id within partitions.
        return dd.from_pandas(  # type: ignore[no-untyped-call]
            panel, npartitions=max(2, 2 * workers), sort=False
        )
    if kind == "ray":
        import ray.data  # type: ignore[import-not-found]

        return ray.data.from_pandas(panel)
    raise TypeError(f"unsupported engine {type(engine).__name__}: use a Dask client or Ray")
