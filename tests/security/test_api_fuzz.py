"""Property-based requests against every API operation, generated from the OpenAPI document (valid and
invalid input alike): whatever comes in, the API answers without a server error."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from core.auth.services import create_api_token, user_by_email
from core.db import db
from core.plugins.services import enable_module
from core.tenancy.isolation import tenant_scope
from tests.helpers import create_tenant, make_user


def test_no_input_makes_the_api_fail(app):
    alpha = create_tenant("alpha")
    make_user("admin@alpha.example", alpha)
    enable_module(alpha, "noticeboard")
    with tenant_scope(alpha):
        _t, token = create_api_token(user_by_email("admin@alpha.example"), "fuzz")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            def exercise(case):
                # Requests go to this partnership (other slugs are simply not found) with a good token.
                case.path_parameters = {**(case.path_parameters or {}), "tenant_slug": "alpha"}
                response = case.call(headers=headers)
                case.validate_response(response, checks=[not_a_server_error])

            exercise()
