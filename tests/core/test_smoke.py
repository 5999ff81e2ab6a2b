from tests.helpers import create_tenant, login, make_user


def test_dashboard(client):
    tenant = create_tenant("alpha")
    make_user("admin@alpha.example", tenant)
    login(client, "admin@alpha.example")
    page = client.get("/alpha/")
    assert page.status_code == 200, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    assert "Dashboard" in html
    for url in ["/", "/alpha/partnership", "/alpha/admin/", "/alpha/admin/members/", "/alpha/admin/roles/",
                "/alpha/admin/modules/", "/alpha/admin/audit/", "/alpha/admin/outbox/", "/alpha/admin/tokens/",
                "/account", "/api/v1/docs", "/api/v1/openapi.json", "/alpha/noticeboard/"]:
        r = client.get(url)
        print(url, r.status_code)
