"""A small scrapyd client: list jobs, schedule a spider (credentials redacted in errors; a 401 is
:class:`ScrapydAuthError`)."""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from healthcrawl.text import redact



# --- scrapyd -----------------------------------------------------------------------------------
class ScrapydError(RuntimeError):
    pass


class ScrapydAuthError(ScrapydError):
    """scrapyd answered 401: the credentials (SCRAPYD_USERNAME/SCRAPYD_PASSWORD) are refused."""


class ScrapydClient:
    """The few scrapyd JSON endpoints the scheduler needs (basic auth from the environment)."""

    def __init__(self, url: str, username: str | None = None, password: str | None = None, timeout: float = 15.0):
        self.url = url.rstrip("/") + "/"
        self.username = username if username is not None else os.environ.get("SCRAPYD_USERNAME")
        self.password = password if password is not None else os.environ.get("SCRAPYD_PASSWORD")
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"ScrapydClient({redact.secrets(self.url)})"

    def _call(self, endpoint: str, params: list[tuple[str, str]] | None = None, post: bool = False) -> dict:
        query = urllib.parse.urlencode(params or [])
        url = self.url + endpoint
        data = None
        if post:
            data = query.encode()
        elif query:
            url += "?" + query
        request = urllib.request.Request(url, data=data, method="POST" if post else "GET")
        if self.username:
            token = base64.b64encode(f"{self.username}:{self.password or ''}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            where = f"scrapyd {redact.secrets(self.url)} {endpoint}"
            if exc.code == 401:
                raise ScrapydAuthError(f"{where}: HTTP 401 (check SCRAPYD_USERNAME/SCRAPYD_PASSWORD)") from None
            raise ScrapydError(f"{where}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ScrapydError(f"scrapyd {redact.secrets(self.url)} {endpoint}: {reason}") from None
        if body.get("status") != "ok":
            raise ScrapydError(f"scrapyd {redact.secrets(self.url)} {endpoint}: {body.get('message', body)}")
        return body

    def listjobs(self, project: str) -> dict[str, list[dict]]:
        body = self._call("listjobs.json", [("project", project)])
        return {k: body.get(k, []) for k in ("pending", "running", "finished")}

    def schedule(self, project: str, spider: str, args: dict[str, str] | None = None,
                 settings: dict[str, str] | None = None) -> str:
        params = [("project", project), ("spider", spider)]
        params += [("setting", f"{k}={v}") for k, v in (settings or {}).items()]
        params += list((args or {}).items())
        job_id = self._call("schedule.json", params, post=True).get("jobid")
        if not job_id:
            raise ScrapydError(f"scrapyd {redact.secrets(self.url)} schedule.json: answered ok without a job id")
        return str(job_id)
