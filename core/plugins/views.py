"""The tenant admin page for modules: switch on and off, and change settings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError, fields

from core.auth.access import requires
from core.db import db
from core.plugins.services import (
    ModuleStateError,
    disable_module,
    enable_module,
    enabled_modules,
    module_states,
    registry,
)
from core.refusals import show_refusal
from core.tenancy.documents import flatten_errors
from core.web.forms import FormErrors, form_data

bp = Blueprint("modules", __name__)


@bp.route("/")
@requires("core.modules.manage")
def index():
    states = module_states(g.tenant)
    on = enabled_modules(g.tenant)
    return render_template("admin/modules/index.html", modules=registry().optional, states=states, on=on)


def _module(name):
    module = registry().get(name)
    if module is None or module.name == "core":
        abort(404)
    return module


def _settings_fields(module):
    """Form fields of a module's settings schema: name, label, kind, and its current value."""
    if module.settings_schema is None:
        return []
    schema = module.settings_schema()
    out = []
    for name, field in schema.fields.items():
        if field.dump_only:
            continue
        kind = "boolean" if isinstance(field, fields.Boolean) else (
            "list" if isinstance(field, fields.List) else (
                "number" if isinstance(field, (fields.Integer, fields.Float, fields.Decimal)) else "text"))
        out.append({
            "name": name, "kind": kind, "required": field.required,
            "label": field.metadata.get("label", name.replace("_", " ").capitalize()),
            "hint": field.metadata.get("description", ""),
            "choices": field.metadata.get("choices"),
        })
    return out


@bp.route("/<name>", methods=["GET", "POST"])
@requires("core.modules.manage")
def configure(name):
    module = _module(name)
    states = module_states(g.tenant)
    state = states.get(name)
    errors = FormErrors()
    values = dict(state.settings) if state else module.dump_settings(module.load_settings({})) if module.settings_schema else {}
    if request.method == "POST":
        raw = form_data(module.settings_schema()) if module.settings_schema else {}
        values = {**values, **raw}
        try:
            enable_module(g.tenant, name, raw, actor=g.principal)
        except ValidationError as exc:
            db.session.rollback()
            for path, messages in flatten_errors(exc.messages).items():
                errors.add(path.split(".")[0].split("[")[0], messages[0])
        except ModuleStateError as exc:
            db.session.rollback()
            show_refusal(errors, exc, whole="module")
        else:
            db.session.commit()
            flash(f"{module.info.title} is on", "success")
            return redirect(url_for("modules.index"))
    return render_template(
        "admin/modules/configure.html", module=module, state=state, fields=_settings_fields(module),
        values=values, errors=errors, enabled=name in enabled_modules(g.tenant),
    ), (400 if errors else 200)


@bp.route("/<name>/disable", methods=["POST"])
@requires("core.modules.manage")
def disable(name):
    module = _module(name)
    try:
        disable_module(g.tenant, name, actor=g.principal)
    except ModuleStateError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("modules.index"))
    db.session.commit()
    flash(f"{module.info.title} is off. Its records are kept and return when it is switched on again.", "success")
    return redirect(url_for("modules.index"))
