"""Importers: normalisation, warnings, and every error path with file:row:column."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core.csvread import ImportFailed
from core.garbage.importers import area_id, import_5374, import_odgarbage
from core.garbage.model import CityGarbage, Validity
from core.garbage.rules import EveryOtherWeek

HEAD = "地名,センター,燃えるごみ,燃えないごみ,資源物\n"
CENTER = "名称,休止開始日,休止終了日\n本庁,2014/12/29,2015/01/03\n"


def errors_of(exc_info) -> list[str]:
    return [str(e) for e in exc_info.value.errors]


def test_real_cities_import(shared_garbage):
    g, report = import_5374(shared_garbage / "matsusaka-2014", "matsusaka")
    assert (len(g.areas), len(g.items), len(g.categories)) == (198, 308, 4)
    assert sum(len(c.periods) for c in g.centers.values()) == 4  # every closure row kept
    assert g.validity.start == dt.date(2014, 2, 1) and g.validity.end == dt.date(2014, 9, 30)
    assert not report.warnings
    # Trailing spaces and full-width digits in area names are normalised.
    assert "朝日町1区" in [a.name for a in g.areas]
    assert all(a.name == a.name.strip() for a in g.areas)

    k, report = import_5374(shared_garbage / "kyotango-2023", "kyotango")
    assert len(k.areas) == 169
    # 148 items whose type is no category label are kept under their own type, and reported.
    orphans = [w.message for w in report.warnings if "match no category label" in w.message]
    assert len(orphans) == 2 and sum(int(m.split()[0]) for m in orphans) == 148
    assert len(k.items) == 776


def test_iga_malformed_dates_fail_with_position(shared_garbage):
    with pytest.raises(ImportFailed) as exc:
        import_5374(shared_garbage / "iga-2014", "iga")
    assert "area_days.csv:2:5: bad date '201411021' (expected YYYYMMDD) in 容器包装プラスチック" in errors_of(
        exc
    )


def test_normalisation_is_not_an_error(make_5374):
    folder = make_5374(HEAD + "本町１丁目　 ,本庁,月　木 ,水２,\n\n", center=CENTER)
    g, report = import_5374(folder, "t")
    area = g.areas[0]
    assert area.name == "本町1丁目"
    assert [r.weekday for r in area.schedules[g.categories[0].id].rules] == [0, 3]
    assert g.categories[2].id not in area.schedules  # blank cell: no collection, no error
    assert not report.warnings


def test_bad_date_in_area_days(make_5374):
    folder = make_5374(HEAD + "本町,本庁,月 木,20140231,\n", center=CENTER)
    with pytest.raises(ImportFailed) as exc:
        import_5374(folder, "t")
    assert errors_of(exc) == ["area_days.csv:2:4: bad date '20140231' (no such day) in 燃えないごみ"]


def test_bad_date_in_center(make_5374):
    folder = make_5374(
        HEAD + "本町,本庁,月,,\n", center="名称,休止開始日,休止終了日\n本庁,2014/13/29,2015/01/03\n"
    )
    with pytest.raises(ImportFailed) as exc:
        import_5374(folder, "t")
    assert errors_of(exc) == ["center.csv:2:2: bad date '2014/13/29' (no such day)"]


def test_closure_ending_before_it_starts(make_5374):
    folder = make_5374(
        HEAD + "本町,本庁,月,,\n", center="名称,休止開始日,休止終了日\n本庁,2015/01/03,2014/12/29\n"
    )
    with pytest.raises(ImportFailed) as exc:
        import_5374(folder, "t")
    assert errors_of(exc)[0].startswith("center.csv:2:3: closure ends (2014-12-29) before it starts")


def test_unknown_category_column(make_5374):
    folder = make_5374("地名,センター,燃えるごみ,粗大ごみ\n本町,本庁,月,水\n", center=CENTER)
    with pytest.raises(ImportFailed) as exc:
        import_5374(folder, "t")
    (msg,) = errors_of(exc)
    assert msg.startswith("area_days.csv:1:4: unknown category '粗大ごみ'")


def test_wrong_header(make_5374):
    folder = make_5374("name,days\n本町,月\n", center=CENTER)
    with pytest.raises(ImportFailed) as exc:
        import_5374(folder, "t")
    assert errors_of(exc)[0].startswith("area_days.csv:1:1: wrong header")
    # Unknown labels in center.csv: read by position, as the 5374 app does, and said.
    folder = make_5374(HEAD + "本町,本庁,月,,\n", center="center,from,to\n本庁,2014/12/29,2015/01/03\n")
    g, report = import_5374(folder, "t")
    assert g.centers["本庁"].periods[0].start == dt.date(2014, 12, 29)
    assert [str(w) for w in report.warnings] == [
        (
            "center.csv:1:0: header 'center,from,to' not recognised: columns read by position as the 5374 app does "
            "(1 = name, 2 = start, 3 = end)"
        )
    ]
    folder = make_5374(HEAD + "本町,本庁,月,,\n", center="center,from\n本庁,2014/12/29\n")
    with pytest.raises(ImportFailed) as exc:
        import_5374(folder, "t")
    assert errors_of(exc)[0].startswith("center.csv:1:0: wrong header: no column '名称 / センター'")


def test_bad_encoding(make_5374, tmp_path):
    folder = make_5374(HEAD + "本町,本庁,月,,\n", center=CENTER)
    # Bytes that are neither UTF-8 nor CP932 on line 3.
    (folder / "target.csv").write_bytes(
        "type,name,notice,furigana\n燃えるごみ,生ごみ,,な\n".encode() + b"\xff\xfe\x80,x,,\n"
    )
    with pytest.raises(ImportFailed) as exc:
        import_5374(folder, "t")
    (msg,) = errors_of(exc)
    assert msg.startswith("target.csv:3:1: cannot decode the file as UTF-8 or CP932")


def test_cp932_and_bom_files_are_read(make_5374, tmp_path):
    folder = make_5374(HEAD + "本町,本庁,月 木,,\n", center=CENTER, encoding="cp932")
    g, report = import_5374(folder, "t")
    assert g.areas[0].name == "本町" and report.stats["encoding"] == "cp932"
    (folder / "area_days.csv").write_bytes(b"\xef\xbb\xbf" + (HEAD + "本町,本庁,月 木,,\n").encode())
    g, report = import_5374(folder, "t")
    assert g.areas[0].name == "本町" and report.stats["encoding"] == "utf-8-sig"


def test_every_error_is_reported_not_just_the_first(make_5374):
    folder = make_5374(HEAD + "本町,本庁,月 X,,\n,本庁,月,,\n西町,本庁,火,2014,\n", center=CENTER)
    with pytest.raises(ImportFailed) as exc:
        import_5374(folder, "t")
    assert errors_of(exc) == [
        "area_days.csv:2:3: unknown rule token 'X' in 燃えるごみ",
        "area_days.csv:3:1: area name is blank",
        "area_days.csv:4:4: bad date '2014' (expected YYYYMMDD) in 燃えないごみ",
    ]


def test_too_many_cells(make_5374):
    folder = make_5374(HEAD + "本町,本庁,月,,,火\n", center=CENTER)
    with pytest.raises(ImportFailed) as exc:
        import_5374(folder, "t")
    assert errors_of(exc) == ["area_days.csv:2:6: row has 6 cells but the header has 5"]


def test_missing_file(make_5374):
    folder = make_5374(HEAD + "本町,本庁,月,,\n", center=CENTER)
    (folder / "center.csv").unlink()
    with pytest.raises(ImportFailed) as exc:
        import_5374(folder, "t")
    assert errors_of(exc) == ["center.csv:0:0: file not found"]


def test_warnings_keep_what_can_be_kept(make_5374):
    folder = make_5374(
        HEAD + "本町,本庁,月 *3,,\n本町 ,本庁,火,,\n北町,北センター,水,,\n",
        center=CENTER,
        target="type,name,notice,furigana\n燃えるごみ,生ごみ,,な\n粗大ごみ,タンス,予約制,た\n燃えるごみ,生ごみ,,な\n,空欄,,\n",
        remarks="ID,注意事項\n1,祝日も収集\n",
    )
    g, report = import_5374(folder, "t")
    messages = [str(w) for w in report.warnings]
    assert "area_days.csv:2:3: remark *3 is not in remarks.csv" in messages
    assert (
        "area_days.csv:3:1: area '本町' repeats row 2 with other days but the same centre: this row is ignored"
        in messages
    )
    assert (
        "area_days.csv:4:2: centre '北センター' is not in center.csv: no closure applies to its areas"
        in messages
    )
    assert "target.csv:4:2: duplicate item '生ごみ': row skipped" in messages
    assert "target.csv:5:1: item '空欄' has no category: row skipped" in messages
    assert any("1 item(s) of type '粗大ごみ' match no category label" in m for m in messages)
    assert [a.name for a in g.areas] == ["本町", "北町"]
    assert {i.name: g.category(i.category).label for i in g.items} == {
        "生ごみ": "燃えるごみ",
        "タンス": "粗大ごみ",
    }


# ------------------------------------------------------------------ ゴミ分別 (odgarbage)

V1 = (
    "全国地方公共団体コード,ID,地方公共団体名,ゴミの品目,ゴミの品目_カナ,ゴミの品目_英字,分別区分,注意点,備考\n"
    "132225,1,東久留米市,ペットボトル,ペットボトル,PET bottle,資源物,キャップを外す,\n"
    "132225,2,東久留米市,タンス,タンス,Chest,粗大ごみ,,要予約\n"
)
V2 = (
    "\ufeff全国地方公共団体コード,ID,地方公共団体名,地区名,ゴミの品目,ゴミの品目_カナ,ゴミの品目_英字,分別区分,注意点,備考,粗大ごみ回収料金\n"
    "132225,1,東久留米市,,ソファー,ソファー,Sofa,粗大ごみ,,,１２００円\n"
    "132225,2,東久留米市,,  ,,,燃えるごみ,,,\n"
)


def test_odgarbage_v1_and_v2(tmp_path):
    p1 = tmp_path / "v1.csv"
    p1.write_bytes(V1.encode("cp932"))
    g, report = import_odgarbage(p1, "t")
    assert report.stats["variant"] == "v1" and report.stats["encoding"] == "cp932"
    assert [(i.name, g.category(i.category).label, i.reading) for i in g.items] == [
        ("ペットボトル", "資源物", "ぺっとぼとる"),
        ("タンス", "粗大ごみ", "たんす"),
    ]
    assert g.items[0].synonyms == ("PET bottle",)
    p2 = tmp_path / "v2.csv"
    p2.write_text(V2, encoding="utf-8")
    g, report = import_odgarbage(p2, "t")
    assert report.stats["variant"] == "v2"
    assert g.items[0].notice == "料金: 1200円"  # full-width digits normalised
    assert [str(w) for w in report.warnings] == ["v2.csv:3:5: blank item name: row skipped"]


def test_odgarbage_merges_into_a_city_and_reports_unknown_types(tmp_path, shared_garbage):
    base, _ = import_5374(shared_garbage / "matsusaka-2014", "matsusaka")
    p = tmp_path / "dict.csv"
    p.write_text("品目,分別区分,注意点\n新聞,資源物,しばる\nタイヤ,処理困難物,販売店へ\n", encoding="utf-8")
    g, report = import_odgarbage(p, "matsusaka", base)
    assert len(g.areas) == 198  # the calendar is kept
    assert [i.name for i in g.items] == ["新聞", "タイヤ"]
    (warning,) = [w.message for w in report.warnings]
    new_id = g.items[1].category
    assert (
        warning
        == f"1 item(s) of type '処理困難物' match no category label: imported under '処理困難物' (id {new_id})"
    )
    assert new_id.isascii() and new_id not in {c.id for c in base.categories}


def test_odgarbage_wrong_header(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("名前,種類\na,b\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as exc:
        import_odgarbage(p, "t")
    assert errors_of(exc)[0].startswith("x.csv:1:0: wrong header: no column 'ゴミの品目 / 品目")


def test_tsu_dictionary_imports(shared_garbage):
    g, report = import_odgarbage(shared_garbage / "tsu-2024" / "original.csv", "tsu")
    # Every one of the 3,984 rows is either imported or reported (duplicates).
    assert len(g.items) + len(report.warnings) == 3984
    assert all("duplicate item" in w.message for w in report.warnings)
    assert report.stats["encoding"] == "utf-8-sig"


# ------------------------------------------------------------------ issue #8: any real 5374 city


def test_nara_real_data_strict_lists_every_unreadable_cell(shared_garbage):
    with pytest.raises(ImportFailed) as exc:
        import_5374(shared_garbage / "nara-2016", "nara")
    # 川上町（飯森町・長尾町） says 公社 (collected by the city's public corporation) instead of days.
    assert errors_of(exc) == [
        f"area_days.csv:{row}:{col}: unknown rule token '公社' in {label}"
        for row in (74, 231)
        for col, label in ((3, "燃やせるごみ"), (4, "燃やせないごみ"), (5, "プラスチック製容器包装"))
    ]


def test_nara_real_data_lenient(shared_garbage):
    g, report = import_5374(shared_garbage / "nara-2016", "nara", lenient=True)
    messages = [str(w) for w in report.warnings]
    # 20991231 closes every date list: a placeholder, not the end of the data's period.
    assert g.validity.start == dt.date(2016, 6, 1) and g.validity.end == dt.date(2016, 9, 30)
    assert any(
        m.startswith("area_days.csv:2:6: date 2099-12-31 (372 cell(s)) is more than a year away")
        for m in messages
    )
    assert all(dt.date(2099, 12, 31) not in s.listed_dates() for a in g.areas for s in a.schedules.values())
    by_name = {a.name: a for a in g.areas}
    aogaki = by_name["青垣町1〜3丁目"]
    assert aogaki.schedules["moyasenaigomi"].rules == (EveryOtherWeek(dt.date(2016, 4, 6)),)  # 隔水20160406
    # Rows 86 and 87 name the same area with other centres and days: both kept, told apart by the centre.
    east = [n for n in by_name if n.startswith("北小路町（やすらぎの道の東側）")]
    assert east == [
        "北小路町（やすらぎの道の東側）（奈良市清美公社）",
        "北小路町（やすらぎの道の東側）（奈良市収集課）",
    ]
    assert by_name[east[0]].id == area_id(
        "北小路町（やすらぎの道の東側）"
    )  # the first keeps the id of the name
    assert len({a.id for a in g.areas}) == len(g.areas) == 370
    assert any(
        m.startswith(
            "area_days.csv:87:2: area '北小路町（やすらぎの道の東側）' repeats row 86 with another "
            "centre: both are kept"
        )
        for m in messages
    )
    assert (
        "area_days.csv:43:1: area '大宮町1丁目（大宮通り南側）' repeats row 39 with the same days: this row is ignored"
        in messages
    )
    # The 公社 cells are skipped, reported and remembered on the area.
    assert [str(i) for i in report.skipped][:1] == [
        "area_days.csv:74:3: unknown rule token '公社' in 燃やせるごみ"
    ]
    kawakami = by_name["川上町（飯森町・長尾町）"]
    assert kawakami.unreadable == {
        "moyaserugomi": "area_days.csv:74:3: unknown rule token '公社' in 燃やせるごみ",
        "moyasenaigomi": "area_days.csv:74:4: unknown rule token '公社' in 燃やせないごみ",
        "purasuchikkuseiyoukihousou": "area_days.csv:74:5: unknown rule token '公社' in プラスチック製容器包装",
    }
    assert set(kawakami.schedules) == {"saiseishigengomi"}
    assert "description.csv:6:1: '#プラスチック製容器包装' is commented out (#): row skipped" in messages
    # garbage.json keeps what could not be read.
    again = CityGarbage.from_json(json.loads(json.dumps(g.to_json())))
    assert again.to_json() == g.to_json()
    assert next(a for a in again.areas if a.id == kawakami.id).unreadable == kawakami.unreadable
    assert "unreadable" not in g.to_json()["areas"][0]


def test_header_read_by_position_and_blank_trailing_columns(make_5374):
    folder = make_5374(
        "地域,収集センター,燃えるごみ,燃えないごみ,資源物,,,\n本町,本庁,月,水2,,,,\n", center=CENTER
    )
    g, report = import_5374(folder, "t")
    assert [(a.name, a.center) for a in g.areas] == [("本町", "本庁")]
    assert [str(w) for w in report.warnings] == [
        "area_days.csv:1:6: blank header column(s) 6, 7, 8: ignored, as the 5374 app does"
    ]


def test_sentinel_date_does_not_stretch_the_period_and_the_period_can_be_set(make_5374):
    folder = make_5374(
        HEAD + "本町,本庁,月,20140210 20140310 20991231,20140415\n西町,本庁,火,20991231,\n", center=CENTER
    )
    g, report = import_5374(folder, "t")
    assert (g.validity.start, g.validity.end) == (dt.date(2014, 2, 1), dt.date(2014, 4, 30))
    (w,) = [str(w) for w in report.warnings]
    assert w.startswith(
        "area_days.csv:2:4: date 2099-12-31 (2 cell(s)) is more than a year away from the other dates"
    )
    assert "--valid-from/--valid-to" in w
    assert [a.schedules.get(g.categories[1].id) for a in g.areas][
        1
    ] is None  # only the sentinel: no collection
    g2, _ = import_5374(folder, "t", validity=Validity(None, dt.date(2014, 6, 30)))
    assert (g2.validity.start, g2.validity.end) == (dt.date(2014, 2, 1), dt.date(2014, 6, 30))


def test_errors_in_every_file_are_reported_together(make_5374):
    folder = make_5374(
        HEAD + "本町,本庁,月 X,,\n西町,本庁,火,2014,\n",
        center="名称,休止開始日,休止終了日\n本庁,2014/13/29,2015/01/03\n",
        remarks="ID,注意事項\nx,祝日\n",
    )
    with pytest.raises(ImportFailed) as exc:
        import_5374(folder, "t")
    assert errors_of(exc) == [
        "remarks.csv:2:1: remark id 'x' is not a number",
        "center.csv:2:2: bad date '2014/13/29' (no such day)",
        "area_days.csv:2:3: unknown rule token 'X' in 燃えるごみ",
        "area_days.csv:3:4: bad date '2014' (expected YYYYMMDD) in 燃えないごみ",
    ]
    (folder / "description.csv").unlink()  # even without the categories, area_days cells are checked
    with pytest.raises(ImportFailed) as exc:
        import_5374(folder, "t")
    assert errors_of(exc)[0] == "description.csv:0:0: file not found"
    assert "area_days.csv:2:3: unknown rule token 'X' in 燃えるごみ" in errors_of(exc)


def test_a_multi_line_record_is_named_by_its_first_line(make_5374):
    folder = make_5374(HEAD + '"本町\n（北）",本庁,月 X,,\n西町,本庁,火,2014,\n', center=CENTER)
    with pytest.raises(ImportFailed) as exc:
        import_5374(folder, "t")
    assert errors_of(exc) == [
        "area_days.csv:2:3: unknown rule token 'X' in 燃えるごみ",
        "area_days.csv:4:4: bad date '2014' (expected YYYYMMDD) in 燃えないごみ",
    ]


def test_too_few_cells(make_5374):
    folder = make_5374(HEAD + "本町,本庁,月\n", center=CENTER)
    with pytest.raises(ImportFailed) as exc:
        import_5374(folder, "t")
    assert errors_of(exc) == ["area_days.csv:2:4: row has 3 cells but the header has 5"]
    g, report = import_5374(folder, "t", lenient=True)  # lenient: the missing cells are unknown, not blank
    assert g.areas[0].unreadable == {
        "moenaigomi": "area_days.csv:2:4: no cell for 燃えないごみ (the row is short)",
        "shigenmono": "area_days.csv:2:5: no cell for 資源物 (the row is short)",
    }
    assert [str(i) for i in report.skipped] == ["area_days.csv:2:4: row has 3 cells but the header has 5"]


def test_same_name_other_centre_keeps_both(make_5374):
    folder = make_5374(
        HEAD + "本町,本庁,月,,\n北町,本庁,火,,\n本町,北センター,水,,\n",
        center=CENTER + "北センター,2014/12/30,2015/01/04\n",
    )
    g, report = import_5374(folder, "t")
    assert [(a.name, a.center) for a in g.areas] == [
        ("本町（本庁）", "本庁"),
        ("北町", "本庁"),
        ("本町（北センター）", "北センター"),
    ]
    assert g.areas[0].id == area_id("本町") and g.areas[2].id == area_id("本町（北センター）")
    assert [str(w) for w in report.warnings] == [
        (
            "area_days.csv:4:2: area '本町' repeats row 2 with another centre: both are kept, as "
            "'本町（本庁）', '本町（北センター）'"
        )
    ]


def test_lenient_skips_unreadable_cells_and_rows(make_5374):
    folder = make_5374(
        HEAD + "本町,本庁,月 X,水2,\n,本庁,月,,\n西町,本庁,火,隔火20140107,\n",
        center="名称,休止開始日,休止終了日\n本庁,2014/13/29,2015/01/03\n",
    )
    g, report = import_5374(folder, "t", lenient=True)
    assert [str(i) for i in report.skipped] == [
        "center.csv:2:2: bad date '2014/13/29' (no such day)",
        "area_days.csv:2:3: unknown rule token 'X' in 燃えるごみ",
        "area_days.csv:3:1: area name is blank",
    ]
    assert report.stats["skipped"] == 3
    assert [a.name for a in g.areas] == ["本町", "西町"]
    assert g.areas[0].unreadable == {"moerugomi": "area_days.csv:2:3: unknown rule token 'X' in 燃えるごみ"}
    assert set(g.areas[0].schedules) == {"moenaigomi"} and not g.areas[1].unreadable
    assert g.centers == {}


def test_unknown_category_column_is_skipped_when_lenient(make_5374):
    folder = make_5374("地名,センター,燃えるごみ,粗大ごみ\n本町,本庁,月,水\n", center=CENTER)
    g, report = import_5374(folder, "t", lenient=True)
    assert next(str(i) for i in report.skipped).startswith("area_days.csv:1:4: unknown category '粗大ごみ'")
    assert set(g.areas[0].schedules) == {"moerugomi"}


def test_odgarbage_without_a_usable_item_fails(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("品目,分別区分\n,燃えるごみ\n新聞,\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as exc:
        import_odgarbage(p, "t")
    assert errors_of(exc) == [
        "x.csv:2:1: blank item name: row skipped",
        "x.csv:3:2: item '新聞' has no 分別区分: row skipped",
        "x.csv:0:0: no usable item in 2 row(s): every row lacks an item name or a 分別区分",
    ]
