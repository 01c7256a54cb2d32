"""The static web app (``machi app build-web``) served at ``/`` beside the API (``machi up``).

Any static web server can serve the folder instead (README: Deploying the web app); this is the
same thing in the one process ``machi serve`` already runs: files gzip-compressed on the way out,
every unknown path without a file extension answered with ``index.html`` (the app's routes, such
as ``/growth``, are client-side), and the service worker and the page revalidated on every visit
so a new build reaches residents at their next start.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles

REVALIDATE = {"index.html", "sw.js", "manifest.json", "precache.json", ""}


class SiteFiles(StaticFiles):
    async def get_response(self, path: str, scope):
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or "." in Path(path).name or path.startswith("v1"):
                raise
            response = await super().get_response("index.html", scope)
        if path in REVALIDATE or path.endswith("index.html") or response.media_type == "text/html":
            response.headers["Cache-Control"] = "no-cache"
        return response


def site_dir() -> Path | None:
    """``$MACHI_WEB_DIR`` if it holds a built site, else None."""
    raw = os.environ.get("MACHI_WEB_DIR", "").strip()
    return Path(raw) if raw and (Path(raw) / "index.html").is_file() else None


def mount_site(app: FastAPI, directory: Path) -> None:
    """Serve the built site at ``/`` (after the API's routes, which keep precedence)."""
    app.mount("/", GZipMiddleware(SiteFiles(directory=directory, html=True), minimum_size=1024), name="web")
