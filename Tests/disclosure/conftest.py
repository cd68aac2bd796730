"""One seeded scheme and server for every attack module in this directory (see scheme_server.py)."""

from scheme_server import scheme  # noqa: F401  (a session fixture, shared by name)
