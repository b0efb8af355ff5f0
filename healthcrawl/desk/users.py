"""Desk accounts in MongoDB: argon2 password hashes (``desk_users``), the login slow-down
(``desk_logins``: failures per name) and the session signing key (``desk_state``).

An account is ``{_id: name, password: <argon2id hash>, role: editor|viewer, epoch, created_at}``;
``epoch`` is bumped at logout, which ends every session of the account (a signed cookie cannot
be revoked otherwise). No password or hash ever leaves this module.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pymongo import ReturnDocument

USERS = "desk_users"
LOGINS = "desk_logins"
STATE = "desk_state"
ROLES = ("editor", "viewer")
MIN_PASSWORD = 8
_NAME = re.compile(r"[^\s\x00-\x1f\x7f]{1,64}")
_hasher = PasswordHasher()
#: verified when the name is unknown, so that an unknown name costs as much as a known one
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class User:
    name: str
    role: str
    epoch: int

    @property
    def can_edit(self) -> bool:
        return self.role == "editor"


def check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError("a user name is 1 to 64 characters, without spaces or control characters")
    return name


def add_user(db, name: str, password: str, role: str) -> bool:
    """Create the account, or set a new password and role for an existing one. True: created."""
    check_name(name)
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password or "") < MIN_PASSWORD:
        raise ValueError(f"a password has at least {MIN_PASSWORD} characters")
    now = datetime.now(timezone.utc)
    result = db[USERS].update_one(
        {"_id": name},
        {"$set": {"password": _hasher.hash(password), "role": role, "updated_at": now},
         "$setOnInsert": {"created_at": now, "epoch": 0}},
        upsert=True)
    return result.upserted_id is not None


def get_user(db, name: str | None) -> User | None:
    if not name:
        return None
    doc = db[USERS].find_one({"_id": name}, {"role": 1, "epoch": 1})
    if doc is None or doc.get("role") not in ROLES:
        return None
    return User(doc["_id"], doc["role"], int(doc.get("epoch") or 0))


def end_sessions(db, name: str) -> None:
    """Logout: every session cookie of the account stops being valid."""
    db[USERS].update_one({"_id": name}, {"$inc": {"epoch": 1}})


def check_password(db, name: str, password: str) -> User | None:
    """The account when the password is right (blocking: argon2 takes tens of milliseconds)."""
    doc = db[USERS].find_one({"_id": name}) if isinstance(name, str) else None
    try:
        _hasher.verify(doc["password"] if doc else _DUMMY_HASH, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if doc is None or doc.get("role") not in ROLES:
        return None
    return User(doc["_id"], doc["role"], int(doc.get("epoch") or 0))


# --- the slow-down ----------------------------------------------------------------------------------
def _key(name: str) -> str:
    return str(name or "")[:64].casefold()


def login_wait(db, name: str, delay: float, delay_max: float, now: datetime | None = None) -> float:
    """Seconds before this name may try again (0: now): after n failures, delay × 2^n, at most
    ``delay_max``, counted from the last failure (whose answer itself took ``delay``)."""
    doc = db[LOGINS].find_one({"_id": _key(name)})
    if not doc or not doc.get("failures"):
        return 0.0
    now = now or datetime.now(timezone.utc)
    wait = min(delay * 2 ** min(doc["failures"], 32), delay_max)
    last = doc["last"] if doc["last"].tzinfo else doc["last"].replace(tzinfo=timezone.utc)
    return max(0.0, (last + timedelta(seconds=wait) - now).total_seconds())


def record_failure(db, name: str) -> int:
    """Count a wrong password for the name (known or not); returns the failures so far."""
    doc = db[LOGINS].find_one_and_update(
        {"_id": _key(name)}, {"$inc": {"failures": 1}, "$set": {"last": datetime.now(timezone.utc)}},
        upsert=True, return_document=ReturnDocument.AFTER)
    return int(doc["failures"])


def clear_failures(db, name: str) -> None:
    db[LOGINS].delete_one({"_id": _key(name)})


# --- the signing key --------------------------------------------------------------------------------
def session_secret(db, configured: str | None) -> str:
    """The key signing session cookies: the configured one, else a random key created once and
    kept in ``desk_state`` (every desk process on the database agrees on it)."""
    if configured:
        return configured
    doc = db[STATE].find_one_and_update(
        {"_id": "session_key"}, {"$setOnInsert": {"value": secrets.token_urlsafe(48)}},
        upsert=True, return_document=ReturnDocument.AFTER)
    return doc["value"]


def user_names(db) -> list[dict[str, Any]]:
    """Accounts without their hashes (name, role), for listings."""
    return list(db[USERS].find({}, {"role": 1}).sort("_id", 1))
