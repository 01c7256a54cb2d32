"""Fixtures for core tests: small 5374 folders written on the fly."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1] / "fixtures" / "garbage"


def write_5374(
    folder: Path,
    area_days: str,
    center: str = "名称,休止開始日,休止終了日\n",
    description: str | None = None,
    target: str | None = None,
    remarks: str | None = None,
    encoding: str = "utf-8",
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    description = description or (
        "label,sublabel,description,styles,bgcolor\n"
        "燃えるごみ,,,img/moyasu.svg,#ea3b13\n"
        "燃えないごみ,,,img/moyasanai.svg,#733b96\n"
        "資源物,,,img/shigen.svg,#77ae1f\n"
    )
    target = (
        target
        or "type,name,notice,furigana\n燃えるごみ,生ごみ,水を切る,な\n資源物,ペットボトル,キャップを外す,へ\n"
    )
    files = {
        "area_days.csv": area_days,
        "center.csv": center,
        "description.csv": description,
        "target.csv": target,
    }
    if remarks is not None:
        files["remarks.csv"] = remarks
    for name, text in files.items():
        (folder / name).write_bytes(text.encode(encoding))
    return folder


@pytest.fixture
def make_5374(tmp_path):
    def make(area_days: str, **kw) -> Path:
        return write_5374(tmp_path / "city5374", area_days, **kw)

    return make


@pytest.fixture
def shared_garbage() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"fixture data not found at {SHARED}")
    return SHARED
