"""City bundles: publish (versioned, content-addressed), verify, install with an atomic swap."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from core import bundle as B
from core.city import load_city
from core.places import load_places

runner = CliRunner()
ASSETS = Path(__file__).resolve().parents[2] / "assets"


def _server(tmp_path: Path) -> Path:
    d = tmp_path / "server"
    (d / "cities").mkdir(parents=True)
    return d


def _new_calendar(server: Path, year: int) -> None:
    """A city that publishes next year's calendar: the same data with a new validity period."""
    src = ASSETS / "cities" / "matsusaka" / "garbage.json"
    data = json.loads(src.read_text("utf-8"))
    data["validity"] = {"from": f"{year}-04-01", "to": f"{year + 1}-03-31"}
    target = server / "cities" / "matsusaka" / "garbage.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, ensure_ascii=False), "utf-8")


def test_publish_is_versioned_and_content_addressed(tmp_path):
    server = _server(tmp_path)
    m1 = B.publish("matsusaka", server)
    assert m1["version"] == 1 and m1["domains"]["garbage"] == {"from": "2014-02-01", "to": "2014-09-30"}
    assert m1["domains"]["places"]["kinds"] == {"shelter": 184, "evacuation": 203, "tourism": 2}
    assert (server / "bundles" / "matsusaka" / f"{m1['content_hash']}.json").is_file()
    assert B.publish("matsusaka", server)["version"] == 1  # nothing changed: same bundle
    _new_calendar(server, 2026)
    m2 = B.publish("matsusaka", server)
    assert m2["version"] == 2 and m2["content_hash"] != m1["content_hash"]
    assert m2["domains"]["garbage"] == {"from": "2026-04-01", "to": "2027-03-31"}
    manifest, path = B.current("matsusaka", server)
    assert manifest == m2 and B.verify(json.loads(path.read_text("utf-8")), slug="matsusaka") == m2


def test_cli_publish_prints_the_version(tmp_path):
    server = _server(tmp_path)
    res = runner.invoke(app, ["city", "publish", "matsusaka", "--data-dir", str(server)])
    assert res.exit_code == 0 and res.stdout.strip() == "1"
    _new_calendar(server, 2027)
    res = runner.invoke(app, ["city", "publish", "matsusaka", "--data-dir", str(server)])
    assert res.stdout.strip() == "2"
    res = runner.invoke(app, ["city", "publish", "nowhere", "--data-dir", str(server)])
    assert res.exit_code == 2 and "no garbage.json" in res.stderr


@pytest.mark.parametrize(
    "damage,message",
    [
        (
            lambda b: b["files"].__setitem__("garbage.json", b["files"]["garbage.json"][:-20]),
            "garbage.json: content",
        ),
        (lambda b: b["manifest"].__setitem__("content_hash", "0" * 64), "content_hash does not match"),
        (lambda b: b["files"].pop("places.json"), "do not match its manifest"),
        (lambda b: b["manifest"].__setitem__("city", "elsewhere"), "not 'matsusaka'"),
        (lambda b: b["manifest"].__setitem__("format", "zip"), "unknown bundle format"),
    ],
)
def test_a_damaged_bundle_is_refused_naming_why(tmp_path, damage, message):
    server = _server(tmp_path)
    manifest = B.publish("matsusaka", server)
    good = json.loads(B.current("matsusaka", server)[1].read_text("utf-8"))
    bad = copy.deepcopy(good)
    damage(bad)
    with pytest.raises(B.BundleInvalid, match=message):
        B.verify(bad, slug="matsusaka")
    assert B.verify(good, slug="matsusaka") == manifest


def test_bad_data_with_right_hashes_is_refused(tmp_path):
    server = _server(tmp_path)
    files = B.collect("matsusaka", server)
    files["garbage.json"] = json.dumps({"format": "machi-garbage/1", "categories": "nope"})
    bundle = B.make("matsusaka", files, version=3, created=__import__("datetime").datetime(2026, 1, 1))
    with pytest.raises(B.BundleInvalid, match="garbage.json: unreadable data"):
        B.verify(bundle, slug="matsusaka")


def test_install_swaps_and_a_corrupted_bundle_keeps_the_old_one(tmp_path):
    server, phone = _server(tmp_path), tmp_path / "phone"
    B.publish("matsusaka", server)
    first = json.loads(B.current("matsusaka", server)[1].read_text("utf-8"))
    B.install(first, phone, slug="matsusaka")
    assert load_city("matsusaka", phone).garbage.validity.to_json() == {
        "from": "2014-02-01",
        "to": "2014-09-30",
    }
    assert len(load_places("matsusaka", phone)) == 389  # GSI 203 + 184, 2 sights
    assert B.installed_manifest(phone, "matsusaka")["version"] == 1

    _new_calendar(server, 2026)
    B.publish("matsusaka", server)
    second = json.loads(B.current("matsusaka", server)[1].read_text("utf-8"))
    corrupted = copy.deepcopy(second)
    corrupted["files"]["garbage.json"] = corrupted["files"]["garbage.json"].replace(
        "2026-04-01", "2099-04-01"
    )
    with pytest.raises(B.BundleInvalid):
        B.install(corrupted, phone, slug="matsusaka")
    assert B.installed_manifest(phone, "matsusaka")["version"] == 1  # the old one is kept
    assert load_city("matsusaka", phone).garbage.validity.to_json()["from"] == "2014-02-01"

    B.install(second, phone, slug="matsusaka")
    assert B.installed_manifest(phone, "matsusaka")["version"] == 2
    assert load_city("matsusaka", phone).garbage.validity.to_json() == {
        "from": "2026-04-01",
        "to": "2027-03-31",
    }
    assert (phone / "cities" / "matsusaka").is_symlink()


def test_install_over_an_imported_folder_keeps_it_aside(tmp_path):
    server, phone = _server(tmp_path), tmp_path / "phone"
    shutil.copytree(ASSETS / "cities" / "matsusaka", phone / "cities" / "matsusaka")
    B.publish("matsusaka", server)
    B.install(json.loads(B.current("matsusaka", server)[1].read_text("utf-8")), phone, slug="matsusaka")
    assert (phone / "cities" / ".matsusaka.before-bundle" / "garbage.json").is_file()
