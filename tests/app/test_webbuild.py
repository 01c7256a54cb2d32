"""The static web app build (app/webbuild.py): each Flet 1.0.5 work-around is still needed and still
right (these fail when a Flet upgrade changes that), and the build's own pieces."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from app import webbuild as W

flet_cli = pytest.importorskip("flet_cli")


def test_workaround_1_publish_fetches_the_python_build_manifest_unless_a_local_one_is_named(
    tmp_path, monkeypatch
):
    from flet_cli.utils import python_versions as pv

    assert pv._MANIFEST_URL.startswith("https://"), "flet no longer fetches the manifest: drop WORKAROUNDS 1"
    assert pv.MANIFEST_PATH_ENV == "FLET_PYTHON_BUILD_MANIFEST"
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(W.PYTHON_BUILD_MANIFEST))
    monkeypatch.setenv("FLET_PYTHON_BUILD_MANIFEST", str(path))
    monkeypatch.setenv("FLET_CACHE_DIR", str(tmp_path / "cache"))
    for fn in vars(pv).values():
        if hasattr(fn, "cache_clear"):
            fn.cache_clear()
    release = pv.resolve_python_version(None, lambda key: None)
    assert (release.short, release.pyodide) == (W.PYTHON, W.PYODIDE_VERSION)


def test_workaround_2_flet_web_pyodide_lock_has_no_version_and_the_prefilled_cache_is_used(tmp_path):
    from flet_cli.utils import pyodide

    shipped = W.flet_web_dir() / "pyodide"
    lock = json.loads((shipped / "pyodide-lock.json").read_text())
    assert "version" not in lock["info"], "flet-web's Pyodide lock names its version: drop WORKAROUNDS 2"
    assert not pyodide._cache_matches_version(shipped, W.PYODIDE_VERSION)
    # the runtime flet-web ships is the one the manifest names (npm pyodide@314.0.7)
    assert json.loads((shipped / "package.json").read_text())["version"] == W.PYODIDE_VERSION
    cache = W.prefill_pyodide_cache(tmp_path)
    assert pyodide._cache_matches_version(cache, W.PYODIDE_VERSION)
    assert {"pyodide.mjs", "pyodide.asm.wasm", "python_stdlib.zip"} <= {p.name for p in cache.iterdir()}
    assert any(p.name.startswith("micropip-") for p in cache.iterdir())


def test_workaround_3_index_html_gets_a_bare_pyodide_specifier_which_is_made_relative(tmp_path):
    from flet.controls.types import RouteUrlStrategy, WebRenderer
    from flet_web import patch_index_html

    index = tmp_path / "index.html"
    index.write_text((W.flet_web_dir() / "index.html").read_text())
    patch_index_html(
        index_path=str(index),
        base_href="",
        pyodide=True,
        pyodide_script_path="main.py",
        pyodide_version=W.PYODIDE_VERSION,
        app_package_url="app.tar.gz",
        web_renderer=WebRenderer("canvaskit"),
        route_url_strategy=RouteUrlStrategy("path"),
        no_cdn=True,
    )
    html = index.read_text()
    assert W.BARE_PYODIDE_URL in html, "flet writes another Pyodide URL: review WORKAROUNDS 3"
    fixed = W.fix_pyodide_url(html)
    assert W.FIXED_PYODIDE_URL in fixed and W.BARE_PYODIDE_URL not in fixed
    with pytest.raises(RuntimeError):
        W.fix_pyodide_url(fixed)


def test_workaround_4_publish_replaces_an_absolute_assets_path():
    from flet_cli.commands.publish import Command

    src = inspect.getsource(Command.handle)
    assert "if assets_dir and not Path(assets_dir).is_absolute():" in src
    branch = src.split("if assets_dir and not Path(assets_dir).is_absolute():")[1].split("if os.path")[0]
    assert "else:" in branch and "script_dir / assets_name" in branch.split("else:")[1], (
        "flet publish honours an absolute --assets now: drop WORKAROUNDS 4"
    )
    assert W.assets_argument(Path("/t/entry"), Path("/t/web-assets")) == "../web-assets"


def test_browser_requirements_leave_out_what_the_browser_replaces():
    pins = W.browser_requirements()
    assert {"flet", "pydantic-core", "msgpack", "babel", "pykakasi"} <= set(pins)
    assert not {"rapidfuzz", "cryptography", "zxing-cpp", "pillow", "typer", "rich", "oauthlib"} & set(pins)
    assert not any(name.startswith("flet-web") or name == "flet-cli" for name in pins)


def test_every_module_the_app_imports_is_shipped_or_replaced_in_the_browser():
    code = """
import importlib, pkgutil, sys, json
import app.main
for m in pkgutil.walk_packages(["app"], "app."):
    if not m.name.startswith(("app.tools", "app.cli", "app.webbuild", "app.web.")):
        importlib.import_module(m.name)
print(json.dumps(sorted({k.split(".")[0] for k, v in sys.modules.items()
      if "site-packages" in (getattr(v, "__file__", None) or "")})))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=W.REPO)
    imported = set(json.loads(out.stdout))
    shipped = set()
    from importlib import metadata

    for name in W.browser_requirements():
        dist = metadata.distribution(name)
        top = (dist.read_text("top_level.txt") or "").split()
        shipped |= set(top) or {name.replace("-", "_")}
        shipped |= {
            Path(f.parts[0]).stem for f in dist.files or [] if f.suffix == ".py" and len(f.parts) >= 1
        }
    replaced = {"rapidfuzz", "cryptography", "_cffi_backend"}
    optional = {"brotli", "_brotli", "click", "rich", "pygments"}  # httpx imports them only if installed
    missing = {m for m in imported - shipped - replaced - optional if not m.startswith("_")}
    assert missing == set()


def test_the_app_archive_is_reproducible(tmp_path):
    src = tmp_path / "src"
    (src / "b").mkdir(parents=True)
    (src / "a.py").write_text("x = 1\n")
    (src / "b" / "c.txt").write_text("ç")
    W._deterministic_tar_gz(src, tmp_path / "one.tar.gz")
    (src / "a.py").touch()  # a newer time, same content
    W._deterministic_tar_gz(src, tmp_path / "two.tar.gz")
    assert (tmp_path / "one.tar.gz").read_bytes() == (tmp_path / "two.tar.gz").read_bytes()
    with tarfile.open(tmp_path / "one.tar.gz") as tar:
        assert tar.getnames() == ["a.py", "b/c.txt"]


def test_precache_leaves_out_what_the_browser_never_loads(tmp_path):
    for rel in (
        "index.html",
        "main.dart.js",
        "main.dart.wasm",
        "canvaskit/canvaskit.wasm",
        "canvaskit/chromium/canvaskit.wasm",
        "canvaskit/skwasm.wasm",
        "pyodide/python.exe",
        "pyodide/pyodide.mjs",
        "app.tar.gz",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    assert W.precache_list(tmp_path) == [
        "app.tar.gz",
        "canvaskit/canvaskit.wasm",
        "canvaskit/chromium/canvaskit.wasm",
        "index.html",
        "main.dart.js",
        "pyodide/pyodide.mjs",
    ]


def test_trimmed_babel_data_still_formats_every_language_of_the_app(tmp_path):
    import shutil

    import babel
    from babel import Locale
    from babel.dates import format_date

    from core.i18n import LANGUAGES

    data = tmp_path / "babel" / "locale-data"
    shutil.copytree(Path(babel.__file__).parent / "locale-data", data)
    W.trim_packages(tmp_path)
    kept = {f.stem for f in data.glob("*.dat")}
    assert len(kept) < 300 and "de" not in kept and "root" in kept
    for lang in LANGUAGES:
        chain, loc = [], Locale.parse(lang.split("@")[0])
        while loc is not None:  # the locale and its CLDR parents must all be kept
            chain.append(str(loc))
            parent = babel.core.get_global("parent_exceptions").get(str(loc))
            loc = (
                Locale.parse(parent)
                if parent
                else (Locale.parse(str(loc).rsplit("_", 1)[0]) if "_" in str(loc) else None)
            )
        assert set(chain) <= kept, (lang, chain)
        assert format_date(__import__("datetime").date(2014, 5, 8), locale=lang.split("@")[0])
