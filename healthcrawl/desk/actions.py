"""The desk's changes (POST): pick, unpick, move, reject, rescue, undo, and the issue's date and
intro. Each is a plain function ``(request, user, form)`` run in a worker thread behind
:func:`healthcrawl.desk.web.action` (CSRF token, login, editor role), answering with a redirect
back to the page it came from and a one-line message."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from healthcrawl.desk import issue, nearmiss, picks
from healthcrawl.desk.users import User
from healthcrawl.desk.web import Refused, safe_next
from healthcrawl.desk.week import week_of


def back(request: Request, form, message: str) -> RedirectResponse:
    request.session["flash"] = message
    return RedirectResponse(safe_next(form.get("next")), status_code=303)


def _title(desk, entry: dict) -> str:
    doc = desk.articles.find_one({"_id": entry["article"]}, {"title": 1})
    title = (doc or {}).get("title") or entry.get("url") or ""
    return title if len(title) <= 40 else title[:39] + "…"


def on_article(operation, done: str):
    """The handler of a decision on one article (form field ``id``): ``operation(desk, user, id)``,
    then back with "<done>：<title>"."""
    def handler(request: Request, user: User, form) -> Response:
        desk = request.app.state.desk
        entry = operation(desk, user, picks.object_id(form.get("id")))
        return back(request, form, f"{done}：{_title(desk, entry)}")
    handler.__name__ = f"do_{operation.__name__}"
    return handler


do_pick = on_article(picks.pick, "已挑选")
do_unpick = on_article(picks.unpick, "已移出选单")
do_reject = on_article(picks.reject, "已排除（记为不相关）")
do_rescue = on_article(picks.rescue, "已救回（记为相关）")


def do_move(request: Request, user: User, form) -> Response:
    desk = request.app.state.desk
    step = {"up": -1, "down": 1}.get(str(form.get("direction")))
    if step is None:
        raise Refused(400, "未知的移动方向。")
    window = week_of(form, desk.articles)
    entry = picks.move(desk, user, picks.object_id(form.get("id")), window, step)
    return back(request, form, f"已{'上移' if step < 0 else '下移'}：{_title(desk, entry)}")


def do_rescue_dropped(request: Request, user: User, form) -> Response:
    desk = request.app.state.desk
    key = str(form.get("key") or "")
    entry = nearmiss.rescue_dropped(desk, user, key)
    return back(request, form, f"已存入并救回（记为相关）：{_title(desk, entry)}")


def do_undo(request: Request, user: User, form) -> Response:
    desk = request.app.state.desk
    entry = picks.undo(desk, user)
    return back(request, form, f"已撤销「{picks.KINDS.get(entry['kind'], entry['kind'])}」：{_title(desk, entry)}")


def do_save_issue(request: Request, user: User, form) -> Response:
    desk = request.app.state.desk
    window = week_of(form, desk.articles)
    issue.save_settings(desk, window, user.name, str(form.get("issue_date") or ""), str(form.get("intro") or ""))
    return back(request, form, "已保存期号日期和导语。")
