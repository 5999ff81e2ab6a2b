"""The registry of installed modules, built once per app from the entry points and core's own plugin."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pluggy
from marshmallow import Schema

from core.plugins import ENTRY_POINT_GROUP, hookspecs
from core.plugins.types import ModuleInfo, PeriodicJob, Permission

CORE = "core"
ROLE_KEYS = (
    "tenant_admin",
    "business_manager",
    "independent_scrutineer",
    "practitioner",
    "agency_safeguarding_lead",
)


class PluginError(RuntimeError):
    """A plugin declared something the platform cannot accept; the app refuses to start."""


@dataclass
class RegisteredModule:
    info: ModuleInfo
    plugin: Any
    permissions: list[Permission] = field(default_factory=list)
    default_grants: dict[str, list[str]] = field(default_factory=dict)
    settings_schema: type[Schema] | None = None
    blueprints: list = field(default_factory=list)
    api_blueprints: list = field(default_factory=list)
    periodic_jobs: list[PeriodicJob] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.info.name

    def load_settings(self, raw: dict | None) -> dict:
        """Validate settings with the module's own schema; raises marshmallow.ValidationError."""
        if self.settings_schema is None:
            if raw:
                from marshmallow import ValidationError

                raise ValidationError({"_schema": [f"module {self.name} takes no settings"]})
            return {}
        return self.settings_schema().load(raw or {})

    def dump_settings(self, settings: dict | None) -> dict:
        if self.settings_schema is None:
            return {}
        return self.settings_schema().dump(settings or {})


class ModuleRegistry:
    def __init__(self, pm: pluggy.PluginManager):
        self.pm = pm
        self.modules: dict[str, RegisteredModule] = {}
        self._single_callers: dict[tuple[str, str], Any] = {}
        for name, plugin in pm.list_name_plugin():
            module = self._describe(name, plugin)
            self.modules[module.name] = module
        self._check_dependencies()

    def _one(self, plugin, hook: str, default=None, **kwargs):
        caller = self.pm.subset_hook_caller(
            hook, remove_plugins=[p for p in self.pm.get_plugins() if p is not plugin]
        )
        results = caller(**kwargs)
        return results[0] if results else default

    def _describe(self, entry_name: str, plugin) -> RegisteredModule:
        info = self._one(plugin, "lscp_module_info")
        if not isinstance(info, ModuleInfo):
            raise PluginError(f"plugin {entry_name!r} does not return a ModuleInfo from lscp_module_info")
        if info.name != entry_name:
            raise PluginError(f"plugin registered as {entry_name!r} calls itself {info.name!r}")
        module = RegisteredModule(
            info=info,
            plugin=plugin,
            permissions=list(self._one(plugin, "lscp_permissions", [])),
            default_grants=dict(self._one(plugin, "lscp_default_grants", {})),
            settings_schema=self._one(plugin, "lscp_settings_schema"),
            blueprints=list(self._one(plugin, "lscp_blueprints", [])),
            api_blueprints=list(self._one(plugin, "lscp_api_blueprints", [])),
            periodic_jobs=list(self._one(plugin, "lscp_periodic_jobs", [])),
        )
        prefix = f"{info.name}."
        for permission in module.permissions:
            if not permission.name.startswith(prefix):
                raise PluginError(f"permission {permission.name!r} of {info.name} must start with {prefix!r}")
        declared = {p.name for p in module.permissions}
        for role, names in module.default_grants.items():
            if role not in ROLE_KEYS:
                raise PluginError(f"{info.name} grants to unknown default role {role!r}")
            unknown = set(names) - declared
            if unknown:
                raise PluginError(f"{info.name} grants permissions it does not declare: {sorted(unknown)}")
        return module

    def _check_dependencies(self) -> None:
        for module in self.modules.values():
            for dependency in module.info.depends_on:
                if dependency not in self.modules or dependency == CORE:
                    raise PluginError(f"{module.name} depends on {dependency!r}, which is not installed")

    # -- questions the rest of the platform asks ---------------------------------------------------------

    @property
    def optional(self) -> list[RegisteredModule]:
        """Modules a tenant may switch on and off (everything but core), by title."""
        return sorted((m for m in self.modules.values() if m.name != CORE), key=lambda m: m.info.title)

    def get(self, name: str) -> RegisteredModule | None:
        return self.modules.get(name)

    def permissions(self, modules: frozenset[str] | None = None) -> dict[str, Permission]:
        """Permissions of core and of the given modules (all modules when None)."""
        out: dict[str, Permission] = {}
        for module in self.modules.values():
            if modules is None or module.name == CORE or module.name in modules:
                out.update({p.name: p for p in module.permissions})
        return out

    def permission_module(self, permission: str) -> str:
        return permission.split(".", 1)[0]

    def dependants(self, name: str) -> list[str]:
        return sorted(m.name for m in self.modules.values() if name in m.info.depends_on)

    def call_one(self, name: str, hook: str, **kwargs):
        """Ask one module a hook; None when it does not implement it."""
        key = (hook, name)
        caller = self._single_callers.get(key)
        if caller is None:
            plugin = self.modules[name].plugin
            caller = self.pm.subset_hook_caller(
                hook, remove_plugins=[p for p in self.pm.get_plugins() if p is not plugin]
            )
            self._single_callers[key] = caller
        results = caller(**kwargs)
        return results[0] if results else None

    def call_enabled(self, hook: str, enabled: dict[str, dict], **kwargs) -> list[tuple[str, object]]:
        """Ask core and each enabled module, passing each its own settings: ``[(module name, result)]``."""
        out = []
        for name in [CORE, *sorted(enabled)]:
            if name not in self.modules:
                continue
            result = self.call_one(name, hook, settings=enabled.get(name, {}), **kwargs)
            if result is not None:
                out.append((name, result))
        return out


def build_plugin_manager() -> pluggy.PluginManager:
    from core import core_plugin

    pm = pluggy.PluginManager("lscp")
    pm.add_hookspecs(hookspecs)
    pm.register(core_plugin, name=CORE)
    pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    return pm
