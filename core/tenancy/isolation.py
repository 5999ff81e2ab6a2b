"""Automatic row isolation between tenants.

Every tenant-owned model mixes in one of three classes:

``TenantScoped``
    private to one tenant (a member of staff's role, a LADO case);
``OfferScoped``
    owned by the coordinating tenant of a shared offer and visible to every member tenant of that offer;
    only the owner may change it;
``TenantOptional``
    a platform record that may belong to a tenant (an audit event, an outgoing email) or to none.

The session carries a *scope*: one tenant, or ``unscoped()`` for the few platform-level tasks that must
cross tenants (greppable on purpose). Every ORM SELECT, UPDATE and DELETE gets the scope's criteria through
``with_loader_criteria`` (which SQLAlchemy applies to joins, aliases, relationship loads and EXISTS
subqueries alike); with no scope at all a query on tenant data raises ``TenantContextRequired``. Before a
flush, new rows are stamped with the scope's tenant and rows of another tenant are refused. The identity
map is purged of rows the new scope may not see whenever the scope changes, so ``Session.get`` and
many-to-one lazy loads (which may answer from the identity map without SQL) never return them.

Core-level SQL (``text()``, ``Table`` objects) is outside the ORM and so outside this guard: tenant data is
always read through mapped classes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import ForeignKey, bindparam, event, inspect, or_, select
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, with_loader_criteria

from core.db import PlatformSession, db

SCOPE_KEY = "lscp.scope"


class TenantContextRequired(RuntimeError):
    """Tenant data was touched with no tenant in context."""


class CrossTenantWrite(RuntimeError):
    """A write would create, change or delete a row of a tenant other than the one in context."""


@dataclass(frozen=True)
class Scope:
    tenant_id: int | None = None
    unscoped: bool = False


class TenantOwned:
    """Declares ``tenant_id``; never used directly, see the three subclasses."""

    # active_history: a change to an expired tenant_id still knows the value it replaces.
    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True, active_history=True
    )


class TenantScoped(TenantOwned):
    pass


class OfferScoped(TenantOwned):
    """Rows with ``shared_offer_id`` set are shared with that offer's members; without it, private."""

    shared_offer_id: Mapped[int | None] = mapped_column(
        ForeignKey("shared_offers.id", ondelete="RESTRICT"), index=True
    )


class TenantOptional(TenantOwned):
    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True, active_history=True
    )


def _fail_closed():
    raise TenantContextRequired(
        "tenant data queried with no tenant in context: use tenant_scope(tenant) or, to cross tenants "
        "deliberately, unscoped()"
    )


def _offers_of(tenant_id):
    from core.tenancy.models import SharedOfferMember

    return select(SharedOfferMember.offer_id).where(SharedOfferMember.tenant_id == tenant_id)


@lru_cache(maxsize=4096)
def _criteria_for(tenant_id: int | None, writing: bool):
    """The loader options for a scope. Built once per tenant: constructing them is costlier than the query
    they guard, and they are immutable, so every statement of the tenant shares them."""
    if tenant_id is None:
        return (
            with_loader_criteria(
                TenantScoped, lambda cls: cls.tenant_id == bindparam("tenant_required", callable_=_fail_closed),
                include_aliases=True,
            ),
            with_loader_criteria(
                OfferScoped, lambda cls: cls.tenant_id == bindparam("tenant_required", callable_=_fail_closed),
                include_aliases=True,
            ),
            with_loader_criteria(TenantOptional, lambda cls: cls.tenant_id.is_(None), include_aliases=True),
        )
    if writing:
        # A bulk UPDATE or DELETE only ever reaches the tenant's own rows, shared or not.
        offer_criteria = with_loader_criteria(
            OfferScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True
        )
    else:
        offer_criteria = with_loader_criteria(
            OfferScoped,
            lambda cls: or_(cls.tenant_id == tenant_id, cls.shared_offer_id.in_(_offers_of(tenant_id))),
            include_aliases=True,
        )
    return (
        with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True),
        offer_criteria,
        with_loader_criteria(TenantOptional, lambda cls: cls.tenant_id == tenant_id, include_aliases=True),
    )


def current_scope(session=None) -> Scope | None:
    session = session if session is not None else db.session()
    return session.info.get(SCOPE_KEY)


def current_tenant_id(session=None) -> int | None:
    scope = current_scope(session)
    return scope.tenant_id if scope and not scope.unscoped else None


@event.listens_for(PlatformSession, "do_orm_execute")
def _apply_tenant_criteria(state: ORMExecuteState) -> None:
    scope: Scope | None = state.session.info.get(SCOPE_KEY)
    if scope is not None and scope.unscoped:
        return
    tenant_id = scope.tenant_id if scope else None
    if state.is_insert:
        _check_bulk_insert(state, tenant_id)
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    writing = state.is_update or state.is_delete
    state.statement = state.statement.options(*_criteria_for(tenant_id, writing))


def _check_bulk_insert(state: ORMExecuteState, tenant_id: int | None) -> None:
    mapper = state.bind_mapper
    if mapper is None or not issubclass(mapper.class_, TenantOwned):
        return
    rows = state.parameters
    if rows is None:
        raise CrossTenantWrite("bulk INSERT of tenant rows must pass its rows as parameters to be checked")
    for row in rows if isinstance(rows, list) else [rows]:
        wanted = row.get("tenant_id", tenant_id)
        if wanted is None and not issubclass(mapper.class_, TenantOptional):
            _fail_closed()
        if wanted != tenant_id:
            raise CrossTenantWrite(f"bulk INSERT into {mapper.class_.__name__} for another tenant")
        row["tenant_id"] = wanted


@event.listens_for(PlatformSession, "before_flush")
def _guard_writes(session, _flush_context, _instances) -> None:
    scope: Scope | None = session.info.get(SCOPE_KEY)
    if scope is not None and scope.unscoped:
        for obj in session.new:
            if isinstance(obj, TenantOwned) and obj.tenant_id is None and not isinstance(obj, TenantOptional):
                raise CrossTenantWrite(f"new {type(obj).__name__} outside a tenant must name its tenant_id")
        return
    tenant_id = scope.tenant_id if scope else None
    for obj in session.new:
        if not isinstance(obj, TenantOwned):
            continue
        if obj.tenant_id is None:
            if tenant_id is None and not isinstance(obj, TenantOptional):
                _fail_closed()
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise CrossTenantWrite(f"new {type(obj).__name__} stamped with another tenant")
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantOwned):
            continue
        history = inspect(obj).attrs.tenant_id.history
        original = history.deleted[0] if history.deleted else obj.tenant_id
        if original != tenant_id or obj.tenant_id != tenant_id:
            raise CrossTenantWrite(f"{type(obj).__name__} {inspect(obj).identity} belongs to another tenant")


def _visible(obj, scope: Scope, offer_ids: set[int]) -> bool:
    if scope.unscoped:
        return True
    state = inspect(obj)
    if "tenant_id" not in state.dict:
        return False  # expired: cannot tell without a query, so drop it
    owner = state.dict["tenant_id"]
    if owner == scope.tenant_id:
        return True
    if isinstance(obj, OfferScoped):
        return state.dict.get("shared_offer_id") in offer_ids
    return False


def _purge_identity_map(session, scope: Scope) -> None:
    owned = [o for o in session.identity_map.values() if isinstance(o, TenantOwned)]
    if not owned:
        return
    offer_ids: set[int] = set()
    if scope.tenant_id is not None and any(isinstance(o, OfferScoped) for o in owned):
        offer_ids = set(session.execute(_offers_of(scope.tenant_id)).scalars())
    for obj in owned:
        # Expunging cascades to related rows, so some may be gone already.
        if obj in session and not _visible(obj, scope, offer_ids):
            session.expunge(obj)


def _switch(session, scope: Scope | None) -> None:
    previous = session.info.get(SCOPE_KEY)
    if previous == scope:
        return
    if session.new or session.dirty or session.deleted:
        session.flush()  # under the scope the changes were made in
    if scope is None:
        session.info.pop(SCOPE_KEY, None)
        _purge_identity_map(session, Scope())
    else:
        session.info[SCOPE_KEY] = scope
        _purge_identity_map(session, scope)


def set_tenant(tenant_or_id, session=None) -> None:
    """Put the session in one tenant's scope until changed (a request does this once)."""
    session = session if session is not None else db.session()
    tenant_id = tenant_or_id if isinstance(tenant_or_id, int) or tenant_or_id is None else tenant_or_id.id
    _switch(session, Scope(tenant_id=tenant_id) if tenant_id is not None else None)


@contextmanager
def tenant_scope(tenant_or_id, session=None) -> Iterator[None]:
    session = session if session is not None else db.session()
    previous = session.info.get(SCOPE_KEY)
    set_tenant(tenant_or_id, session)
    try:
        yield
    finally:
        _switch(session, previous)


@contextmanager
def unscoped(session=None) -> Iterator[None]:
    """Cross tenants on purpose: platform administration, import, delivery jobs. Keep these few."""
    session = session if session is not None else db.session()
    previous = session.info.get(SCOPE_KEY)
    _switch(session, Scope(unscoped=True))
    try:
        yield
    finally:
        _switch(session, previous)


def _get_checked(self, entity, ident, **kwargs):
    obj = Session.get(self, entity, ident, **kwargs)
    if obj is None or not isinstance(obj, TenantOwned):
        return obj
    scope = self.info.get(SCOPE_KEY) or Scope()
    if scope.unscoped:
        return obj
    owner = inspect(obj).dict.get("tenant_id", obj.tenant_id)
    if scope.tenant_id is None:
        if not isinstance(obj, TenantOptional):
            _fail_closed()
        return obj if owner is None else None
    if owner == scope.tenant_id:
        return obj
    if isinstance(obj, OfferScoped):
        if obj.shared_offer_id in set(self.execute(_offers_of(scope.tenant_id)).scalars()):
            return obj
    return None


def _get_one_checked(self, entity, ident, **kwargs):
    obj = self.get(entity, ident, **kwargs)
    if obj is None:
        raise NoResultFound(f"No row was found for {entity!r} {ident!r}")
    return obj


# Belt and braces over the identity-map purge: get() re-checks what it returns.
PlatformSession.get = _get_checked
PlatformSession.get_one = _get_one_checked
