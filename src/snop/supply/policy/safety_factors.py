"""Normal-error maths of the policy: the loss function, safety factors and fill rates.

Pure array functions (numpy in, numpy out) under the assumption of normally distributed
forecast errors; see :mod:`snop.supply.policy` for the two service measures.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import special  # type: ignore[import-untyped]

from snop.errors import InvalidInput
from snop.supply.policy.checks import (
    FloatArray,
    as_float,
    check_fractions,
    fraction_issues,
    negative_issues,
)

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
# G(38) underflows to 0, so a positive target loss always has its root below 38. The
# bisection stops when every bracket is narrower than _K_TOLERANCE times max(1, |k|):
# a safety stock off by 1e-12 sigma at most; 200 halvings is a cap it never reaches.
_K_MAX = 38.0
_K_TOLERANCE = 1e-12
_BISECTIONS = 200


def normal_loss(k: npt.ArrayLike) -> FloatArray:
    """Standard normal loss function ``G(k) = phi(k) - k * (1 - Phi(k))``.

    ``G(k)`` is the expected shortfall of a standard normal variable beyond ``k``,
    ``E[max(Z - k, 0)]``; multiplied by sigma it is the expected number of units short
    when the stock covers the mean plus ``k`` sigmas. It is positive and decreasing, tends
    to ``-k`` for very negative ``k`` and to 0 for large ``k``.

    Parameters
    ----------
    k
        Safety factors (number of standard deviations), any shape.

    Returns
    -------
    np.ndarray
        ``G(k)`` as float, same shape as ``k``; NaN where ``k`` is NaN.

    Raises
    ------
    InvalidInput
        ``k`` is not numeric (``not_a_number``).
    """
    z = as_float(k, "k")
    # 1 - Phi(k) as ndtr(-k) keeps its precision in the upper tail, where it is tiny.
    return np.asarray(_INV_SQRT_2PI * np.exp(-0.5 * z * z) - z * special.ndtr(-z), np.float64)


def safety_factor_cycle_service(csl: npt.ArrayLike) -> FloatArray:
    """Safety factor for a cycle service level: ``k = Phi^-1(csl)``.

    Parameters
    ----------
    csl
        Cycle service levels as fractions strictly between 0 and 1 (0.95 = 95 %), any
        shape; NaN gives NaN.

    Returns
    -------
    np.ndarray
        ``k`` as float, same shape as ``csl``.

    Raises
    ------
    InvalidInput
        ``csl`` is not numeric (``not_a_number``) or a level is not strictly between 0
        and 1 (``invalid_target``): 100 % would need infinite stock.
    """
    level = as_float(csl, "cycle service level")
    check_fractions(level, "cycle service level")
    return np.asarray(special.ndtri(level), np.float64)


def safety_factor_fill_rate(
    fill_rate: npt.ArrayLike, sigma: npt.ArrayLike, cycle_demand: npt.ArrayLike
) -> FloatArray:
    """Safety factor that gives a fill rate: the ``k`` with ``sigma * G(k) = (1 - fr) * D``.

    The right-hand side is the expected shortage per replenishment cycle the target
    allows, (1 - fill rate) of the cycle demand ``D`` (Chopra & Meindl's ESC formula).
    ``G`` is decreasing, so the equation has one root; it is found by bisection on the
    whole array at once. ``k`` is negative when the allowed shortage is larger than
    ``sigma * G(0)`` (about 0.4 sigma): the cycle stock alone already reaches the target.

    Special cases, element by element:

    - ``sigma == 0``: no uncertainty, ``k = 0``;
    - ``D == 0`` with ``sigma > 0``: a fill rate of no expected demand is undefined, so
      the target is read as a cycle service level, ``k = Phi^-1(fill_rate)``;
    - NaN in any argument gives NaN.

    Parameters
    ----------
    fill_rate
        Target fill rates, fractions strictly between 0 and 1.
    sigma
        Standard deviation of demand over the protection interval (units, >= 0).
    cycle_demand
        Expected demand of one replenishment cycle (units, >= 0).

    The three arguments broadcast against each other (numpy rules).

    Returns
    -------
    np.ndarray
        ``k`` as float, in the broadcast shape.

    Raises
    ------
    InvalidInput
        An argument is not numeric (``not_a_number``), a fill rate is not strictly
        between 0 and 1 (``invalid_target``), or a sigma or a cycle demand is negative
        (``negative_value``).
    """
    rate = as_float(fill_rate, "fill rate")
    spread = as_float(sigma, "sigma")
    demand = as_float(cycle_demand, "cycle demand")
    issues = fraction_issues(rate, "fill rate")
    issues += negative_issues(spread, "sigma") + negative_issues(demand, "cycle demand")
    if issues:
        raise InvalidInput(issues)
    rate, spread, demand = np.broadcast_arrays(rate, spread, demand)

    with np.errstate(divide="ignore", invalid="ignore"):
        target = (1.0 - rate) * demand / spread
    solvable = np.isfinite(target) & (target > 0)
    k = _invert_loss(np.where(solvable, target, 1.0))
    k = np.where(spread == 0, 0.0, k)
    k = np.where((demand == 0) & (spread > 0), special.ndtri(rate), k)
    unknown = np.isnan(rate) | np.isnan(spread) | np.isnan(demand)
    return np.asarray(np.where(unknown, np.nan, k), np.float64)


def fill_rate_of(
    safety_stock: npt.ArrayLike, sigma: npt.ArrayLike, cycle_demand: npt.ArrayLike
) -> FloatArray:
    """Fill rate a safety stock gives: ``1 - sigma * G(ss / sigma) / D``.

    The inverse of :func:`safety_factor_fill_rate`, to check a policy or to report the
    fill rate a planned stock achieves. The normal approximation can count more shortage
    than there is demand when the stock is far below the mean; such fill rates are
    reported as 0.

    Parameters
    ----------
    safety_stock
        Stock above the expected demand of the protection interval (units; may be
        negative).
    sigma
        Standard deviation of demand over the protection interval (units, >= 0). With
        ``sigma == 0`` the shortage is certain: ``max(-safety_stock, 0)`` per cycle.
    cycle_demand
        Expected demand of one replenishment cycle (units, >= 0); 0 gives NaN (a fill
        rate of no demand is undefined).

    The three arguments broadcast against each other (numpy rules).

    Returns
    -------
    np.ndarray
        Fill rates as fractions in [0, 1], in the broadcast shape.

    Raises
    ------
    InvalidInput
        An argument is not numeric (``not_a_number``) or a sigma or a cycle demand is
        negative (``negative_value``).
    """
    stock = as_float(safety_stock, "safety stock")
    spread = as_float(sigma, "sigma")
    demand = as_float(cycle_demand, "cycle demand")
    issues = negative_issues(spread, "sigma") + negative_issues(demand, "cycle demand")
    if issues:
        raise InvalidInput(issues)
    stock, spread, demand = np.broadcast_arrays(stock, spread, demand)

    with np.errstate(divide="ignore", invalid="ignore"):
        uncertain = spread * normal_loss(stock / spread)
        shortage = np.where(spread > 0, uncertain, np.maximum(-stock, 0.0))
        rate = 1.0 - shortage / np.where(demand > 0, demand, np.nan)
    return np.asarray(np.clip(rate, 0.0, 1.0), np.float64)


def _invert_loss(target: FloatArray) -> FloatArray:
    """The ``k`` with ``G(k) = target`` for positive finite targets, by array bisection."""
    # G is decreasing with G(0) = 1 / sqrt(2 pi) and G(k) > -k: a target above G(0) has
    # its root in (-target, 0), a smaller one in [0, _K_MAX).
    negative = target > _INV_SQRT_2PI
    low = np.where(negative, -target, 0.0)
    high = np.where(negative, 0.0, _K_MAX)
    for _ in range(_BISECTIONS):
        middle = 0.5 * (low + high)
        above = normal_loss(middle) > target
        low = np.where(above, middle, low)
        high = np.where(above, high, middle)
        scale = np.maximum(1.0, np.maximum(np.abs(low), np.abs(high)))
        if not np.any(high - low > _K_TOLERANCE * scale):
            break
    return np.asarray(0.5 * (low + high), np.float64)
