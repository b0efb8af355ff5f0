"""The editors' decisions, stored on the articles (``bulletin``, the field ``healthcrawl bulletin``
reads and the crawler never overwrites), each one atomic update of one document:

- pick: ``bulletin.pick: true``, ``bulletin.order``: the next value of a counter (``desk_state``,
  ``$inc``), so two editors picking at once both keep their picks, in distinct places;
- move up/down: the moved pick alone gets an order between its new neighbours (renumbering the
  week's picks only when two orders leave no room between them);
- reject: ``bulletin.rejected: true`` (also unpicks); rescue: ``bulletin.rescued``.

Each pick, rejection and rescue is also a label (:mod:`healthcrawl.storage.labels`: relevant or
irrelevant, who, when, screen ``desk``). Every change is logged in ``desk_actions`` with the
``bulletin`` value it replaced and stamps the article's ``bulletin.action``; undo restores that
value only while the stamp is still there (nobody changed the article since) and withdraws the
action's label.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ReturnDocument

from healthcrawl.desk.users import STATE, User
from healthcrawl.desk.web import Refused
from healthcrawl.reports.select import select_articles
from healthcrawl.storage.labels import IRRELEVANT, RELEVANT, add_label, withdraw_label

ACTIONS = "desk_actions"
SCREEN = "desk"
KINDS = {"pick": "挑选", "unpick": "移出选单", "move": "调整顺序", "reject": "排除", "rescue": "救回"}


def object_id(value: Any) -> ObjectId:
    try:
        return ObjectId(str(value))
    except (InvalidId, TypeError):
        raise Refused(404, "没有这篇文章。") from None


def next_order(desk) -> int:
    """A pick's place: after every pick made before it, whichever desk process made it."""
    doc = desk.db[STATE].find_one_and_update({"_id": "pick_order"}, {"$inc": {"value": 1}},
                                             upsert=True, return_document=ReturnDocument.AFTER)
    return int(doc["value"])


def change(desk, user: User, kind: str, oid: ObjectId, *, guard: dict[str, Any], conflict: str,
           set_: dict[str, Any] | None = None, unset: tuple[str, ...] = (), label: str | None = None) -> dict:
    """One decision on one article, atomically; logged for undo and labelled. Returns the log entry."""
    now = datetime.now(timezone.utc)
    action_id = ObjectId()
    update: dict[str, Any] = {"$set": {**(set_ or {}), "bulletin.action": action_id}}
    if unset:
        update["$unset"] = {name: "" for name in unset}
    before = desk.articles.find_one_and_update(
        {"_id": oid, **guard}, update, projection={"bulletin": 1, "canonical_url": 1, "url": 1},
        return_document=ReturnDocument.BEFORE)
    if before is None:
        exists = desk.articles.count_documents({"_id": oid}, limit=1)
        raise Refused(409 if exists else 404, conflict if exists else "没有这篇文章。")
    url = before.get("canonical_url") or before.get("url")
    label_id = add_label(desk.db, url, label, user.name, SCREEN, at=now)["_id"] if label else None
    entry = {"_id": action_id, "who": user.name, "at": now, "kind": kind, "article": oid, "url": url,
             "before": before.get("bulletin"), "label": label_id}
    desk.db[ACTIONS].insert_one(entry)
    return entry


def pick(desk, user: User, oid: ObjectId) -> dict:
    now = datetime.now(timezone.utc)
    return change(desk, user, "pick", oid, guard={"bulletin.pick": {"$ne": True}}, conflict="这篇文章已在选单中。",
                  set_={"bulletin.pick": True, "bulletin.order": next_order(desk),
                        "bulletin.by": user.name, "bulletin.at": now},
                  unset=("bulletin.rejected",), label=RELEVANT)


def unpick(desk, user: User, oid: ObjectId) -> dict:
    return change(desk, user, "unpick", oid, guard={"bulletin.pick": True}, conflict="这篇文章不在选单中。",
                  unset=("bulletin.pick", "bulletin.order"))


def reject(desk, user: User, oid: ObjectId) -> dict:
    now = datetime.now(timezone.utc)
    return change(desk, user, "reject", oid, guard={"bulletin.rejected": {"$ne": True}},
                  conflict="这篇文章已被排除。",
                  set_={"bulletin.rejected": True, "bulletin.by": user.name, "bulletin.at": now},
                  unset=("bulletin.pick", "bulletin.order"), label=IRRELEVANT)


def rescue(desk, user: User, oid: ObjectId, source: str = "stored", text_missing: bool = False) -> dict:
    """Bring a near miss back among the candidates (labelled relevant)."""
    now = datetime.now(timezone.utc)
    rescued = {"by": user.name, "at": now, "source": source, "text_missing": text_missing}
    return change(desk, user, "rescue", oid, guard={"bulletin.rescued": {"$exists": False}},
                  conflict="这篇文章已被救回。", set_={"bulletin.rescued": rescued},
                  unset=("bulletin.rejected",), label=RELEVANT)


# --- order --------------------------------------------------------------------------------------
def picks_in_order(desk, window) -> list[dict[str, Any]]:
    """The week's picks as the bulletin orders them (the same selection code)."""
    selection = select_articles(desk.articles, window.since, window.until)
    return selection.docs if selection.mode == "stored" else []


def _order(doc: dict[str, Any]) -> float | None:
    value = (doc.get("bulletin") or {}).get("order")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def renumber(desk, docs: list[dict[str, Any]]) -> list[float]:
    """Give the picks distinct orders 1, 2, 3 … in their current order (when there is no room)."""
    for n, doc in enumerate(docs, 1):
        desk.articles.update_one({"_id": doc["_id"], "bulletin.pick": True}, {"$set": {"bulletin.order": n}})
    return [float(n) for n in range(1, len(docs) + 1)]


def new_place(orders: list[float], i: int, j: int) -> float | None:
    """The order that puts item ``i`` just before item ``j`` (``j == len``: at the end), or None
    when the neighbours leave no room."""
    rest = [o for k, o in enumerate(orders) if k != i]
    at = j if j < i else j - 1  # j's index once i is taken out
    low = rest[at - 1] if at > 0 else None
    high = rest[at] if at < len(rest) else None
    if low is None:
        return high - 1.0
    if high is None:
        return low + 1.0
    middle = (low + high) / 2
    return middle if low < middle < high else None


def move(desk, user: User, oid: ObjectId, window, step: int) -> dict:
    """Move a pick one place up (``step`` -1) or down (+1) in the week's bulletin order."""
    docs = picks_in_order(desk, window)
    ids = [doc["_id"] for doc in docs]
    if oid not in ids:
        raise Refused(409, "这篇文章不在本周选单中。")
    i = ids.index(oid)
    target = i + step
    if not 0 <= target < len(ids):
        raise Refused(409, "已经在最前面。" if step < 0 else "已经在最后面。")
    orders = [_order(doc) for doc in docs]
    if any(o is None for o in orders) or len(set(orders)) < len(orders):
        orders = renumber(desk, docs)
    j = target if step < 0 else target + 1  # insert before this index
    place = new_place(orders, i, j)
    if place is None:
        orders = renumber(desk, docs)
        place = new_place(orders, i, j)
    return change(desk, user, "move", oid, guard={"bulletin.pick": True}, conflict="这篇文章已不在选单中。",
                  set_={"bulletin.order": place})


# --- undo ---------------------------------------------------------------------------------------
def last_action(desk, user: User) -> dict[str, Any] | None:
    return desk.db[ACTIONS].find_one({"who": user.name, "undone": None, "stale": None},
                                     sort=[("at", -1), ("_id", -1)])


def undo(desk, user: User) -> dict:
    """Undo the account's last decision still undoable. Refused (409) when there is none, or when
    the article changed since (another editor's decision is never overwritten)."""
    entry = last_action(desk, user)
    if entry is None:
        raise Refused(409, "没有可以撤销的操作。")
    before = entry.get("before")
    update = {"$set": {"bulletin": before}} if before else {"$unset": {"bulletin": ""}}
    done = desk.articles.update_one({"_id": entry["article"], "bulletin.action": entry["_id"]}, update)
    now = datetime.now(timezone.utc)
    if not done.matched_count:
        desk.db[ACTIONS].update_one({"_id": entry["_id"]}, {"$set": {"stale": now}})
        raise Refused(409, "这篇文章此后已被修改（可能是其他编辑），上一步无法撤销。")
    if entry.get("label") is not None:
        withdraw_label(desk.db, entry["label"])
    desk.db[ACTIONS].update_one({"_id": entry["_id"]}, {"$set": {"undone": now}})
    return entry


def recent_actions(desk, user: User, limit: int = 5) -> list[dict[str, Any]]:
    return list(desk.db[ACTIONS].find({"who": user.name}, {"kind": 1, "at": 1, "url": 1, "undone": 1, "stale": 1})
                .sort([("at", -1), ("_id", -1)]).limit(limit))
