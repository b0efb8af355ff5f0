"""``healthcrawl desk``: serve the editors' desk; ``healthcrawl desk adduser NAME``: add an account.

    healthcrawl desk                                  http://127.0.0.1:8080 over the MONGO_DATABASE database
    healthcrawl desk --database healthcrawl_demo --port 8081
    healthcrawl desk adduser wang --role editor        asks for the password twice
    printf '%s\\n' "$PASSWORD" | healthcrawl desk adduser li --role viewer --password-stdin
"""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import sys

from healthcrawl.arguments import database_name
from healthcrawl.cli.export import add_database_option


def add_desk_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``healthcrawl desk`` on an argparse subparsers object (handler: :func:`main`)."""
    p = subparsers.add_parser("desk", help="the editors' desk: a web page to pick the week's bulletin",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    configure_parser(p)
    p.set_defaults(func=main)
    return p


def configure_parser(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    from healthcrawl.project import project_settings  # noqa: PLC0415

    settings = project_settings()
    p.add_argument("--host", metavar="ADDRESS",
                   help=f"IP address or host name to listen on (default: setting HEALTHCRAWL_DESK_HOST, "
                        f"now {settings.get('HEALTHCRAWL_DESK_HOST')})")
    p.add_argument("--port", type=int, metavar="PORT",
                   help=f"TCP port, a whole number (default: setting HEALTHCRAWL_DESK_PORT, "
                        f"now {settings.getint('HEALTHCRAWL_DESK_PORT')})")
    add_database_option(p, "MongoDB database")
    sub = p.add_subparsers(dest="desk_command", metavar="{adduser}",
                           help="adduser NAME: add an account (default: serve the desk)")
    a = sub.add_parser("adduser", help="add an account (or set a new password and role for one)")
    a.add_argument("name", metavar="NAME", help="the account's login name")
    a.add_argument("--role", choices=("editor", "viewer"), default="viewer",
                   help="editor: may pick, order, reject and rescue; viewer: reads only (default: viewer)")
    a.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin (default: ask twice on the terminal)")
    a.add_argument("--database", dest="user_database", type=database_name, help=argparse.SUPPRESS)
    return p


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def adduser(args, settings) -> int:
    from healthcrawl.desk.users import add_user, check_name  # noqa: PLC0415
    from healthcrawl.storage.client import open_database  # noqa: PLC0415

    try:
        check_name(args.name)
        password = read_password(args.password_stdin)
        with open_database(settings, args.user_database or args.database) as database:
            created = add_user(database.db, args.name, password, args.role)
            where = database.name
    except ValueError as exc:
        print(f"healthcrawl desk adduser: {exc}", file=sys.stderr)
        return 2
    print(f"{'added' if created else 'updated'} {args.name} ({args.role}) in database {where}")
    return 0


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(args, settings) -> int:
    import uvicorn  # noqa: PLC0415

    from healthcrawl.desk.app import create_app  # noqa: PLC0415
    from healthcrawl.desk.config import DeskConfig  # noqa: PLC0415
    from healthcrawl.storage.client import open_database  # noqa: PLC0415

    config = DeskConfig.from_settings(settings)
    host, port = args.host or config.host, args.port or config.port
    database = open_database(settings, args.database)
    try:
        app = create_app(database, config)
        if not is_loopback(host):
            print(f"healthcrawl desk: listening on {host}, not only on this machine: put HTTPS in front "
                  f"and set HEALTHCRAWL_DESK_SECURE_COOKIE=1", file=sys.stderr)
        print(f"healthcrawl desk: http://{host}:{port}/ (database {database.name}); Ctrl-C stops it", flush=True)
        uvicorn.run(app, host=host, port=port, log_level="info", server_header=False, proxy_headers=False)
    finally:
        database.close()
    return 0


def main(args: argparse.Namespace | list[str] | None = None) -> int:
    """``healthcrawl desk``: 0 stopped normally or account written, 2 usage or database error."""
    if not isinstance(args, argparse.Namespace):
        from healthcrawl.arguments import Parser  # noqa: PLC0415

        args = configure_parser(Parser(prog="healthcrawl desk")).parse_args(args)
    from healthcrawl.desk.config import ConfigError  # noqa: PLC0415
    from healthcrawl.project import project_settings  # noqa: PLC0415
    from healthcrawl.storage.errors import StorageError, redact  # noqa: PLC0415

    settings = project_settings()
    try:
        if args.desk_command == "adduser":
            return adduser(args, settings)
        return serve(args, settings)
    except (StorageError, ConfigError) as exc:
        print(f"healthcrawl desk: {redact(str(exc))}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
