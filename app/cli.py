"""``machi app`` and ``machi up``: run the Flet app (desktop or web) and the whole stack."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

err = Console(stderr=True)


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _check_port(host: str, port: int, option: str) -> None:
    if not 1 <= port <= 65535:
        _fail(f"{option}: {port} is not a TCP port (1-65535)")
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            _fail(f"{option}: {host}:{port} is not free ({exc.strerror})")


def _check_env() -> None:
    from app.services.config import AppConfig, ConfigError

    try:
        AppConfig.from_env()
    except ConfigError as exc:
        _fail(str(exc))


def _wait_http(url: str, proc: subprocess.Popen, seconds: float = 60) -> bool:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


def register(app: typer.Typer) -> None:
    app_group = typer.Typer(invoke_without_command=True)  # machi app [--web], machi app build-web
    app.add_typer(app_group, name="app")

    @app_group.callback()
    def app_command(
        ctx: typer.Context,
        web: Annotated[
            bool, typer.Option("--web", help="Serve the web build on 127.0.0.1 instead of a window.")
        ] = False,
        port: Annotated[int, typer.Option("--port", help="Web port.")] = 8550,
        api: Annotated[
            str | None,
            typer.Option("--api", help="Backend URL (default $MACHI_API_URL or http://127.0.0.1:8000)."),
        ] = None,
        host: Annotated[str, typer.Option("--host", help="Web interface to bind.")] = "127.0.0.1",
    ) -> None:
        """Run the resident app: a desktop window, or (--web) the web build with no CDN and no browser."""
        if ctx.invoked_subcommand:
            return
        if api is not None:
            if not api.startswith(("http://", "https://")):
                _fail(f"--api: {api!r} is not an http(s) URL")
            os.environ["MACHI_API_URL"] = api
        _check_env()
        from app.main import run_desktop, run_web

        if web:
            _check_port(host, port, "--port")
            os.environ["FLET_FORCE_WEB_SERVER"] = "1"  # never open a browser
            os.environ.setdefault("FLET_WEB_NO_CDN", "1")
            err.print(f"Machi web app: [bold]http://{host}:{port}/[/]", highlight=False)
            run_web(port, host=host)
        else:
            run_desktop()

    @app_group.command("build-web")
    def build_web_command(
        out: Annotated[Path | None, typer.Option("--out", help="Site folder (default build/web).")] = None,
        api: Annotated[
            str | None, typer.Option("--api", help="Backend URL (default: the origin serving the site).")
        ] = None,
        today: Annotated[
            str | None, typer.Option("--today", help="Pin today (YYYY-MM-DD; demos, tests).")
        ] = None,
        force: Annotated[
            bool, typer.Option("--force", help="Build even if the folder is up to date.")
        ] = False,
    ) -> None:
        """Build the static, installable, offline web app (Python in the browser): serve the folder anywhere."""
        from app.webbuild import DEFAULT_OUT, BuildOptions, build, is_up_to_date

        if api is not None and not api.startswith(("http://", "https://")):
            _fail(f"--api: {api!r} is not an http(s) URL")
        if today is not None:
            from app.services.config import ConfigError, parse_day

            try:
                parse_day(today, "--today")
            except ConfigError as exc:
                _fail(str(exc))
        options = BuildOptions(out=out or DEFAULT_OUT, api_url=api, today=today)
        if not force and is_up_to_date(options):
            err.print(f"{options.out} is up to date (same sources, data and options)", highlight=False)
            return
        try:
            build(options, log=err.print)
        except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
            _fail(str(exc))

    @app.command("up")
    def up_command(
        port: Annotated[int, typer.Option("--port", help="Web app port.")] = 8550,
        api_port: Annotated[int, typer.Option("--api-port", help="Backend port.")] = 8000,
        data_dir: Annotated[Path | None, typer.Option("--data-dir", help="Backend data directory.")] = None,
        session: Annotated[
            bool, typer.Option("--session", help="The server-session web app on --port, not the static one.")
        ] = False,
    ) -> None:
        """Start the backend ('machi serve', embedded defaults) with the static web app at its '/'
        (built first when out of date: machi app build-web); --session: the server-session web app
        on --port instead. Ctrl-C stops everything."""
        _check_env()
        has_backend = (Path(__file__).resolve().parent.parent / "backend" / "cli.py").is_file()
        static = has_backend and not session
        if not static:
            _check_port("127.0.0.1", port, "--port")
        api_url = f"http://127.0.0.1:{api_port}"
        exe = [sys.executable, "-m", "cli.main"]

        def on_term(signum, frame):  # a service manager's stop: same as Ctrl-C
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, on_term)
        procs: list[subprocess.Popen] = []
        serve_env = dict(os.environ)
        if static:
            from app.webbuild import DEFAULT_OUT, BuildOptions, build, is_up_to_date

            options = BuildOptions(out=DEFAULT_OUT, today=os.environ.get("MACHI_TODAY") or None)
            if is_up_to_date(options):
                err.print(f"static web app: {options.out} is up to date", highlight=False)
            else:
                err.print("building the static web app (machi app build-web)…")
                try:
                    build(options, log=err.print)
                except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
                    _fail(f"the static web app could not be built: {exc}")
            serve_env["MACHI_WEB_DIR"] = str(options.out)
        try:
            if has_backend:
                _check_port("127.0.0.1", api_port, "--api-port")
                serve = exe + ["serve", "--host", "127.0.0.1", "--port", str(api_port)]
                if data_dir:
                    serve += ["--data-dir", str(data_dir)]
                procs.append(subprocess.Popen(serve, env=serve_env, start_new_session=True))
                if not _wait_http(f"{api_url}/openapi.json", procs[-1]):
                    _fail(f"the backend did not start on {api_url} (see its output above)")
                err.print(f"backend: [bold]{api_url}[/]", highlight=False)
            else:
                err.print("[yellow]warning:[/] backend/ is not in this checkout; the app runs offline")
            if static:
                err.print(f"Machi is running: open [bold]{api_url}/[/] (Ctrl-C stops it)", highlight=False)
                while procs[0].poll() is None:
                    time.sleep(0.5)
                _fail("the backend stopped unexpectedly")
            env = dict(os.environ, MACHI_API_URL=api_url)
            procs.append(
                subprocess.Popen(
                    exe + ["app", "--web", "--port", str(port), "--api", api_url],
                    env=env,
                    start_new_session=True,
                )
            )
            url = f"http://127.0.0.1:{port}/"
            if not _wait_http(url, procs[-1]):
                _fail(f"the web app did not start on {url}")
            err.print(f"Machi is running: open [bold]{url}[/] (Ctrl-C stops it)", highlight=False)
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
            _fail("a process stopped unexpectedly; stopping the other")
        except KeyboardInterrupt:
            err.print("stopping…")
        finally:
            for p in procs:
                if p.poll() is None:
                    os.killpg(p.pid, signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
