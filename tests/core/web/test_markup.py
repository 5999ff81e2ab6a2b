"""Links and tags built inside tables and banners reach the browser as markup, with the data in them
escaped: a name is text, never HTML."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

from sqlalchemy import select

from core.auth.models import Membership
from core.auth.services import user_by_email
from core.db import db
from core.plugins.services import enable_module
from core.tenancy.isolation import tenant_scope
from tests.helpers import create_tenant, csrf_token, form_post, login, make_user
from tests.security.test_isolation_walk import build_url, fill, is_api, populate, tenant_rules


def test_tables_and_banners_render_links_and_escape_names(client):
    alpha = create_tenant("alpha")
    make_user("admin@alpha.example", alpha)
    make_user("worker@alpha.example", alpha, roles=("practitioner",))
    worker = user_by_email("worker@alpha.example")
    worker.name = "<b>Bold</b> & Co"
    db.session.commit()
    with tenant_scope(alpha):
        membership_id = db.session.scalars(select(Membership.id).where(Membership.user_id == worker.id)).one()
    login(client, "admin@alpha.example")

    members = client.get("/alpha/admin/members/").get_data(as_text=True)
    assert f'<a class="govuk-link" href="/alpha/admin/members/{membership_id}">&lt;b&gt;Bold&lt;/b&gt; &amp; Co</a>' in members
    assert '<strong class="govuk-tag">Active</strong>' in members
    assert "&lt;a class" not in members

    roles = client.get("/alpha/admin/roles/").get_data(as_text=True)
    assert '<a class="govuk-link" href="/alpha/admin/roles/' in roles and "&lt;a" not in roles

    account = client.get("/account").get_data(as_text=True)
    assert '<a class="govuk-link" href="/alpha/">Alpha Safeguarding Children Partnership</a>' in account

    banner = form_post(client, f"/alpha/admin/members/{membership_id}/status", {"status": "suspended"},
                       follow_redirects=True).get_data(as_text=True)
    assert '<p class="govuk-notification-banner__heading">&lt;b&gt;Bold&lt;/b&gt; &amp; Co is now suspended</p>' in banner


# -- ids ------------------------------------------------------------------------------------------------


class _Ids(HTMLParser):
    """The ids of a page's elements, and where its error summary's links lead."""

    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.summary_links: list[str] = []
        self._in_summary = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.append(attributes["id"])
        if "govuk-error-summary__list" in (attributes.get("class") or ""):
            self._in_summary += 1
        elif self._in_summary and tag == "a" and (attributes.get("href") or "").startswith("#"):
            self.summary_links.append(attributes["href"][1:])

    def handle_endtag(self, tag):
        if tag == "ul" and self._in_summary:
            self._in_summary -= 1


def _read(html: str) -> _Ids:
    page = _Ids()
    page.feed(html)
    return page


def every_page(app, client) -> list[tuple[str, str, str]]:
    """``(request, module of the view, html)`` for every page of a partnership with one row of each kind
    (what the security walks use), as its admin sees it, then for every form of it sent empty, so that
    each is shown again with its errors."""
    alpha = create_tenant("alpha")
    enable_module(alpha, "noticeboard", {})
    db.session.commit()
    admin = make_user("admin@alpha.example", alpha)
    populate(alpha, "alpha", admin)
    login(client, admin.email)
    pages = []
    rules = [r for r in tenant_rules(app) if not is_api(r)]
    for method in ("GET", "POST"):
        for rule in rules:
            if method not in (rule.methods or ()):
                continue
            url = build_url(rule, alpha.slug, fill(rule, alpha)[0])
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": csrf_token(client)})
            if response.mimetype == "text/html" and response.status_code != 302:
                module = app.view_functions[rule.endpoint].__module__
                pages.append((f"{method} {url}", module, response.get_data(as_text=True)))
    for url in ("/", "/account"):
        pages.append((f"GET {url}", "core", client.get(url).get_data(as_text=True)))
    assert len(pages) > 100, len(pages)
    return pages


def test_no_page_gives_two_elements_the_same_id(app, client):
    """A label, an error summary's link or aria-describedby names one element by its id: with two, the
    first is named and the other is not (a box whose label names a heading has no name at all)."""
    problems = []
    for request, _module, html in every_page(app, client):
        repeated = sorted(name for name, n in Counter(_read(html).ids).items() if n > 1)
        problems += [f"{request}: more than one element has the id {name!r}" for name in repeated]
    assert not problems, "\n".join(problems)


def test_every_error_on_cores_pages_links_to_something_on_the_page(app, client):
    """A refusal about no one field, or about a form the page does not show, still leads the reader to the
    part of the page it is about."""
    problems = []
    for request, module, html in every_page(app, client):
        page = _read(html)
        if module.split(".")[0] == "core":
            problems += [f"{request}: the error summary links to #{name}, which no element has"
                         for name in page.summary_links if name not in page.ids]
    assert not problems, "\n".join(problems)
