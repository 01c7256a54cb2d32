"""Importers: normalisation, warnings, and every error path with file:row:column."""

from __future__ import annotations

import datetime as dt

import pytest

from core.csvread import ImportFailed
from core.garbage.importers import import_5374, import_odgarbage

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
    assert "area_days.csv:2:5: bad date '201411021' (expected YYYYMMDD) in 容器包装プラスチック" in errors_of(exc)


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
    folder = make_5374(HEAD + "本町,本庁,月,,\n", center="名称,休止開始日,休止終了日\n本庁,2014/13/29,2015/01/03\n")
    with pytest.raises(ImportFailed) as exc:
        import_5374(folder, "t")
    assert errors_of(exc) == ["center.csv:2:2: bad date '2014/13/29' (no such day)"]


def test_closure_ending_before_it_starts(make_5374):
    folder = make_5374(HEAD + "本町,本庁,月,,\n", center="名称,休止開始日,休止終了日\n本庁,2015/01/03,2014/12/29\n")
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
    folder = make_5374(HEAD + "本町,本庁,月,,\n", center="center,from,to\n本庁,2014/12/29,2015/01/03\n")
    with pytest.raises(ImportFailed) as exc:
        import_5374(folder, "t")
    assert errors_of(exc)[0].startswith("center.csv:1:0: wrong header: no column '名称 / センター'")


def test_bad_encoding(make_5374, tmp_path):
    folder = make_5374(HEAD + "本町,本庁,月,,\n", center=CENTER)
    # Bytes that are neither UTF-8 nor CP932 on line 3.
    (folder / "target.csv").write_bytes("type,name,notice,furigana\n燃えるごみ,生ごみ,,な\n".encode() + b"\xff\xfe\x80,x,,\n")
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
    assert "area_days.csv:3:1: area '本町' repeats row 2: this row is ignored" in messages
    assert "area_days.csv:4:2: centre '北センター' is not in center.csv: no closure applies to its areas" in messages
    assert "target.csv:4:2: duplicate item '生ごみ': row skipped" in messages
    assert "target.csv:5:1: item '空欄' has no category: row skipped" in messages
    assert any("1 item(s) of type '粗大ごみ' match no category label" in m for m in messages)
    assert [a.name for a in g.areas] == ["本町", "北町"]
    assert {i.name: g.category(i.category).label for i in g.items} == {"生ごみ": "燃えるごみ", "タンス": "粗大ごみ"}


# ------------------------------------------------------------------ ゴミ分別 (odgarbage)

V1 = ("全国地方公共団体コード,ID,地方公共団体名,ゴミの品目,ゴミの品目_カナ,ゴミの品目_英字,分別区分,注意点,備考\n"
      "132225,1,東久留米市,ペットボトル,ペットボトル,PET bottle,資源物,キャップを外す,\n"
      "132225,2,東久留米市,タンス,タンス,Chest,粗大ごみ,,要予約\n")
V2 = ("\ufeff全国地方公共団体コード,ID,地方公共団体名,地区名,ゴミの品目,ゴミの品目_カナ,ゴミの品目_英字,分別区分,注意点,備考,粗大ごみ回収料金\n"
      "132225,1,東久留米市,,ソファー,ソファー,Sofa,粗大ごみ,,,１２００円\n"
      "132225,2,東久留米市,,  ,,,燃えるごみ,,,\n")


def test_odgarbage_v1_and_v2(tmp_path):
    p1 = tmp_path / "v1.csv"
    p1.write_bytes(V1.encode("cp932"))
    g, report = import_odgarbage(p1, "t")
    assert report.stats["variant"] == "v1" and report.stats["encoding"] == "cp932"
    assert [(i.name, g.category(i.category).label, i.reading) for i in g.items] == [
        ("ペットボトル", "資源物", "ぺっとぼとる"), ("タンス", "粗大ごみ", "たんす")]
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
    assert warning == f"1 item(s) of type '処理困難物' match no category label: imported under '処理困難物' (id {new_id})"
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
