"""Feature modules: pluggy hook specifications, the registry of installed modules, per-tenant enablement."""

import pluggy

hookimpl = pluggy.HookimplMarker("lscp")

ENTRY_POINT_GROUP = "lscp.modules"
