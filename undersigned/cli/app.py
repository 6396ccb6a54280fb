"""The ``undersigned`` group, its shared options and the one place where an error, a
usage mistake or an interruption becomes a message and an exit status.

Every failure reaches the user in one voice, ``error: …`` on stderr:
exit 1 for a problem in the campaign, the build or the machine, 2 for a usage mistake
(with the command's --help to read), 130 (128 + the signal) for Ctrl-C or SIGTERM, with
the one line ``interrupted``. The library never prints; the command modules only parse,
call and report.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

import click

from .. import __version__, _interrupted_while_starting

campaign_argument = click.argument(
    "campaign_dir", required=False, default=".",
    type=click.Path(file_okay=False, path_type=Path))
strict_option = click.option("--strict", is_flag=True,
                             help="Treat warnings as errors.")



def output_file(ctx, param, value: Path | None) -> Path | None:
    """A click callback for an option naming a file to write: refused at once (before
    any work) unless it is a regular file or a new name in a folder."""
    if value is None:
        return None
    from ..errors import FileRefused
    from ..files import output_target

    try:
        return output_target(value)
    except FileRefused as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT); a SIGTERM gives 143."""


class Group(click.Group):
    """A click group that reports every error in the toolkit's one voice."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            code = _usage_error(exc)
        except click.ClickException as exc:
            click.echo(f"error: {_printable(exc.format_message())}", err=True)
            code = exc.exit_code
        except click.Abort:  # Ctrl-C while click itself was reading (a prompt)
            click.echo("interrupted", err=True)
            code = INTERRUPTED
        code = code if isinstance(code, int) else 0
        if not standalone_mode:
            return code
        sys.exit(code)

    def invoke(self, ctx):
        from ..errors import CampaignInvalid, UndersignedError, printable

        try:
            return super().invoke(ctx)
        except CampaignInvalid as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            errors = sum(p.severity == "error" for p in exc.problems)
            warnings = len(exc.problems) - errors
            click.echo(f"{count(errors, 'error')}, {count(warnings, 'warning')}; "
                       "nothing was written", err=True)
            ctx.exit(exc.exit_code)
        except UndersignedError as exc:
            click.echo(f"error: {printable(str(exc))}", err=True)
            ctx.exit(exc.exit_code)
        except OSError as exc:  # a read or write the library did not name itself
            if exc.errno == errno.EPIPE:  # `undersigned … | head`: the reader left
                _quiet_stdout()
                ctx.exit(1)
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"error: {printable(where + (exc.strerror or str(exc)))}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (main installs it)
            click.echo("interrupted", err=True)
            ctx.exit(128 + getattr(exc, "signal_number", 2))


def _usage_error(exc: click.UsageError) -> int:
    """A usage mistake in the same voice as any error, with where to read the usage."""
    command = exc.ctx.command_path if exc.ctx is not None else "undersigned"
    message = exc.format_message()
    click.echo(f"error: {_printable(message)} (see: {command} --help)", err=True)
    return exc.exit_code


def _printable(text: str) -> str:
    from ..errors import printable

    return printable(text)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in the right number: "1 error", "2 errors"."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


@click.group(name="undersigned", cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="undersigned")
def cli():
    """Letters and parliamentary questions from structured case data.

    A campaign folder holds campaign.yaml, cases/, signatories/ and, optionally,
    templates/ and catalogues/. Start with `undersigned init my-campaign`.

    \b
    Example:
      undersigned check            # validate the campaign in this folder
      undersigned build            # write every PDF to outputs/
    """


filters = [
    click.option("--document", "-d", "documents", multiple=True, metavar="ID",
                 help="Only this document (repeatable)."),
    click.option("--recipient", "-r", "recipients", multiple=True, metavar="ID",
                 help="Only copies for this recipient (repeatable)."),
    click.option("--lang", "-l", "langs", multiple=True, metavar="LANG",
                 help="Only this language (repeatable)."),
]


def with_filters(function):
    """The --document, --recipient and --lang options that select copies."""
    for option in reversed(filters):
        function = option(function)
    return function


def say(message: str) -> None:
    """A line for the user on stderr (waiting for a lock ...)."""
    click.echo(message, err=True)


def print_warnings(warnings) -> None:
    for warning in warnings:
        click.echo(str(warning), err=True)


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder where it can be."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main() -> None:
    """The console command: SIGTERM interrupts like Ctrl-C, then the group runs."""
    import signal
    import threading
    import time

    from ..errors import Terminated
    from ..model.plugins import without_pydantic_plugins

    without_pydantic_plugins()

    def terminate(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: then let running work finish
        raise Terminated()

    def unraisable(hook, previous=sys.unraisablehook):
        # An interruption that arrives where Python cannot raise it (a finalizer, a callback
        # from C) would print "Exception ignored in ..." with a traceback and be lost.
        # Deliver it again, silently, a moment later, from outside that place: a signal
        # raised from here would run its handler here. Sent to the main thread, it waits
        # unseen once the command is done (the block below).
        if not isinstance(hook.exc_value, KeyboardInterrupt):
            previous(hook)
            return
        again = signal.SIGINT
        if isinstance(hook.exc_value, Terminated):
            signal.signal(signal.SIGTERM, terminate)
            again = signal.SIGTERM
        in_hook[0] += 1
        try:
            threading.Thread(target=deliver, args=(again,), daemon=True).start()
        except RuntimeError:  # no new thread while the interpreter shuts down: it is ending
            pass
        except KeyboardInterrupt:  # another one, while the thread started: it is sent again
            pass
        finally:
            in_hook[0] -= 1  # (no call from here on: no handler runs before it returns)

    in_hook = [0]  # how many hooks are running in the main thread

    def deliver(number: int) -> None:
        """Send the signal to the main thread once it has left the hook: sent while it is
        still there (a loaded machine may keep it there for milliseconds), its handler
        would raise in the hook, printed as "Exception ignored" with a traceback."""
        time.sleep(0.005)
        while in_hook[0]:
            time.sleep(0.001)
        signal.pthread_kill(threading.main_thread().ident, number)

    sys.unraisablehook = unraisable
    # Ctrl-C is a KeyboardInterrupt from here on (while the command was importing, the
    # package's start handler ended it at once: see undersigned/__init__.py).
    if signal.getsignal(signal.SIGINT) is _interrupted_while_starting:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, terminate)
    # A parent may have started us with these held (a signal mask is inherited through fork
    # and exec): Ctrl-C and SIGTERM would then never arrive, and a command never end.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    try:
        cli(prog_name="undersigned")
    finally:
        # The command is done: a SIGTERM now (while the interpreter shuts down, when its
        # handler may no longer run) must not turn a finished command into a killed one.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
