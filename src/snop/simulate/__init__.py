"""Closed-loop simulation: replay held-out months to prove what a planning policy delivers.

A forecast's accuracy and an LP's optimality are means; what a company buys S&OP for is
serving customers with less stock and cost. :func:`snop.simulate.engine.simulate` walks
month by month through demand the policies have not seen. Each month a policy decides
what to start making from what was known then (history up to the month before, the stock,
the backlog and what is already on its way); then the month's real orders arrive and are
shipped from stock by segment priority, and stock, backlog, hours and money are booked.
:mod:`snop.simulate.report` scores each policy on the same months.

Pure: frames in, frames out; no database, no clock.
"""
