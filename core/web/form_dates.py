"""GOV.UK date inputs (day, month and year boxes) and times of day in forms, read into ``date`` and ``time``
with messages in the Design System's words. The one way every form reads them:

- in a form schema: ``DateInput`` fields on a ``DateInputSchema`` (or ``date_schema`` for a short one), and
  ``ClockTime`` for a time;
- in a plain view: ``read_date`` and ``read_time``, which put their message in the view's ``FormErrors``;
- to fill the boxes from what is saved: ``date_values`` and ``time_value``.

A page that shows an error gives back ``request.form`` as its values, so what was typed stays in the boxes.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from flask import request
from marshmallow import Schema, ValidationError, fields, missing
from marshmallow.schema import SchemaMeta

# A year outside FIRST_YEAR..LAST_YEAR is a typing slip on any of the partnership's records.
from core.calendar import FIRST_YEAR, LAST_YEAR

DATE_PARTS = ("day", "month", "year")
TIME_MESSAGE = "Enter a time in the 24-hour clock, like 14:30"

_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


# -- the rules, on plain text ----------------------------------------------------------------------------


def _in_sentence(label: str) -> str:
    """``The date paid`` inside a sentence is ``the date paid``; ``DBS referral date`` stays as it is."""
    return label[0].lower() + label[1:] if label[:1].isupper() and label[1:2].islower() else label


def _sentence(label: str) -> str:
    return label[0].upper() + label[1:]


def _and(words: list[str]) -> str:
    return " and ".join(words) if len(words) < 3 else ", ".join(words[:-1]) + " and " + words[-1]


def parse_date(day: str, month: str, year: str, label: str, *, required: bool = False,
               first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> date | None:
    """The date typed in the three boxes, None when all are empty and it may be left out; otherwise a
    ``ValidationError`` with the GOV.UK message for what is wrong, checked in the order the pattern gives."""
    parts = {"day": day.strip(), "month": month.strip(), "year": year.strip()}
    label = _in_sentence(label)
    if not any(parts.values()):
        if required:
            raise ValidationError(f"Enter {label}")
        return None
    left_out = [part for part, text in parts.items() if not text]
    if left_out:
        raise ValidationError(f"{_sentence(label)} must include a {_and(left_out)}")
    # isdigit alone would let through digits int() cannot read, like a superscript 2
    if not all(text.isascii() and text.isdigit() for text in parts.values()) or \
            len(parts["day"]) > 2 or len(parts["month"]) > 2:
        raise ValidationError(f"{_sentence(label)} must be a real date")
    if len(parts["year"]) != 4:
        raise ValidationError("Year must include 4 numbers")
    if not first_year <= int(parts["year"]) <= last_year:
        raise ValidationError(f"The year of {label} must be between {first_year} and {last_year}")
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        raise ValidationError(f"{_sentence(label)} must be a real date") from None


def parse_time(text: str) -> time:
    """A time of day as people type it: 9:30, 09:30 or 14.30."""
    match = _TIME.match(text.strip())
    if not match:
        raise ValidationError(TIME_MESSAGE)
    return time(int(match.group(1)), int(match.group(2)))


# -- in form schemas -------------------------------------------------------------------------------------


class ClockTime(fields.Field):
    """A time of day in the 24-hour clock, like 14:30."""

    default_error_messages = {"invalid": TIME_MESSAGE}

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_time(str(value))
        except ValidationError:
            raise self.make_error("invalid") from None


class DateInput(fields.Field):
    """The GOV.UK date input whose boxes are named ``<name>-day``, ``<name>-month`` and ``<name>-year``,
    loaded as one ``date`` (or None) under the field's name. Declare it on a ``DateInputSchema``, which
    declares the three boxes so that the form's values reach it."""

    def __init__(self, label: str, *, required: bool = False, first_year: int = FIRST_YEAR,
                 last_year: int = LAST_YEAR, **kwargs):
        super().__init__(load_default=None, **kwargs)  # "required" is the date's to say, in its own words
        self.label, self.date_required, self.first_year, self.last_year = label, required, first_year, last_year

    def deserialize(self, value, attr=None, data=None, **kwargs):
        boxes = data or {}
        day = parse_date(*(str(boxes.get(f"{attr}-{part}", "")) for part in DATE_PARTS), self.label,
                         required=self.date_required, first_year=self.first_year, last_year=self.last_year)
        if day is not None:
            self._validate(day)
        return day


class _DateBox(fields.Field):
    """One box of a date input: declared so that its value reaches the schema, read by the ``DateInput``."""

    def deserialize(self, value, attr=None, data=None, **kwargs):
        return missing  # nothing of its own in what the schema loads


class _DeclaresDateBoxes(SchemaMeta):
    @classmethod
    def get_declared_fields(mcs, klass, cls_fields, inherited_fields, dict_cls=dict):  # noqa: N804
        declared = super().get_declared_fields(klass, cls_fields, inherited_fields, dict_cls)
        for name, field in list(declared.items()):
            if isinstance(field, DateInput):
                for part in DATE_PARTS:
                    declared.setdefault(f"{field.data_key or name}-{part}", _DateBox())
        return declared


class DateInputSchema(Schema, metaclass=_DeclaresDateBoxes):
    """A form schema that may declare ``DateInput`` fields."""


def date_schema(name: str, dates: dict[str, tuple[str, bool]], **declared) -> type[Schema]:
    """A form schema of ``declared`` fields and GOV.UK date inputs, ``{name: (label, required)}``."""
    inputs = {prefix: DateInput(label, required=required) for prefix, (label, required) in dates.items()}
    return type(name, (DateInputSchema,), {**declared, **inputs})


# -- in plain views --------------------------------------------------------------------------------------


def read_date(prefix: str, label: str, errors, *, required: bool = False, form=None,
              first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> date | None:
    """The date of the GOV.UK date input named ``prefix`` in ``form`` (the posted form if not given); a
    problem goes to ``errors`` (a ``FormErrors``) under ``prefix`` and the date comes back as None."""
    form = request.form if form is None else form
    try:
        return parse_date(*(str(form.get(f"{prefix}-{part}", "")) for part in DATE_PARTS), label,
                          required=required, first_year=first_year, last_year=last_year)
    except ValidationError as exc:
        errors.add(prefix, exc.messages[0])
        return None


def read_time(name: str, label: str, errors, *, required: bool = False, form=None) -> time | None:
    """The time typed in the input ``name``, the same way as ``read_date``."""
    text = str((request.form if form is None else form).get(name, "")).strip()
    if not text:
        if required:
            errors.add(name, f"Enter {_in_sentence(label)}")
        return None
    try:
        return parse_time(text)
    except ValidationError as exc:
        errors.add(name, exc.messages[0])
        return None


# -- filling the boxes from what is saved ----------------------------------------------------------------


def date_values(prefix: str, day: date | None) -> dict[str, str]:
    """The boxes of the date input ``prefix`` showing ``day`` (empty for None)."""
    if day is None:
        return {f"{prefix}-{part}": "" for part in DATE_PARTS}
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


def time_value(moment: time | datetime | None) -> str:
    """A time (or a moment's time, already in London) as the 24-hour clock the time inputs read back."""
    return "" if moment is None else f"{moment:%H:%M}"
