"""Storage errors: which MongoDB failures are transient, which belong to one record, and the
operator's one-line :class:`StorageError` (secrets redacted)."""

from __future__ import annotations

from typing import Any

from bson.errors import InvalidDocument
from pymongo.errors import (AutoReconnect, ConnectionFailure, DocumentTooLarge, NetworkTimeout,
                            ServerSelectionTimeoutError)

from healthcrawl.text import redact as _redact

#: MongoDB errors that mean "the server is away, try again later" (as opposed to a bad write).
TRANSIENT_ERRORS = (AutoReconnect, ConnectionFailure, NetworkTimeout, ServerSelectionTimeoutError)
#: server error codes that belong to one document, not to the connection or the configuration:
#: schema validation, document or index key too large, bad field names, a text-index language
RECORD_ERROR_CODES = {121: "DocumentValidationFailure", 10334: "BSONObjectTooLarge", 17419: "DocumentTooLarge",
                      17420: "DocumentTooLarge", 17280: "KeyTooLong", 52: "DollarPrefixedFieldName",
                      55: "InvalidDBRef", 56: "EmptyFieldName", 17262: "TextIndexLanguage",
                      17261: "TextIndexLanguage", 16755: "CannotExtractGeoKeys"}


def error_name(code: Any, code_name: str | None = None) -> str:
    """A readable name for a server error code (write errors carry only the number)."""
    return str(code_name or RECORD_ERROR_CODES.get(code) or code)


def record_specific(exc: BaseException) -> bool:
    """Whether an exception from writing one record is about that record (reject it) rather than
    about the database or the configuration (keep the record and fail the run)."""
    if isinstance(exc, (InvalidDocument, DocumentTooLarge)):
        return True
    code = getattr(exc, "code", None)
    if code in RECORD_ERROR_CODES:
        return True
    return code == 2 and "BSONObj size" in str(exc)  # an update that would make it > 16 MB


class StorageError(RuntimeError):
    """Storage is required but not usable; the message is meant for the operator."""


def redact(text: str) -> str:
    """Hide every secret of any URI inside ``text`` (alias of :func:`healthcrawl.text.redact.secrets`)."""
    return _redact.secrets(text)
