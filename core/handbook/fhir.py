"""The handbook as a FHIR R4 Bundle (type ``collection``) and back.

* ``Patient`` per child: an identifier (the handbook's random child id), name, gender and
  birthDate: nothing more (no address, no guardian, no My Number).  Profile JP_Patient.
* ``Immunization`` per recorded dose: status, vaccineCode (Machi's vaccine id; the product in a
  second coding), patient, occurrenceDateTime, lotNumber, location (the clinic) and
  protocolApplied.doseNumberPositiveInt.  Profile JP_Immunization (JP Core 1.x).  JP Core asks
  for HOT/YJ product codes; a parent does not know them and no code table is in the project's
  sources (the reference names the systems, not the codes), so the Machi code system is used.
* ``Observation`` per growth value (vital-signs; profile JP_Observation_BodyMeasurement with
  LOINC 29463-7 body weight, 8302-2 body height, 9843-4 head circumference; UCUM kg/cm).
* Everything the handbook holds that FHIR has no plain resource for (guardians, pregnancy
  visits, birth details, check-ups, notes, reminder settings) travels in one ``Binary`` with the
  handbook JSON of those parts, so an export re-imports to an identical handbook.

``validate_bundle`` checks the structure (resource types, the R4 required elements the export uses,
FHIR date/dateTime/instant formats and real calendar days, unique fullUrls, references) and never
raises; ``from_bundle`` refuses anything that fails it, or that is damaged in any other way, with
``HandbookError`` (callers then leave the stored handbook as it was).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re

from core.handbook.model import Handbook, HandbookError, load_handbook

JP = "http://jpfhir.jp/fhir/core/StructureDefinition/"
VACCINE_SYSTEM = "urn:machi:vaccine"
PRODUCT_SYSTEM = "urn:machi:vaccine-product"
ID_SYSTEM = "urn:machi:record"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
GROWTH_CODES = {
    "weight_kg": ("29463-7", "Body weight", "kg"),
    "height_cm": ("8302-2", "Body height", "cm"),
    "head_cm": ("9843-4", "Head Occipital-frontal circumference", "cm"),
}
BY_LOINC = {code: field for field, (code, _, _) in GROWTH_CODES.items()}
REST_TYPE = "application/vnd.machi.handbook-rest+json"
# FHIR R4 primitive formats (https://hl7.org/fhir/R4/datatypes.html), then a calendar check
_FHIR_DATE = re.compile(
    r"^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$"
)
_FHIR_DATETIME = re.compile(
    r"^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])"
    r"(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$"
)
_FHIR_INSTANT = re.compile(
    r"^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$"
)


def _day(value: object, pattern: re.Pattern = _FHIR_DATETIME) -> bool:
    """A FHIR date/dateTime (per ``pattern``) that is a full, real calendar day (2025-02-30 is not)."""
    if not isinstance(value, str) or not pattern.match(value) or len(value) < 10:
        return False
    try:
        dt.date.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


def _urn(kind: str, rid: str) -> str:
    return f"urn:uuid:machi-{kind}-{rid}"


def to_bundle(book: Handbook, *, now: dt.datetime | None = None) -> dict:
    """The whole handbook as a FHIR R4 Bundle (a dict ready for ``json.dumps``)."""
    entries = []
    rest = book.to_dict()
    for c, raw in zip(book.children, rest["children"], strict=True):
        patient_ref = _urn("patient", c.id)
        entries.append(
            {
                "fullUrl": patient_ref,
                "resource": {
                    "resourceType": "Patient",
                    "meta": {"profile": [JP + "JP_Patient"]},
                    "identifier": [{"system": ID_SYSTEM, "value": c.id}],
                    "name": [{"text": c.name}],
                    "gender": c.sex,
                    "birthDate": c.birth_date.isoformat(),
                },
            }
        )
        for v in c.vaccinations:
            coding = [{"system": VACCINE_SYSTEM, "code": v.vaccine}]
            if v.product:
                coding.append({"system": PRODUCT_SYSTEM, "code": v.product})
            res = {
                "resourceType": "Immunization",
                "meta": {"profile": [JP + "JP_Immunization"]},
                "identifier": [{"system": ID_SYSTEM, "value": v.id}],
                "status": "completed",
                "vaccineCode": {"coding": coding, "text": v.vaccine},
                "patient": {"reference": patient_ref},
                "occurrenceDateTime": v.date.isoformat(),
                "protocolApplied": [{"doseNumberPositiveInt": v.dose}],
            }
            if v.lot:
                res["lotNumber"] = v.lot
            if v.clinic:
                res["location"] = {"display": v.clinic}
            entries.append({"fullUrl": _urn("immunization", v.id), "resource": res})
        for m in c.growth:
            for field, (code, display, unit) in GROWTH_CODES.items():
                value = getattr(m, field)
                if value is None:
                    continue
                entries.append(
                    {
                        "fullUrl": _urn("observation", f"{m.id}-{code}"),
                        "resource": {
                            "resourceType": "Observation",
                            "meta": {"profile": [JP + "JP_Observation_BodyMeasurement"]},
                            "identifier": [{"system": ID_SYSTEM, "value": m.id}],
                            "status": "final",
                            "category": [
                                {
                                    "coding": [
                                        {
                                            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                            "code": "vital-signs",
                                        }
                                    ]
                                }
                            ],
                            "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
                            "subject": {"reference": patient_ref},
                            "effectiveDateTime": m.date.isoformat(),
                            "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
                        },
                    }
                )
        raw.pop("vaccinations")
        raw.pop("growth")
    data = base64.b64encode(json.dumps(rest, ensure_ascii=False, sort_keys=True).encode()).decode("ascii")
    entries.append(
        {
            "fullUrl": "urn:uuid:machi-handbook-rest",
            "resource": {"resourceType": "Binary", "contentType": REST_TYPE, "data": data},
        }
    )
    stamp = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()
    return {"resourceType": "Bundle", "type": "collection", "timestamp": stamp, "entry": entries}


def _need(cond: bool, problems: list[str], where: str, what: str) -> None:
    if not cond:
        problems.append(f"{where}: {what}")


def validate_bundle(bundle: object) -> list[str]:
    """Structural problems of a FHIR R4 handbook Bundle (empty list: valid); never raises."""
    try:
        return _problems(bundle)
    except (AttributeError, KeyError, IndexError, TypeError, ValueError) as exc:
        return [f"the Bundle is damaged ({type(exc).__name__}: {exc})"]


def _problems(bundle: object) -> list[str]:
    p: list[str] = []
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        return ["not a FHIR Bundle (resourceType must be 'Bundle')"]
    _need(bundle.get("type") == "collection", p, "Bundle.type", "must be 'collection'")
    if "timestamp" in bundle:
        _need(_day(bundle["timestamp"], _FHIR_INSTANT), p, "Bundle.timestamp", "must be a FHIR instant")
    entries = bundle.get("entry")
    if not isinstance(entries, list):
        return [*p, "Bundle.entry: missing or not a list"]
    patients = set()
    urls = [e.get("fullUrl") for e in entries if isinstance(e, dict)]
    _need(len(set(urls)) == len(urls), p, "Bundle.entry", "fullUrl values must be unique")
    for i, e in enumerate(entries):
        r = e.get("resource") if isinstance(e, dict) else None
        if not isinstance(r, dict) or "resourceType" not in r:
            p.append(f"entry[{i}]: no resource")
            continue
        _need(
            isinstance(e.get("fullUrl"), str) and bool(e["fullUrl"]), p, f"entry[{i}]", "fullUrl is required"
        )
        if r["resourceType"] == "Patient":
            patients.add(e.get("fullUrl"))
    for i, e in enumerate(entries):
        r = e.get("resource") if isinstance(e, dict) else None
        if not isinstance(r, dict):
            continue
        kind, where = r.get("resourceType"), f"entry[{i}] ({r.get('resourceType')})"
        if kind == "Patient":
            _need(r.get("gender") in ("male", "female"), p, where, "gender must be male or female")
            _need(
                _day(r.get("birthDate"), _FHIR_DATE), p, where, "birthDate must be a FHIR date (YYYY-MM-DD)"
            )
            _need(
                isinstance(r.get("identifier"), list)
                and bool(r["identifier"])
                and isinstance(r["identifier"][0], dict)
                and isinstance(r["identifier"][0].get("value"), str),
                p,
                where,
                "identifier is required",
            )
        elif kind == "Immunization":
            _need(r.get("status") == "completed", p, where, "status must be 'completed'")
            codes = (r.get("vaccineCode") or {}).get("coding") or []
            _need(
                any(c.get("system") == VACCINE_SYSTEM and c.get("code") for c in codes),
                p,
                where,
                "vaccineCode needs a Machi vaccine coding",
            )
            _need(
                (r.get("patient") or {}).get("reference") in patients,
                p,
                where,
                "patient must reference a Patient",
            )
            _need(_day(r.get("occurrenceDateTime")), p, where, "occurrenceDateTime must be a FHIR dateTime")
            doses = [
                x.get("doseNumberPositiveInt") if isinstance(x, dict) else None
                for x in r.get("protocolApplied") or []
            ]
            _need(
                bool(doses) and isinstance(doses[0], int) and doses[0] > 0,
                p,
                where,
                "protocolApplied.doseNumberPositiveInt is required",
            )
        elif kind == "Observation":
            _need(r.get("status") in ("final", "amended", "corrected"), p, where, "status must be final")
            codes = (r.get("code") or {}).get("coding") or []
            _need(
                any(c.get("system") == LOINC and c.get("code") in BY_LOINC for c in codes),
                p,
                where,
                "code must be LOINC body weight, height or head circumference",
            )
            _need(
                (r.get("subject") or {}).get("reference") in patients,
                p,
                where,
                "subject must reference a Patient",
            )
            _need(_day(r.get("effectiveDateTime")), p, where, "effectiveDateTime must be a FHIR dateTime")
            q = r.get("valueQuantity") or {}
            _need(
                isinstance(q.get("value"), (int, float)) and q.get("system") == UCUM,
                p,
                where,
                "valueQuantity needs a number in UCUM units",
            )
        elif kind == "Binary":
            _need(
                r.get("contentType") == REST_TYPE and isinstance(r.get("data"), str),
                p,
                where,
                f"contentType must be {REST_TYPE} with data",
            )
        else:
            p.append(f"{where}: unexpected resource type")
    return p


def from_bundle(bundle: object, *, today: dt.date | None = None) -> Handbook:
    """The handbook of a Bundle made by ``to_bundle``; ``HandbookError`` if anything is wrong."""
    problems = validate_bundle(bundle)
    if problems:
        raise HandbookError("; ".join(problems))
    try:
        rest = _rest_with_records(bundle)
    except (AttributeError, KeyError, IndexError, TypeError, StopIteration) as exc:
        raise HandbookError(f"the Bundle is damaged ({type(exc).__name__}: {exc})") from None
    return load_handbook(rest, today=today)


def _rest_with_records(bundle) -> dict:
    """The handbook document: the Binary's parts with the Patient, Immunization and Observation data."""
    entries = [e["resource"] for e in bundle["entry"]]  # type: ignore[index]
    rests = [r for r in entries if r["resourceType"] == "Binary"]
    if len(rests) != 1:
        raise HandbookError("the Bundle needs exactly one Machi handbook Binary")
    try:
        rest = json.loads(base64.b64decode(rests[0]["data"], validate=True))
    except ValueError as exc:
        raise HandbookError(f"the handbook Binary is damaged ({exc})") from None
    if not isinstance(rest, dict) or not isinstance(rest.get("children"), list):
        raise HandbookError("the handbook Binary has no children list")
    by_ref: dict[str, dict] = {}
    for e in bundle["entry"]:  # type: ignore[index]
        r = e["resource"]
        if r["resourceType"] == "Patient":
            cid = r["identifier"][0]["value"]
            child = next((c for c in rest["children"] if isinstance(c, dict) and c.get("id") == cid), None)
            if child is None:
                raise HandbookError(f"Patient {cid}: not in the handbook Binary")
            child.update(
                name=(r.get("name") or [{}])[0].get("text", ""),
                sex=r["gender"],
                birth_date=r["birthDate"],
                vaccinations=[],
                growth=[],
            )
            by_ref[e["fullUrl"]] = child
    for c in rest["children"]:
        if isinstance(c, dict) and "vaccinations" not in c:
            raise HandbookError(f"child {c.get('id')}: no Patient in the Bundle")
    growth: dict[tuple[str, str], dict] = {}
    for r in entries:
        if r["resourceType"] == "Immunization":
            child = by_ref[r["patient"]["reference"]]
            codes = r["vaccineCode"]["coding"]
            product = next((c["code"] for c in codes if c.get("system") == PRODUCT_SYSTEM), None)
            child["vaccinations"].append(
                {
                    "id": r["identifier"][0]["value"] if r.get("identifier") else None,
                    "vaccine": next(c["code"] for c in codes if c.get("system") == VACCINE_SYSTEM),
                    "dose": r["protocolApplied"][0]["doseNumberPositiveInt"],
                    "date": r["occurrenceDateTime"][:10],
                    "product": product,
                    "lot": r.get("lotNumber", ""),
                    "clinic": (r.get("location") or {}).get("display", ""),
                }
            )
        elif r["resourceType"] == "Observation":
            ref = r["subject"]["reference"]
            mid = r["identifier"][0]["value"] if r.get("identifier") else r["effectiveDateTime"][:10]
            m = growth.get((ref, mid))
            if m is None:
                m = growth[(ref, mid)] = {"id": mid, "date": r["effectiveDateTime"][:10]}
                by_ref[ref]["growth"].append(m)
            code = next(c["code"] for c in r["code"]["coding"] if c.get("system") == LOINC)
            m[BY_LOINC[code]] = r["valueQuantity"]["value"]
    for child in by_ref.values():
        child["vaccinations"] = [{k: v for k, v in x.items() if v is not None} for x in child["vaccinations"]]
    return rest
