"""The training module's hook implementations."""

from __future__ import annotations

from core.plugins import hookimpl
from core.plugins.types import ModuleInfo
from plugins.training import models  # noqa: F401  (mapped before any query)


@hookimpl
def lscp_module_info():
    return ModuleInfo(
        name="training",
        title="Multi-agency training",
        description="The multi-agency safeguarding training offer: courses, sessions, bookings, attendance, "
                    "certificates and evaluation, alone or shared with other partnerships.",
        version="0.1.0",
    )
