"""``healthcrawl mongo start|stop|status``: manage the embedded mongod."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from healthcrawl.project import project_settings


# --- the embedded database -----------------------------------------------------------------------
def cmd_mongo(args: argparse.Namespace) -> int:
    from healthcrawl.storage import mongod

    settings = project_settings()
    dbpath = Path(settings.get("HEALTHCRAWL_MONGO_DBPATH")).resolve()
    port = settings.getint("HEALTHCRAWL_MONGO_PORT")
    try:
        if args.action == "start":
            server = mongod.ensure_running(dbpath, port, settings.getfloat("HEALTHCRAWL_MONGO_CACHE_GB"))
            print(f"mongod running: {server.uri} (pid {server.pid}, data {dbpath})")
            if server.requested_port and server.requested_port != server.port:
                print(f"  port {server.requested_port} (HEALTHCRAWL_MONGO_PORT) is taken by another process: "
                      f"this checkout's mongod uses {server.port}, recorded beside its data")
        elif args.action == "stop":
            print("mongod stopped" if mongod.stop(dbpath) else "mongod was not running")
        else:
            server = mongod.status(dbpath)
            print(f"mongod running: {server.uri} (pid {server.pid}, data {dbpath})" if server
                  else f"mongod not running (data {dbpath})")
            return 0 if server else 3
    except mongod.EmbeddedMongoError as exc:
        print(f"healthcrawl mongo: {exc}", file=sys.stderr)
        return 2
    return 0


def add_mongo_parser(subparsers) -> None:
    p = subparsers.add_parser("mongo", help="manage the embedded mongod",
                              description="Start, stop or show the embedded mongod (HEALTHCRAWL_MONGO_PORT, "
                                          "data under HEALTHCRAWL_MONGO_DBPATH). No options.")
    p.add_argument("action", choices=("start", "stop", "status"),
                   help="start: start it if it is not running; stop: stop it; status: whether it runs, where")
    p.set_defaults(func=cmd_mongo)
