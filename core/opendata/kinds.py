"""The 自治体標準オープンデータセット kinds Machi imports, as data: column aliases (v1 and v2).

Each field maps to the header names it may appear under; headers are NFKC-normalised first,
with the 災害種別_ prefix and the ― / ー variants of コード folded (real files write コ―ド).
"""

from __future__ import annotations

COMMON = {
    "code": ["都道府県コード又は市区町村コード", "全国地方公共団体コード", "市区町村コード"],
    "id": ["ID", "NO"],
    "name": ["名称"],
    "name_kana": ["名称_カナ"],
    "name_en": ["名称_英語", "名称_英字"],
    "address": ["住所", "所在地_連結表記"],
    "address_extra": ["方書", "建物名等(方書)"],
    "lat": ["緯度"],
    "lon": ["経度"],
    "phone": ["電話番号", "連絡先電話番号"],
    "url": ["URL"],
    "note": ["備考"],
    "corporate_number": ["法人番号"],
}

KIND_FIELDS: dict[str, dict[str, list[str]]] = {
    "events": {
        **COMMON,
        "name": ["イベント名"],
        "name_kana": ["イベント名_カナ"],
        "name_en": ["イベント名_英語", "イベント名_英字"],
        "start_date": ["開始日", "イベント開始日"],
        "end_date": ["終了日", "イベント終了日"],
        "start_time": ["開始時間"],
        "end_time": ["終了時間"],
        "when_note": ["開始日時特記事項"],
        "description": ["説明", "概要", "内容"],
        "category": ["イベント種類", "イベントジャンル", "カテゴリ"],
        "fee": ["料金(基本)", "料金"],
        "organizer": ["主催者"],
        "place_name": ["場所名称", "場所"],
        "language": ["言語コード"],
    },
    "tourism": {
        **COMMON,
        "description": ["説明"],
        "description_en": ["説明_英語", "説明_英字"],
        "days": ["利用可能曜日"],
        "open": ["開始時間"],
        "close": ["終了時間"],
        "hours_note": ["利用可能日時特記事項"],
        "fee": ["料金(基本)"],
        "barrier_free": ["バリアフリー情報"],
    },
    "wifi": {**COMMON, "ssid": ["SSID"], "area": ["提供エリア"], "installer": ["設置者"]},
    "aed": {
        **COMMON,
        "location": ["設置位置"],
        "days": ["利用可能曜日"],
        "open": ["開始時間"],
        "close": ["終了時間"],
        "child_pads": ["小児対応設備の有無"],
    },
    "childcare": {
        **COMMON,
        "type": ["種別"],
        "capacity": ["収容定員"],
        "ages": ["受入年齢"],
        "days": ["利用可能曜日"],
        "open": ["開始時間"],
        "close": ["終了時間"],
        "temporary_care": ["一時預かりの有無"],
    },
    "evacuation": {
        **COMMON,
        "flood": ["洪水"],
        "landslide": ["崖崩れ、土石流及び地滑り"],
        "storm_surge": ["高潮"],
        "earthquake": ["地震"],
        "tsunami": ["津波"],
        "fire": ["大規模な火事"],
        "inland_flood": ["内水氾濫"],
        "volcano": ["火山現象"],
        "also_shelter": ["指定避難所との重複"],
        "capacity": ["想定収容人数"],
        "communities": ["対象となる町会・自治会"],
        "elevation": ["標高"],
    },
}

REQUIRED: dict[str, list[str]] = {
    "events": ["name", "start_date"],
    "tourism": ["name", "lat", "lon"],
    "wifi": ["name", "lat", "lon"],
    "aed": ["name", "lat", "lon"],
    "childcare": ["name", "lat", "lon"],
    "evacuation": [
        "name",
        "lat",
        "lon",
        "flood",
        "landslide",
        "storm_surge",
        "earthquake",
        "tsunami",
        "fire",
        "inland_flood",
        "volcano",
    ],
}

# Headers only the v2 (2022-) generation has.
V2_MARKERS = {"全国地方公共団体コード", "所在地_連結表記", "名称_英字", "地方公共団体名", "言語コード"}

PLACE_KINDS = ("tourism", "wifi", "aed", "childcare", "evacuation")
CSV_KINDS = ("events", *PLACE_KINDS)
GEOJSON_KINDS = ("evacuation", "shelter")
IMPORT_KINDS = ("events", "tourism", "wifi", "aed", "childcare", "evacuation", "shelter")
