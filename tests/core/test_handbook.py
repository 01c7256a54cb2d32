"""Handbook records, growth percentiles / WHO z-scores, JSON and FHIR R4 exchange."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.handbook import fhir, growth
from core.handbook.model import (
    CHECKUPS,
    Birth,
    Checkup,
    Child,
    Guardian,
    Handbook,
    HandbookError,
    MaternalVaccination,
    Measurement,
    Note,
    Pregnancy,
    PregnancyVisit,
    Vaccination,
    load_handbook,
)

D = dt.date


def sample() -> Handbook:
    child = Child(
        name="さくら",
        sex="female",
        birth_date=D(2025, 7, 31),
        reminders=True,
        birth=Birth(
            gestational_weeks=39,
            gestational_days=2,
            weight_kg=3.02,
            length_cm=49.0,
            head_cm=33.0,
            chest_cm=32.0,
            delivery="経腟分娩",
        ),
        checkups=[
            Checkup(
                kind="1m",
                date=D(2025, 8, 30),
                weight_kg=4.1,
                height_cm=53.2,
                head_cm=36.4,
                findings="異常なし",
                answers={"smiles": True},
            )
        ],
        growth=[
            Measurement(date=D(2025, 9, 1), weight_kg=4.5, height_cm=54.0, head_cm=37.0),
            Measurement(date=D(2025, 10, 1), weight_kg=5.4),
        ],
        vaccinations=[
            Vaccination(vaccine="hepb", dose=1, date=D(2025, 9, 30), lot="AB12", clinic="こども医院"),
            Vaccination(vaccine="pcv", dose=1, date=D(2025, 9, 30), product="PCV20"),
        ],
        notes=[Note(date=D(2025, 8, 5), text="はじめて笑った")],
        illness_ended=D(2025, 8, 20),
    )
    brother = Child(name="Ken", sex="male", birth_date=D(2023, 2, 28))
    return Handbook(
        guardians=[Guardian(name="母", relation="mother")],
        pregnancies=[
            Pregnancy(
                due_date=D(2025, 8, 2),
                visits=[
                    PregnancyVisit(
                        date=D(2025, 3, 1),
                        week=20,
                        weight_kg=58.2,
                        bp_systolic=112,
                        bp_diastolic=70,
                        urine_protein="-",
                        urine_sugar="-",
                    )
                ],
                vaccinations=[MaternalVaccination(vaccine="rsv", date=D(2025, 6, 1), lot="R1")],
            )
        ],
        children=[child, brother],
    )


# ------------------------------------------------------------------ growth
def test_band_at_a_band_midpoint_uses_the_table():
    # girls 3-4 months (midpoint 3.5): p50 and p75 of the 2023 table
    cuts = growth.percentiles_at("weight", "female", 3.5)
    assert cuts[3] == pytest.approx(6.19, abs=0.2)
    assert growth.band("weight", "female", 3.5, cuts[3] + 0.01) == "p50-p75"
    assert growth.band("weight", "female", 3.5, cuts[0] - 0.01) == "<p3"
    assert growth.band("weight", "female", 3.5, cuts[-1] + 0.01) == ">p97"


def test_interpolation_between_midpoints():
    a, b = growth.percentiles_at("height", "male", 1.5), growth.percentiles_at("height", "male", 2.5)
    mid = growth.percentiles_at("height", "male", 2.0)
    assert all(x == pytest.approx((p + q) / 2) for x, p, q in zip(mid, a, b, strict=True))


def test_every_band_name_reachable_and_ordered():
    cuts = growth.percentiles_at("head", "male", 6.5)
    values = [cuts[0] - 1] + [(x + y) / 2 for x, y in zip(cuts, cuts[1:], strict=False)] + [cuts[-1] + 1]
    assert [growth.band("head", "male", 6.5, v) for v in values] == list(growth.BANDS)


def test_head_reference_stops_at_3_years():
    assert growth.max_months("head", "male") == 36
    with pytest.raises(growth.GrowthError, match="0 to 36"):
        growth.band("head", "male", 40, 50.0)


def test_who_z_median_is_zero_and_sd():
    assert growth.who_z("weight", "male", 0, 3.3464) == pytest.approx(0, abs=1e-6)
    assert growth.who_z("weight", "male", 0, 2.5) < -1.5
    assert growth.z_to_percentile(0) == pytest.approx(50)


def test_plausibility_never_silently_accepts_35_kg_at_3_months():
    assert growth.plausibility("weight", "male", 3, 35) == "impossible"
    assert growth.plausibility("weight", "male", 3, 9.5) == "unusual"
    assert growth.plausibility("weight", "male", 3, 6.2) == "ok"
    assert growth.plausibility("height", "female", 12, 20) == "impossible"


# ------------------------------------------------------------------ model and JSON
def test_json_round_trip():
    book = sample()
    assert load_handbook(book.to_json()) == book


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["children"][0].update(sex="x"), "sex"),
        (lambda d: d["children"][0]["growth"][0].update(date="2025-07-01"), "before the birth"),
        (lambda d: d["children"][0]["vaccinations"][0].update(vaccine="flu"), "unknown vaccine"),
        (lambda d: d["children"][0]["vaccinations"][1].update(date="2025-09-01"), "pcv:1:2025-09-01"),
        (lambda d: d.update(schema_version=99), "newer"),
        (lambda d: d["children"][0]["growth"][1].update(weight_kg=None), "needs a weight"),
        (lambda d: d["children"][1].update(id=d["children"][0]["id"]), "same id"),
    ],
)
def test_broken_documents_are_refused_with_the_reason(mutate, message):
    raw = sample().to_dict()
    mutate(raw)
    with pytest.raises(HandbookError, match=message):
        load_handbook(raw)


def test_future_records_refused_when_today_is_known():
    with pytest.raises(HandbookError, match="future"):
        load_handbook(sample().to_dict(), today=D(2025, 9, 15))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["children"][0].update(illness_ended="2025-10-02"),
        lambda d: d["pregnancies"][0]["vaccinations"][0].update(date="2025-10-02"),
    ],
)
def test_future_illness_end_and_maternal_dose_refused(mutate):
    raw = sample().to_dict()
    assert load_handbook(raw, today=D(2025, 10, 1)) == sample().model_validate(raw)
    mutate(raw)
    with pytest.raises(HandbookError, match="future"):
        load_handbook(raw, today=D(2025, 10, 1))


def test_maternal_vaccine_once_per_pregnancy():
    raw = sample().to_dict()
    raw["pregnancies"][0]["vaccinations"].append({"vaccine": "rsv", "date": "2025-06-20"})
    with pytest.raises(HandbookError, match="once per pregnancy"):
        load_handbook(raw)


def test_truncated_json_refused():
    text = sample().to_json()
    with pytest.raises(HandbookError, match="not a JSON"):
        load_handbook(text[: len(text) // 2])


# ------------------------------------------------------------------ FHIR
def test_fhir_bundle_is_structurally_valid_and_minimal():
    bundle = fhir.to_bundle(sample())
    assert fhir.validate_bundle(bundle) == []
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("Patient") == 2 and kinds.count("Immunization") == 2
    assert kinds.count("Observation") == 4 and kinds.count("Binary") == 1
    patient = bundle["entry"][0]["resource"]
    assert set(patient) == {"resourceType", "meta", "identifier", "name", "gender", "birthDate"}
    imm = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Immunization")
    assert imm["meta"]["profile"] == [fhir.JP + "JP_Immunization"]
    assert imm["protocolApplied"][0]["doseNumberPositiveInt"] == 1 and imm["lotNumber"] == "AB12"
    obs = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    assert {o["code"]["coding"][0]["code"] for o in obs} == {"29463-7", "8302-2", "9843-4"}
    assert all(o["valueQuantity"]["system"] == "http://unitsofmeasure.org" for o in obs)
    json.dumps(bundle)  # serialisable


def test_fhir_round_trip_is_identical():
    book = sample()
    again = fhir.from_bundle(json.loads(json.dumps(fhir.to_bundle(book))))
    assert again == book
    assert again.to_json() == book.to_json()


# An independent structural check: FHIR R4 cardinalities (1..1 / 1..*) of what the export uses,
# the R4 primitive formats, and the vital-signs / JP Core profile constraints it claims.
FHIR_DATE = (
    r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?"
)
TZ = r"(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
FHIR_DATETIME = FHIR_DATE + r"(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?" + TZ + ")?"
FHIR_INSTANT = FHIR_DATE + r"T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?" + TZ
R4_REQUIRED = {  # resource: (required elements, date elements)
    "Bundle": (["type"], {"timestamp": FHIR_INSTANT}),
    "Patient": (["identifier", "gender", "birthDate"], {"birthDate": FHIR_DATE}),  # JP_Patient: identifier
    "Immunization": (
        ["status", "vaccineCode", "patient", "occurrenceDateTime"],
        {"occurrenceDateTime": FHIR_DATETIME},
    ),
    "Observation": (
        ["status", "category", "code", "subject", "effectiveDateTime", "valueQuantity"],  # vital-signs
        {"effectiveDateTime": FHIR_DATETIME},
    ),
    "Binary": (["contentType"], {}),
}


def _r4_problems(bundle: dict) -> list[str]:
    import re

    out = []

    def check(res: dict, where: str):
        required, dates = R4_REQUIRED[res["resourceType"]]
        out.extend(f"{where}: {k} missing" for k in required if res.get(k) in (None, "", [], {}))
        for k, pattern in dates.items():
            if k in res:
                if not re.fullmatch(pattern, res[k]):
                    out.append(
                        f"{where}: {k} {res[k]!r} is not a FHIR {pattern is FHIR_DATE and 'date' or 'dateTime'}"
                    )
                else:
                    dt.date.fromisoformat(res[k][:10])  # a real calendar day

    check(bundle, "Bundle")
    for i, e in enumerate(bundle["entry"]):
        check(e["resource"], f"entry[{i}] {e['resource']['resourceType']}")
    return out


def _r4_content_checks(bundle: dict) -> None:
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(urls)) == len(urls)
    for e in bundle["entry"]:
        r = e["resource"]
        if r["resourceType"] == "Immunization":
            assert r["status"] in ("completed", "entered-in-error", "not-done")
            assert r["vaccineCode"]["coding"] and all(
                c["system"] and c["code"] for c in r["vaccineCode"]["coding"]
            )
            assert r["patient"]["reference"] in urls
            for pa in r.get("protocolApplied", []):  # R4: protocolApplied.doseNumber[x] 1..1
                assert isinstance(pa["doseNumberPositiveInt"], int) and pa["doseNumberPositiveInt"] > 0
        if r["resourceType"] == "Observation":
            assert r["status"] in ("registered", "preliminary", "final", "amended", "corrected")
            assert any(c["code"] == "vital-signs" for cat in r["category"] for c in cat["coding"])
            assert (
                r["code"]["coding"][0]["system"] == "http://loinc.org" and r["subject"]["reference"] in urls
            )
            q = r["valueQuantity"]
            assert isinstance(q["value"], (int, float)) and q["system"] == "http://unitsofmeasure.org"
            assert q["code"] in ("kg", "cm")
        if r["resourceType"] == "Patient":
            assert r["gender"] in ("male", "female", "other", "unknown")
            assert set(r) <= {"resourceType", "meta", "identifier", "name", "gender", "birthDate"}  # minimal
        if r["resourceType"] == "Binary":
            base64.b64decode(r["data"], validate=True)


def test_fhir_export_passes_an_independent_r4_structure_check():
    bundle = json.loads(json.dumps(fhir.to_bundle(sample())))
    assert _r4_problems(bundle) == []
    _r4_content_checks(bundle)
    assert fhir.validate_bundle(bundle) == []


def test_the_independent_check_catches_what_it_should():
    bundle = copy.deepcopy(fhir.to_bundle(sample()))
    bundle["entry"][0]["resource"]["birthDate"] = "2025-7-31"
    bundle["entry"][2]["resource"].pop("vaccineCode")
    assert len(_r4_problems(bundle)) == 2


@pytest.mark.parametrize(
    ("where", "key", "value"),
    [
        (0, "birthDate", "2025-02-30"),  # not a calendar day
        (0, "birthDate", "2025-13-01"),
        (0, "birthDate", "2025-07-31T00:00:00Z"),  # birthDate is a date, not a dateTime
        (2, "occurrenceDateTime", "2025-09-31"),
        (2, "occurrenceDateTime", "2025-09-30T25:00:00+09:00"),
        (2, "occurrenceDateTime", "2025-09"),  # a month is a FHIR date, but not a day a dose was given
        (4, "effectiveDateTime", "yesterday"),
    ],
)
def test_fhir_dates_are_checked_as_fhir_dates(where, key, value):
    bundle = copy.deepcopy(fhir.to_bundle(sample()))
    entry = bundle["entry"][where]["resource"]
    assert key in entry
    entry[key] = value
    with pytest.raises(HandbookError, match=key):
        fhir.from_bundle(bundle)


def test_fhir_bundle_timestamp_is_an_instant():
    bundle = fhir.to_bundle(sample(), now=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
    assert bundle["timestamp"] == "2026-01-02T03:04:05+00:00" and fhir.validate_bundle(bundle) == []
    bundle["timestamp"] = "2026-01-02"
    assert any("timestamp" in p for p in fhir.validate_bundle(bundle))


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


JUNK = st.one_of(st.none(), st.integers(-3, 3), st.text(max_size=5), st.just([]), st.just({}), st.just(["x"]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_corrupted_bundles_are_refused_or_read_never_crash(data):
    """Any one element replaced or removed: a HandbookError, or a handbook that validates."""
    bundle = fhir.to_bundle(sample())
    paths = [p for p in _paths(bundle) if p]
    path = data.draw(st.sampled_from(paths))
    parent = bundle
    for k in path[:-1]:
        parent = parent[k]
    if data.draw(st.booleans()):
        parent[path[-1]] = data.draw(JUNK)
    elif isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent.pop(path[-1])
    try:
        book = fhir.from_bundle(bundle)
    except HandbookError:
        return
    assert load_handbook(book.to_dict()) == book


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b.update(resourceType="Patient"), "not a FHIR Bundle"),
        (lambda b: b["entry"][0]["resource"].update(birthDate="31/07/2025"), "birthDate"),
        (lambda b: b["entry"][2]["resource"].pop("status"), "status"),
        (lambda b: b["entry"][2]["resource"]["patient"].update(reference="urn:uuid:nobody"), "patient"),
        (lambda b: b["entry"][2]["resource"].update(protocolApplied=[]), "doseNumber"),
        (lambda b: b["entry"][-1]["resource"].update(data=base64.b64encode(b"{").decode()), "damaged"),
    ],
)
def test_fhir_broken_bundles_refused(mutate, message):
    bundle = copy.deepcopy(fhir.to_bundle(sample()))
    assert bundle["entry"][2]["resource"]["resourceType"] == "Immunization"
    mutate(bundle)
    with pytest.raises(HandbookError, match=message):
        fhir.from_bundle(bundle)


# ------------------------------------------------------------------ check-up questions
def test_checkup_questions_are_data_with_unique_ids_and_both_texts():
    from core.handbook.model import checkup_questions

    questions = checkup_questions()
    assert set(questions) <= set(CHECKUPS) and questions["6y"]
    for items in questions.values():
        ids = [q["id"] for q in items]
        assert len(set(ids)) == len(ids) and all(q["ja"] and q["en"] for q in items)
    assert any("片足" in q["ja"] for q in questions["6y"])  # the reference's example: stand on one foot


def test_checkup_answers_are_checked_where_the_questions_are_listed():
    day = D(2031, 8, 1)
    ok = Checkup(kind="6y", date=day, answers={"stand_one_foot": True, "copy_square": False})
    assert ok.answers["copy_square"] is False
    with pytest.raises(ValueError, match="unknown 6y check-up questions: flies"):
        Checkup(kind="6y", date=day, answers={"flies": True})
    raw = sample().to_dict()
    raw["children"][0]["checkups"].append({"kind": "6y", "date": "2031-08-01", "answers": {"flies": True}})
    with pytest.raises(HandbookError, match="flies"):
        load_handbook(raw)
