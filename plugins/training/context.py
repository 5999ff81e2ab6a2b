"""What a page or an API call of the training module needs to know about its request: the partnership's
settings, the offer they mean, and who is acting."""

from __future__ import annotations

from flask import g

from core.auth.access import current_access
from core.plugins.services import enabled_modules
from plugins.training import services
from plugins.training.bookings import Principal


def settings() -> dict:
    return enabled_modules(g.tenant)["training"]


def offer() -> services.Offer:
    if "training_offer" not in g:
        g.training_offer = services.offer_for(g.tenant, settings())
    return g.training_offer


def principal() -> Principal:
    access = current_access()
    membership = access.membership
    return Principal(user_id=getattr(g.get("principal"), "id", None),
                     agency_id=membership.agency_id if membership is not None else None,
                     permissions=access.permissions, platform_admin=access.platform_admin)
