"""The desk's Starlette application: :func:`create_app` over one project database
(:class:`healthcrawl.storage.client.Database`), its routes, the login and logout, and the
rendering shared by the pages (Jinja2 templates, autoescaped, from the package)."""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from healthcrawl.desk import actions, views
from healthcrawl.desk.config import DeskConfig
from healthcrawl.desk.picks import ACTIONS
from healthcrawl.desk.users import (User, check_password, clear_failures, end_sessions, login_wait,
                                    record_failure, session_secret)
from healthcrawl.desk.web import SESSION_COOKIE, Headers, action, csrf_ok, csrf_token, page, safe_next, session_user
from healthcrawl.storage.collections import ARTICLES, CRAWL_RUNS, DROPPED, ensure_indexes
from healthcrawl.storage.labels import ensure_label_indexes, labels_for

logger = logging.getLogger(__name__)


def environment() -> Environment:
    env = Environment(loader=PackageLoader("healthcrawl.desk", "templates"),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = lambda value: value.strftime("%m-%d %H:%M") if hasattr(value, "strftime") else "—"
    return env


class Desk:
    """What the handlers share: the database, its collections, the settings and the templates."""

    def __init__(self, database, config: DeskConfig):
        self.database, self.config = database, config
        self.db = database.db
        self.articles = database.collection(ARTICLES)
        self.dropped = database.collection(DROPPED)
        self.runs = database.collection(CRAWL_RUNS)
        self.templates = Jinja2Templates(env=environment())

    def prepare(self) -> None:
        """Indexes the desk reads with (the crawler's, the labels', the action log's)."""
        ensure_indexes(self.db, self.database.names)
        ensure_label_indexes(self.db)
        self.db[ACTIONS].create_index([("who", 1), ("at", -1)], name="who_at")

    def labels_for(self, url: str) -> dict[str, Any] | None:
        return labels_for(self.db, [url]).get(url) if url else None

    def render(self, request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        base = {"user": getattr(request.state, "user", None), "csrf": csrf_token(request),
                "flash": request.session.pop("flash", None), "nav": "", "here": "/week", "window": None}
        return self.templates.TemplateResponse(request, name, {**base, **context}, status_code=status)

    def refusal(self, request: Request, status: int, message: str) -> Response:
        return self.render(request, "error.html", {"status": status, "message": message}, status=status)


# --- login and logout ------------------------------------------------------------------------------
async def login_page(request: Request) -> Response:
    desk = request.app.state.desk
    if await run_in_threadpool(session_user, request) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return desk.render(request, "login.html", {"next": safe_next(request.query_params.get("next")), "error": None})


async def login(request: Request) -> Response:
    desk = request.app.state.desk
    form = await request.form()
    target = safe_next(form.get("next"))
    if not csrf_ok(request, form):
        return desk.refusal(request, 403, "请求缺少有效的 CSRF 令牌，已拒绝。请刷新页面后重试。")
    name, password = str(form.get("name") or ""), str(form.get("password") or "")
    config = desk.config
    wait = await run_in_threadpool(login_wait, desk.db, name, config.login_delay, config.login_delay_max)
    if wait > 0:
        return desk.render(request, "login.html", {"next": target, "name": name,
                                                   "error": f"尝试过于频繁，请 {math.ceil(wait)} 秒后再试。"}, 429)
    user = await run_in_threadpool(check_password, desk.db, name, password)
    if user is None:
        failures = await run_in_threadpool(record_failure, desk.db, name)
        logger.warning("desk: a login failed (%d failure(s) in a row for that name)", failures)
        await asyncio.sleep(config.login_delay)
        return desk.render(request, "login.html", {"next": target, "name": name, "error": "用户名或密码错误。"}, 401)
    await run_in_threadpool(clear_failures, desk.db, name)
    request.session.clear()
    request.session.update(user=user.name, epoch=user.epoch, csrf=secrets.token_urlsafe(32))
    logger.info("desk: %s logged in (%s)", user.name, user.role)
    return RedirectResponse(target, status_code=303)


def logout(request: Request, user: User, form) -> Response:
    end_sessions(request.app.state.desk.db, user.name)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


async def home(request: Request) -> Response:
    return RedirectResponse("/week", status_code=303)


# --- the application -----------------------------------------------------------------------------
ACTION_ROUTES = {
    "/pick": actions.do_pick, "/unpick": actions.do_unpick, "/move": actions.do_move,
    "/reject": actions.do_reject, "/rescue": actions.do_rescue, "/rescue-dropped": actions.do_rescue_dropped,
    "/undo": actions.do_undo, "/bulletin": actions.do_save_issue,
}
PAGE_ROUTES = {
    "/week": views.week_page, "/article/{id}": views.article_page, "/near": views.near_page,
    "/bulletin": views.bulletin_page, "/bulletin/preview": views.preview,
    "/bulletin/download": views.download, "/health": views.health_page,
}


def routes() -> list:
    out: list = [Route("/", home), Route("/login", login_page, methods=["GET"]),
                 Route("/login", login, methods=["POST"]),
                 Route("/logout", action(logout, editor=False), methods=["POST"])]
    out += [Route(path, page(handler), methods=["GET"]) for path, handler in PAGE_ROUTES.items()]
    out += [Route(path, action(handler), methods=["POST"]) for path, handler in ACTION_ROUTES.items()]
    out.append(Mount("/static", StaticFiles(packages=[("healthcrawl.desk", "static")]), name="static"))
    return out


def create_app(database, config: DeskConfig, *, prepare: bool = True) -> Starlette:
    """The desk over ``database`` (its MongoDB database and collection names)."""
    desk = Desk(database, config)
    if prepare:
        desk.prepare()
    secret = session_secret(desk.db, config.secret)
    app = Starlette(routes=routes(), middleware=[
        Middleware(Headers),
        Middleware(SessionMiddleware, secret_key=secret, session_cookie=SESSION_COOKIE,
                   max_age=int(config.session_hours * 3600), same_site="lax", https_only=config.secure_cookie),
    ])
    app.state.desk = desk
    return app
