"""The city bundle: everything the app knows about a city, versioned and content-addressed.

A bundle is one JSON document ``{"manifest": {...}, "files": {path: text}}``. The manifest
(``machi-bundle/1``) names the city, a version that grows with every published change, the
SHA-256 of each file, the validity period of each domain, and ``content_hash`` — the SHA-256
over the sorted file list and hashes, which is also the bundle's name and HTTP ETag.

``build`` collects a city folder (the data directory's files first, the bundled ones for what
it lacks); ``verify`` refuses anything whose hashes, format or data do not check out;
``install`` swaps a verified bundle into ``<root>/cities/<slug>`` so ``core.city.load_city``
and ``core.places.load_places`` read it, keeping the previous copy until the swap is done.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from core.city import assets_dir, default_data_dir, write_json_atomic

BUNDLE_FORMAT = "machi-bundle/1"
# What a bundle carries, relative to the city folder (source folders stay on the server).
FILES = ("city.json", "garbage.json", "places.json", "events.json", "news.json", "payslip.json")
GLOBS = ("garbage/i18n/*.json",)


class BundleInvalid(ValueError):
    """A bundle that must not be used; the message says what is wrong."""


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def collect(slug: str, data_dir: Path | None = None) -> dict[str, str]:
    """path -> text of the city's files: the data directory's copy first, else the bundled one."""
    roots = [
        (Path(data_dir) if data_dir else default_data_dir()) / "cities" / slug,
        assets_dir() / "cities" / slug,
    ]
    files: dict[str, str] = {}
    for root in roots:
        if not root.is_dir():
            continue
        names = [n for n in FILES if (root / n).is_file()]
        for pattern in GLOBS:
            names += [p.relative_to(root).as_posix() for p in sorted(root.glob(pattern))]
        for name in names:
            files.setdefault(name, (root / name).read_text("utf-8"))
    if "garbage.json" not in files:
        raise BundleInvalid(f"city {slug!r} has no garbage.json in {' or '.join(str(r) for r in roots)}")
    return files


def content_hash(file_hashes: dict[str, str]) -> str:
    return sha256("\n".join(f"{name} {h}" for name, h in sorted(file_hashes.items())))


def _period(start: str | None, end: str | None) -> dict:
    return {"from": start, "to": end}


def domains(files: dict[str, str]) -> dict:
    """Validity per domain, read from the data itself."""
    out: dict[str, dict] = {}
    garbage = json.loads(files["garbage.json"])
    validity = garbage.get("validity") or {}
    out["garbage"] = _period(validity.get("from"), validity.get("to"))
    if "events.json" in files:
        events = json.loads(files["events.json"]).get("events", [])
        out["events"] = {
            **_period(
                min((e["start"] for e in events), default=None), max((e["end"] for e in events), default=None)
            ),
            "count": len(events),
        }
    if "places.json" in files:
        places = json.loads(files["places.json"]).get("places", [])
        kinds: dict[str, int] = {}
        for p in places:
            kinds[p["kind"]] = kinds.get(p["kind"], 0) + 1
        out["places"] = {"from": None, "to": None, "count": len(places), "kinds": kinds}
    if "news.json" in files:
        items = json.loads(files["news.json"]).get("items", [])
        out["news"] = {"from": None, "to": None, "count": len(items)}
    return out


def make(slug: str, files: dict[str, str], *, version: int, created: dt.datetime) -> dict:
    hashes = {name: sha256(text) for name, text in files.items()}
    manifest = {
        "format": BUNDLE_FORMAT,
        "city": slug,
        "version": version,
        "created": created.isoformat(timespec="seconds"),
        "content_hash": content_hash(hashes),
        "files": {
            name: {"sha256": h, "size": len(files[name].encode("utf-8"))}
            for name, h in sorted(hashes.items())
        },
        "domains": domains(files),
    }
    return {"manifest": manifest, "files": dict(sorted(files.items()))}


def verify(bundle: object, *, slug: str | None = None) -> dict:
    """The manifest of a sound bundle; ``BundleInvalid`` naming the first problem otherwise."""
    if not isinstance(bundle, dict) or not isinstance(bundle.get("manifest"), dict):
        raise BundleInvalid("not a city bundle (no manifest)")
    manifest, files = bundle["manifest"], bundle.get("files")
    if manifest.get("format") != BUNDLE_FORMAT:
        raise BundleInvalid(f"unknown bundle format {manifest.get('format')!r}")
    if slug is not None and manifest.get("city") != slug:
        raise BundleInvalid(f"bundle is for city {manifest.get('city')!r}, not {slug!r}")
    if not isinstance(manifest.get("version"), int) or manifest["version"] < 1:
        raise BundleInvalid(f"bad bundle version {manifest.get('version')!r}")
    if not isinstance(files, dict) or set(files) != set(manifest.get("files") or {}):
        raise BundleInvalid("the bundle's files do not match its manifest")
    hashes = {}
    for name, text in files.items():
        if name.startswith("/") or ".." in Path(name).parts or not name.endswith(".json"):
            raise BundleInvalid(f"unsafe file name {name!r} in bundle")
        if not isinstance(text, str) or sha256(text) != manifest["files"][name].get("sha256"):
            raise BundleInvalid(f"{name}: content does not match its SHA-256 in the manifest")
        hashes[name] = manifest["files"][name]["sha256"]
    if content_hash(hashes) != manifest.get("content_hash"):
        raise BundleInvalid("content_hash does not match the files")
    if "garbage.json" not in files:
        raise BundleInvalid("bundle has no garbage.json")
    _check_data(files)
    return manifest


def _check_data(files: dict[str, str]) -> None:
    from core.events import events_from_json
    from core.garbage.model import CityGarbage
    from core.places import places_from_json

    readers = {
        "garbage.json": CityGarbage.from_json,
        "places.json": places_from_json,
        "events.json": events_from_json,
    }
    for name, text in files.items():
        try:
            data = json.loads(text)
            if name in readers:
                readers[name](data)
        except (ValueError, KeyError, TypeError) as exc:
            raise BundleInvalid(f"{name}: unreadable data: {exc}") from None


# ---------------------------------------------------------------- server side: publish


def publish_dir(slug: str, data_dir: Path | None = None) -> Path:
    return (Path(data_dir) if data_dir else default_data_dir()) / "bundles" / slug


def current(slug: str, data_dir: Path | None = None) -> tuple[dict, Path] | None:
    """(manifest, bundle file) of the city's published bundle, or None."""
    pointer = publish_dir(slug, data_dir) / "current.json"
    if not pointer.is_file():
        return None
    info = json.loads(pointer.read_text("utf-8"))
    return info["manifest"], publish_dir(slug, data_dir) / f"{info['manifest']['content_hash']}.json"


def publish(slug: str, data_dir: Path | None = None, *, now: dt.datetime | None = None) -> dict:
    """Build, verify and publish the city's bundle; returns its manifest (same version if unchanged)."""
    files = collect(slug, data_dir)
    previous = current(slug, data_dir)
    hashes = {name: sha256(text) for name, text in files.items()}
    if previous and previous[0]["content_hash"] == content_hash(hashes) and previous[1].is_file():
        return previous[0]
    version = (previous[0]["version"] + 1) if previous else 1
    bundle = make(slug, files, version=version, created=now or dt.datetime.now(dt.UTC))
    manifest = verify(bundle, slug=slug)
    folder = publish_dir(slug, data_dir)
    write_json_atomic(folder / f"{manifest['content_hash']}.json", bundle)
    write_json_atomic(folder / "current.json", {"manifest": manifest})
    return manifest


# ---------------------------------------------------------------- client side: install


def installed_manifest(root: Path, slug: str) -> dict | None:
    path = Path(root) / "cities" / slug / "bundle-manifest.json"
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def install(bundle: dict, root: Path, *, slug: str) -> dict:
    """Verify and swap ``bundle`` into ``root/cities/<slug>``; on any failure the old copy stays."""
    manifest = verify(bundle, slug=slug)
    cities = Path(root) / "cities"
    versions = Path(root) / "city-versions" / slug
    versions.mkdir(parents=True, exist_ok=True)
    final = versions / manifest["content_hash"]
    if not final.is_dir():
        staging = Path(tempfile.mkdtemp(dir=versions, prefix=".staging-"))
        try:
            for name, text in bundle["files"].items():
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, "utf-8")
            (staging / "bundle-manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
            # Re-read what was written: a full disk or a torn write is caught before the swap.
            for name in bundle["files"]:
                if sha256((staging / name).read_text("utf-8")) != manifest["files"][name]["sha256"]:
                    raise BundleInvalid(f"{name}: written copy does not match (disk error?)")
            os.replace(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    cities.mkdir(parents=True, exist_ok=True)
    link = cities / slug
    tmp_link = cities / f".{slug}.{os.getpid()}.link"
    tmp_link.unlink(missing_ok=True)
    os.symlink(os.path.relpath(final, cities), tmp_link)
    if link.exists() and not link.is_symlink():
        # A folder written by an import: keep it beside, never delete the user's data.
        os.replace(link, cities / f".{slug}.before-bundle")
    os.replace(tmp_link, link)  # atomic: readers see the old version or the new one
    _prune(versions, keep={manifest["content_hash"]}, last=2)
    return manifest


def _prune(versions: Path, *, keep: set[str], last: int) -> None:
    dirs = sorted(
        (d for d in versions.iterdir() if d.is_dir() and not d.name.startswith(".")),
        key=lambda d: d.stat().st_mtime,
        reverse=True,
    )
    for d in dirs[last:]:
        if d.name not in keep:
            shutil.rmtree(d, ignore_errors=True)


def bundled_manifest(slug: str) -> dict:
    """A manifest describing the copy shipped with the app (version 0)."""
    files = {}
    root = assets_dir() / "cities" / slug
    for name in FILES:
        if (root / name).is_file():
            files[name] = (root / name).read_text("utf-8")
    for pattern in GLOBS:
        for p in sorted(root.glob(pattern)):
            files[p.relative_to(root).as_posix()] = p.read_text("utf-8")
    hashes = {n: sha256(t) for n, t in files.items()}
    return {
        "format": BUNDLE_FORMAT,
        "city": slug,
        "version": 0,
        "content_hash": content_hash(hashes),
        "domains": domains(files),
        "created": None,
    }
