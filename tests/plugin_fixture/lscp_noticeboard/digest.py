"""A second module that depends on the noticeboard: proves dependencies between modules."""

from __future__ import annotations

from core.plugins import hookimpl
from core.plugins.types import ModuleInfo


@hookimpl
def lscp_module_info():
    return ModuleInfo(name="digest", title="Notice digest", version="0.1.0",
                      description="A weekly digest of notices.", depends_on=("noticeboard",))
