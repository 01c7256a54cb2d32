"""A city is a folder of data; this module finds, loads and atomically writes it.

Layout of one city folder (``<root>/cities/<slug>/``)::

    city.json                  name, code, timezone, put-out time, licence and source notes
    garbage.json               the compiled garbage data (``machi-garbage/1``, see core.garbage.model)
    garbage/i18n/<lang>.json   translations of category names, item names and notices

Two roots are searched: the user's data directory (``--data-dir``, ``$MACHI_DATA_DIR`` or
``~/.local/share/machi``), where imports write, and the bundled ``assets/cities``.
An explicit ``--data-dir`` is searched alone.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from core.garbage.model import CityGarbage
from core.text import clean_cell

DEFAULT_CITY = "matsusaka"
REPO_ROOT = Path(__file__).resolve().parent.parent


class CityNotFound(LookupError):
    pass


def assets_dir() -> Path:
    return Path(os.environ.get("MACHI_ASSETS_DIR", REPO_ROOT / "assets"))


def default_data_dir() -> Path:
    if env := os.environ.get("MACHI_DATA_DIR"):
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "machi"


def city_roots(data_dir: Path | None) -> list[Path]:
    if data_dir is not None:
        return [Path(data_dir) / "cities"]
    return [default_data_dir() / "cities", assets_dir() / "cities"]


def find_city_dir(slug: str, data_dir: Path | None = None) -> Path:
    for root in city_roots(data_dir):
        if (root / slug / "garbage.json").is_file():
            return root / slug
    searched = ", ".join(str(r) for r in city_roots(data_dir))
    known = sorted({p.parent.name for r in city_roots(data_dir) for p in r.glob("*/garbage.json")})
    hint = f"; known cities: {', '.join(known)}" if known else ""
    raise CityNotFound(f"no city {slug!r} in {searched}{hint}")


@dataclass(eq=False)  # identity hash: loaded cities are cached and used as cache keys
class City:
    slug: str
    path: Path
    meta: dict
    garbage: CityGarbage
    _translations: dict[str, dict] = field(default_factory=dict, repr=False)

    @property
    def timezone(self) -> str:
        return self.meta.get("timezone", "Asia/Tokyo")

    def name(self, lang: str = "ja") -> str:
        names = self.meta.get("name", {})
        if isinstance(names, str):
            return names
        return names.get(lang) or names.get(lang.split("_")[0].split("@")[0]) or names.get("ja") or self.slug

    def garbage_translations(self, lang: str) -> dict:
        """``{"categories": {}, "items": {}, "notices": {}}`` for ``lang`` (empty when missing)."""
        if lang not in self._translations:
            path = self.path / "garbage" / "i18n" / f"{lang}.json"
            data = json.loads(path.read_text("utf-8")) if path.is_file() else {}
            # Keys are the city's Japanese strings, matched the way importers clean them.
            self._translations[lang] = {
                k: {clean_cell(src): text for src, text in data.get(k, {}).items()}
                for k in ("categories", "items", "notices")
            }
        return self._translations[lang]

    def translation_languages(self) -> list[str]:
        folder = self.path / "garbage" / "i18n"
        return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []


_CACHE: dict[tuple[Path, float], City] = {}


def load_city(slug: str = DEFAULT_CITY, data_dir: Path | None = None) -> City:
    path = find_city_dir(slug, data_dir)
    garbage_file = path / "garbage.json"
    key = (garbage_file, garbage_file.stat().st_mtime)
    if key not in _CACHE:
        meta_file = path / "city.json"
        meta = json.loads(meta_file.read_text("utf-8")) if meta_file.is_file() else {}
        garbage = CityGarbage.from_json(json.loads(garbage_file.read_text("utf-8")))
        _CACHE[key] = City(slug=slug, path=path, meta=meta, garbage=garbage)
    return _CACHE[key]


def write_json_atomic(path: Path, data: dict) -> None:
    """Write JSON so that readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; city data is meant to be read by others
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
