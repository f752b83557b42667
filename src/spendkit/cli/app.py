"""The command line: each command reads options, makes one library call, renders.

Heavy libraries (pandas, pyarrow) are imported inside commands so that
``spendkit --help`` and ``--version`` stay instant.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any, Literal

import typer

from spendkit.errors import SpendkitError

app = typer.Typer(
    name="spendkit",
    help="Where does public money go? Classify payment ledgers by place, size and sector, to the penny.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # ledgers are financial data: keep them out of tracebacks
    # Plain (click) help: readable at 80 columns, and text such as 'spendkit[spark]' shown as
    # written (rich markup would take it for a style). --install-completion for the shell.
    rich_markup_mode=None,
)

State: dict[str, Any] = {"debug": False}


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version  # 30 ms to import: only when asked

        typer.echo(f"spendkit {version('spendkit')}")
        raise typer.Exit()


@app.callback()
def main_options(
    show_version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                               help="Show the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for every error.")] = False,
) -> None:
    """spendkit: local, SME and VCFSE spend from payment ledgers."""
    State["debug"] = debug


class user_errors:
    """Turn a SpendkitError into its message on stderr and its exit status; no traceback."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any
                 ) -> Literal[False]:
        if isinstance(exc, SpendkitError) and not State["debug"]:
            typer.echo(f"spendkit: error: {exc}", err=True)
            raise typer.Exit(exc.exit_code)
        if isinstance(exc, typer.BadParameter):
            return False
        if isinstance(exc, BrokenPipeError):
            _quiet_stdout()
            raise typer.Exit(0)
        return False


def _quiet_stdout() -> None:
    """The reader went away (`spendkit ... | head`): send what is left of stdout to /dev/null,
    so that no later flush fails ("Exception ignored ...")."""
    import contextlib
    import os

    with contextlib.suppress(Exception):  # a test runner's stdout has no file descriptor
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _closed_pipe(console: Any) -> None:
    """A rich Console's broken pipe ends the run as any broken pipe does: quietly, with status 0
    (rich's own handler exits with status 1)."""
    console.quiet = True
    raise BrokenPipeError


def console(**options: Any) -> Any:
    """A rich Console (``options`` as rich's) whose broken pipe ends the run quietly."""
    from rich.console import Console

    class PipeConsole(Console):
        on_broken_pipe = _closed_pipe

    return PipeConsole(**options)


PIPED_WIDTH = 1000  # wide enough that no table column (and no figure in it) is ever cut


def figures_console() -> Any:
    """The console the figures go to on stdout: the terminal's width in a terminal; piped or
    redirected (where rich would assume 80 columns and cut figures to `£5,261,95…`), so wide
    that nothing is cut or wrapped. One rule for every command."""
    return console(highlight=False, width=None if sys.stdout.isatty() else PIPED_WIDTH)


def main() -> None:
    import contextlib
    import os
    import signal

    # numpy asks the kernel for transparent huge pages on large arrays; where the kernel then
    # compacts memory to find them (THP defrag "madvise", common on VMs) a 1M-row run spends a
    # second in the kernel. Small pages are faster here; set NUMPY_MADVISE_HUGEPAGE=1 to differ.
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

    # A `kill` (cron, CI time-outs) or a closed terminal unwinds like Ctrl-C, so temporary files
    # are removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, lambda *_: sys.exit(129))
    from rich.console import Console

    Console.on_broken_pipe = _closed_pipe  # type: ignore[method-assign,assignment]  # Typer's help console too
    try:
        app()
        code = 0
    except BrokenPipeError:  # stdout's reader went away outside a command (`--help | head`)
        _quiet_stdout()
        code = 0
    except KeyboardInterrupt:
        typer.echo("spendkit: interrupted", err=True)
        code = 130
    except SystemExit as done:
        if not isinstance(done.code, int | None):
            raise
        code = done.code or 0
    # Everything is written: leave without tearing down a process that may hold a million rows
    # (a tenth of a second of freeing memory), once the output streams are flushed.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
