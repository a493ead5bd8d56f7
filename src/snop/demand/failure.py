"""The forecast's failure marker, in its own module so the forecast loads statsforecast late.

statsforecast's worker processes unpickle the fallback model by its module path, so the
class lives at a module's top level; only the forecast run imports this module.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from statsforecast.models import Naive


class FailureMarker(Naive):
    """statsforecast's fallback, used only to mark a model's failure on a series as NaN.

    statsforecast quietly puts the fallback's forecast under the failed model's name; NaN
    makes the failure visible (recorded in ``fallbacks``), keeps a failed model out of the
    backtest ranking and the ensemble, and works across worker processes.
    """

    def forecast(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Naive's forecast with every value NaN."""
        result = super().forecast(*args, **kwargs)
        return {k: np.full(np.shape(v), np.nan) for k, v in result.items()}

    def forward(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Naive's rolled-forward forecast with every value NaN (backtests without refits)."""
        result = super().forward(*args, **kwargs)
        return {k: np.full(np.shape(v), np.nan) for k, v in result.items()}
