"""The Scrapy project settings as the ``healthcrawl`` commands use them."""

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
