"""Open-data ingest: real 自治体標準オープンデータセット files and crafted broken ones, the row report,
no partial import, and the `machi city import` / `machi places nearest` CLI contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from core.opendata.csvimport import import_csv
from core.opendata.fields import parse_bool, parse_date, parse_list, parse_time
from core.opendata.service import import_file
from core.places import load_places

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "opendata"
GSI = Path(__file__).resolve().parents[2] / "assets" / "cities" / "matsusaka" / "places" / "source-gsi"
runner = CliRunner()

V1_WIFI_HEADER = (
    "都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,名称,名称_カナ,名称_英語,住所,方書,緯度,経度,"
    "設置者,電話番号,内線番号,SSID,提供エリア,URL,備考\n"
)
V1_EVAC_HEADER = (FIX / "yaizu_222127_evacuation_space.csv").read_text("utf-8").splitlines()[0] + "\n"


def run(*args: str, code: int = 0):
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


@pytest.mark.parametrize(
    "kind,file,rows,encoding,header",
    [
        ("aed", "yaizu_222127_aed.csv", 82, "utf-8", "v1"),
        ("childcare", "yaizu_222127_preschool.csv", 60, "utf-8", "v1"),  # header written コ―ド
        ("tourism", "yaizu_222127_tourism_sights.csv", 28, "utf-8-sig", "v1"),  # BOM, multi-line cells
        ("wifi", "yaizu_222127_public_wireless_lan.csv", 17, "utf-8", "v1"),
        ("evacuation", "yaizu_222127_evacuation_space.csv", 31, "utf-8", "v1"),  # ○ flags
        ("events", "yaizu_222127_event_EXCERPT.csv", 2, "utf-8", "v2"),  # 80 columns, 2026/5/28, 1.00E+12
    ],
)
def test_real_sample_files_import_every_row(kind, file, rows, encoding, header):
    result = import_csv((FIX / file).read_bytes(), kind=kind, name=file)
    rep = result.report
    assert (len(rep.accepted), rep.rejected, rep.fatal_errors) == (rows, [], [])
    assert (rep.encoding, rep.header) == (encoding, header)


def test_real_files_keep_their_meaning():
    evac = import_csv(
        (FIX / "yaizu_222127_evacuation_space.csv").read_bytes(), kind="evacuation", name="e"
    ).places
    tower = evac[0]
    assert tower.name == "中港タワー" and tower.hazards == {"earthquake", "tsunami"}  # ○ in 地震, 津波
    assert (tower.lat, tower.lon) == (34.87512688, 138.3270609)
    aed = import_csv((FIX / "yaizu_222127_aed.csv").read_bytes(), kind="aed", name="a").places[0]
    assert aed.info["child_pads"] is True and aed.info["location"] == "2階正面入口"  # 有, full-width digit
    wifi = import_csv(
        (FIX / "yaizu_222127_public_wireless_lan.csv").read_bytes(), kind="wifi", name="w"
    ).places
    assert sum(p.info.get("ssid") == "DoSPOT-FREE" for p in wifi) == 9
    ev = import_csv((FIX / "yaizu_222127_event_EXCERPT.csv").read_bytes(), kind="events", name="ev")
    first = ev.events[0]
    assert (first.title, first.start.isoformat(), first.end.isoformat()) == (
        "子育て教室",
        "2026-05-28",
        "2027-03-05",
    )
    assert (first.start_time, first.end_time) == ("13:30", "14:30")
    fixes = [w for r, w in ev.report.fixed if r == 2]
    assert any("2026/5/28" in w and "2026-05-28" in w for w in fixes)
    assert any("1.00E+12" in w and "法人番号" in w for w in fixes)


def test_cp932_file_and_v2_header(tmp_path):
    header = "全国地方公共団体コード,ID,地方公共団体名,名称,名称_カナ,名称_英字,所在地_連結表記,緯度,経度,SSID,備考\n"
    body = "242047,1,三重県松阪市,駅前広場,エキマエヒロバ,Station Square,三重県松阪市京町,34.5785,136.5345,FREE-WIFI,○\n"
    data = (header + body).encode("cp932")
    result = import_csv(data, kind="wifi", name="sjis.csv")
    assert (result.report.encoding, result.report.header, len(result.report.accepted)) == ("cp932", "v2", 1)
    spot = result.places[0]
    assert (spot.name, spot.names, spot.info["ssid"]) == ("駅前広場", {"en": "Station Square"}, "FREE-WIFI")


def test_stray_bom_excel_number_and_circle():
    text = (
        "\ufeff"
        + V1_EVAC_HEADER
        + "1.00E+12,高台公園,タカダイコウエン,松阪市,,34.57,136.52,,,,242047,三重県,松阪市,○,,,1,有,,,,,,,,\n"
    )
    data = b"\xef\xbb\xbf" + text.encode("utf-8")  # two BOMs: the second is stray
    result = import_csv(data, kind="evacuation", name="bom.csv")
    rep = result.report
    assert rep.fatal_errors == [] and len(rep.accepted) == 1
    assert (1, "stray byte-order mark removed") in rep.fixed
    assert any("1.00E+12" in w and "ID" in w for _, w in rep.fixed)
    assert result.places[0].hazards == {"flood", "earthquake", "tsunami"}
    assert result.places[0].id == "evacuation-line2"


def test_rows_are_rejected_with_a_reason_and_the_rest_kept():
    rows = [
        "242047,1,三重県,松阪市,良い場所,ヨイバショ,,松阪市殿町,,34.5759,136.5258,,,,A,,,",
        "242047,2,三重県,松阪市,座標なし,ザヒョウナシ,,松阪市殿町,,,,,,,B,,,",
        "242047,3,三重県,松阪市,ギニア湾,ギニアワン,,海,,0.52,3.21,,,,C,,,",  # the sea off Africa
        "242047,4,三重県,松阪市,入れ替え,イレカエ,,松阪市,,136.53,34.58,,,,D,,,",
        "242047,5,三重県,松阪市,,ナシ,,松阪市,,34.5,136.5,,,,E,,,",
        "242047,6,三重県,松阪市,文字,モジ,,松阪市,,北緯34度,136.5,,,,F,,,",
        "242047,1,三重県,松阪市,重複,ジュウフク,,松阪市,,34.5,136.5,,,,G,,,",
    ]
    result = import_csv((V1_WIFI_HEADER + "\n".join(rows) + "\n").encode(), kind="wifi", name="w.csv")
    rep = result.report
    assert rep.accepted == [2, 5]
    reasons = dict(rep.rejected)
    assert reasons[3] == "no coordinates (緯度/経度 empty)"
    assert reasons[4] == "coordinates 0.52, 3.21 are outside Japan"
    assert reasons[6] == "no name (名称)"
    assert reasons[7] == "latitude (緯度) '北緯34度' is not a number"
    assert reasons[8] == "duplicate ID 'wifi-1'"
    assert any(r == 5 and "swapped" in w for r, w in rep.fixed)
    assert [(p.name, p.lat, p.lon) for p in result.places] == [
        ("良い場所", 34.5759, 136.5258),
        ("入れ替え", 34.58, 136.53),
    ]


def test_wrong_header_is_fatal_and_names_the_missing_columns():
    result = import_csv((FIX / "yaizu_222127_aed.csv").read_bytes(), kind="events", name="aed.csv")
    (message,) = result.report.fatal_errors
    assert "missing column(s) イベント名, 開始日" in message and "aed.csv" in message
    assert result.events == []


def test_cell_readers():
    assert parse_date("2026/5/28")[0].isoformat() == "2026-05-28"
    assert parse_date("2026-05-28") == (parse_date("2026-05-28")[0], "")
    assert parse_date("令和8年5月28日")[0].isoformat() == "2026-05-28"
    assert parse_date("R8.5.28")[0].isoformat() == "2026-05-28"
    assert parse_date("平成元年1月8日")[0].isoformat() == "1989-01-08"
    assert parse_date("２０２６年５月２８日")[0].isoformat() == "2026-05-28"
    with pytest.raises(ValueError, match="not a real date"):
        parse_date("2026/2/30")
    with pytest.raises(ValueError, match="is not a date"):
        parse_date("来週")
    assert parse_time("9:00") == ("09:00", "'9:00' read as 09:00") and parse_time("13:00") == ("13:00", "")
    assert [parse_bool(v) for v in ("1", "○", "有", "", "無", "0")] == [True, True, True, False, False, False]
    with pytest.raises(ValueError, match="not yes/no"):
        parse_bool("たぶん")
    assert parse_list("段差なし;スロープ；多目的トイレ") == ["段差なし", "スロープ", "多目的トイレ"]


def test_events_with_unknown_times_and_no_place(tmp_path):
    header = "イベント名,開始日,終了日,開始時間,終了時間,説明,場所名称,住所,緯度,経度\n"
    rows = "まつり,2026/11/3,,0:00,0:00,武者行列,松坂城跡,殿町,,\n逆さ,2026-11-05,2026-11-01,,,,,,,\n"
    result = import_csv((header + rows).encode(), kind="events", name="ev.csv")
    assert len(result.events) == 1
    ev = result.events[0]
    assert (ev.start.isoformat(), ev.end.isoformat(), ev.start_time, ev.lat) == (
        "2026-11-03",
        "2026-11-03",
        None,
        None,
    )
    assert result.report.rejected == [(3, "終了日 2026-11-01 is before 開始日 2026-11-05")]


def test_gsi_geojson_with_hazards_and_a_broken_feature(tmp_path):
    doc = json.loads((GSI / "matsusaka_242047_shitei_kinkyu_hinan_basho.geojson").read_text("utf-8"))
    doc["features"][1]["geometry"]["coordinates"] = [3.21, 0.52]
    doc["features"][2]["geometry"] = None
    path = tmp_path / "gsi.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    report = import_file("evacuation", path, city="t", data_dir=tmp_path)
    assert len(report.accepted) == 201
    assert [r for r, _ in report.rejected] == [2, 3]
    assert "outside Japan" in report.rejected[0][1] and "no Point coordinates" in report.rejected[1][1]
    assert len(load_places("t", data_dir=tmp_path)) == 201


def test_bundled_places_equal_a_fresh_import(tmp_path):
    import_file(
        "evacuation", GSI / "matsusaka_242047_shitei_kinkyu_hinan_basho.geojson", city="m", data_dir=tmp_path
    )
    import_file("shelter", GSI / "matsusaka_242047_shitei_hinanjo.geojson", city="m", data_dir=tmp_path)
    import_file("tourism", GSI.parent.parent / "opendata" / "242047_tourism.csv", city="m", data_dir=tmp_path)
    import_file("events", GSI.parent.parent / "opendata" / "242047_event.csv", city="m", data_dir=tmp_path)
    shipped_events = json.loads((GSI.parent.parent / "events.json").read_text("utf-8"))
    assert json.loads((tmp_path / "cities" / "m" / "events.json").read_text("utf-8")) == shipped_events
    fresh = json.loads((tmp_path / "cities" / "m" / "places.json").read_text("utf-8"))
    shipped = json.loads(
        (Path(__file__).resolve().parents[2] / "assets/cities/matsusaka/places.json").read_text()
    )
    assert fresh["places"] == shipped["places"]


def test_cli_import_reports_rows_and_a_fatal_error_changes_nothing(tmp_path):
    res = run(
        "city",
        "import",
        "wifi",
        str(FIX / "yaizu_222127_public_wireless_lan.csv"),
        "--city",
        "t",
        "--data-dir",
        str(tmp_path),
        "--json",
    )
    report = json.loads(res.stdout)
    assert (report["accepted"], report["rejected"], report["fatal"], report["header"]) == (17, [], [], "v1")
    places_file = tmp_path / "cities" / "t" / "places.json"
    before = places_file.read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n", "utf-8")
    res = run(
        "city", "import", "wifi", str(bad), "--city", "t", "--data-dir", str(tmp_path), "--json", code=2
    )
    assert "missing column(s) 名称, 緯度, 経度" in json.loads(res.stdout)["fatal"][0]
    assert "nothing was imported" in res.stderr
    # Every row rejected: also exit 2, also nothing written.
    sea = tmp_path / "sea.csv"
    sea.write_text(V1_WIFI_HEADER + "242047,1,三重県,松阪市,海,ウミ,,海,,0.52,3.21,,,,A,,,\n", "utf-8")
    res = run(
        "city", "import", "wifi", str(sea), "--city", "t", "--data-dir", str(tmp_path), "--json", code=2
    )
    assert json.loads(res.stdout)["rejected"] == [
        {"row": 2, "reason": "coordinates 0.52, 3.21 are outside Japan"}
    ]
    assert places_file.read_bytes() == before
    run("city", "import", "pubs", str(bad), code=2)


def test_cli_import_keeps_other_kinds(tmp_path):
    d = str(tmp_path)
    run(
        "city",
        "import",
        "wifi",
        str(FIX / "yaizu_222127_public_wireless_lan.csv"),
        "--city",
        "t",
        "--data-dir",
        d,
    )
    run("city", "import", "aed", str(FIX / "yaizu_222127_aed.csv"), "--city", "t", "--data-dir", d)
    run(
        "city",
        "import",
        "wifi",
        str(FIX / "yaizu_222127_public_wireless_lan.csv"),
        "--city",
        "t",
        "--data-dir",
        d,
    )
    kinds = [p.kind for p in load_places("t", data_dir=tmp_path)]
    assert (kinds.count("wifi"), kinds.count("aed")) == (17, 82)


def test_cli_places_nearest_contract():
    res = run(
        "places",
        "nearest",
        "--kind",
        "evacuation",
        "--lat",
        "34.5759",
        "--lon",
        "136.5258",
        "--hazard",
        "flood",
        "--limit",
        "3",
        "--json",
    )
    rows = json.loads(res.stdout)
    assert len(rows) == 3
    assert all(set(r) == {"name", "lat", "lon", "distance_m", "hazards"} for r in rows)
    assert all(isinstance(r["distance_m"], int) and "flood" in r["hazards"] for r in rows)
    assert [r["distance_m"] for r in rows] == sorted(r["distance_m"] for r in rows)
    assert rows[0] == {
        "name": "殿町中学校（校舎）",
        "lat": 34.57545,
        "lon": 136.523837,
        "distance_m": 187,
        "hazards": ["earthquake", "flood", "inland_flood", "landslide", "tsunami"],
    }
    res = run(
        "places",
        "nearest",
        "--kind",
        "evacuation",
        "--lat",
        "34.5",
        "--lon",
        "136.5",
        "--hazard",
        "lava",
        "--json",
        code=2,
    )
    assert "--hazard: 'lava'" in res.stderr
    run("places", "nearest", "--kind", "pub", "--lat", "34.5", "--lon", "136.5", code=2)
    run("places", "nearest", "--kind", "aed", "--lat", "34.5", "--lon", "136.5", "--limit", "0", code=2)


def test_import_into_a_new_data_dir_keeps_the_bundled_kinds(tmp_path):
    run(
        "city",
        "import",
        "wifi",
        str(FIX / "yaizu_222127_public_wireless_lan.csv"),
        "--city",
        "matsusaka",
        "--data-dir",
        str(tmp_path),
    )
    kinds = [p.kind for p in load_places("matsusaka", data_dir=tmp_path)]
    assert (kinds.count("wifi"), kinds.count("evacuation"), kinds.count("shelter")) == (17, 203, 184)
