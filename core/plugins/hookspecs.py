"""Hook specifications: everything a feature module can tell the platform.

Every hook here has an entry in docs/plugins.md with its exact signature (a test holds the two together).
A module implements the hooks it needs with ``@hookimpl`` from ``core.plugins``; a hook it leaves out
contributes nothing. Static hooks (who it is, blueprints, permissions, settings schema, periodic jobs) are
asked once at start-up; the rest are asked per request or per job, only of modules enabled for the tenant.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("lscp")


@hookspec
def lscp_module_info():
    """Return the module's ``ModuleInfo`` (name, title, description, version, depends_on).

    ``depends_on`` names modules that must be enabled for a tenant before this one can be.
    """


@hookspec
def lscp_blueprints():
    """Return a list of Flask blueprints with the module's pages.

    The platform mounts each under ``/<tenant-slug>/<module name>``; a view receives no tenant argument, the
    tenant is ``core.tenancy.current_tenant()``. Every view must declare its access with
    ``core.auth.access.requires(permission)`` or ``public``: undeclared views stop the app from starting.
    """


@hookspec
def lscp_api_blueprints():
    """Return a list of ``flask_smorest.Blueprint`` with the module's API.

    Mounted under ``/api/v1/<tenant-slug>/<module name>`` and documented in the OpenAPI document.
    """


@hookspec
def lscp_permissions():
    """Return a list of ``Permission`` the module checks. Names must start with ``<module name>.``."""


@hookspec
def lscp_default_grants():
    """Return ``{role key: [permission name, ...]}`` granted to a tenant's default roles the first time the
    module is enabled for it. Role keys: tenant_admin, business_manager, independent_scrutineer,
    practitioner, agency_safeguarding_lead. A tenant admin may change them afterwards."""


@hookspec
def lscp_settings_schema():
    """Return a marshmallow ``Schema`` class validating the module's per-tenant settings, or None.

    Its load result is what the module is given as ``settings``; its defaults fill a missing value.
    """


@hookspec
def lscp_navigation(tenant, settings):
    """Return a list of ``NavItem`` for the tenant's navigation.

    Each item names its section (``NAV_SECTIONS``: the menu shows the sections, a section's page lists its
    items beside the content). A page belongs to the item whose address (or ``covers`` endpoint's address)
    it lies deepest under.

    :param tenant: the ``Tenant`` in scope.
    :param settings: this module's validated settings for that tenant.
    """


@hookspec
def lscp_dashboard_panels(tenant, settings, user):
    """Return a list of ``DashboardPanel`` for the partnership dashboard.

    Panels the user lacks the permission for are dropped by the platform. Keep the work per panel to a
    fixed number of queries whatever the size of the data.

    :param user: the signed-in ``User``.
    """


@hookspec
def lscp_annual_report_sections(tenant, settings, year):
    """Return a list of ``ReportSection`` for the partnership's annual report.

    :param year: the financial year starting 1 April of ``year``.
    """


@hookspec
def lscp_dataset_figures(tenant, settings, year):
    """Return ``{figure name: number}`` for the partnership's data set in the financial year from ``year``."""


@hookspec
def lscp_periodic_jobs():
    """Return a list of ``PeriodicJob`` (deadline sweeps, reminders). A job runs once per tenant with the
    module enabled, inside that tenant's scope, and must be safe to run twice on one day."""


@hookspec
def lscp_module_enabled(tenant, settings):
    """Called in the tenant's scope, in the same transaction, after the module is enabled for it."""


@hookspec
def lscp_module_disabled(tenant):
    """Called in the tenant's scope, in the same transaction, after the module is disabled for it.

    The module's data must stay untouched: it returns as it was when the module is enabled again.
    """


@hookspec
def lscp_demo_data(tenant, settings):
    """Create the module's demonstration records for a tenant (``flask demo setup``), in its scope.

    Everything made here must be obviously fictional (names and titles marked ``[DEMO]``) and the hook must
    be safe to call again: it adds nothing the second time.
    """
