"""Tenant configuration as data: tenants/*.toml validate, import (idempotent, all or nothing), export."""

from __future__ import annotations

import copy

import pytest
import tomli_w
from sqlalchemy import func, select

from config.settings import ROOT
from core.audit.models import AuditEvent
from core.auth.models import Role
from core.db import Base, db
from core.plugins.services import enabled_modules
from core.tenancy.importer import (
    ImportRefused,
    export_offer,
    export_tenant,
    import_documents,
    import_paths,
    to_toml,
    validate_documents,
)
from core.tenancy.isolation import tenant_scope, unscoped
from core.tenancy.models import Agency, LocalAuthority, SafeguardingPartner, SharedOffer, Tenant
from tests.helpers import create_tenant, make_user, tenant_doc

TENANTS = ROOT / "tenants"
SHIPPED = {"hf": "hf.toml", "bi-borough": "bi-borough.toml", "city-hackney": "city-hackney.toml"}


def row_counts() -> dict[str, int]:
    with unscoped():
        return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


def tenant(slug: str) -> Tenant:
    return db.session.scalars(select(Tenant).where(Tenant.slug == slug)).one()


def test_shipped_files_describe_the_three_partnerships():
    import_paths([TENANTS])
    with tenant_scope(tenant("hf")):
        assert db.session.scalars(select(LocalAuthority.name)).all() == ["London Borough of Hammersmith & Fulham"]
        partners = {p.agency.partner_type for p in db.session.scalars(select(SafeguardingPartner))}
        assert partners == {"local_authority", "icb", "police"}
    with tenant_scope(tenant("bi-borough")):
        assert sorted(db.session.scalars(select(LocalAuthority.gss_code))) == ["E09000020", "E09000033"]
    with tenant_scope(tenant("city-hackney")):
        assert sorted(db.session.scalars(select(LocalAuthority.gss_code))) == ["E09000001", "E09000012"]
        # Five partners: both councils, the ICB, the Metropolitan Police and the City of London Police.
        assert db.session.scalar(select(func.count()).select_from(SafeguardingPartner)) == 5
        sectors = set(db.session.scalars(select(Agency.sector)))
        assert {"education_childcare", "health_social_care", "police_immigration"} <= sectors
    offer = db.session.scalars(select(SharedOffer)).one()
    assert offer.coordinator.slug == "bi-borough"
    assert sorted(m.tenant.slug for m in offer.members) == ["bi-borough", "hf"]
    for slug in SHIPPED:  # every tenant starts with the default roles
        with tenant_scope(tenant(slug)):
            keys = set(db.session.scalars(select(Role.key)))
            assert {"tenant_admin", "business_manager", "independent_scrutineer", "practitioner",
                    "agency_safeguarding_lead"} <= keys


def test_import_is_idempotent():
    import_paths([TENANTS])
    before, exported = row_counts(), {s: export_tenant(tenant(s)) for s in SHIPPED}
    with unscoped():
        audit_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert import_paths([TENANTS]) == ["bi-borough", "city-hackney", "hf", "shared/hf-bi-borough-training"]
    assert row_counts() == before
    assert {s: export_tenant(tenant(s)) for s in SHIPPED} == exported
    with unscoped():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audit_before


@pytest.mark.parametrize("slug", sorted(SHIPPED))
def test_export_of_an_imported_tenant_reimports_to_the_same_state(slug, tmp_path):
    import_paths([TENANTS])
    first = export_tenant(tenant(slug))
    exported = tmp_path / f"{slug}.toml"
    exported.write_text(to_toml(first), encoding="utf-8")
    # Drift the database away from the file, then import the export: everything returns as it was.
    with tenant_scope(tenant(slug)):
        db.session.delete(db.session.scalars(select(Agency).where(Agency.partner_type.is_(None))).first())
        db.session.add(Agency(key="made-up", name="Made-up agency", sector="miscellaneous"))
        role = db.session.scalars(select(Role).where(Role.key == "practitioner")).one()
        role.name = "Renamed"
    db.session.commit()
    assert export_tenant(tenant(slug)) != first
    import_paths([exported])
    assert export_tenant(tenant(slug)) == first
    assert to_toml(export_tenant(tenant(slug))) == exported.read_text(encoding="utf-8")


def test_offer_export_round_trips(tmp_path):
    import_paths([TENANTS])
    offer = db.session.scalars(select(SharedOffer)).one()
    doc = export_offer(offer)
    (tmp_path / "offer.toml").write_text(to_toml(doc), encoding="utf-8")
    import_paths([tmp_path / "offer.toml"])
    assert export_offer(db.session.scalars(select(SharedOffer)).one()) == doc


def refused(docs: list[tuple[str, dict]]) -> list[str]:
    with pytest.raises(ImportRefused) as info:
        import_documents(validate_documents(docs))
    return [str(p) for p in info.value.problems]


def test_a_bad_file_is_refused_with_file_path_and_reason_and_nothing_changes():
    create_tenant("alpha")
    before = row_counts()
    good = tenant_doc("beta")
    bad = tenant_doc("gamma")
    bad["agencies"][1]["sector"] = "sport"
    bad["agencies"][3]["local_authorities"] = ["nowhere"]
    bad["safeguarding_partners"][0]["agency"] = "school"
    bad["local_authorities"][0]["gss_code"] = "W06000015"
    problems = refused([("beta.toml", good), ("gamma.toml", bad)])
    assert any(p.startswith("gamma.toml: agencies[1].sector: must be one of: education_childcare") for p in problems)
    assert "gamma.toml: local_authorities[0].gss_code: must be an ONS GSS code of an English district, e.g. E09000012" in problems
    # Reference checks run once the values are sound.
    bad["agencies"][1]["sector"] = "police_immigration"
    bad["local_authorities"][0]["gss_code"] = "E09000013"
    problems = refused([("beta.toml", good), ("gamma.toml", bad)])
    assert "gamma.toml: agencies[3].local_authorities[0]: no local authority with key 'nowhere' in this file" in problems
    assert any(p.startswith("gamma.toml: safeguarding_partners[0].agency: agency 'school' has no partner_type") for p in problems)
    assert row_counts() == before  # not even the good file's partnership went in


@pytest.mark.parametrize("change, expected", [
    (lambda d: d.update(surprise=1), "x.toml: surprise: Unknown field."),
    (lambda d: d["tenant"].update(slug="api"), "x.toml: tenant.slug: 'api' is used by the platform itself; choose another slug"),
    (lambda d: d["tenant"].update(slug="Not A Slug"), "x.toml: tenant.slug: use lowercase letters, digits and single hyphens, e.g. 'city-hackney'"),
    (lambda d: d.pop("local_authorities"), "x.toml: local_authorities: Missing data for required field."),
    (lambda d: d["agencies"].append(dict(d["agencies"][0])), "x.toml: agencies[4].key: 'council' appears more than once"),
    (lambda d: d["modules"].update(cdop_unknown={"enabled": True}), "x.toml: modules.cdop_unknown: no module called 'cdop_unknown' is installed"),
    (lambda d: d["modules"].update(noticeboard={"enabled": True, "settings": {"max_notices": 500}}),
     "x.toml: modules.noticeboard.settings.max_notices: Must be greater than or equal to 1 and less than or equal to 50."),
    (lambda d: d["modules"].update(digest={"enabled": True}), "x.toml: modules.digest.enabled: Notice digest needs module 'noticeboard' enabled too"),
    (lambda d: d.update(roles=[{"key": "reader", "name": "Reader", "permissions": ["core.nothing.here"]}]),
     "x.toml: roles[0].permissions[0]: no permission 'core.nothing.here'"),
])
def test_each_kind_of_mistake_is_named(change, expected):
    doc = copy.deepcopy(tenant_doc("alpha"))
    change(doc)
    assert expected in refused([("x.toml", doc)])


def test_toml_syntax_errors_name_the_file(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text('[tenant]\nslug = "unterminated\n', encoding="utf-8")
    with pytest.raises(ImportRefused) as info:
        import_paths([broken])
    problem = info.value.problems[0]
    assert problem.source == str(broken) and problem.path == "(syntax)" and "line 2" in problem.reason


def test_shared_offer_must_name_existing_tenants_and_a_coordinating_member():
    create_tenant("alpha")
    offer = {"offer": {"slug": "joint", "name": "Joint offer", "module": "noticeboard", "coordinator": "alpha",
                       "members": ["alpha", "nowhere"]}}
    assert "offer.toml: offer.members[1]: no tenant with slug 'nowhere'" in refused([("offer.toml", offer)])
    offer["offer"].update(members=["alpha", "beta"], coordinator="gamma")
    problems = refused([("offer.toml", offer), ("beta.toml", tenant_doc("beta"))])
    assert "offer.toml: offer.coordinator: the coordinating tenant must be a member" in problems


def test_removing_a_local_authority_that_limits_a_membership_is_refused_whole():
    alpha = create_tenant("alpha")
    make_user("north.lead@alpha.example", alpha, roles=("practitioner",), la_keys=("north",))
    before = row_counts()
    doc = tenant_doc("alpha", las=("south",))
    doc["agencies"][3]["local_authorities"] = ["south"]
    doc["agencies"].append({"key": "new-agency", "name": "New agency", "sector": "miscellaneous"})
    problems = refused([("alpha.toml", doc)])
    assert problems == ["alpha.toml: local_authorities: local authority 'north' is missing but 1 membership(s) "
                        "are limited to it; change those memberships first"]
    assert row_counts() == before


def test_modules_and_roles_in_a_file_are_applied():
    doc = tenant_doc("alpha", modules={"noticeboard": {"enabled": True, "settings": {"heading": "Bulletins"}}})
    doc["roles"] = [{"key": "reader", "name": "Reader", "description": "Reads notices",
                     "permissions": ["core.partnership.view", "noticeboard.notices.read"]}]
    import_documents(validate_documents([("alpha.toml", doc)]))
    alpha = tenant("alpha")
    assert enabled_modules(alpha) == {"noticeboard": {"heading": "Bulletins", "max_notices": 5}}
    with tenant_scope(alpha):
        reader = db.session.scalars(select(Role).where(Role.key == "reader")).one()
        assert reader.permission_names == {"core.partnership.view", "noticeboard.notices.read"}
    doc["modules"] = {}
    import_documents(validate_documents([("alpha.toml", doc)]))
    assert enabled_modules(tenant("alpha")) == {}


def test_cli_validate_import_export_list(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tenants", "validate", str(TENANTS)])
    assert result.exit_code == 0, result.output
    assert "hf.toml: valid tenant document" in result.output
    assert runner.invoke(args=["tenants", "import", str(TENANTS)]).exit_code == 0
    listing = runner.invoke(args=["tenants", "list"]).output
    assert "city-hackney" in listing and "City of London Corporation; London Borough of Hackney" in listing
    out = tmp_path / "hf.toml"
    assert runner.invoke(args=["tenants", "export", "hf", "--out", str(out)]).exit_code == 0
    assert 'slug = "hf"' in out.read_text(encoding="utf-8")

    bad = tmp_path / "bad.toml"
    doc = tenant_doc("delta")
    doc["agencies"][0]["sector"] = "nonsense"
    bad.write_text(tomli_w.dumps(doc), encoding="utf-8")
    result = runner.invoke(args=["tenants", "import", str(bad)])
    assert result.exit_code == 1
    assert "Refused: nothing was changed." in result.output
    assert f"{bad}: agencies[0].sector: must be one of:" in result.output
    assert db.session.scalars(select(Tenant).where(Tenant.slug == "delta")).first() is None
    assert "no tenant or shared offer" in runner.invoke(args=["tenants", "export", "nope"]).output


def test_files_can_be_checked_before_anything_is_set_up(tmp_path):
    from tests.conftest import make_app

    bare = make_app(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}")  # no migrations run
    result = bare.test_cli_runner().invoke(args=["tenants", "validate", str(TENANTS)])
    assert result.exit_code == 0, result.output
    assert "shared/training.toml: valid offer document" in result.output
    bare.extensions["lscp.engine"].dispose()
