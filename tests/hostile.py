"""A hostile news site on 127.0.0.1 for the resilience tests, and a spider that crawls it.

:class:`HostileServer` (a threading ``http.server`` on a free port, started and stopped by the
test) serves one list page (``/list.htm``, gmw node-list markup, every entry dated inside the
test window) linking good articles and every kind of bad answer in :data:`CASES`: truncated
transfers, a PDF and an image where HTML was expected, a wrong charset declaration, a 10 MB page,
an empty body, a body of only images, dates in 1970 and next year, the same URL with tracking
parameters, 404, 410, 500, 503 with Retry-After, read timeouts and connection resets — plus a
``robots.txt`` disallowing ``/private/``, linked from the list all the same. Article pages are
rendered with the demo archive's gmw 2018 template (:mod:`tools.sitegen.gmw`) from the demo
week's relevant stories, so the good ones are stored by the default pipelines.

:class:`HostileSpider` (``name = "hostile"``) is a plain :class:`~healthcrawl.crawl.spider.NewsSpider`
over the gmw extractor whose list parser accepts 127.0.0.1 links; ``allowed_domains`` is
``127.0.0.1`` (OffsiteMiddleware). Crawl it with
``scrapy crawl hostile -s SPIDER_MODULES=spiders,tests.hostile -a base=http://127.0.0.1:PORT``.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, replace
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, ClassVar
from urllib.parse import urljoin, urlsplit

from scrapy.statscollectors import MemoryStatsCollector

from healthcrawl.text import dates
from healthcrawl.crawl.extractors.base import ListEntry, ListPage, squash
from healthcrawl.crawl.extractors.gmw import GmwExtractor
from healthcrawl.crawl.spider import NewsSpider

WINDOW = ("2026-11-09", "2026-11-15")
LIST_DATE = "2026-11-12"
#: a title the bulletin's html must escape
SCRIPT_TITLE = "<script>alert('hc')</script>医保数据互通试点扩围"
TRACKING = "?utm_source=wechat&utm_medium=share&spm=a2c.1.0&from=timeline"
DOWNLOAD_TIMEOUT = 2  # seconds: the test crawl's read timeout; /a/timeout.htm answers far later


@dataclass(frozen=True)
class Case:
    path: str
    what: str
    #: stored as an article document (canonical URL = the path without tracking parameters)
    good: bool = False


CASES: list[Case] = [
    Case("/a/good-1.htm", "a good article (also linked with tracking parameters)", good=True),
    Case("/a/good-1.htm" + TRACKING, "the same URL with tracking parameters"),
    Case("/a/good-2.htm", "a good article", good=True),
    Case("/a/good-3.htm", "a good article", good=True),
    Case("/a/script-title.htm", "a good article whose title holds <script>", good=True),
    Case("/a/wrong-charset.htm", "GBK bytes declared as UTF-8 (a good article)", good=True),
    Case("/a/retry-after.htm", "503 with Retry-After once, then the article", good=True),
    Case("/a/truncated.htm", "truncated transfer: Content-Length promises more than is sent"),
    Case("/a/pdf.htm", "a PDF where HTML was expected"),
    Case("/a/image.htm", "an image where HTML was expected"),
    Case("/a/huge.htm", "a 10 MB page (DOWNLOAD_MAXSIZE is 8 MB)"),
    Case("/a/empty.htm", "an empty body"),
    Case("/a/only-images.htm", "an article page whose body is only images"),
    Case("/a/1970.htm", "an article dated 1970"),
    Case("/a/next-year.htm", "an article dated next year"),
    Case("/a/gone-404.htm", "404"),
    Case("/a/gone-410.htm", "410"),
    Case("/a/error-500.htm", "500 every time"),
    Case("/a/timeout.htm", "no answer within the read timeout"),
    Case("/a/reset.htm", "connection reset without an answer"),
    Case("/private/secret.htm", "disallowed by robots.txt"),
]

ROBOTS_TXT = b"User-agent: *\nDisallow: /private/\n"
PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


# --- pages ------------------------------------------------------------------------------------------
def _stories() -> dict[str, Any]:
    """Relevant demo stories (distinct texts) rendered as gmw pages, keyed by case path."""
    from tools.sitegen.week import BY_KEY  # noqa: PLC0415

    def gmw(key: str, n: int, **changes: Any):
        story = BY_KEY[key]
        return replace(story, url=f"https://health.gmw.cn/2026-11/12/content_{39700000 + n}.htm",
                       template="gmw2018", node=(9222, "资讯速递"), page_break=0, images=(),
                       source=story.source or "光明网", editor=story.editor or "王雪", **changes)

    return {
        "/a/good-1.htm": gmw("g01", 1),
        "/a/good-2.htm": gmw("g03", 2),
        "/a/good-3.htm": gmw("n02", 3),
        "/a/script-title.htm": gmw("g02", 4, title=SCRIPT_TITLE),
        "/a/wrong-charset.htm": gmw("p03", 5),
        "/a/retry-after.htm": gmw("g04", 6),
        "/a/truncated.htm": gmw("p05", 7),
        "/a/only-images.htm": gmw("g05", 8),
        "/a/1970.htm": gmw("p07", 9, published="1970-01-01 08:00:00"),
        "/a/next-year.htm": gmw("n03", 10, published=f"{int(WINDOW[0][:4]) + 1}-06-01 10:00:00"),
    }


def article_html(path: str) -> str:
    from tools.sitegen import gmw  # noqa: PLC0415

    story = _stories()[path]
    page = gmw.article(story)
    if path == "/a/only-images.htm":
        start, end = page.index("<!--enpcontent-->"), page.rindex("<!--/enpcontent-->")
        images = "\n".join(f'<p style="text-align: center;"><img src="../../images/{i}.jpg" alt=""></p>'
                           for i in range(4))
        page = page[:start] + "<!--enpcontent-->" + images + page[end:]
    return page


def expected_title(path: str) -> str:
    return _stories()[path].title


def list_html() -> str:
    items = "\n".join(f'<li><span class="channel-newsTitle"><a href="{escape(case.path)}">{escape(case.what)}</a></span>'
                      f'<span class="channel-newsTime">{LIST_DATE}</span></li>' for case in CASES)
    return f"""<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>资讯速递_健康频道_光明网</title></head>
<body><div class="channelLeftPart"><ul class="channel-newsGroup">
{items}
</ul></div></body></html>
"""


# --- the server -------------------------------------------------------------------------------------
class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # the client hung up on a reset/timeout/too-large answer: expected here


class HostileServer:
    """The hostile site on a free 127.0.0.1 port (a thread per connection)."""

    def __init__(self):
        self.hits: Counter[str] = Counter()
        #: path -> monotonic times of its requests
        self.times: dict[str, list[float]] = {}
        self.user_agents: set[str] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.httpd = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="hostile-http", daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "HostileServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)

    def __enter__(self) -> "HostileServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _count(self, path: str, agent: str) -> int:
        with self._lock:
            self.hits[path] += 1
            self.times.setdefault(path, []).append(time.monotonic())
            self.user_agents.add(agent)
            return self.hits[path]

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8",
                     headers: dict[str, str] | None = None, length: int | None = None) -> None:
                # one request per connection: no pooled-connection races, so every hit count
                # is one attempt of the client
                self.close_connection = True
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body) if length is None else length))
                    self.send_header("Connection", "close")
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                    self.wfile.flush()
                except OSError:  # the client gave up (maxsize, timeout): nothing to do
                    pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                path = urlsplit(self.path).path
                hit = server._count(path, self.headers.get("User-Agent", ""))
                self.hostile = server
                handler: Callable[[Any, int], None] = ROUTES.get(path, _not_found)
                handler(self, hit)

        return Handler

    def wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)


# --- routes -------------------------------------------------------------------------------------------
def _page(path: str, charset: str = "utf-8") -> bytes:
    return article_html(path).encode(charset)


def _not_found(h, hit):
    h.send(404, b"<html><head><title>404 Not Found</title></head><body>not here</body></html>")


def _good(h, hit):
    h.send(200, _page(urlsplit(h.path).path))


def _wrong_charset(h, hit):
    h.send(200, _page("/a/wrong-charset.htm", "gbk"))  # the page says <meta charset="UTF-8">


def _retry_after(h, hit):
    if hit == 1:
        h.send(503, b"<html><body>busy</body></html>", headers={"Retry-After": "1"})
    else:
        _good(h, hit)


def _truncated(h, hit):
    body = _page("/a/truncated.htm")
    h.send(200, body[: len(body) // 2], length=len(body))
    h.close_connection = True
    h.connection.shutdown(socket.SHUT_WR)


def _pdf(h, hit):
    h.send(200, PDF, ctype="application/pdf")


def _image(h, hit):
    h.send(200, PNG, ctype="image/png")


def _huge(h, hit):
    chunk = ("<p>" + "健康数据" * 255 + "</p>\n").encode("utf-8")
    size = 10 * 1024 * 1024
    body = b"<html><head><title>huge</title></head><body>" + chunk * (size // len(chunk) + 1)
    h.send(200, body[:size])


def _empty(h, hit):
    h.send(200, b"")


def _status(code: int):
    def answer(h, hit):
        h.send(code, f"<html><head><title>{code}</title></head><body>{code}</body></html>".encode())
    return answer


def _timeout(h, hit):
    h.hostile.wait(DOWNLOAD_TIMEOUT * 4)  # returns at once when the server stops
    h.close_connection = True


def _reset(h, hit):
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.close_connection = True
    h.connection.close()


def _robots(h, hit):
    h.send(200, ROBOTS_TXT, ctype="text/plain")


def _list(h, hit):
    h.send(200, list_html().encode("utf-8"))


def _secret(h, hit):
    _good(h, hit)


ROUTES: dict[str, Callable[[Any, int], None]] = {
    "/robots.txt": _robots,
    "/list.htm": _list,
    "/a/good-1.htm": _good,
    "/a/good-2.htm": _good,
    "/a/good-3.htm": _good,
    "/a/script-title.htm": _good,
    "/a/1970.htm": _good,
    "/a/next-year.htm": _good,
    "/a/only-images.htm": _good,
    "/a/wrong-charset.htm": _wrong_charset,
    "/a/retry-after.htm": _retry_after,
    "/a/truncated.htm": _truncated,
    "/a/pdf.htm": _pdf,
    "/a/image.htm": _image,
    "/a/huge.htm": _huge,
    "/a/empty.htm": _empty,
    "/a/gone-404.htm": _status(404),
    "/a/gone-410.htm": _status(410),
    "/a/error-500.htm": _status(500),
    "/a/timeout.htm": _timeout,
    "/a/reset.htm": _reset,
    "/private/secret.htm": _secret,
}


# --- the spider -----------------------------------------------------------------------------------------
class HostileExtractor(GmwExtractor):
    """The gmw extractor with a list parser for the hostile site (any host, gmw node markup)."""

    def parse_list(self, response) -> ListPage:
        entries = []
        for item in response.css("ul.channel-newsGroup li"):
            href = item.css("a::attr(href)").get()
            if not href:
                continue
            shown = squash(" ".join(item.css(".channel-newsTime ::text").getall()))
            entries.append(ListEntry(urljoin(response.url, href.strip()), dates.find_datetime(shown),
                                     squash(item.css("a::text").get())))
        return ListPage(entries=entries)


class HostileSpider(NewsSpider):
    name = "hostile"
    site = "gmw"
    allowed_domains = ["127.0.0.1"]
    extractor: ClassVar = HostileExtractor()
    channels = {"hostile": []}

    def __init__(self, *args: Any, base: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.base = base.rstrip("/")

    def list_urls(self):
        yield "hostile", f"{self.base}/list.htm"


# --- stats for the tests ------------------------------------------------------------------------------
class JsonStatsCollector(MemoryStatsCollector):
    """Scrapy's stats collector, also writing the final stats to ``HOSTILE_STATS_FILE`` (JSON)."""

    def _persist_stats(self, stats) -> None:
        super()._persist_stats(stats)
        path = self._crawler.settings.get("HOSTILE_STATS_FILE")
        if path:
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(stats, fh, default=str)
