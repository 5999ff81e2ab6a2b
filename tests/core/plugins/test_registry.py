"""The plugin mechanism: modules arrive through entry points, every hook is documented, bad plugins are
refused at start-up."""

from __future__ import annotations

import inspect
import re

import pluggy
import pytest

from config.settings import ROOT
from core.plugins import ENTRY_POINT_GROUP, hookimpl, hookspecs
from core.plugins.registry import ModuleRegistry, PluginError, build_plugin_manager
from core.plugins.types import ModuleInfo, Permission


def test_the_test_module_is_installed_through_its_entry_point_like_any_module(app):
    registry = app.extensions["lscp.modules"]
    assert {"digest", "noticeboard"} <= {m.name for m in registry.optional}
    distributions = {dist.metadata["Name"]: dist for _plugin, dist in registry.pm.list_plugin_distinfo()}
    entry_points = {ep.name for ep in distributions["lscp-noticeboard"].entry_points if ep.group == ENTRY_POINT_GROUP}
    assert entry_points == {"noticeboard", "digest"}
    # The built-in modules come the same way, from the platform's own distribution.
    built_in = {ep.name for ep in distributions["lscp-platform"].entry_points if ep.group == ENTRY_POINT_GROUP}
    assert {"lado", "training"} <= built_in
    noticeboard = registry.get("noticeboard")
    assert noticeboard.info.version == "0.1.0"
    assert {p.name for p in noticeboard.permissions} == {"noticeboard.notices.read", "noticeboard.notices.write"}
    assert [bp.name for bp in noticeboard.blueprints] == ["noticeboard"]
    assert [bp.name for bp in noticeboard.api_blueprints] == ["noticeboard_api"]
    assert registry.get("digest").info.depends_on == ("noticeboard",)


def _documented_signatures() -> dict[str, str]:
    text = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    return {m.group(1): m.group(0).strip("`") for m in re.finditer(r"`(lscp_\w+)\(([^)]*)\)`", text)}


def test_every_hook_is_documented_with_its_exact_signature():
    documented = _documented_signatures()
    specs = {name: fn for name, fn in vars(hookspecs).items() if name.startswith("lscp_") and callable(fn)}
    assert specs, "no hook specifications found"
    for name, fn in specs.items():
        signature = f"{name}({', '.join(inspect.signature(fn).parameters)})"
        assert name in documented, f"docs/plugins.md has no entry for {signature}"
        assert documented[name] == signature, f"docs/plugins.md says {documented[name]}, the hook is {signature}"
    assert set(documented) <= set(specs), f"docs/plugins.md documents hooks that do not exist: {set(documented) - set(specs)}"


class _Plugin:
    """A plugin made in the test, registered straight into a manager."""

    def __init__(self, name="extra", permissions=(), grants=None, depends_on=()):
        self._name, self._permissions, self._grants, self._depends = name, permissions, grants or {}, depends_on

    @hookimpl
    def lscp_module_info(self):
        return ModuleInfo(self._name, "Extra", "An extra module", "1.0", depends_on=self._depends)

    @hookimpl
    def lscp_permissions(self):
        return list(self._permissions)

    @hookimpl
    def lscp_default_grants(self):
        return self._grants


def _registry_with(plugin, registered_as="extra"):
    pm = build_plugin_manager()
    pm.register(plugin, name=registered_as)
    return ModuleRegistry(pm)


def test_the_test_module_implements_every_hook_so_the_suite_exercises_each():
    """A hook added to the specifications without the test module implementing it would go untried: the
    walks, the report and the demo all reach hooks through the test module."""
    from lscp_noticeboard import plugin as noticeboard

    specified = {name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("lscp_")}
    implemented = {name for name in specified if callable(getattr(noticeboard, name, None))}
    assert specified and specified == implemented, f"not in the test module: {sorted(specified - implemented)}"


def test_a_plugin_is_refused_when_its_name_differs_from_its_entry_point():
    with pytest.raises(PluginError, match="registered as 'other' calls itself 'extra'"):
        _registry_with(_Plugin(), registered_as="other")


def test_permissions_must_live_in_the_modules_namespace():
    with pytest.raises(PluginError, match="must start with 'extra.'"):
        _registry_with(_Plugin(permissions=[Permission("core.members.manage", "steal")]))


def test_default_grants_must_name_known_roles_and_declared_permissions():
    declared = [Permission("extra.things.read", "Read")]
    with pytest.raises(PluginError, match="unknown default role 'superuser'"):
        _registry_with(_Plugin(permissions=declared, grants={"superuser": ["extra.things.read"]}))
    with pytest.raises(PluginError, match="does not declare"):
        _registry_with(_Plugin(permissions=declared, grants={"practitioner": ["extra.things.write"]}))


def test_a_dependency_that_is_not_installed_stops_the_start():
    with pytest.raises(PluginError, match="depends on 'cdop', which is not installed"):
        _registry_with(_Plugin(depends_on=("cdop",)))


def test_a_plugin_without_module_info_is_refused():
    class Anonymous:
        pass

    pm = pluggy.PluginManager("lscp")
    pm.add_hookspecs(hookspecs)
    pm.register(Anonymous(), name="anonymous")
    with pytest.raises(PluginError, match="does not return a ModuleInfo"):
        ModuleRegistry(pm)
