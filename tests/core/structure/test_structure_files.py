"""The structure sections of a tenant file: validated, imported exactly, exported back, history kept."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from core.db import db
from core.structure.models import Attendance, Body, BodyMember, ChairRule, Meeting
from core.tenancy.importer import ImportRefused, export_tenant, import_documents, validate_documents
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import Tenant
from tests.helpers import tenant_doc


def structured_doc() -> dict:
    doc = tenant_doc("alpha")
    doc["safeguarding_partners"][0]["delegation_cover"] = ["Operational Director of Children's Services"]
    doc["arrangements"] = {"review_due_on": date(2026, 1, 1), "attendance_threshold_percent": 70,
                           "invoice_by": "10-01", "independent_scrutiny": "An independent scrutineer reports yearly."}
    doc["role_holders"] = [
        {"key": "scrutineer", "kind": "independent_scrutineer", "title": "Independent Scrutineer"},
        {"key": "lead-member", "kind": "lead_member", "title": "Cabinet Member for Children", "agency": "council",
         "voting": False},
    ]
    doc["bodies"] = [
        {"key": "executive", "name": "Executive Board", "kind": "board", "cadence": "three_a_year",
         "chair": {"kind": "rotation", "agencies": ["police", "council", "icb"], "months": 12,
                   "starts_on": date(2025, 1, 1)},
         "members": [{"agency": "council", "role_title": "Chief Executive"},
                     {"role_holder": "scrutineer", "status": "adviser"}]},
        {"key": "forum", "name": "Partnership Forum", "kind": "forum", "accountable_to": "executive",
         "cadence": "quarterly", "chair": {"kind": "role", "role_title": "Head of Safeguarding"},
         "members": [{"role_holder": "lead-member", "status": "observer"},
                     {"agency": "police", "role_title": "Detective Superintendent"}]},
        {"key": "north-group", "name": "North Local Group", "kind": "local_group", "accountable_to": "forum",
         "local_authority": "north", "status": "dissolved", "dissolved_on": date(2024, 3, 31)},
    ]
    doc["priorities"] = [
        {"key": "adolescents", "title": "Safeguarding adolescents", "starts_year": 2025, "ends_year": 2027},
        {"key": "voice", "kind": "thread", "title": "The voice of the child", "starts_year": 2025, "ends_year": 2027},
    ]
    doc["settings_counts"] = [{"local_authority": "north", "kind": "primary", "count": 37},
                              {"local_authority": "north", "kind": "childrens_centres", "count": 7,
                               "note": "7 main centres"}]
    return doc


def load(doc):
    import_documents(validate_documents([("alpha.toml", doc)]))
    return db.session.scalars(select(Tenant).where(Tenant.slug == "alpha")).one()


def test_structure_imports_and_exports_the_same():
    tenant = load(structured_doc())
    exported = export_tenant(tenant)
    assert [b["key"] for b in exported["bodies"]] == ["executive", "forum", "north-group"]
    assert exported["bodies"][0]["chair"] == {"kind": "rotation", "agencies": ["police", "council", "icb"],
                                              "months": 12, "starts_on": date(2025, 1, 1)}
    council = next(p for p in exported["safeguarding_partners"] if p["agency"] == "council")
    assert council["delegation_cover"] == ["Operational Director of Children's Services"]
    load(copy.deepcopy(exported))
    assert export_tenant(tenant) == exported
    with tenant_scope(tenant):
        forum = db.session.scalars(select(Body).where(Body.key == "forum")).one()
        assert forum.accountable_to.key == "executive"
        assert {m.label for m in forum.members} == {"Cabinet Member for Children",
                                                     "Detective Superintendent, Alpha Police"}


@pytest.mark.parametrize("change, expected", [
    (lambda d: d["bodies"][1].update(accountable_to="nowhere"), "bodies[1].accountable_to: no body with key 'nowhere'"),
    (lambda d: d["bodies"][0].update(accountable_to="north-group"), "bodies[0].accountable_to: reporting lines go round in a circle"),
    (lambda d: d["bodies"][0]["chair"].update(agencies=["police", "school"]),
     "bodies[0].chair.agencies[1]: 'school' is not a safeguarding partner: a rotation runs among the delegated partners"),
    (lambda d: d["bodies"][0]["chair"].update(starts_on=None), "bodies[0].chair.starts_on: a rotation needs the date the first turn starts"),
    (lambda d: d["bodies"][2].update(dissolved_on=None), "bodies[2].dissolved_on: a dissolved body needs the date it was dissolved"),
    (lambda d: d["bodies"][0]["members"].append({"role_holder": "ghost"}), "bodies[0].members[2].role_holder: no role holder with key 'ghost'"),
    (lambda d: d["bodies"][0].update(cadence="fortnightly"), "bodies[0].cadence: must be one of: monthly"),
    (lambda d: d["arrangements"].update(invoice_by="31-10"), "arrangements.invoice_by: write the day as MM-DD, e.g. 10-01 for 1 October"),
    (lambda d: d["priorities"][0].update(ends_year=2020), "priorities[0].ends_year: the period ends before it starts"),
    (lambda d: d["settings_counts"].append({"local_authority": "north", "kind": "primary", "count": 1}),
     "settings_counts[2].kind: counted twice for this local authority"),
])
def test_structure_mistakes_are_named(change, expected):
    doc = structured_doc()
    change(doc)
    with pytest.raises(ImportRefused) as info:
        import_documents(validate_documents([("alpha.toml", doc)]))
    assert any(str(p).startswith(f"alpha.toml: {expected}") for p in info.value.problems), info.value.problems


def test_a_file_cannot_wipe_out_history():
    tenant = load(structured_doc())
    with tenant_scope(tenant):
        executive = db.session.scalars(select(Body).where(Body.key == "executive")).one()
        seat = db.session.scalars(select(BodyMember).where(BodyMember.body_id == executive.id,
                                                           BodyMember.role_title == "Chief Executive")).one()
        meeting = Meeting(body=executive, starts_at=datetime(2025, 2, 1, 10, tzinfo=UTC),
                          ends_at=datetime(2025, 2, 1, 12, tzinfo=UTC))
        db.session.add(meeting)
        db.session.flush()
        db.session.add(Attendance(meeting_id=meeting.id, member_id=seat.id, status="present"))
    db.session.commit()
    doc = structured_doc()
    doc["bodies"][0]["members"] = doc["bodies"][0]["members"][1:]
    with pytest.raises(ImportRefused, match="has attendance records"):
        import_documents(validate_documents([("alpha.toml", doc)]))
    doc = structured_doc()
    doc["bodies"] = doc["bodies"][1:]
    doc["bodies"][0]["accountable_to"] = None
    with pytest.raises(ImportRefused, match="body 'executive' has meetings or actions: mark it dissolved instead"):
        import_documents(validate_documents([("alpha.toml", doc)]))
    with tenant_scope(tenant):
        assert db.session.scalars(select(Attendance)).one().status == "present"
        assert db.session.scalars(select(ChairRule)).all() != []
    # Ending the seat instead is fine, and keeps the attendance.
    doc = structured_doc()
    doc["bodies"][0]["members"][0]["ends_on"] = date(2025, 12, 31)
    load(doc)
    with tenant_scope(tenant):
        assert db.session.scalars(select(Attendance)).one().member.ends_on == date(2025, 12, 31)
