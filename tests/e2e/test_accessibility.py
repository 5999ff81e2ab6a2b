"""Every page, in the real browser, checked by axe-core for WCAG 2.2 A and AA violations.

The walk reads the app's URL map, so a page added later is checked the day it lands: each GET route of a
partnership is filled with the ids of a partnership that has one row of every kind (tests.helpers
.populate_structure), opened signed in as its tenant admin (who sees every button and form), and checked.
Public pages are checked signed out as well. The walk runs on a desktop's width and on a phone's, where the
menu collapses behind its button and a section's side navigation stacks above the content: each page is
checked at both (about 45 seconds a width). axe-core comes from npm (core/frontend) and is run through the
DevTools protocol, which the pages' content security policy does not apply to.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lscp_noticeboard.services import post_notice

from core.auth.access import PUBLIC, access_rule
from core.db import db
from core.plugins.services import enable_module
from core.tenancy.context import TENANT_ARG
from core.tenancy.isolation import tenant_scope
from tests.helpers import PASSWORD, create_tenant, make_user, populate_modules, populate_structure
from tests.security.test_isolation_walk import UnknownArgument, value_for

pytestmark = pytest.mark.browser
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""


def page_urls(app, tenant) -> list[tuple[str, str, bool]]:
    """(endpoint, URL, public) of every GET page of ``tenant``, ids filled with its rows."""
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.rule.startswith(("/api/", "/assets/")) or rule.endpoint == "static":
            continue
        if rule.arguments and TENANT_ARG not in rule.arguments:
            continue  # links sent by email (password reset, invitation): their own tests open them
        values = {}
        for argument in rule.arguments:
            if argument == TENANT_ARG:
                values[argument] = tenant.slug
                continue
            try:
                values[argument], _is_row = value_for(argument, tenant)
            except UnknownArgument as exc:
                pytest.fail(f"{rule.endpoint}: cannot fill <{argument}> ({exc}); teach the walk")
        url = rule.build(values, append_unknown=False)[1]
        public = access_rule(app.view_functions[rule.endpoint], "GET") == PUBLIC
        urls.append((rule.endpoint, url, public))
    return urls


@pytest.mark.parametrize("width", [1280, 375])
def test_every_page_has_no_accessibility_violations(app, live_url, context_factory, width):
    alpha = create_tenant("alpha")
    enable_module(alpha, "noticeboard")
    make_user("admin@alpha.example", alpha)
    populate_structure(alpha, "Alpha")
    populate_modules(alpha, "Alpha")
    with tenant_scope(alpha):
        post_notice("Alpha notice", "A notice")
    db.session.commit()
    axe = (Path(app.config["FRONTEND_DIR"]) / "node_modules" / "axe-core" / "axe.min.js").read_text()

    viewport = {"width": width, "height": 900}
    signed_in = context_factory(viewport=viewport).new_page()
    signed_in.goto(f"{live_url}/login")
    signed_in.fill("#email", "admin@alpha.example")
    signed_in.fill("#password", PASSWORD)
    signed_in.click("button:has-text('Sign in')")
    signed_in.wait_for_url(f"{live_url}/alpha/")
    anonymous = context_factory(viewport=viewport).new_page()

    problems, checked = [], 0
    for endpoint, url, public in page_urls(app, alpha):
        for page in ([signed_in, anonymous] if public else [signed_in]):
            # Asked first with the page's own cookies: a download (calendar, spreadsheet, paper) is not a page.
            head = page.context.request.get(live_url + url, max_redirects=0)
            if head.status >= 400:
                problems.append(f"{url}: answered {head.status}")
                continue
            if not head.headers.get("content-type", "").startswith("text/html"):
                continue
            response = page.goto(live_url + url)
            if response.status >= 400:
                problems.append(f"{url}: answered {response.status}")
                continue
            page.evaluate(axe)
            for violation in page.evaluate(AXE_RUN, RULES):
                problems.append(f"{url} ({endpoint}): {violation['id']} [{violation['impact']}] "
                                f"{violation['help']}: {violation['nodes']}")
            checked += 1
    print(f"axe-core checked {checked} pages at {width} px")
    assert checked >= 20
    assert problems == []
