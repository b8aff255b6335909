"""The browser side of Lanyan: login, the one-map console, the crew page, dashboard and admin.

:mod:`lanyan.web.pages` serves the HTML pages and the static files (our ES modules and CSS, and
Leaflet/ECharts copied from npm into ``static/vendor`` by ``scripts/build-web.sh``). The pages
are thin clients of the JSON API. See docs/web.md.
"""

from __future__ import annotations

from lanyan.web.pages import router

__all__ = ["router"]
