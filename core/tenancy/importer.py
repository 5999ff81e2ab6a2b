"""Moving tenant configuration between TOML documents and the database.

Import is all or nothing: every document is read and validated before anything is written, the writes
happen in one transaction, and any problem leaves the database as it was. A tenant document describes
the whole state of what it covers (local authorities, agencies, partners, modules, and roles when it lists
them): importing the same file twice changes nothing the second time, and exporting an imported tenant
gives a document that imports to the same state.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomli_w
from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import selectinload

from core.auth.models import Membership, Role, membership_local_authorities
from core.auth.roles import ensure_default_roles, set_role_permissions
from core.core_plugin import GRANTS as CORE_GRANTS
from core.db import db
from core.plugins.models import ModuleEnablement
from core.plugins.services import ModuleStateError, disable_module, enable_module, registry
from core.structure.documents import StructureRefused, export_structure, import_structure
from core.tenancy.documents import (
    SharedOfferDocument,
    TenantDocument,
    check_references,
    flatten_errors,
)
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import (
    Agency,
    LocalAuthority,
    SafeguardingPartner,
    SharedOffer,
    SharedOfferMember,
    Tenant,
)


@dataclass(frozen=True)
class Problem:
    source: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.path}: {self.reason}"


class ImportRefused(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Document:
    source: str
    kind: str  # "tenant" or "offer"
    data: dict


def _problems(source: str, errors: dict[str, list[str]]) -> list[Problem]:
    return [Problem(source, path, reason) for path, reasons in sorted(errors.items()) for reason in reasons]


def read_file(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ImportRefused([Problem(str(path), "(syntax)", str(exc))]) from exc
    except OSError as exc:
        raise ImportRefused([Problem(str(path), "(file)", exc.strerror or str(exc))]) from exc


def collect_files(paths: list[str | Path]) -> list[Path]:
    """Files named, and for a directory its *.toml and those of its shared/ folder."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(path.glob("*.toml")))
            files.extend(sorted((path / "shared").glob("*.toml")))
        else:
            files.append(path)
    return files


def validate_document(raw: dict, source: str) -> tuple[Document | None, list[Problem]]:
    kind = "offer" if "offer" in raw else "tenant"
    schema = SharedOfferDocument() if kind == "offer" else TenantDocument()
    try:
        data = schema.load(raw)
    except ValidationError as exc:
        return None, _problems(source, flatten_errors(exc.messages))
    if kind == "tenant":
        reg = registry()
        errors = check_references(data, reg, set(reg.permissions()))
        if errors:
            return None, _problems(source, errors)
    return Document(source, kind, data), []


def validate_documents(docs: list[tuple[str, dict]]) -> list[Document]:
    """Validate a batch; raise ImportRefused with every problem in every document."""
    loaded: list[Document] = []
    problems: list[Problem] = []
    for source, raw in docs:
        doc, found = validate_document(raw, source)
        problems.extend(found)
        if doc:
            loaded.append(doc)
    slugs = [d.data["tenant"]["slug"] for d in loaded if d.kind == "tenant"]
    for doc in loaded:
        if doc.kind == "tenant" and slugs.count(doc.data["tenant"]["slug"]) > 1:
            problems.append(Problem(doc.source, "tenant.slug", "another document in this import has it too"))
    known = set(slugs) | _existing_slugs()
    for doc in loaded:
        if doc.kind != "offer":
            continue
        offer = doc.data["offer"]
        for i, member in enumerate(offer["members"]):
            if member not in known:
                problems.append(Problem(doc.source, f"offer.members[{i}]", f"no tenant with slug '{member}'"))
        if offer["coordinator"] not in offer["members"]:
            problems.append(Problem(doc.source, "offer.coordinator", "the coordinating tenant must be a member"))
    if problems:
        raise ImportRefused(problems)
    return loaded


def _existing_slugs() -> set[str]:
    """Tenants already in the database; none when there is no schema yet, so that files can be checked
    on a fresh checkout before anything is set up."""
    try:
        return set(db.session.scalars(select(Tenant.slug)))
    except (OperationalError, ProgrammingError):
        db.session.rollback()
        return set()


def validate_paths(paths: list[str | Path]) -> list[Document]:
    files = collect_files(paths)
    if not files:
        raise ImportRefused([Problem(", ".join(str(p) for p in paths), "(file)", "no .toml files found")])
    problems: list[Problem] = []
    raws = []
    for file in files:
        try:
            raws.append((str(file), read_file(file)))
        except ImportRefused as exc:
            problems.extend(exc.problems)
    try:
        docs = validate_documents(raws)
    except ImportRefused as exc:
        problems.extend(exc.problems)
    if problems:
        raise ImportRefused(problems)
    return docs


def import_paths(paths: list[str | Path], actor=None, skip_existing: bool = False) -> list[str]:
    return import_documents(validate_paths(paths), actor=actor, skip_existing=skip_existing)


def import_documents(docs: list[Document], actor=None, skip_existing: bool = False) -> list[str]:
    """Write validated documents in one transaction; commits, or rolls back and raises."""
    done = []
    try:
        existing = set(db.session.scalars(select(Tenant.slug)))
        imported: list[tuple[Document, Tenant]] = []
        for doc in (d for d in docs if d.kind == "tenant"):
            slug = doc.data["tenant"]["slug"]
            if skip_existing and slug in existing:
                continue
            imported.append((doc, _import_tenant(doc)))
            done.append(slug)
        for doc in (d for d in docs if d.kind == "offer"):
            _import_offer(doc)
            done.append(f"shared/{doc.data['offer']['slug']}")
        # Modules last: a module's settings may name a shared offer imported just above.
        for doc, tenant in imported:
            _import_modules_and_roles(doc, tenant, actor)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return done


def _sync_by_key(model, wanted: list[dict], fill, source: str, section: str, on_remove=None) -> dict[str, object]:
    """Make the rows of ``model`` in scope exactly those of ``wanted`` (matched on key), filled by ``fill``."""
    rows = {row.key: row for row in db.session.scalars(select(model))}
    for item in wanted:
        row = rows.get(item["key"])
        if row is None:
            row = model(key=item["key"])
            rows[item["key"]] = row
            fill(row, item)
            db.session.add(row)
        else:
            fill(row, item)
    for key in set(rows) - {item["key"] for item in wanted}:
        if on_remove:
            on_remove(rows[key], source, section)
        db.session.delete(rows.pop(key))
    return rows


def _refuse_if_limiting_memberships(la: LocalAuthority, source: str, section: str) -> None:
    count = db.session.scalar(
        select(func.count()).select_from(Membership).join(
            membership_local_authorities, membership_local_authorities.c.membership_id == Membership.id
        ).where(membership_local_authorities.c.local_authority_id == la.id)
    )
    if count:
        raise ImportRefused([Problem(
            source, section,
            f"local authority '{la.key}' is missing but {count} membership(s) are limited to it; "
            "change those memberships first",
        )])


def _import_tenant(doc: Document) -> Tenant:
    data = doc.data
    section = data["tenant"]
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == section["slug"])).first()
    if tenant is None:
        tenant = Tenant(slug=section["slug"])
        db.session.add(tenant)
    tenant.name = section["name"]
    tenant.short_name = section["short_name"]
    tenant.arrangements_published = section["arrangements_published"]
    db.session.flush()

    with tenant_scope(tenant):
        ensure_default_roles(CORE_GRANTS)
        def fill_la(la, item):
            la.name, la.gss_code = item["name"], item["gss_code"]

        las = _sync_by_key(LocalAuthority, data["local_authorities"], fill_la, doc.source, "local_authorities",
                           on_remove=_refuse_if_limiting_memberships)

        def fill_agency(agency, item):
            agency.name, agency.sector, agency.partner_type = item["name"], item["sector"], item["partner_type"]
            agency.local_authorities = [las[k] for k in item["local_authorities"]]

        agencies = _sync_by_key(Agency, data["agencies"], fill_agency, doc.source, "agencies")
        db.session.flush()

        partners = {p.agency_id: p for p in db.session.scalars(select(SafeguardingPartner))}
        wanted_ids = set()
        for item in data["safeguarding_partners"]:
            agency = agencies[item["agency"]]
            wanted_ids.add(agency.id)
            partner = partners.get(agency.id) or SafeguardingPartner(agency_id=agency.id)
            partner.lead_role, partner.delegated_roles = item["lead_role"], list(item["delegated_roles"])
            partner.delegation_cover = list(item["delegation_cover"])
            db.session.add(partner)
        for agency_id, partner in partners.items():
            if agency_id not in wanted_ids:
                db.session.delete(partner)

        try:
            import_structure(data, agencies, las)
        except StructureRefused as exc:
            raise ImportRefused([Problem(doc.source, exc.path, exc.reason)]) from exc
        db.session.flush()
    return tenant


def _import_modules_and_roles(doc: Document, tenant: Tenant, actor) -> None:
    with tenant_scope(tenant):
        _sync_modules(tenant, doc.data["modules"], actor, doc.source)
        _sync_roles(doc.data["roles"])
        db.session.flush()


def _dependency_order(names: list[str]) -> list[str]:
    reg = registry()
    ordered: list[str] = []

    def visit(name):
        if name in ordered:
            return
        for dependency in reg.modules[name].info.depends_on:
            if dependency in names:
                visit(dependency)
        ordered.append(name)

    for name in sorted(names):
        visit(name)
    return ordered


def _sync_modules(tenant: Tenant, wanted: dict[str, dict], actor, source: str) -> None:
    reg = registry()
    rows = {r.module: r for r in db.session.scalars(select(ModuleEnablement))}
    to_enable = [n for n, m in wanted.items() if m["enabled"]]
    to_disable = [n for n, r in rows.items() if r.enabled and n not in to_enable and n in reg.modules]
    for name in reversed(_dependency_order(to_disable)):
        disable_module(tenant, name, actor=actor)
    for name in _dependency_order(to_enable):
        module = reg.modules[name]
        settings = module.dump_settings(module.load_settings(wanted[name]["settings"]))
        row = rows.get(name)
        if row is not None and row.enabled and row.settings == settings:
            continue
        try:
            enable_module(tenant, name, wanted[name]["settings"], actor=actor)
        except ValidationError as exc:
            # A module may refuse settings only the tenant can judge (an offer it is not a member of).
            raise ImportRefused(_problems(source, flatten_errors(exc.messages, f"modules.{name}.settings"))) from exc
        except ModuleStateError as exc:
            raise ImportRefused([Problem(source, f"modules.{name}", str(exc))]) from exc


def _sync_roles(wanted: list[dict]) -> None:
    if not wanted:
        return
    known = set(registry().permissions())
    roles = {r.key: r for r in db.session.scalars(select(Role).options(selectinload(Role.grants)))}
    for item in wanted:
        role = roles.get(item["key"])
        if role is None:
            role = Role(key=item["key"], is_default=False)
            db.session.add(role)
        role.name, role.description = item["name"], item["description"]
        set_role_permissions(role, set(item["permissions"]), known)


def _import_offer(doc: Document) -> SharedOffer:
    data = doc.data["offer"]
    tenants = {t.slug: t for t in db.session.scalars(select(Tenant))}
    offer = db.session.scalars(select(SharedOffer).where(SharedOffer.slug == data["slug"])).first()
    if offer is None:
        offer = SharedOffer(slug=data["slug"])
        db.session.add(offer)
    offer.name, offer.description, offer.module = data["name"], data["description"], data["module"]
    offer.coordinator = tenants[data["coordinator"]]
    have = {m.tenant.slug: m for m in offer.members}
    for slug in data["members"]:
        if slug not in have:
            offer.members.append(SharedOfferMember(tenant=tenants[slug]))
    offer.members = [m for m in offer.members if m.tenant.slug in set(data["members"])]
    db.session.flush()
    return offer


# -- export ---------------------------------------------------------------------------------------------


def export_tenant(tenant: Tenant) -> dict:
    """The tenant's configuration as a document with Python values (dates stay dates, for TOML).

    Sections come in a natural order (partners first, then agencies by sector and name; roles by key), not
    in database order, so that two equal states export to the same document.
    """
    with tenant_scope(tenant):
        las = db.session.scalars(select(LocalAuthority).order_by(LocalAuthority.name)).all()
        agencies = sorted(
            db.session.scalars(select(Agency).options(selectinload(Agency.local_authorities))).all(),
            key=lambda a: (a.partner_type is None, a.sector, a.name, a.key),
        )
        position = {a.id: i for i, a in enumerate(agencies)}
        partners = sorted(
            db.session.scalars(select(SafeguardingPartner).options(selectinload(SafeguardingPartner.agency))),
            key=lambda p: position[p.agency_id],
        )
        roles = db.session.scalars(select(Role).options(selectinload(Role.grants)).order_by(Role.key)).all()
        modules = db.session.scalars(select(ModuleEnablement).order_by(ModuleEnablement.module)).all()
        tenant_section = {"slug": tenant.slug, "name": tenant.name, "short_name": tenant.short_name}
        if tenant.arrangements_published:
            tenant_section["arrangements_published"] = tenant.arrangements_published
        doc = {
            "tenant": tenant_section,
            "local_authorities": [_drop_none({"key": la.key, "name": la.name, "gss_code": la.gss_code})
                                  for la in las],
            "agencies": [
                _drop_none({
                    "key": a.key, "name": a.name, "sector": a.sector, "partner_type": a.partner_type,
                    "local_authorities": sorted(la.key for la in a.local_authorities),
                })
                for a in agencies
            ],
            "safeguarding_partners": [
                {"agency": p.agency.key, "lead_role": p.lead_role, "delegated_roles": list(p.delegated_roles),
                 **({"delegation_cover": list(p.delegation_cover)} if p.delegation_cover else {})}
                for p in partners
            ],
            **export_structure(),
            "roles": [
                {"key": r.key, "name": r.name, "description": r.description,
                 "permissions": sorted(r.permission_names)}
                for r in roles
            ],
            "modules": {
                m.module: {"enabled": m.enabled, "settings": _without_none(dict(m.settings))}
                for m in modules if m.module in registry().modules
            },
        }
    return doc


def export_offer(offer: SharedOffer) -> dict:
    return {"offer": {
        "slug": offer.slug, "name": offer.name, "description": offer.description, "module": offer.module,
        "coordinator": offer.coordinator.slug, "members": sorted(m.tenant.slug for m in offer.members),
    }}


def _without_none(value):
    """TOML has no null: an unset setting is simply left out (its schema's default comes back on import)."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value if v is not None]
    return value


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def to_toml(doc: dict) -> str:
    return tomli_w.dumps(doc)
