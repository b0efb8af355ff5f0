"""What may be shown: secrets hidden, control characters escaped. The project's one redaction.

Every text that leaves the process — a log line, an error message, a stat, a ``crawl_runs``
entry, an alert, the output of ``healthcrawl runs`` — and may hold a URI goes through
:func:`secrets`. It hides, in any number of URIs inside free text:

- the user information of a URI of any scheme (``mongodb``, ``mongodb+srv``, ``redis``,
  ``rediss``, ``http(s)`` of a scrapyd or a webhook, …): ``user:password@`` becomes
  ``***:***@``, a lone password or token (``redis://:pw@``, ``https://token@``) ``***@``;
- the value of every query parameter or ``name=value`` pair whose name says it is a secret
  (:data:`SECRET_NAME`: ``password``, ``key``, ``token``, ``secret``, ``access_token``,
  ``sign``, ``tlsCertificateKeyFilePassword``, ``authMechanismProperties``, …), with or without
  a scheme (``qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***``);
- ``user:password@host`` without a scheme.

:func:`webhook` keeps only the scheme and host of a robot webhook (its path or its query is
its key). :func:`printable` escapes control characters (a stored job id holding terminal escape
sequences must not clear the operator's screen).

:func:`holds_secret` says whether a setting or argument would show a secret (the schedule file
refuses those: scrapyd logs them). ``storage.errors.redact`` is a one-line alias of :func:`secrets`.
"""

from __future__ import annotations

import re
import unicodedata
import urllib.parse

MASK = "***"

#: a URI with a scheme, up to the end of its token (whitespace, a quote or a backtick ends it)
_URI = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<rest>[^\s'\"<>`]*)")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
#: ``user:password@host`` without a scheme (the user part may be empty: ``:password@host``)
_BARE_USERINFO = re.compile(r"(?<![\w.%~+*:/@-])[\w.%~+-]*:[^\s/@'\"<>`*]+@(?=[\w\[])")
#: ``name=value`` (a query parameter or a pair in free text); the value ends at ``&``, ``;``,
#: ``#``, whitespace or a quote
_PAIR = re.compile(r"(?<![\w.-])(?P<name>[A-Za-z_][\w.-]*)=(?P<value>[^&;#\s'\"<>`]+)")
#: names of parameters whose values are secrets (matched on the lower-cased name without
#: ``_``/``-``/``.``: the name ends with one of these words, or is one of the exact names)
SECRET_NAME = re.compile(
    r"(password|passwd|passphrase|pwd|pass|secret|token|key|apikey|sign|signature|sig|credential"
    r"|credentials|auth|authmechanismproperties|sessiontoken)$")


#: setting or argument names that hold a secret or a host (``MONGO_URI``, ``…_WEBHOOK``, ``…_TOKEN`` …)
SECRET_SETTING = re.compile(r"(URI|URL|PASSWORD|PASSWD|SECRET|TOKEN|KEY|WEBHOOK|CREDENTIAL)", re.I)


def _userinfo(match: re.Match) -> str:
    """The user information of one URI hidden. It ends at the last "@" before the first "/",
    "?" or "#" — or, when a ":" comes first (``user:pa/ss@host``, a password with an unescaped
    "/" or "@"), at the token's last "@", so no tail of a password gets through; a "@" in a
    path (``https://weibo.com/@someone``) is left alone."""
    rest = match["rest"]
    head = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if ":" in head and "@" in rest:
        end = rest.rindex("@")
    elif "@" in head:
        end = head.rindex("@")
    else:
        return match[0]
    user, colon, _ = rest[:end].partition(":")
    mask = f"{MASK}:{MASK}" if colon and user else MASK
    return f"{match['scheme']}{mask}{rest[end:]}"


def _bare_userinfo(match: re.Match) -> str:
    return f"{MASK}:{MASK}@" if not match[0].startswith(":") else f"{MASK}@"


def _pair(match: re.Match) -> str:
    name = match["name"]
    if SECRET_NAME.search(re.sub(r"[-_.]", "", name.lower())):
        return f"{name}={MASK}"
    return match[0]


def secrets(text: object) -> str:
    """``text`` with the credentials and secret parameters of every URI in it hidden."""
    text = str(text)
    if "@" in text:
        text = _URI.sub(_userinfo, text)
        text = _BARE_USERINFO.sub(_bare_userinfo, text)
    if "=" in text:
        text = _PAIR.sub(_pair, text)
    return text


def holds_secret(name: str, value: object) -> bool:
    """Whether ``name = value`` would show a secret: the name says it holds one (or a host), or
    :func:`secrets` hides something in the value (credentials of a URI, a secret parameter)."""
    return bool(SECRET_SETTING.search(str(name))) or secrets(value) != str(value)


def webhook(url: str | None) -> str:
    """Only scheme, host and port of a webhook URL (``https://qyapi.weixin.qq.com/…``); a URL
    written without a scheme keeps none (``qyapi.weixin.qq.com/…``)."""
    if not url:
        return "-"
    url = str(url).strip()
    scheme, sep, rest = url.partition("://")
    if not sep or not _SCHEME.fullmatch(scheme):
        scheme, rest = "", url
    try:
        parts = urllib.parse.urlsplit("//" + rest)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # a port that is not a number …
        host, port = "?", ""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"{scheme.lower()}://{host}{port}/…" if scheme else f"{host}{port}/…"


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


#: control (Cc: C0, DEL, C1), format (Cf: bidi overrides …), line/paragraph separators, surrogates
_UNPRINTABLE = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs"))


def printable(text: object) -> str:
    """``text`` safe for a terminal: control and format characters written as ``\\x1b``,
    ``\\u202e`` (a stored string can neither move the cursor nor clear the screen)."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(_escape(c) if unicodedata.category(c) in _UNPRINTABLE else c for c in text)


def shown(text: object) -> str:
    """A stored string as a command prints it: secrets hidden, control characters escaped."""
    return printable(secrets(text))


def json_safe(dumped: str) -> str:
    """A ``json.dumps(..., ensure_ascii=False)`` text with the characters it leaves raw that a
    terminal would act on (DEL, C1 controls such as the 8-bit CSI, bidi overrides) written as
    ``\\uXXXX`` escapes: the same JSON value, safe to print. (Such characters can only be inside
    strings there, where the escape means the same character.)"""
    if dumped.isprintable():
        return dumped
    return "".join(_json_escape(c) if c != "\n" and unicodedata.category(c) in _UNPRINTABLE else c
                   for c in dumped)


def _json_escape(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as JSON writes characters outside the BMP
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
