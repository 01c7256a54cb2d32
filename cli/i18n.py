"""``machi i18n update|check``: the translation catalogs in locales/ (Babel + gettext).  Added to
the one ``machi`` command by ``register`` (cli/main.py)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from cli.common import err, fail

i18n_app = typer.Typer(no_args_is_help=True, help="Translation catalogs in locales/ (Babel + gettext).")


def register(app: typer.Typer) -> None:
    app.add_typer(i18n_app, name="i18n")


KEYWORDS = ["_", "N_", "t", "plural:1,2", "ngettext:1,2"]


@i18n_app.command("update")
def i18n_update() -> None:
    """Extract messages into locales/machi.pot and merge them into every catalog."""
    from babel.messages.frontend import CommandLineInterface

    from core.city import REPO_ROOT
    from core.i18n import DOMAIN, LANGUAGES, locales_dir

    pot = locales_dir() / f"{DOMAIN}.pot"
    kw = [a for k in KEYWORDS for a in ("-k", k)]
    cli = CommandLineInterface()
    cwd = Path.cwd()
    try:
        os.chdir(REPO_ROOT)  # keep source references relative in the template
        cli.run(
            [
                "pybabel",
                "-q",
                "extract",
                "-F",
                "babel.cfg",
                "--no-default-keywords",
                *kw,
                "--sort-by-file",
                "--add-location=file",
                "--omit-header",
                "-o",
                str(pot),
                ".",
            ]
        )
    finally:
        os.chdir(cwd)
    for lang in LANGUAGES:
        po = locales_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        action = "update" if po.is_file() else "init"
        args = ["pybabel", "-q", action, "-D", DOMAIN, "-i", str(pot), "-d", str(locales_dir()), "-l", lang]
        if action == "update":
            args += ["--no-fuzzy-matching", "--ignore-obsolete"]
        cli.run(args)
    err.print(f"[green]updated[/] {pot} and {len(LANGUAGES)} catalogs; run 'machi i18n check'")


@i18n_app.command("check")
def i18n_check() -> None:
    """Fail (exit 1) when any catalog misses, leaves untranslated or breaks a message."""
    from core.i18n import check_catalogs

    problems = check_catalogs()
    for p in problems:
        err.print(p, highlight=False, soft_wrap=True)
    if problems:
        fail(f"{len(problems)} catalog problem(s)", code=1)
    err.print("[green]all catalogs complete[/]")
