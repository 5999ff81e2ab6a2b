from __future__ import annotations

from core.auth.models import User
from core.db import db


def load_user(session_id: str) -> User | None:
    """Sessions carry ``<id>:<version>``; a password change bumps the version and ends older sessions."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user
