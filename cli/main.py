"""machi: the one command for everything a person runs.

'machi garbage ...' answers from city data (no server needed); other groups run the
services.  JSON output (--json) follows the contracts in README.md exactly.

Start-up is part of that contract (issue 13): ``main`` first hands the command line to
``cli.fast``, which answers the light read-only commands (``machi garbage next|areas|… --json``)
without typer, rich or pydantic, and declines anything it does not recognise exactly (``--help``,
errors, tables, other commands).  Those run through the typer app built here, whose output is
the reference the fast path is tested against (tests/core/test_coldstart.py).  This module
imports nothing heavy: ``app`` is built on first use (``from cli.main import app`` works as
before).
"""

from __future__ import annotations

import sys


def _register_extras(app) -> None:
    """Commands of the backend and app packages (``serve``, ``deliver``, ``admin``, ``dev``,
    ``app``, ``up``) live beside their code; each package adds its own to the one CLI."""
    import importlib

    for module in ("backend.cli", "app.cli", "cli.payslip", "cli.handbook"):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if (
                exc.name
                and exc.name.split(".")[0] in ("backend", "app")
                and exc.name in (module, module.rsplit(".", 1)[0])
            ):
                continue  # that part is not in this checkout
            raise
        mod.register(app)


def build_app():
    """The typer app with every command (registering imports no FastAPI, SQLAlchemy or Flet)."""
    import typer

    app = typer.Typer(
        no_args_is_help=True, add_completion=False, help="Machi: resident app platform for Japanese cities."
    )
    __import__("cli.garbage").garbage.register(app)  # machi garbage ...
    __import__("cli.i18n").i18n.register(app)  # machi i18n update|check
    _register_extras(app)
    __import__("cli.alerts").alerts.register(app)  # machi alerts, machi admin shelter (disaster alerts)
    __import__("cli.city").city.register(app)  # machi city import|publish, machi places nearest
    return app


def __getattr__(name: str):
    """``app`` is built on first use; the helpers that lived here (``fail``, ``emit_json``, ``CityOpt``
    …) now live in cli.common."""
    if name == "app":
        app = globals()["app"] = build_app()
        return app
    if name.startswith("__"):
        raise AttributeError(name)
    import cli.common

    try:
        return getattr(cli.common, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def main() -> None:
    from cli.fast import answer

    code = answer(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    __getattr__("app")()


if __name__ == "__main__":
    main()
