"""References under concurrent submissions, on PostgreSQL (where web processes really write at once): every
submission gets its own number, numbers have no gaps, and one that fails gives its number back."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select

from core.db import db
from core.plugins.services import enable_module
from core.tenancy.isolation import tenant_scope
from plugins.lado import cases as rules
from plugins.lado.models import LadoCase
from tests.helpers import create_tenant
from tests.plugins.lado.conftest import authority, details

pytestmark = pytest.mark.postgres
TODAY = date(2025, 6, 2)
SUBMISSIONS = 12


def test_concurrent_submissions_get_distinct_numbers_without_gaps(app):
    tenant = create_tenant("alpha")
    enable_module(tenant, "lado", {})
    db.session.commit()
    tenant_id = tenant.id
    start = threading.Barrier(SUBMISSIONS)
    problems: list[str] = []

    def submit(number: int) -> None:
        with app.app_context():
            try:
                with tenant_scope(tenant_id):
                    la = authority("north")
                    start.wait(timeout=10)
                    rules.create_case(kind="referral", local_authority=la, received_on=TODAY, today=TODAY,
                                      details=details(person_name=f"Person {number}"), children=[])
                    if number % 4 == 0:
                        raise RuntimeError("the request failed after taking a number")
                db.session.commit()
            except RuntimeError:
                db.session.rollback()
            except Exception as exc:  # noqa: BLE001 - reported below, with the thread's number
                db.session.rollback()
                problems.append(f"{number}: {exc!r}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(SUBMISSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert problems == []
    with tenant_scope(tenant):
        references = sorted(db.session.scalars(select(LadoCase.reference)))
    kept = SUBMISSIONS - len(range(0, SUBMISSIONS, 4))
    assert references == [f"LADO-NBC-2025-{n:04d}" for n in range(1, kept + 1)]
