"""Machi in the browser: flet's Pyodide web worker runs this file (see app/webbuild.py).

The same app as ``machi app``; settings come from the build (``ENV``), and the backend is the
origin that serves the site unless the build named another.
"""

import os

ENV = {}  # filled in by app/webbuild.py

for key, value in ENV.items():
    os.environ.setdefault(key, value)
if "MACHI_API_URL" not in os.environ:
    import js  # Pyodide: the worker's location is on the site's origin

    os.environ["MACHI_API_URL"] = str(js.location.origin)

import flet as ft  # noqa: E402

from app.main import make_main  # noqa: E402
from app.platform import install_browser_transport  # noqa: E402

install_browser_transport()  # httpx over fetch(): the browser has no sockets

ft.run(make_main())
