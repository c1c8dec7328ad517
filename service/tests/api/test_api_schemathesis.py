"""Property-based tests from the OpenAPI document (schemathesis): no input makes the API fail with
a server error, and every error answer has the one error shape."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

schemathesis = pytest.importorskip("schemathesis")

from infralyzer.api.app import create_app  # noqa: E402
from infralyzer.publish import latest_snapshot  # noqa: E402
from infralyzer.settings import Settings  # noqa: E402

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def api_app(request):
    override = os.environ.get("INFRALYZER_TEST_PUBLISH_DIR")
    publish = Path(override) if override else request.getfixturevalue("built").publish_dir
    assert latest_snapshot(publish) is not None
    # development mode: every operation is reachable without a key
    return create_app(settings=Settings(publish_dir=publish, api_keys=None, api_keys_file=None,
                                        sql_timeout_seconds=2.0))


def test_no_server_errors(api_app):
    schema = schemathesis.openapi.from_asgi("/openapi.json", api_app)
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=int(os.environ.get("INFRALYZER_SCHEMATHESIS_EXAMPLES", "30")), deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def no_server_error(case) -> None:
            response = case.call()
            assert response.status_code < 500, (case.method, case.formatted_path, case.query, case.body,
                                                response.text[:500])
            if response.status_code >= 400:
                assert set(response.json()) == {"error", "message", "details"}, response.text[:300]

        no_server_error()
        checked.append(operation.label)
    assert len(checked) >= 20, checked
