"""The demo city: a complete fire-rescue detachment built on Liechtenstein's real OSM data.

``lanyan demo load`` calls :func:`load_demo` and then :func:`ensure_demo_accounts`; the tests use
the same two functions on a temporary SQLite database. See ``data/demo/README.md`` for the source
and licence of the map extract.
"""

from __future__ import annotations

from lanyan.demo.accounts import DemoAccount, ensure_demo_accounts
from lanyan.demo.city import DemoSummary, load_demo

__all__ = ["DemoAccount", "DemoSummary", "ensure_demo_accounts", "load_demo"]
