"""The ``snop`` command line: a thin adapter over the services."""
