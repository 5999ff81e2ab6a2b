"""Pages: the start page, the partnership dashboard and administration, assets, errors."""
