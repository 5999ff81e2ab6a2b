"""Reading the module's long forms: text, choices, ticked boxes, GOV.UK date inputs and numbered rows of
children. Each problem is kept under the name of the field it is about, for the error summary."""

from __future__ import annotations

from datetime import date

from marshmallow import ValidationError

from core.web.form_dates import FIRST_YEAR, LAST_YEAR, read_date
from core.web.forms import FormErrors
from core.web.ids import Id

MAX_CHILD_ROWS = 20


class Reader:
    """Values of a submitted form (a werkzeug MultiDict). Problems go to ``errors``; values that could not be
    read come back as None so that the rules can still report everything else at once."""

    def __init__(self, form):
        self.form = form
        self.errors = FormErrors()

    def text(self, name: str) -> str:
        return str(self.form.get(name, "") or "")

    def choice(self, name: str) -> str:
        return self.text(name).strip()

    def many(self, name: str) -> list[str]:
        return [v for v in self.form.getlist(name) if v != ""]

    def ticked(self, name: str) -> bool:
        return self.form.get(name) in ("true", "on", "1", "yes")

    def id(self, name: str, message: str) -> int | None:
        raw = self.choice(name)
        if not raw:
            return None
        try:
            return Id().deserialize(raw)
        except ValidationError:
            self.errors.add(name, message)
            return None

    def date(self, prefix: str, label: str, *, required: bool = False, first_year: int = FIRST_YEAR,
             last_year: int = LAST_YEAR) -> date | None:
        """The date typed in the day, month and year boxes named ``<prefix>-day`` and so on."""
        return read_date(prefix, label, self.errors, required=required, form=self.form, first_year=first_year,
                         last_year=last_year)

    def children(self) -> list[dict]:
        """Rows ``child-<n>-initials``, ``-age``, ``-gender`` for n from 1; an age that is not a whole number
        is passed on as typed, for the rule to refuse with the row's number."""
        rows = []
        for number in range(1, MAX_CHILD_ROWS + 1):
            names = [f"child-{number}-{part}" for part in ("initials", "age", "gender")]
            if not any(name in self.form for name in names):
                continue
            age_text = self.choice(names[1])
            age: int | str | None = None
            if age_text:
                age = int(age_text) if age_text.isascii() and age_text.isdigit() and len(age_text) <= 3 else age_text
            rows.append({"initials": self.text(names[0]), "age": age, "gender": self.choice(names[2]) or "not_known",
                         "number": number})
        return rows

