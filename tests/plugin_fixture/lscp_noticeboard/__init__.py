"""A noticeboard: the smallest real module, installed through the same entry points as a built-in one.

It exercises every hook: pages and API, permissions and default grants, a settings schema, navigation,
a dashboard panel, an annual report section, data set figures, a periodic job, demo data, and the
enable/disable callbacks. Its notices are tenant-scoped; its shared notices belong to a shared offer.
"""
