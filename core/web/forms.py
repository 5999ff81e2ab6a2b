"""Plain HTML forms validated by marshmallow schemas, with errors shaped for the GOV.UK error summary."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import request
from marshmallow import Schema, ValidationError, fields
from werkzeug.datastructures import MultiDict


@dataclass
class FormErrors:
    fields: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.fields)

    def get(self, name: str) -> dict | None:
        """For a component's ``errorMessage`` option."""
        return {"text": self.fields[name]} if name in self.fields else None

    @property
    def summary(self) -> list[dict]:
        return [{"text": message, "href": f"#{name}"} for name, message in self.fields.items()]


def form_data(schema: Schema, source: MultiDict | None = None) -> dict:
    """Turn form fields into what the schema expects: lists for List fields, and no empty strings (an
    untouched input means 'no answer', so a required field reports itself as missing)."""
    source = source if source is not None else request.form
    data: dict = {}
    for name, declared in schema.fields.items():
        key = declared.data_key or name
        if isinstance(declared, fields.List):
            data[key] = [v for v in source.getlist(key) if v != ""]
        elif key in source:
            value = source.get(key, "")
            if not declared.metadata.get("raw"):  # passwords keep their spaces
                value = value.strip()
            if value != "":
                data[key] = value
        elif isinstance(declared, fields.Boolean):
            data[key] = False
    return data


def validate_form(schema: Schema, source: MultiDict | None = None) -> tuple[dict | None, FormErrors]:
    errors = FormErrors()
    try:
        return schema.load(form_data(schema, source)), errors
    except ValidationError as exc:
        for name, messages in exc.messages.items():
            if isinstance(messages, dict):  # a list field: {index: [message]}
                messages = [m for ms in messages.values() for m in ms]
            errors.add(name, messages[0] if isinstance(messages, list) else str(messages))
        return None, errors
