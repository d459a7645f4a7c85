"""Command line: parse, pick a subcommand, call the core. Imports the TUI (and so Textual) only
for the commands that open it, and the HTTP client only when a command needs the network."""

from __future__ import annotations

import argparse
import contextlib
import errno
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from polytui import __version__
from polytui.core.errors import (
    EXIT_UNEXPECTED,
    EXIT_USAGE,
    PolytuiError,
    Secrets,
    UsageError,
    redact,
    unexpected_error,
)

T = TypeVar("T")

SUBCOMMANDS = (
    "show",
    "list",
    "fetch",
    "audio",
    "cache",
    "notes",
    "queue",
    "export",
    "import",
    "config",
    "demo",
)
# Shared options that take a value (needed to find the subcommand among the arguments).
_VALUE_OPTIONS = {"-a", "--agent", "--region", "--base-url", "--timeout", "--profile"}
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, as a shell reports it
EXIT_HUNG_UP = 129  # 128 + SIGHUP: the terminal went away (an ssh session dropped)
_APP_COMMANDS = (None, "demo")  # Textual handles its own signals


_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EBADF, errno.EIO})


class _Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: unwind like Ctrl+C (transactions roll back, temporary files
    are removed, files stay whole). A KeyboardInterrupt, because asyncio lets only those (and
    SystemExit) out of a callback: any other exception raised while the event loop runs a
    callback is logged and dropped, and the signal with it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


# The signal that asked the command to stop, also when its exception could not travel: raised
# inside SQLite's progress callback (how a long query is stopped), it ends the query as
# "interrupted" instead.
_stop_requested: list[int] = []


def _on_signal(signum: int, frame: object) -> None:
    _stop_requested.append(signum)
    raise _Terminated(signum)


def _on_interrupt(signum: int, frame: object) -> None:
    _stop_requested.append(signum)
    raise KeyboardInterrupt


# The handlers main() replaced, put back when it returns: main() called in a process that goes
# on (a test, a script) leaves no handler of its own behind to raise in that process's code.
_replaced: dict[int, Any] = {}


def _handle(signum: int, handler: Callable[[int, Any], None]) -> None:
    import signal

    _replaced.setdefault(signum, signal.getsignal(signum))
    signal.signal(signum, handler)


def _restore_handlers() -> None:
    import signal

    while _replaced:
        signum, handler = _replaced.popitem()
        signal.signal(signum, handler)


def _terminal_columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size`` reads it (COLUMNS, then standard
    output's terminal, else 80), without importing shutil (and its compression modules) on
    every launch: argparse asks for it whenever an argument is added."""
    import os

    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Formatter(argparse.HelpFormatter):
    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        if width is None:
            width = _terminal_columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit code 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _add_shared(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("shared options")
    group.add_argument(
        "-a",
        "--agent",
        default=default,
        metavar="ID",
        help="agent (project) ID; env POLYAI_AGENT_ID",
    )
    group.add_argument(
        "--region",
        default=default,
        metavar="REGION",
        help="us, eu, uk or studio (also us-1, euw-1, uk-1); env POLYAI_REGION; default us",
    )
    group.add_argument(
        "--base-url",
        default=default,
        metavar="URL",
        help="replace the region's API host (proxies, tests); env POLYAI_BASE_URL",
    )
    group.add_argument(
        "--offline",
        action="store_true",
        default=default,
        help="never touch the network; use stored copies only",
    )
    group.add_argument(
        "--refresh",
        action="store_true",
        default=default,
        help="skip the stored copy and fetch from the API",
    )
    group.add_argument(
        "--timeout",
        type=float,
        default=default,
        metavar="SECONDS",
        help="per-request timeout (default 30)",
    )
    group.add_argument(
        "--profile",
        default=default,
        metavar="NAME",
        help="named profile from the config file; env POLYTUI_PROFILE",
    )
    group.add_argument(
        "--debug",
        action="store_true",
        default=default,
        help="log requests (key redacted) and show tracebacks",
    )


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand; with ``command``, of that one alone (its options, help
    and errors are the same, and the others' modules are not imported)."""
    from .commands import register

    parser = _Parser(
        prog="polytui",
        description="Review PolyAI conversations in the terminal. Run without a command to open "
        "the app, or with a conversation ID to open that call.",
    )
    parser.add_argument("--version", action="version", version=f"polytui {__version__}")
    _add_shared(parser, suppress=False)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        _add_shared(sub, suppress=True)
        return sub

    register(add, only=command)
    _share_with_actions(parser)
    return parser


def _share_with_actions(parser: argparse.ArgumentParser) -> None:
    """Give every nested action (`cache list`, `notes add`, `config show`...) the shared options,
    so they work after the action too: `polytui cache list --agent X`."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if "--agent" not in sub._option_string_actions:
                    _add_shared(sub, suppress=True)
                _share_with_actions(sub)


def build_app_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="polytui", description="Open the review app (optionally on one call).")
    parser.add_argument("--version", action="version", version=f"polytui {__version__}")
    _add_shared(parser, suppress=False)
    parser.add_argument(
        "conversation_id",
        nargs="?",
        metavar="ID",
        help="conversation ID or Studio URL to open at once",
    )
    return parser


def _first_positional(argv: Sequence[str]) -> str | None:
    skip = False
    for token in argv:
        if skip:
            skip = False
            continue
        if token == "--":
            return None
        if token in _VALUE_OPTIONS:
            skip = True
            continue
        if token.startswith("-"):
            continue
        return token
    return None


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    first = _first_positional(argv)
    wants_help = any(a in ("-h", "--help") for a in argv)
    if first in SUBCOMMANDS or (first is None and wants_help):
        # A subcommand needs its own parser alone; help may list them all.
        args = build_parser(None if wants_help else first).parse_args(argv)
    else:
        args = build_app_parser().parse_args(argv)
        args.command = None
    return args


def shared_flags(args: argparse.Namespace) -> dict[str, object]:
    names = ("agent", "region", "base_url", "offline", "refresh", "timeout", "profile", "debug")
    return {name: getattr(args, name, None) for name in names}


def _as_text(arg: str) -> str:
    """An argument as the text typed: under a non-UTF-8 locale (``LC_ALL=C``) Python hands over
    UTF-8 bytes as lone surrogates, which would read as control characters."""
    if not any("\udc80" <= ch <= "\udcff" for ch in arg):
        return arg
    import os

    try:
        return os.fsencode(arg).decode("utf-8")
    except UnicodeDecodeError:
        return arg  # not UTF-8 either: left for the checks to refuse


def _traceback(exc: BaseException) -> str:
    import traceback  # only with --debug, after a failure

    return "".join(traceback.format_exception(exc))


def _say(message: str, secrets: Secrets) -> None:
    print(f"polytui: {redact(message, secrets)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    finally:
        _restore_handlers()


def _main(argv: Sequence[str] | None) -> int:
    argv = [_as_text(arg) for arg in (sys.argv[1:] if argv is None else argv)]
    _stop_requested.clear()
    _quiet_asyncio[:] = [False]
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    debug = "--debug" in argv
    secrets: Secrets = None
    try:
        args = parse_args(argv)
        from polytui.core.config import resolve_settings

        settings = resolve_settings(shared_flags(args))
        secrets = settings.secrets
        for notice in settings.notices:
            _say(f"warning: {notice}", secrets)
        from .commands import run

        opens_app = args.command in _APP_COMMANDS or getattr(args, "queue_command", "") == "review"
        if not opens_app:
            import signal

            _handle(signal.SIGTERM, _on_signal)
            _quiet_asyncio[:] = [not debug]
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                _handle(signal.SIGINT, _on_interrupt)
            if signal.getsignal(signal.SIGHUP) is signal.SIG_DFL:  # not under nohup
                _handle(signal.SIGHUP, _on_signal)
        if sys.stdout is None:  # started with standard output closed (`>&-`)
            raise PolytuiError("Standard output is closed: nothing can be printed.")
        code = run(args, settings)
        sys.stdout.flush()  # a full disk or a closed pipe is met here, not at exit
        return code
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_USAGE
    except PolytuiError as exc:
        if _stop_requested:  # a long store query stopped by the signal, reported as such
            return _stopped(_stop_requested[0], secrets)
        if debug:
            traceback_text = _traceback(exc)
            print(redact(traceback_text, secrets), file=sys.stderr, end="")
        _say(str(exc), secrets)
        return exc.exit_code
    except (KeyboardInterrupt, _Terminated) as exc:
        return _stopped(_signum(exc), secrets)
    except BaseExceptionGroup as group:
        # A signal met inside a task group (httpx's connect runs one) arrives wrapped.
        stop = _signal_in(group)
        if stop is None:
            return _unexpected(group, debug, secrets)
        return _stopped(_signum(stop), secrets)
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except OSError as exc:
        if exc.errno not in _OUTPUT_ERRNOS:
            return _unexpected(exc, debug, secrets)
        _silence_stdout()  # writing the output failed (/dev/full, a closed descriptor)
        _say(f"Could not write the output: {exc.strerror or exc}.", secrets)
        return EXIT_UNEXPECTED
    except Exception as exc:
        if _stop_requested:
            return _stopped(_stop_requested[0], secrets)
        return _unexpected(exc, debug, secrets)


# Whether run_async silences asyncio's own log (a command's, not the app's, unless --debug).
_quiet_asyncio: list[bool] = [False]


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` for a command. asyncio writes a traceback for a task a signal ended
    while the loop shuts down; the command says what stopped it in one line of its own, so
    that log is silenced (unless --debug). Here rather than at start-up: logging is imported
    only by the commands that run an event loop."""
    import asyncio
    import logging

    if _quiet_asyncio[0]:
        logging.getLogger("asyncio").setLevel(logging.CRITICAL + 1)
    return asyncio.run(coroutine)


def _signum(exc: BaseException) -> int:
    import signal

    return exc.signum if isinstance(exc, _Terminated) else signal.SIGINT


def _signal_in(group: BaseExceptionGroup) -> BaseException | None:
    """The Ctrl+C or SIGTERM/SIGHUP inside ``group`` (at any depth), if one is there."""
    matched, _ = group.split((KeyboardInterrupt, _Terminated))
    found: BaseException | None = matched
    while isinstance(found, BaseExceptionGroup):
        found = found.exceptions[0]
    return found


def _stopped(signum: int, secrets: Secrets) -> int:
    """One line and the exit code for a command stopped by Ctrl+C, SIGTERM or SIGHUP."""
    import signal

    if signum == signal.SIGHUP:
        with contextlib.suppress(OSError):  # the terminal may be gone with its stderr
            _say("hung up (the terminal closed).", secrets)
        return EXIT_HUNG_UP
    if signum == signal.SIGTERM:
        _say("terminated.", secrets)
        return EXIT_TERMINATED
    _say("interrupted.", secrets)
    return EXIT_INTERRUPTED


def _unexpected(exc: BaseException, debug: bool, secrets: Secrets) -> int:
    """The last resort: one line, never a traceback unless --debug."""
    if debug:
        print(redact(_traceback(exc), secrets), file=sys.stderr, end="")
    message = unexpected_error(exc).message
    if not debug:
        message += " (run with --debug for details)"
    _say(message, secrets)
    return EXIT_UNEXPECTED


def _silence_stdout() -> None:
    """After a closed pipe (``polytui show X | head``), keep Python from complaining at exit."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        return
