"""``healthcrawl score`` (JSON lines from stdin) and ``healthcrawl rescore`` (stored articles, after
a lexicon change): relevance scoring."""

from __future__ import annotations

import argparse
import json
import sys

from healthcrawl.arguments import ArgumentError, check_database, fail
from healthcrawl.project import project_settings


# --- relevance -----------------------------------------------------------------------------------
def cmd_score(args: argparse.Namespace) -> int:
    from healthcrawl.text.relevance import score_lines, scorer_from_settings

    try:
        score_lines(sys.stdin, sys.stdout, scorer=scorer_from_settings(project_settings()))
    except ValueError as exc:
        return fail("healthcrawl score", exc)
    return 0


def cmd_rescore(args: argparse.Namespace) -> int:
    from healthcrawl.storage.client import connect, resolve_mongo_uri
    from healthcrawl.storage.collections import ARTICLES
    from healthcrawl.storage.errors import StorageError
    from healthcrawl.text.relevance import rescore, scorer_from_settings

    from healthcrawl.text.redact import secrets

    settings = project_settings({"MONGO_DATABASE": args.database} if args.database else None)
    try:
        check_database(settings.get("MONGO_DATABASE"))
        client = connect(resolve_mongo_uri(settings))
    except ArgumentError as exc:
        return fail("healthcrawl rescore", exc)
    except StorageError as exc:
        return fail("healthcrawl rescore", secrets(exc))
    counts = rescore(client[settings.get("MONGO_DATABASE")][ARTICLES],
                     scorer=scorer_from_settings(settings))
    print(json.dumps(counts, ensure_ascii=False))
    client.close()
    return 0
