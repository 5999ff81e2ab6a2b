"""GOV.UK date inputs (day, month and year boxes) and times of day in forms, read into ``date`` and ``time``
with messages in the Design System's words."""

from __future__ import annotations

import re
from datetime import date, time

from marshmallow import Schema, ValidationError, fields, post_load, validates_schema

_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


class ClockTime(fields.Field):
    """A time of day as people type it: 9:30, 09:30 or 14.30."""

    default_error_messages = {"invalid": "Enter a time in the 24-hour clock, like 14:30"}

    def _deserialize(self, value, attr, data, **kwargs):
        match = _TIME.match(str(value).strip())
        if not match:
            raise self.make_error("invalid")
        return time(int(match.group(1)), int(match.group(2)))


DATE_PARTS = ("day", "month", "year")


def _read_date(data: dict, prefix: str, label: str, required: bool) -> date | None:
    """The date typed in the day, month and year boxes of a GOV.UK date input named ``prefix``."""
    parts = [str(data.get(f"{prefix}_{part}", "")).strip() for part in DATE_PARTS]
    sentence = label[0].upper() + label[1:]
    if not any(parts):
        if required:
            raise ValidationError(f"Enter {label}", prefix)
        return None
    if not all(part.isascii() and part.isdigit() and len(part) <= 4 for part in parts):
        raise ValidationError(f"{sentence} must be a real date, with a day, month and year", prefix)
    day, month, year = (int(part) for part in parts)
    if not 2000 <= year <= 2100:
        raise ValidationError(f"The year of {label} must be between 2000 and 2100", prefix)
    try:
        return date(year, month, day)
    except ValueError:
        raise ValidationError(f"{sentence} must be a real date", prefix) from None


def date_schema(name: str, dates: dict[str, tuple[str, bool]], **declared) -> type[Schema]:
    """A form schema with GOV.UK date inputs, ``{prefix: (label, required)}``, each loaded as one ``date``
    under its prefix. Dates are checked even when other fields fail, so every problem shows at once."""
    attrs: dict = dict(declared)
    for prefix in dates:
        for part in DATE_PARTS:
            attrs[f"{prefix}_{part}"] = fields.String(data_key=f"{prefix}-{part}", load_default="")

    def check_dates(self, data, **_):
        problems = {}
        for prefix, (label, required) in dates.items():
            try:
                _read_date(data, prefix, label, required)
            except ValidationError as exc:
                problems[prefix] = exc.messages
        if problems:
            raise ValidationError(problems)

    def load_dates(self, data, **_):
        for prefix, (label, required) in dates.items():
            data[prefix] = _read_date(data, prefix, label, required)
            for part in DATE_PARTS:
                data.pop(f"{prefix}_{part}", None)
        return data

    attrs["check_dates"] = validates_schema(skip_on_field_errors=False)(check_dates)
    attrs["load_dates"] = post_load(load_dates)
    return type(name, (Schema,), attrs)
