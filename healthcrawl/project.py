"""The project's settings (healthcrawl/settings.py, with the environment's values) for code that
does not run under ``scrapy crawl``: the ``healthcrawl`` commands, scripts and tests. Defaults live
in healthcrawl/settings.py only; components read ``settings.get("X")`` without restating them."""

from __future__ import annotations

import os
from typing import Any


def project_settings(overrides: dict[str, Any] | None = None):
    """``healthcrawl.settings`` (plus environment), with ``overrides`` at command-line priority."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "healthcrawl.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


#: process-wide choices a crawler built inside a running process must not make again
_PROCESS_SETTINGS = ("TWISTED_REACTOR",)


def settings_dict(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every setting of healthcrawl/settings.py as a plain dict, ``overrides`` on top: the settings
    of a crawler built outside ``scrapy crawl``, e.g. ``get_crawler(Spider, settings_dict({...}))``
    (without ``TWISTED_REACTOR``: the process building it already has its reactor)."""
    from healthcrawl import settings as module

    values = {name: getattr(module, name) for name in dir(module)
              if name.isupper() and name not in _PROCESS_SETTINGS}
    values.update(overrides or {})
    return values


class CrawlerComponent:
    """A Scrapy component (middleware, pipeline) built by ``from_crawler`` that keeps its crawler;
    subclasses read their settings in ``__init__``."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)
