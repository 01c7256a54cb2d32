"""Schemathesis over the OpenAPI document: no 5xx and no response that breaks the schema
(status code, content type and body documented), with a registered device and a staff
token so that handlers run past authentication."""

from __future__ import annotations

import collections

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from backend.admin import service as admin_service
from backend.app import create_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api(settings, engine):
    app = create_app(settings, engine)
    from fastapi.testclient import TestClient

    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    devices = {}
    with TestClient(app) as c:  # one device per operation: DELETE must not starve the others
        for r in api.get_all_operations():
            devices[r.ok().label] = c.post(
                "/v1/devices",
                json={
                    "push_token": f"tok-{len(devices)}",
                    "platform": "android",
                    "locale": "ja",
                    "timezone": "Asia/Tokyo",
                    "app_version": "1",
                },
            ).json()
    with Session(engine) as s:
        _, token = admin_service.create_token(s, "admin", "schemathesis")
    app.state.st_devices = devices
    app.state.st_token = token
    return api


def test_openapi_no_5xx_no_schema_violations(api):
    app = api.app
    operations = [r.ok() for r in api.get_all_operations()]
    assert len(operations) >= 15
    statuses: collections.Counter = collections.Counter()

    for op in operations:

        @given(case=op.as_strategy())
        @settings(
            max_examples=40,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case):
            device = app.state.st_devices[op.label]  # noqa: B023 (run() is called in this iteration)
            if "device_id" in (case.path_parameters or {}):
                case.path_parameters["device_id"] = device["id"]
            secret = app.state.st_token if case.path.startswith("/v1/admin") else device["secret"]
            response = case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)
            statuses[(op.label, response.status_code // 100)] += 1  # noqa: B023

        run()
    # The run really reached the handlers: successes and rejections on most operations.
    assert sum(1 for op in operations if statuses[(op.label, 2)]) >= len(operations) // 2, statuses
    assert sum(v for (_, klass), v in statuses.items() if klass == 4) > 50
