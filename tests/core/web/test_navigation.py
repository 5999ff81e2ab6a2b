"""The partnership menu: the items a member may use, and the one that holds the page they are on."""

from __future__ import annotations

import re

from core.web.navigation import current_item
from tests.helpers import create_tenant, login, make_user

LINKS = [("tenant.dashboard", "/hf/"), ("tenant.partnership", "/hf/partnership"), ("plan.index", "/hf/plan/"),
         ("reports.annual_report", "/hf/annual-report"), ("admin.index", "/hf/admin/")]


def test_one_item_holds_each_page():
    assert current_item("/hf/", "tenant.dashboard", LINKS) == "tenant.dashboard"
    assert current_item("/hf/partnership", "tenant.partnership", LINKS) == "tenant.partnership"
    # Under an item's address: the deepest wins; the home covers only itself.
    assert current_item("/hf/admin/members/3", "members.edit", LINKS) == "admin.index"
    assert current_item("/hf/plan/arrangements", "plan.arrangements", LINKS) == "plan.index"
    assert current_item("/hf/lado/cases/4", "lado.case", LINKS) is None
    # Elsewhere, the one item of the page's blueprint.
    assert current_item("/hf/data-set", "reports.dataset", LINKS) == "reports.annual_report"


def _current(html: str) -> list[str]:
    menu = html[html.index('data-testid="service-navigation"'):]
    menu = menu[:menu.index("</nav>")]
    return re.findall(r'--active">\s*<a[^>]*aria-current="(?:page|true)"[^>]*>\s*(?:<strong[^>]*>)?\s*([^<]+?)\s*<', menu)


def test_the_menu_marks_the_page_a_member_is_on(client):
    alpha = create_tenant("alpha")
    make_user("admin@alpha.example", alpha)
    login(client, "admin@alpha.example")
    assert _current(client.get("/alpha/").get_data(as_text=True)) == ["Dashboard"]
    assert _current(client.get("/alpha/partnership").get_data(as_text=True)) == ["Partnership"]
    assert _current(client.get("/alpha/admin/members/").get_data(as_text=True)) == ["Administration"]
    assert _current(client.get("/alpha/admin/audit/").get_data(as_text=True)) == ["Administration"]
