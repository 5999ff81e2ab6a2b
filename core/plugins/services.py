"""Switching modules on and off for a tenant. Plain functions: the CLI, the admin page and the API call
these and nothing else."""

from __future__ import annotations

import threading

from flask import current_app, request
from marshmallow import ValidationError
from sqlalchemy import select

from core.audit.services import record
from core.db import db, utcnow
from core.plugins.models import ModuleEnablement
from core.plugins.registry import CORE, ModuleRegistry, RegisteredModule
from core.refusals import Refused
from core.tenancy.isolation import tenant_scope
from core.tenancy.models import new_version

__all__ = ["ModuleStateError", "ValidationError", "enable_module", "disable_module", "enabled_modules"]


class ModuleStateError(Refused):
    """A module cannot be switched as asked; the message says why in words an admin understands. It is about
    the state of the partnership's modules, not what was sent: the API answers 409."""

    api_status = 409


def registry() -> ModuleRegistry:
    return current_app.extensions["lscp.modules"]


def get_module(name: str) -> RegisteredModule:
    module = registry().get(name)
    if module is None or name == CORE:
        raise ModuleStateError(f"there is no module called {name!r}")
    return module


_cache: dict[tuple[int, str], dict[str, dict]] = {}
_cache_lock = threading.Lock()


def enabled_modules(tenant) -> dict[str, dict]:
    """``{module name: validated settings}`` of the tenant's enabled modules.

    Cached per process against ``tenant.modules_version``, which every change bumps in its transaction.
    """
    key = (tenant.id, tenant.modules_version)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    with tenant_scope(tenant):
        rows = db.session.scalars(select(ModuleEnablement).where(ModuleEnablement.enabled.is_(True))).all()
        loaded = {}
        for row in rows:
            module = registry().get(row.module)
            if module is not None:  # an uninstalled module's row stays for when it returns
                loaded[row.module] = module.load_settings(row.settings)
    with _cache_lock:
        if len(_cache) > 2048:
            _cache.clear()
        _cache[key] = loaded
    return loaded


def module_states(tenant) -> dict[str, ModuleEnablement]:
    with tenant_scope(tenant):
        return {row.module: row for row in db.session.scalars(select(ModuleEnablement))}


def module_of_request() -> str | None:
    owners = current_app.extensions["lscp.blueprint_modules"]
    for blueprint in request.blueprints:
        if blueprint in owners:
            return owners[blueprint]
    return None


def _row(tenant, name: str) -> ModuleEnablement:
    row = db.session.scalars(select(ModuleEnablement).where(ModuleEnablement.module == name)).first()
    if row is None:
        row = ModuleEnablement(module=name, enabled=False, settings={})
        db.session.add(row)
    return row


def enable_module(tenant, name: str, settings: dict | None = None, actor=None) -> ModuleEnablement:
    """Enable (or re-configure) a module. Raises ModuleStateError or marshmallow.ValidationError; the
    caller commits."""
    module = get_module(name)
    with tenant_scope(tenant):
        current = enabled_modules(tenant)
        missing = [d for d in module.info.depends_on if d not in current]
        if missing:
            titles = ", ".join(registry().modules[d].info.title for d in missing)
            raise ModuleStateError(f"{module.info.title} needs {titles} enabled first")
        loaded = module.load_settings(settings)
        row = _row(tenant, name)
        was_enabled = row.enabled
        row.enabled = True
        row.settings = module.dump_settings(loaded)
        row.changed_at = utcnow()
        row.changed_by_id = getattr(actor, "id", None)
        if not row.grants_applied:
            from core.auth.roles import grant_defaults

            grant_defaults(module.default_grants)
            row.grants_applied = True
        tenant.modules_version = new_version()
        record(
            "module.settings_changed" if was_enabled else "module.enabled",
            row,
            summary=f"{module.info.title} {'settings changed' if was_enabled else 'enabled'}",
            details={"module": name, "settings": row.settings},
            actor=actor,
        )
        db.session.flush()
        registry().call_one(name, "lscp_module_enabled", tenant=tenant, settings=loaded)
        return row


def disable_module(tenant, name: str, actor=None) -> ModuleEnablement:
    module = get_module(name)
    with tenant_scope(tenant):
        current = enabled_modules(tenant)
        if name not in current:
            raise ModuleStateError(f"{module.info.title} is not enabled")
        blocking = [d for d in registry().dependants(name) if d in current]
        if blocking:
            titles = ", ".join(registry().modules[d].info.title for d in blocking)
            raise ModuleStateError(f"{module.info.title} cannot be disabled while {titles} depends on it")
        row = _row(tenant, name)
        row.enabled = False
        row.changed_at = utcnow()
        row.changed_by_id = getattr(actor, "id", None)
        tenant.modules_version = new_version()
        record("module.disabled", row, summary=f"{module.info.title} disabled", details={"module": name},
               actor=actor)
        db.session.flush()
        registry().call_one(name, "lscp_module_disabled", tenant=tenant)
        return row
