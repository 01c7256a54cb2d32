"""``machi app build-web``: the app as a static, installable, offline web app (Python in the browser).

The site is ``flet publish --no-cdn`` of a small entry script, with the prebuilt Flutter client
and the Pyodide 314.0.7 runtime that the ``flet-web`` wheel already ships (no Flutter SDK, no CDN
at run time). Everything the browser needs is in the site:

* ``app.tar.gz``: the entry script, the ``app`` and ``core`` packages, the bundled city data and
  catalogs, and ``__pypackages__`` (the pure-Python dependency wheels, unpacked; flet's web worker
  puts that folder on ``sys.path``), so micropip never resolves anything;
* ``wheels/``: the two compiled browser wheels (msgpack, pydantic-core for ``pyemscripten``),
  listed by relative URL in the archive's ``requirements.txt`` (micropip installs them; their own
  dependencies are already in ``__pypackages__``, so it never asks an index);
* ``manifest.json`` and icons (installable), and Machi's service worker (``app/web/sw.js``,
  registered by a script added to ``index.html``; Flet's page registers none): it precaches the app shell and the city data, serves
  them offline, and shows Web Push notifications.

The dependency wheels come from PyPI through pip (``pip download``), pinned to the versions
installed in this environment, into a cache (``build/web-cache``); once the cache is filled the
build needs no network. The build is reproducible: the archive is written with sorted names and
fixed times, so the same sources give the same bytes.

All work-arounds for Flet 1.0.5 live in the WORKAROUNDS section below; ``tests/app/test_webbuild.py``
fails when a Flet upgrade makes one unnecessary or wrong.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WEB_TEMPLATES = Path(__file__).resolve().parent / "web"
DEFAULT_OUT = REPO / "build" / "web"
DEFAULT_CACHE = REPO / "build" / "web-cache"

PYTHON = "3.14"
PYODIDE_VERSION = "314.0.7"
WHEEL_PLATFORM = "pyemscripten_2026_0_wasm32"  # Pyodide 314's platform tag (PEP 783)

# What the app imports in the browser (app/, and the core/ modules it uses), by distribution.
# Replaced in the browser, so not shipped: rapidfuzz (core.garbage.search falls back to difflib),
# cryptography (app.services.vault uses the browser's WebCrypto), zxing-cpp/pillow (slip photos
# are decoded by the server), typer/rich (app.cli, the command line only).
BROWSER_DISTRIBUTIONS = (
    "flet",
    "flet-charts",
    "flet-map",
    "flet-geolocator",
    "flet-camera",
    "flet-secure-storage",
    "babel",
    "icalendar",
    "holidays",
    "pykakasi",
    "snowballstemmer",
    "httpx",
    "pydantic",
    "msgpack",
)
# the environment markers of Pyodide 314 (what a wheel's Requires-Dist is evaluated against)
BROWSER_MARKERS = {
    "platform_system": "Emscripten",
    "sys_platform": "emscripten",
    "os_name": "posix",
    "platform_machine": "wasm32",
    "python_version": PYTHON,
    "python_full_version": PYTHON + ".2",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "extra": "",
}


# ---------------------------------------------------------------------------------------- WORKAROUNDS
# Flet 1.0.5's ``flet publish --no-cdn`` cannot build offline as it is (checked on this machine):
#
# 1. It fetches python-build's manifest.json from GitHub releases to map Python 3.14 to a Pyodide
#    version. FLET_PYTHON_BUILD_MANIFEST pointing at this local copy avoids the request.
PYTHON_BUILD_MANIFEST = {
    "default_python_version": PYTHON,
    "pythons": {
        PYTHON: {
            "full_version": "3.14.6",
            "pyodide_version": PYODIDE_VERSION,
            "pyodide_platform_tag": "pyemscripten-2026.0-wasm32",
            "android_abis": ["arm64-v8a", "x86_64", "armeabi-v7a"],
            "prerelease": False,
        }
    },
}


# 2. With --no-cdn it ignores the Pyodide runtime that flet-web already ships (byte-identical to npm
#    pyodide@314.0.7, plus Pyodide's micropip and packaging wheels), because that runtime's
#    pyodide-lock.json has no ``info.version``, and downloads pyodide-core from GitHub instead.
#    A cache ($FLET_CACHE_DIR/pyodide/<version>/) pre-filled with flet-web's copy, whose lock
#    carries the version, is used as it is.
def prefill_pyodide_cache(flet_cache: Path) -> Path:
    """Fill ``flet_cache/pyodide/<version>/`` from the flet-web wheel's Pyodide (lock with its version)."""
    source = flet_web_dir() / "pyodide"
    target = flet_cache / "pyodide" / PYODIDE_VERSION
    target.mkdir(parents=True, exist_ok=True)
    for f in source.iterdir():
        if f.is_file() and f.name != "pyodide-lock.json":
            shutil.copy2(f, target / f.name)
    lock = json.loads((source / "pyodide-lock.json").read_text("utf-8"))
    lock.setdefault("info", {})["version"] = PYODIDE_VERSION
    (target / "pyodide-lock.json").write_text(json.dumps(lock), "utf-8")
    return target


# 3. The generated index.html sets flet.pyodideUrl="pyodide/pyodide.mjs", which python-worker.js
#    passes to import(): a bare module specifier the browser refuses ("Failed to resolve module
#    specifier"). A relative URL works.
BARE_PYODIDE_URL = 'flet.pyodideUrl="pyodide/pyodide.mjs";'
FIXED_PYODIDE_URL = 'flet.pyodideUrl="./pyodide/pyodide.mjs";'


def fix_pyodide_url(index_html: str) -> str:
    """index.html with the Pyodide module URL made relative (raises if Flet no longer writes it)."""
    if BARE_PYODIDE_URL not in index_html:
        raise RuntimeError("flet publish no longer writes the bare pyodide URL: review WORKAROUNDS 3")
    return index_html.replace(BARE_PYODIDE_URL, FIXED_PYODIDE_URL)


# 4. ``--assets`` is honoured only as a path relative to the script's folder: an absolute path is
#    replaced by ``<script folder>/assets`` (flet_cli/commands/publish.py). Pass it relative.
def assets_argument(script_dir: Path, assets: Path) -> str:
    """The --assets value flet publish 1.0.5 honours: ``assets`` relative to the script's folder."""
    return os.path.relpath(assets, script_dir)


# -------------------------------------------------------------------------------------- end WORKAROUNDS


def flet_web_dir() -> Path:
    import flet_web

    return Path(flet_web.get_package_web_dir())


def _normalize(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def browser_requirements(roots: tuple[str, ...] = BROWSER_DISTRIBUTIONS) -> dict[str, str]:
    """Every distribution the browser needs (``roots`` and their dependencies under Pyodide's
    markers), pinned to the version installed here: name -> version."""
    from packaging.requirements import Requirement

    pins: dict[str, str] = {}
    todo = list(roots)
    while todo:
        name = _normalize(todo.pop())
        if name in pins:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise RuntimeError(f"{name} is needed in the browser but not installed here") from None
        pins[name] = dist.version
        for raw in dist.requires or []:
            req = Requirement(raw)
            if req.marker is None or req.marker.evaluate(BROWSER_MARKERS):
                todo.append(req.name)
    return dict(sorted(pins.items()))


def ensure_wheels(cache: Path, pins: dict[str, str]) -> list[Path]:
    """The browser wheels of ``pins`` in ``cache`` (pip downloads only the missing ones)."""
    cache.mkdir(parents=True, exist_ok=True)

    def find(name: str, version: str) -> Path | None:
        for whl in cache.glob("*.whl"):
            n, v = whl.name.split("-")[:2]
            if _normalize(n) == name and v == version:
                return whl
        return None

    missing = [f"{n}=={v}" for n, v in pins.items() if find(n, v) is None]
    if missing:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
        cmd += ["--platform", WHEEL_PLATFORM, "--python-version", PYTHON, "--implementation", "cp"]
        subprocess.run([*cmd, "-d", str(cache), *missing], check=True)
    wheels = [find(n, v) for n, v in pins.items()]
    lost = [f"{n}=={v}" for (n, v), w in zip(pins.items(), wheels, strict=True) if w is None]
    if lost:
        raise RuntimeError(f"no browser wheel for {', '.join(lost)}")
    return [w for w in wheels if w is not None]


def babel_languages() -> set[str]:
    """The CLDR languages the app formats in (its catalogs' languages, root, and Filipino for tl)."""
    from core.i18n import LANGUAGES

    return {"root", "en", "fil"} | {lang.split("@")[0].split("_")[0] for lang in LANGUAGES}


def trim_packages(packages: Path) -> None:
    """Leave out what the app never loads in the browser: Babel's CLDR data of other languages
    (36 of its 39 MB; the 200 locales of the app's languages stay, every territory included)."""
    data = packages / "babel" / "locale-data"
    keep = babel_languages()
    for f in data.glob("*.dat"):
        if f.stem.split("_")[0] not in keep:
            f.unlink()


def is_pure(wheel: Path) -> bool:
    return wheel.name.endswith("-none-any.whl")


@dataclass(frozen=True)
class BuildOptions:
    out: Path = DEFAULT_OUT
    cache: Path = DEFAULT_CACHE
    api_url: str | None = None  # None: the origin the site is served from
    today: str | None = None  # MACHI_TODAY in the browser (demos, tests)
    poll_seconds: float | None = None


def _copy_sources(stage: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "tools", "web", "webbuild.py", "cli.py")
    shutil.copytree(REPO / "app", stage / "app", ignore=ignore)
    shutil.copytree(REPO / "core", stage / "core", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for part in ("cities", "growth"):
        if (REPO / "assets" / part).is_dir():
            shutil.copytree(REPO / "assets" / part, stage / "assets" / part)
    for po in sorted((REPO / "locales").glob("*/LC_MESSAGES/*.po")):
        target = stage / po.relative_to(REPO)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(po, target)


def _entry_script(options: BuildOptions) -> str:
    env = {"MACHI_TODAY": options.today, "MACHI_API_URL": options.api_url}
    if options.poll_seconds is not None:
        env["MACHI_POLL_SECONDS"] = str(options.poll_seconds)
    env = {k: v for k, v in env.items() if v}
    return (
        (WEB_TEMPLATES / "main.py")
        .read_text("utf-8")
        .replace("ENV = {}  # filled in by app/webbuild.py", f"ENV = {env!r}")
    )


def _deterministic_tar_gz(source: Path, target: Path) -> None:
    """``source``'s files as a .tar.gz with sorted names, fixed times and owners (same input, same bytes)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            info = tarfile.TarInfo(path.relative_to(source).as_posix())
            info.size = path.stat().st_size
            info.mode = 0o644
            info.mtime = 0
            with path.open("rb") as fh:
                tar.addfile(info, fh)
    with target.open("wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, filename="") as gz:
        gz.write(raw.getvalue())


STAMP = ".machi-build"


def inputs_digest(options: BuildOptions, pins: dict[str, str]) -> str:
    """A hash of everything a build is made from (sources, data, catalogs, templates, pins, options)."""
    import flet_web

    digest = hashlib.sha256(json.dumps([pins, options.api_url, options.today, options.poll_seconds]).encode())
    digest.update(f"{PYODIDE_VERSION} {flet_web.__file__}".encode())
    for top in ("app", "core", "assets", "locales"):
        for p in sorted((REPO / top).rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".mo"):
                digest.update(p.relative_to(REPO).as_posix().encode() + b"\0" + p.read_bytes())
    return digest.hexdigest()


def is_up_to_date(options: BuildOptions) -> bool:
    """Whether ``options.out`` holds a build of exactly the current inputs."""
    stamp = Path(options.out) / STAMP
    return stamp.is_file() and stamp.read_text("utf-8").strip() == inputs_digest(
        options, browser_requirements()
    )


def build(options: BuildOptions, log=print) -> Path:
    """Build the static site into ``options.out`` and return it."""
    final = Path(options.out).resolve()
    # built beside the target and swapped in at the end: a server never sees a half-built site,
    # and two builds at once do not write into one folder
    out = final.with_name(f".{final.name}.building-{os.getpid()}")
    cache = Path(options.cache).resolve()
    pins = browser_requirements()
    digest = inputs_digest(options, pins)
    wheels = ensure_wheels(cache / "wheels", pins)
    log(f"{len(wheels)} browser wheels ({sum(not is_pure(w) for w in wheels)} compiled) from {cache}")
    flet_cache = cache / "flet"
    prefill_pyodide_cache(flet_cache)  # WORKAROUNDS 2
    manifest = cache / "python-build-manifest.json"
    manifest.write_text(json.dumps(PYTHON_BUILD_MANIFEST), "utf-8")  # WORKAROUNDS 1

    with tempfile.TemporaryDirectory(prefix="machi-web-") as tmp:
        # flet publish gets only the entry script (it would pack and compress the whole folder);
        # the app archive is written once, below, from the full stage
        entry, stage, web_assets = Path(tmp) / "entry", Path(tmp) / "app", Path(tmp) / "web-assets"
        entry.mkdir()
        stage.mkdir()
        _copy_sources(stage)
        (stage / "main.py").write_text(_entry_script(options), "utf-8")
        packages = stage / "__pypackages__"
        (web_assets / "wheels").mkdir(parents=True)
        requirements = []
        for whl in wheels:
            if is_pure(whl):
                with zipfile.ZipFile(whl) as z:
                    z.extractall(packages)
            else:
                shutil.copy2(whl, web_assets / "wheels" / whl.name)
                requirements.append(f"wheels/{whl.name}")
        trim_packages(packages)
        (stage / "requirements.txt").write_text("\n".join(requirements) + "\n", "utf-8")
        shutil.copy2(stage / "main.py", entry / "main.py")
        shutil.copy2(stage / "requirements.txt", entry / "requirements.txt")
        shutil.copytree(REPO / "assets" / "fonts", web_assets / "fonts")
        shutil.copytree(WEB_TEMPLATES / "icons", web_assets / "icons")
        shutil.copy2(WEB_TEMPLATES / "favicon.png", web_assets / "favicon.png")

        env = dict(os.environ, FLET_CACHE_DIR=str(flet_cache), FLET_PYTHON_BUILD_MANIFEST=str(manifest))
        cmd = [sys.executable, "-m", "flet_cli.cli", "publish", str(entry / "main.py"), "--no-cdn"]
        cmd += ["--distpath", str(out), "--assets", assets_argument(entry, web_assets)]
        cmd += ["--web-renderer", "canvaskit", "--app-name", "Machi", "--app-short-name", "Machi"]
        cmd += ["--app-description", "Garbage days, city places, alerts and the handbook for residents"]
        cmd += ["--pwa-background-color", "#FFFFFF", "--pwa-theme-color", "#1565C0"]
        done = subprocess.run(cmd, env=env, cwd=tmp, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"flet publish failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        _deterministic_tar_gz(stage, out / "app.tar.gz")

    index = out / "index.html"
    index.write_text(fix_pyodide_url(index.read_text("utf-8")), "utf-8")  # WORKAROUNDS 3
    _write_pwa(out)
    (out / STAMP).write_text(digest + "\n", "utf-8")
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        final.rename(old)
    out.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    log(f"static site in {final}")
    return final


# Files the browser never loads with the canvaskit renderer and Pyodide in a worker: not precached.
NOT_PRECACHED = (
    "main.dart.wasm",
    "main.dart.mjs",
    "flutter.js.map",
    "pyodide/python",
    "pyodide/python.bat",
    "pyodide/python.exe",
    "pyodide/python_cli_entry.mjs",
    "pyodide/ffi.d.ts",
    "pyodide/pyodide.d.ts",
    "pyodide/package.json",
    "pyodide/pyodide.js",
    "flutter_service_worker.js",
    "sw.js",
    "precache.json",
    STAMP,
)


def precache_list(out: Path) -> list[str]:
    """The site's files the service worker stores at install (relative URLs, sorted)."""
    files = []
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out).as_posix()
        if not p.is_file() or rel in NOT_PRECACHED or rel.startswith("canvaskit/skwasm"):
            continue
        if rel.startswith("canvaskit/") and "/" in rel[len("canvaskit/") :] and "chromium/" not in rel:
            continue
        files.append(rel)
    return files


# Flet's page registers no service worker (its flutter_service_worker.js unregisters itself): register
# Machi's once the page has loaded, so its precache does not compete with the first start.
REGISTER_SW = """<script>
  if ("serviceWorker" in navigator) {
    window.addEventListener("load", () => navigator.serviceWorker.register("sw.js"));
  }
</script>
"""


def _write_pwa(out: Path) -> None:
    files = precache_list(out)
    digest = hashlib.sha256()
    for rel in files:
        digest.update(rel.encode() + b"\0" + hashlib.sha256((out / rel).read_bytes()).digest())
    version = digest.hexdigest()[:16]
    shell = ["./", *(f for f in files if f != "index.html")]
    sw = (WEB_TEMPLATES / "sw.js").read_text("utf-8")
    sw = sw.replace('const VERSION = "dev";', f'const VERSION = "{version}";')
    sw = sw.replace("const PRECACHE = [];", f"const PRECACHE = {json.dumps(shell)};")
    (out / "sw.js").write_text(sw, "utf-8")
    index = out / "index.html"
    index.write_text(index.read_text("utf-8").replace("</head>", REGISTER_SW + "</head>", 1), "utf-8")
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    manifest.update(json.loads((WEB_TEMPLATES / "manifest.json").read_text("utf-8")))
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")
    (out / "precache.json").write_text(json.dumps({"version": version, "files": shell}), "utf-8")
