"""Canonical article URLs: one string per article, whatever link led to it.

The canonical URL is the identity the dedup pipeline and the MongoDB unique index key on, so
every spelling of one article's address must map to the same string:

- w3lib's ``canonicalize_url`` (percent-encoding, sorted query, no fragment, no empty ``?``);
- lower-case host, no default port, ``http`` → ``https``;
- tracking parameters dropped (``utm_*``, ``spm``, ``from``, ``share*`` …, see
  :data:`TRACKING_PARAMS`);
- host aliases of the four sites folded into one form: ``www.chinanews.com`` →
  ``www.chinanews.com.cn``, bare domains → ``www.``, ``adimg.ce.cn`` → ``www.ce.cn`` (the mirror
  host the bulletin links to), mobile hosts ``m.`` / ``wap.`` / ``3g.`` → the www or channel host
  when the path is the desktop article path (``m.chinanews.com.cn/sh/2025/06-02/1.shtml`` →
  ``www.chinanews.com.cn/sh/2025/06-02/1.shtml``, ``m.health.gmw.cn/…`` → ``health.gmw.cn/…``;
  ``m.gmw.cn`` names no channel and is left alone — the content hash still catches it);
- the 人民邮电报 e-paper path with the extra ``/rmydb/`` prefix → the path without it.

URLs of other hosts get only the generic steps.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from healthcrawl.crawl.sites import SITES

#: Query parameters that never identify an article (exact names, lower case).
TRACKING_PARAMS = frozenset({
    "spm", "spm_id_from", "from", "source_from", "isappinstalled", "scene", "clicktime",
    "enterid", "wfr", "tt_from", "ivk_sa", "fbclid", "gclid", "msclkid", "yclid", "mc_cid",
    "mc_eid", "_hsenc", "_hsmi", "from_source", "timestamp", "vd_source", "sharer",
})
#: Query parameter prefixes that never identify an article (``utm_source``, ``share_id`` …).
TRACKING_PREFIXES = ("utm_", "share", "wt.", "hmsr", "hmpl", "hmcu", "hmkw", "hmci")

#: Registered domains of the four sites → the host their bare/alias forms fold into.
SITE_DOMAINS = {
    "gmw.cn": "www.gmw.cn",
    "chinanews.com.cn": "www.chinanews.com.cn",
    "chinanews.com": "www.chinanews.com.cn",
    "ce.cn": "www.ce.cn",
    "cnii.com.cn": "www.cnii.com.cn",
}
#: Exact host aliases (host → canonical host).
HOST_ALIASES = {
    "gmw.cn": "www.gmw.cn",
    "chinanews.com": "www.chinanews.com.cn",
    "www.chinanews.com": "www.chinanews.com.cn",
    "chinanews.com.cn": "www.chinanews.com.cn",
    "ce.cn": "www.ce.cn",
    "adimg.ce.cn": "www.ce.cn",
    "cnii.com.cn": "www.cnii.com.cn",
}
MOBILE_LABELS = ("m", "wap", "3g")

#: Desktop article paths per canonical host family; a mobile URL is folded only when its path
#: has this shape (the same path exists on the desktop host).
_DESKTOP_PATHS = {
    "gmw.cn": re.compile(r"^/\d{4}-\d{2}/\d{2}/content_\d+(?:_\d+)?\.htm$"),
    "chinanews.com.cn": re.compile(r"^/[a-z0-9]+/\d{4}/\d{2}-\d{2}/\d+\.shtml$"),
    "ce.cn": re.compile(r"/\d{6}/(?:\d{2}/)?t\d{8}_\d+\.s?html$"),
    "cnii.com.cn": re.compile(r"^/[a-z0-9]+/(?:\d{6}/t\d{8}_\d+\.html|\d{4}-\d{2}/\d{2}/content_\d+\.htm)$"),
}
#: every registered site's domains (healthcrawl/crawl/sites.py), the longest first
_REGISTERED_DOMAINS = sorted((d for site in SITES.values() for d in site.domains), key=len, reverse=True)
_EPAPER_HOST = "rmydb.cnii.com.cn"
_EPAPER_PREFIX = re.compile(r"^/rmydb(/html/\d{4}/\d{8}/)")


def _site_domain(host: str) -> str | None:
    """The site's registered domain for a host of a registered site (else None)."""
    for domain in _REGISTERED_DOMAINS:
        if host == domain or host.endswith("." + domain):
            return domain
    return None


def _canonical_host(host: str, path: str) -> str:
    host = host.lower().rstrip(".")
    if host in HOST_ALIASES:
        return HOST_ALIASES[host]
    domain = _site_domain(host)
    if domain is None:
        return host
    # chinanews: any sub-host of .com has a .com.cn twin (www, m, …)
    if domain == "chinanews.com":
        host = host[: -len("chinanews.com")] + "chinanews.com.cn"
        domain = "chinanews.com.cn"
    labels = host[: -len(domain)].rstrip(".").split(".") if host != domain else []
    if labels and labels[0] in MOBILE_LABELS:
        pattern = _DESKTOP_PATHS.get(domain)
        if pattern is not None and pattern.search(path):
            rest = labels[1:]
            if rest:
                return ".".join(rest + [domain])
            # gmw articles live on channel hosts (health.gmw.cn …): m.gmw.cn names no channel
            if domain != "gmw.cn":
                return SITE_DOMAINS[domain]
    return HOST_ALIASES.get(host, host)


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The canonical form of an article URL (see the module docstring); '' for an empty URL."""
    url = (url or "").strip()
    if not url:
        return ""
    if url.startswith("//"):
        url = "https:" + url
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return canonicalize_url(url)
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port not in (None, 80, 443) else None
    path = parts.path or "/"
    host = _canonical_host(host, path)
    if host == _EPAPER_HOST:
        path = _EPAPER_PREFIX.sub(r"\1", path)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    netloc = f"{host}:{port}" if port else host
    rebuilt = urlunsplit(("https", netloc, path, urlencode(query), ""))
    return canonicalize_url(rebuilt)
