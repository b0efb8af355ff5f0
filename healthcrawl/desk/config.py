"""The desk's settings, read once from the project settings (defaults in healthcrawl/settings.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: setting name → DeskConfig field
SETTINGS = {
    "HEALTHCRAWL_DESK_HOST": "host",
    "HEALTHCRAWL_DESK_PORT": "port",
    "HEALTHCRAWL_DESK_SESSION_HOURS": "session_hours",
    "HEALTHCRAWL_DESK_SECURE_COOKIE": "secure_cookie",
    "HEALTHCRAWL_DESK_LOGIN_DELAY": "login_delay",
    "HEALTHCRAWL_DESK_LOGIN_DELAY_MAX": "login_delay_max",
    "HEALTHCRAWL_DESK_NEAR_MISS_DAYS": "near_miss_days",
    "HEALTHCRAWL_DESK_CHART_DAYS": "chart_days",
    "HEALTHCRAWL_DESK_RUNS": "runs_per_site",
}


class ConfigError(ValueError):
    """The settings lack what the desk needs."""


@dataclass(frozen=True)
class DeskConfig:
    host: str
    port: int
    #: signs the session cookie; None: a random key kept in MongoDB (see users.session_secret)
    secret: str | None
    session_hours: float
    secure_cookie: bool
    #: seconds a wrong password costs; doubled per further failure of the account, at most the max
    login_delay: float
    login_delay_max: float
    near_miss_days: int
    chart_days: int
    runs_per_site: int
    bulletin_limit: int
    centre: str
    scope: str
    #: relevance thresholds per category, shown beside an article's scores
    thresholds: dict[str, float]
    #: the fallback share that flags a run (as ``healthcrawl runs`` flags it)
    max_fallback_share: float

    @classmethod
    def from_settings(cls, settings: Any) -> "DeskConfig":
        missing = [name for name in SETTINGS if settings.get(name) is None]
        if missing:
            raise ConfigError(f"the settings lack {', '.join(missing)} (healthcrawl/settings.py, "
                              f"section 'the editors' desk')")
        return cls(
            host=str(settings.get("HEALTHCRAWL_DESK_HOST")),
            port=settings.getint("HEALTHCRAWL_DESK_PORT"),
            secret=settings.get("HEALTHCRAWL_DESK_SECRET") or None,
            session_hours=settings.getfloat("HEALTHCRAWL_DESK_SESSION_HOURS"),
            secure_cookie=settings.getbool("HEALTHCRAWL_DESK_SECURE_COOKIE"),
            login_delay=settings.getfloat("HEALTHCRAWL_DESK_LOGIN_DELAY"),
            login_delay_max=settings.getfloat("HEALTHCRAWL_DESK_LOGIN_DELAY_MAX"),
            near_miss_days=settings.getint("HEALTHCRAWL_DESK_NEAR_MISS_DAYS"),
            chart_days=settings.getint("HEALTHCRAWL_DESK_CHART_DAYS"),
            runs_per_site=settings.getint("HEALTHCRAWL_DESK_RUNS"),
            bulletin_limit=settings.getint("HEALTHCRAWL_BULLETIN_LIMIT"),
            centre=settings.get("HEALTHCRAWL_BULLETIN_CENTRE"),
            scope=settings.get("HEALTHCRAWL_BULLETIN_SCOPE"),
            thresholds={c: settings.getfloat(f"HEALTHCRAWL_RELEVANCE_MIN_{c.upper()}")
                        for c in ("health", "digital", "policy")},
            max_fallback_share=settings.getfloat("HEALTHCRAWL_MONITOR_MAX_FALLBACK_SHARE"),
        )
