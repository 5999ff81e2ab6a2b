from __future__ import annotations

from flask import g
from flask_smorest import Blueprint, abort
from marshmallow import ValidationError

from core.api.schemas import EnableModuleSchema, ModuleStateSchema
from core.auth.access import requires
from core.db import db
from core.plugins.services import disable_module, enable_module, enabled_modules, registry

bp = Blueprint("modules_api", __name__, description="Switch the partnership's modules on and off")


def _state(module) -> dict:
    on = enabled_modules(g.tenant)
    return {
        "name": module.name, "title": module.info.title, "description": module.info.description,
        "version": module.info.version, "depends_on": list(module.info.depends_on),
        "enabled": module.name in on, "settings": module.dump_settings(on[module.name]) if module.name in on else {},
    }


def _module(name):
    module = registry().get(name)
    if module is None or module.name == "core":
        abort(404, message=f"no module called {name!r}")
    return module


@bp.route("", methods=["GET"])
@bp.response(200, ModuleStateSchema(many=True))
@requires("core.config.view")
def list_modules():
    """Every installed module, and whether it is on for this partnership."""
    return [_state(m) for m in registry().optional]


@bp.route("/<name>", methods=["GET"])
@bp.response(200, ModuleStateSchema)
@requires("core.config.view")
def get_module(name):
    return _state(_module(name))


@bp.route("/<name>", methods=["PUT"])
@bp.arguments(EnableModuleSchema)
@bp.response(200, ModuleStateSchema)
@bp.alt_response(409, description="A module it depends on is off")
@requires("core.modules.manage")
def put_module(body, name):
    """Enable the module with these settings (or change the settings of an enabled module)."""
    module = _module(name)
    try:
        enable_module(g.tenant, name, body["settings"], actor=g.principal)
    except ValidationError as exc:
        db.session.rollback()
        abort(422, errors={"json": {"settings": exc.messages}}, message="invalid settings")
    db.session.commit()
    return _state(module)


@bp.route("/<name>", methods=["DELETE"])
@bp.response(200, ModuleStateSchema)
@bp.alt_response(409, description="Another enabled module depends on it, or it is already off")
@requires("core.modules.manage")
def delete_module(name):
    """Disable the module. Its records are kept and return when it is enabled again."""
    module = _module(name)
    disable_module(g.tenant, name, actor=g.principal)  # a ModuleStateError is answered 409 by the app
    db.session.commit()
    return _state(module)
