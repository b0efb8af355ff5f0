"""The desk's pages (GET): this week, one article, near misses, the bulletin (preview and
downloads) and crawl health. Each is a plain function run in a worker thread (see web.page)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import Response

from healthcrawl.crawl.sites import SITES
from healthcrawl.desk import article as article_view
from healthcrawl.desk import health, issue, nearmiss, picks
from healthcrawl.desk.users import User
from healthcrawl.desk.week import Filters, Window, beijing, candidates, day_label, row, week_of

PREVIEW_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; "
               "form-action 'none'; frame-ancestors 'self'")


def _week(request: Request) -> Window:
    return week_of(request.query_params, request.app.state.desk.articles)


def _picks(desk, window: Window) -> list[dict]:
    return [row(doc) for doc in picks.picks_in_order(desk, window)]


def week_page(request: Request, user: User) -> Response:
    desk = request.app.state.desk
    window = _week(request)
    filters = Filters.from_params(request.query_params, window)
    rows = candidates(desk, window, filters)
    here = "/week?" + urlencode(filters.params(window))
    return desk.render(request, "week.html", {
        "nav": "week", "window": window, "filters": filters, "rows": rows, "picks": _picks(desk, window),
        "sites": SITES, "days": [(d, day_label(d)) for d in window.days], "here": here,
        "prev": window.shifted(-1).key, "next": window.shifted(1).key,
        "actions": picks.recent_actions(desk, user), "kinds": picks.KINDS})


def article_page(request: Request, user: User) -> Response:
    desk = request.app.state.desk
    oid = picks.object_id(request.path_params["id"])
    doc = desk.articles.find_one({"_id": oid}, {"search_title": 0, "search_body": 0, "dedup": 0})
    if doc is None:
        return desk.refusal(request, 404, "没有这篇文章。")
    window = _week(request)
    shown = beijing(doc.get("published_at"))
    label = desk.labels_for(doc.get("canonical_url") or doc.get("url") or "")
    here = f"/article/{oid}?week={window.key}"
    return desk.render(request, "article.html", {
        "nav": "week", "window": window, "a": article_view.view(doc, desk.config.thresholds),
        "label": label, "here": here, "day": shown.date().isoformat() if shown else ""})


def near_page(request: Request, user: User) -> Response:
    desk = request.app.state.desk
    window = _week(request)
    return desk.render(request, "near.html", {
        "nav": "near", "window": window, "stored": nearmiss.stored_misses(desk, window),
        "dropped": nearmiss.dropped_misses(desk, desk.config.near_miss_days),
        "days": desk.config.near_miss_days, "here": f"/near?week={window.key}"})


def bulletin_page(request: Request, user: User) -> Response:
    desk = request.app.state.desk
    window = _week(request)
    current = issue.build_issue(desk, window)
    return desk.render(request, "bulletin.html", {
        "nav": "bulletin", "window": window, "issue": current, "generated": issue.generated_intro(current),
        "here": f"/bulletin?week={window.key}"})


def preview(request: Request, user: User) -> Response:
    """The bulletin as ``healthcrawl bulletin --format html`` writes it (shown in a frame)."""
    desk = request.app.state.desk
    current = issue.build_issue(desk, _week(request))
    if not current.items:
        return Response("<!DOCTYPE html><meta charset=utf-8><p>本周没有可收录的文章。</p>",
                        media_type=issue.MEDIA_TYPES["html"],
                        headers={"Content-Security-Policy": PREVIEW_CSP, "X-Frame-Options": "SAMEORIGIN"})
    return Response(issue.document(current, "html"), media_type=issue.MEDIA_TYPES["html"],
                    headers={"Content-Security-Policy": PREVIEW_CSP, "X-Frame-Options": "SAMEORIGIN"})


def download(request: Request, user: User) -> Response:
    desk = request.app.state.desk
    fmt = request.query_params.get("fmt", "docx")
    if fmt not in ("docx", "md"):
        return desk.refusal(request, 404, "只提供 docx 和 md 两种格式。")
    current = issue.build_issue(desk, _week(request))
    if not current.items:
        return desk.refusal(request, 409, "本周没有可收录的文章，未生成周报。")
    name = current.filename(fmt)
    return Response(issue.document(current, fmt), media_type=issue.MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"})


def health_page(request: Request, user: User) -> Response:
    desk = request.app.state.desk
    window = _week(request)
    days, counts = health.daily_counts(desk, window.until, desk.config.chart_days)
    return desk.render(request, "health.html", {
        "nav": "health", "window": window, "runs": health.run_rows(desk, desk.config.runs_per_site),
        "chart": health.chart(days, counts), "sites": SITES, "here": f"/health?week={window.key}"})
