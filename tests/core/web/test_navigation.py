"""The partnership menu: a few sections, each listing the items a member may use, and the one item that holds
the page they are on, found by where the page lives."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from core.auth.access import PUBLIC, access_rule
from core.db import db
from core.plugins.services import enable_module
from core.plugins.types import NavItem
from core.tenancy.context import TENANT_ARG
from core.web.navigation import current_item
from tests.core.web.test_markup import every_page
from tests.helpers import create_tenant, login, make_user

LINKS = [("tenant.dashboard", "/hf/"), ("tenant.partnership", "/hf/partnership"), ("plan.index", "/hf/plan/"),
         ("reports.annual_report", "/hf/annual-report"), ("admin.index", "/hf/admin/"),
         ("lado.cases", "/hf/lado/"), ("lado_figures.index", "/hf/lado/figures/")]


def test_one_item_holds_each_page_by_where_it_lives():
    assert current_item("/hf/", LINKS) == "tenant.dashboard"
    assert current_item("/hf/partnership", LINKS) == "tenant.partnership"
    # Under an item's address: the deepest wins; the home holds only itself.
    assert current_item("/hf/admin/members/3", LINKS) == "admin.index"
    assert current_item("/hf/plan/arrangements", LINKS) == "plan.index"
    assert current_item("/hf/lado/retention", LINKS) == "lado.cases"
    assert current_item("/hf/lado/figures/figures.csv", LINKS) == "lado_figures.index"
    # A page under no item's address belongs to none, whatever view drew it.
    assert current_item("/hf/arrangements/", LINKS) is None
    assert current_item("/hf/partnership-news", LINKS) is None
    assert current_item("/hf/training/", LINKS) is None


def test_an_item_names_a_section_the_menu_has():
    assert NavItem("Notices", "noticeboard.index", None).section == "partnership"
    with pytest.raises(ValueError, match="no navigation section 'cases'"):
        NavItem("Cases", "cases.index", None, section="cases")


class _Menu(HTMLParser):
    """The sections of the service navigation and the items of the side navigation, and which are marked."""

    def __init__(self):
        super().__init__()
        self.sections: list[str] = []
        self.active_sections: list[str] = []
        self.side: list[str] = []
        self.current_items: list[str] = []
        self.hrefs: list[str] = []  # of the sections and the side navigation's items
        self._where: str | None = None
        self._marked = False
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("data-testid") == "service-navigation":
            self._where = "service"
        elif attributes.get("data-testid") == "side-navigation":
            self._where = "side"
        elif tag == "a" and self._where:
            self._marked = bool(attributes.get("aria-current"))
            self._text = ""
            self.hrefs.append(attributes.get("href"))

    def handle_data(self, data):
        self._text += data

    def handle_endtag(self, tag):
        if tag == "nav":
            self._where = None if self._where == "side" else self._where
        elif tag == "section" and self._where == "service":
            self._where = None
        elif tag == "a" and self._where:
            label = " ".join(self._text.split())
            (self.sections if self._where == "service" else self.side).append(label)
            if self._marked:
                (self.active_sections if self._where == "service" else self.current_items).append(label)
            self._marked = False


def read_menu(html: str) -> _Menu:
    menu = _Menu()
    menu.feed(html)
    # The service name is a link of the service navigation too, but not a section.
    menu.sections, menu.hrefs = menu.sections[1:], menu.hrefs[1:]
    return menu


def menu_links(client, home: str) -> set[str]:
    """Every address a member reaches through the menu from ``home``: each section's, and the items' of each
    section's side navigation."""
    links = set(read_menu(client.get(home).get_data(as_text=True)).hrefs)
    for section in list(links):
        links |= set(read_menu(client.get(section).get_data(as_text=True)).hrefs)
    return links


def test_the_menu_shows_sections_and_marks_the_page_a_member_is_on(client):
    alpha = create_tenant("alpha")
    make_user("admin@alpha.example", alpha)
    login(client, "admin@alpha.example")
    home = read_menu(client.get("/alpha/").get_data(as_text=True))
    assert home.sections == ["Dashboard", "The partnership", "Reports", "Administration"]
    assert (home.active_sections, home.side) == (["Dashboard"], [])
    partnership = read_menu(client.get("/alpha/partnership").get_data(as_text=True))
    assert partnership.active_sections == ["The partnership"]
    assert partnership.side == ["Partnership", "Structure", "Meetings", "Business plan", "Education settings",
                                "Funding"]
    assert partnership.current_items == ["Partnership"]
    meeting_actions = read_menu(client.get("/alpha/meetings/actions").get_data(as_text=True))
    assert (meeting_actions.active_sections, meeting_actions.current_items) == (["The partnership"], ["Meetings"])
    members = read_menu(client.get("/alpha/admin/members/").get_data(as_text=True))
    assert (members.active_sections, members.side) == (["Administration"], [])


def test_a_member_sees_only_the_sections_of_what_they_may_use(app):
    alpha = create_tenant("alpha")
    enable_module(alpha, "lado", {})
    enable_module(alpha, "training", {})
    enable_module(alpha, "noticeboard", {})
    db.session.commit()
    make_user("worker@alpha.example", alpha, roles=("practitioner",))
    client = app.test_client()
    login(client, "worker@alpha.example")
    menu = read_menu(client.get("/alpha/").get_data(as_text=True))
    assert "Administration" not in menu.sections and "Case work" in menu.sections
    referrals = read_menu(client.get("/alpha/lado/referrals/").get_data(as_text=True))
    assert referrals.active_sections == ["Case work"]
    # The practitioner's one item of Case work is the section's own link: no side navigation of one item.
    assert referrals.side == []
    links = menu_links(client, "/alpha/")
    assert {"/alpha/lado/referrals/", "/alpha/training/", "/alpha/noticeboard/"} <= links
    assert not links & {"/alpha/lado/cases/", "/alpha/lado/figures/", "/alpha/admin/"}


def test_every_page_of_a_partnership_lives_in_exactly_one_item(app, client):
    """Over every page of a partnership with one row of each kind and every module on, as its admin (who
    also holds the LADO's roles) sees it: one section marked and, where the section lists its items, one
    item; none only on pages of no partnership and on the public pages, which belong to no item."""
    problems, sides = [], 0
    pages = [(request[len("GET "):], html) for request, _module, html in every_page(app, client)
             if request.startswith("GET ")]
    for url, html in pages:
        rule, _arguments = app.url_map.bind("platform.test").match(url, return_rule=True)
        menu = read_menu(html)
        elsewhere = (TENANT_ARG not in rule.arguments
                     or access_rule(app.view_functions[rule.endpoint], "GET") == PUBLIC)
        sections = len(menu.active_sections)
        if sections != 1 and not (elsewhere and sections == 0):
            problems.append(f"{url}: {sections} sections marked {menu.active_sections}")
        if menu.side:
            sides += 1
            if len(menu.current_items) != 1:
                problems.append(f"{url}: {len(menu.current_items)} items marked {menu.current_items}")
    assert len(pages) > 60 and sides > 20, (len(pages), sides)
    assert not problems, "\n".join(problems)
