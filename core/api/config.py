from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from core.auth.access import requires
from core.tenancy.documents import TenantDocument
from core.tenancy.importer import export_tenant

bp = Blueprint("config_api", __name__, description="The partnership's configuration, as in tenants/*.toml")


@bp.route("", methods=["GET"])
@bp.response(200, TenantDocument)
@requires("core.config.view")
def get_config():
    """The partnership: local authorities, agencies, safeguarding partners, roles and modules."""
    return export_tenant(g.tenant)
