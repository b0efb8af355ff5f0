"""What every request goes through: the signed session (who is logged in), the CSRF token of every
form, the role an action needs, the security headers and the ``Server-Timing`` header.

Pages are plain functions ``(request, user) -> Response`` and actions ``(request, user, form) ->
Response``, run in a worker thread (pymongo blocks); :func:`page` and :func:`action` wrap them.
Every POST route of the app is built with :func:`action` (or is the login form, which checks its
own token), so none runs without a valid CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any, Awaitable, Callable
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from healthcrawl.desk.users import User, get_user

SESSION_COOKIE = "healthcrawl_desk"
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "form-action 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
HEADERS = {
    b"content-security-policy": CSP.encode(),
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
    b"x-frame-options": b"DENY",
    b"cache-control": b"no-store",
}

Page = Callable[[Request, User], Response]
Action = Callable[[Request, User, Any], Response]


class Refused(Exception):
    """An action refused: ``status`` and a message for the editor."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use; also before login, for the login form)."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(request: Request, form: Any) -> bool:
    expected = request.session.get("csrf")
    given = form.get("csrf") if form is not None else None
    return bool(expected) and isinstance(given, str) and hmac.compare_digest(expected, given)


def session_user(request: Request) -> User | None:
    """The logged-in account, or None (no session, a deleted account, or a session ended by logout)."""
    desk = request.app.state.desk
    user = get_user(desk.db, request.session.get("user"))
    if user is None or request.session.get("epoch") != user.epoch:
        return None
    return user


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def page(handler: Page) -> Callable[[Request], Awaitable[Response]]:
    """A GET page for any logged-in account."""
    async def endpoint(request: Request) -> Response:
        user = await run_in_threadpool(session_user, request)
        if user is None:
            return to_login(request)
        request.state.user = user
        try:
            return await run_in_threadpool(handler, request, user)
        except Refused as exc:
            return request.app.state.desk.refusal(request, exc.status, exc.message)
    endpoint.__name__ = handler.__name__
    return endpoint


def action(handler: Action, *, editor: bool = True) -> Callable[[Request], Awaitable[Response]]:
    """A POST: refused without a valid CSRF token (403), without a login (401), and for a viewer
    when ``editor`` (403)."""
    async def endpoint(request: Request) -> Response:
        form = await request.form()
        desk = request.app.state.desk
        if not csrf_ok(request, form):
            return desk.refusal(request, 403, "请求缺少有效的 CSRF 令牌，已拒绝。请刷新页面后重试。")
        user = await run_in_threadpool(session_user, request)
        if user is None:
            return desk.refusal(request, 401, "请先登录。")
        request.state.user = user
        if editor and not user.can_edit:
            return desk.refusal(request, 403, "只读账户（viewer）不能修改。")
        try:
            return await run_in_threadpool(handler, request, user, form)
        except Refused as exc:
            return desk.refusal(request, exc.status, exc.message)
    endpoint.__name__ = handler.__name__
    endpoint.desk_action = True  # type: ignore[attr-defined]
    return endpoint


def safe_next(target: Any, default: str = "/week") -> str:
    """A redirect target inside the desk (a path), never another site."""
    if isinstance(target, str) and target.startswith("/") and not target.startswith("//") \
            and "\\" not in target and all(ord(c) > 31 for c in target):
        return target
    return default


class Headers:
    """ASGI middleware: security headers on every response (a response may set its own CSP or
    frame policy) and ``Server-Timing: app;dur=<ms>`` (time until the response starts)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS.items() if k not in present]
                ms = (time.perf_counter() - started) * 1000
                extra.append((b"server-timing", f"app;dur={ms:.2f}".encode()))
                message = dict(message, headers=[*message.get("headers", []), *extra])
            await send(message)

        await self.app(scope, receive, send_with_headers)
