"""The LADO module's hook implementations."""

from __future__ import annotations

from core.plugins import hookimpl
from core.plugins.types import ModuleInfo
from plugins.lado import models  # noqa: F401  (mapped before any query)


@hookimpl
def lscp_module_info():
    return ModuleInfo(
        name="lado",
        title="LADO: allegations against people who work with children",
        description="Consultations and referrals to the Local Authority Designated Officer, case work to an "
                    "outcome, timeliness, retention and the figures of the annual report.",
        version="0.1.0",
    )
