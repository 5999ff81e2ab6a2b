"""People and access as plain functions: users, passwords, sign-in throttling, invitations, memberships,
API tokens. Views, CLI and API call these; none of it knows about requests."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from core.audit.services import record
from core.auth.access import hash_token
from core.auth.models import ApiToken, LoginAttempt, Membership, Role, User
from core.db import db, utcnow
from core.mail.services import queue_email
from core.refusals import Refused
from core.tenancy.isolation import set_tenant, tenant_scope
from core.tenancy.models import Agency, LocalAuthority, Tenant


@lru_cache(maxsize=4)
def _hasher_for(time_cost: int, memory_cost: int) -> tuple[PasswordHasher, str]:
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)
    # Verified against when the email is unknown, so that a miss takes as long as a wrong password.
    return hasher, hasher.hash("not-a-real-password-" + secrets.token_hex(8))


def _hasher() -> PasswordHasher:
    return _hasher_for(current_app.config["ARGON2_TIME_COST"], current_app.config["ARGON2_MEMORY_COST"])[0]


def _dummy_hash() -> str:
    return _hasher_for(current_app.config["ARGON2_TIME_COST"], current_app.config["ARGON2_MEMORY_COST"])[1]
MIN_PASSWORD_LENGTH = 10
COMMON_PASSWORDS = frozenset({
    "password123", "passw0rd123", "1234567890", "qwertyuiop", "iloveyou123", "safeguarding", "letmein123",
    "welcome123", "password1234", "changeme123", "administrator",
})


class AccessError(Refused):
    """A request about people and access that cannot be done; the message is for the person asking."""


class LoginThrottled(Exception):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(f"too many failed sign-in attempts; try again in {max(1, retry_after // 60)} minutes")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def password_problems(password: str, email: str = "") -> list[str]:
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > 256:
        problems.append("Password must be 256 characters or fewer")
    if password.lower() in COMMON_PASSWORDS or (email and password.lower() == normalise_email(email)):
        problems.append("Password is too easy to guess: choose another")
    return problems


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher().verify(user.password_hash or _dummy_hash(), password) and user.password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def set_password(user: User, password: str) -> None:
    problems = password_problems(password, user.email)
    if problems:
        raise AccessError("; ".join(problems))
    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 0) + 1  # every other session of this user ends


def create_user(email: str, name: str, password: str | None = None, *, platform_admin: bool = False,
                demo: bool = False) -> User:
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccessError("Enter an email address in the correct format, like name@example.org")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccessError(f"A user with the email {email} already exists")
    user = User(email=email, name=name.strip() or email, is_platform_admin=platform_admin, is_demo=demo)
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    db.session.flush()
    return user


def user_by_email(email: str) -> User | None:
    return db.session.scalars(select(User).where(User.email == normalise_email(email))).first()


# -- signing in -----------------------------------------------------------------------------------------


def _failures_since(column, value, since) -> int:
    return db.session.scalar(
        select(func.count()).select_from(LoginAttempt).where(
            column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since
        )
    )


def check_throttle(email: str, ip: str) -> None:
    config = current_app.config
    window = timedelta(seconds=config["LOGIN_WINDOW_SECONDS"])
    since = utcnow() - window
    if (_failures_since(LoginAttempt.email, email, since) >= config["LOGIN_MAX_FAILURES"]
            or _failures_since(LoginAttempt.ip, ip, since) >= config["LOGIN_IP_MAX_FAILURES"]):
        raise LoginThrottled(int(window.total_seconds()))


def authenticate(email: str, password: str, ip: str) -> User | None:
    """The user if the password is right; None otherwise. Raises LoginThrottled after too many failures.
    Records the attempt; the caller commits."""
    email = normalise_email(email)
    check_throttle(email, ip)
    user = user_by_email(email)
    ok = False
    try:
        _hasher().verify(user.password_hash if user and user.password_hash else _dummy_hash(), password)
        ok = user is not None and user.password_hash is not None and user.active
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    db.session.add(LoginAttempt(email=email[:254], ip=ip[:45], succeeded=ok))
    if not ok:
        record("auth.login_failed", summary=f"Failed sign-in for {email}", actor=False)
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    record("auth.login", user, summary=f"{email} signed in", actor=user)
    return user


# -- signed links ---------------------------------------------------------------------------------------


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _link(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def password_reset_token(user: User) -> str:
    # The session version is inside the token: once the password changes, the link is spent.
    return _serializer("password-reset").dumps({"u": user.id, "v": user.session_version})


def user_from_reset_token(token: str) -> User | None:
    try:
        data = _serializer("password-reset").loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("u"))
    if user is None or not user.active or user.session_version != data.get("v"):
        return None
    return user


def request_password_reset(email: str) -> None:
    """Email a reset link if the address belongs to an active user; say nothing either way."""
    user = user_by_email(email)
    if user is None or not user.active:
        return
    link = _link(f"/password-reset/{password_reset_token(user)}")
    queue_email(
        user.email,
        "Reset your password",
        f"Hello {user.name},\n\nSomeone (we hope you) asked to reset the password for this account on the "
        f"safeguarding partnership platform. Use this link within an hour:\n\n{link}\n\n"
        "If it was not you, ignore this email: your password has not changed.\n",
        purpose="password_reset",
    )
    record("auth.password_reset_requested", user, summary=f"Password reset requested for {user.email}",
           actor=False)


# -- memberships and invitations ------------------------------------------------------------------------


@dataclass
class MembershipChoice:
    """What an admin chooses for a member; ids are checked against the tenant in scope."""

    role_ids: list[int]
    agency_id: int | None = None
    local_authority_ids: list[int] | None = None
    job_title: str = ""


def _resolve_choice(choice: MembershipChoice) -> tuple[list[Role], Agency | None, list[LocalAuthority]]:
    # Loaded in the tenant's scope: an id from another tenant finds nothing and is refused.
    roles = db.session.scalars(select(Role).where(Role.id.in_(choice.role_ids))).all() if choice.role_ids else []
    if len(roles) != len(set(choice.role_ids)):
        raise AccessError("Choose roles from this partnership's list")
    if not roles:
        raise AccessError("Choose at least one role")
    agency = None
    if choice.agency_id is not None:
        agency = db.session.get(Agency, choice.agency_id)
        if agency is None:
            raise AccessError("Choose an agency from this partnership's list")
    las = []
    if choice.local_authority_ids:
        las = db.session.scalars(
            select(LocalAuthority).where(LocalAuthority.id.in_(choice.local_authority_ids))
        ).all()
        if len(las) != len(set(choice.local_authority_ids)):
            raise AccessError("Choose local authorities from this partnership's list")
    return list(roles), agency, list(las)


def _may_hand_out_anything(granter) -> bool:
    return granter is None or granter.platform_admin or granter.can("core.roles.manage")


def grantable(granter, roles: list[Role]) -> list[Role]:
    """The roles this granter may hand out (for the choices a form offers)."""
    if _may_hand_out_anything(granter):
        return list(roles)
    return [r for r in roles if r.permission_names <= granter.permissions]


def _check_may_grant(granter, roles: list[Role]) -> None:
    """Someone who manages members but not roles can only hand out what they hold themselves: otherwise a
    business manager could make anyone, themselves included, a tenant administrator."""
    if _may_hand_out_anything(granter):
        return
    beyond = [r.name for r in roles if not r.permission_names <= granter.permissions]
    if beyond:
        raise AccessError(f"You cannot give the role {', '.join(beyond)}: it can do more than you can")


def _check_may_manage(granter, membership: Membership) -> None:
    if _may_hand_out_anything(granter):
        return
    held = set().union(*(r.permission_names for r in membership.roles)) if membership.roles else set()
    if not held <= granter.permissions:
        raise AccessError("You cannot change this member: their roles can do more than yours")


def _apply_choice(membership: Membership, choice: MembershipChoice, granter=None) -> None:
    roles, agency, las = _resolve_choice(choice)
    _check_may_grant(granter, roles)
    membership.roles = roles
    membership.agency = agency
    membership.local_authorities = las
    membership.job_title = choice.job_title.strip()[:200]


def add_member(tenant: Tenant, user: User, choice: MembershipChoice, actor=None) -> Membership:
    """Give an existing user an active membership straight away (CLI, set-up)."""
    with tenant_scope(tenant):
        membership = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).first()
        created = membership is None
        if created:
            membership = Membership(user_id=user.id, status="active", accepted_at=utcnow())
            db.session.add(membership)
        _apply_choice(membership, choice)
        membership.status = "active"
        db.session.flush()
        if created:
            record("member.added", membership, summary=f"{user.email} added", actor=actor)
        return membership


def invitation_token(membership: Membership) -> str:
    return _serializer("invitation").dumps({"m": membership.id, "t": membership.tenant_id})


def invite_member(tenant: Tenant, email: str, name: str, choice: MembershipChoice, invited_by: User,
                  granter=None) -> Membership:
    """Create (or renew) an invitation and email it. ``granter`` is the inviter's ``Access`` (None for the
    command line): it limits the roles they may give. The caller commits."""
    email = normalise_email(email)
    user = user_by_email(email) or create_user(email, name or email)
    with tenant_scope(tenant):
        membership = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).first()
        if membership is not None and membership.status == "active":
            raise AccessError(f"{email} is already a member of {tenant.short_name}")
        if membership is None:
            membership = Membership(user_id=user.id)
            db.session.add(membership)
        else:
            _check_may_manage(granter, membership)
        _apply_choice(membership, choice, granter)
        membership.status = "invited"
        membership.invited_by_id = invited_by.id
        membership.invited_at = utcnow()
        db.session.flush()
        link = _link(f"/invitations/{invitation_token(membership)}")
        queue_email(
            email,
            f"You are invited to {tenant.name}",
            f"Hello {user.name},\n\n{invited_by.name} has invited you to join {tenant.name} on the safeguarding "
            f"partnership platform as {', '.join(r.name for r in membership.roles)}.\n\n"
            f"Accept the invitation within 14 days:\n\n{link}\n",
            purpose="invitation",
        )
        record("member.invited", membership, summary=f"{email} invited", actor=invited_by)
        return membership


def membership_from_invitation(token: str) -> Membership | None:
    """The invited membership, with the session put in its tenant's scope (the invitation's link carries
    no tenant in its path, so this is where the request learns it)."""
    try:
        data = _serializer("invitation").loads(token, max_age=current_app.config["INVITATION_MAX_AGE"])
    except (BadSignature, SignatureExpired):
        return None
    tenant = db.session.get(Tenant, data.get("t"))
    if tenant is None:
        return None
    set_tenant(tenant)
    membership = db.session.get(Membership, data.get("m"))
    if membership is None or membership.status != "invited":
        return None
    return membership


def accept_invitation(membership: Membership, password: str | None) -> User:
    """Activate the membership (in its tenant's scope); a user without a password sets one now."""
    user = membership.user
    if user.password_hash is None:
        if not password:
            raise AccessError("Choose a password")
        set_password(user, password)
    membership.status = "active"
    membership.accepted_at = utcnow()
    record("member.joined", membership, summary=f"{user.email} accepted the invitation", actor=user)
    return user


def _other_active_admins(membership: Membership) -> int:
    return db.session.scalar(
        select(func.count(func.distinct(Membership.id))).join(Membership.roles).where(
            Role.key == "tenant_admin", Membership.status == "active", Membership.id != membership.id
        )
    )


def _is_admin(membership: Membership) -> bool:
    return membership.status == "active" and any(r.key == "tenant_admin" for r in membership.roles)


def update_membership(membership: Membership, choice: MembershipChoice, actor, granter=None) -> None:
    _check_may_manage(granter, membership)
    was_admin = _is_admin(membership)
    _apply_choice(membership, choice, granter)
    if was_admin and not _is_admin(membership) and _other_active_admins(membership) == 0:
        raise AccessError("This is the partnership's last tenant administrator: give the role to someone else first")
    record("member.changed", membership, summary=f"{membership.user.email}: roles or limits changed",
           details={"roles": [r.key for r in membership.roles],
                    "agency": membership.agency.key if membership.agency else None,
                    "local_authorities": [la.key for la in membership.local_authorities]},
           actor=actor)


def set_membership_status(membership: Membership, status: str, actor, granter=None) -> None:
    if status not in {"active", "suspended"}:
        raise AccessError("Unknown status")
    _check_may_manage(granter, membership)
    if status == "suspended" and _is_admin(membership) and _other_active_admins(membership) == 0:
        raise AccessError("This is the partnership's last tenant administrator and cannot be suspended")
    membership.status = status
    record(f"member.{'suspended' if status == 'suspended' else 'reactivated'}", membership,
           summary=f"{membership.user.email} {status}", actor=actor)


# -- API tokens -----------------------------------------------------------------------------------------


def create_api_token(user: User, name: str, actor=None) -> tuple[ApiToken, str]:
    """Create a token for the tenant in scope; the plain token is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise AccessError("Give the token a name that says what uses it")
    plain = "lscp_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name[:120], token_hash=hash_token(plain), prefix=plain[:12])
    db.session.add(token)
    db.session.flush()
    record("token.created", token, summary=f"API token '{token.name}' for {user.email}", actor=actor or user)
    return token, plain


def revoke_api_token(token: ApiToken, actor) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record("token.revoked", token, summary=f"API token '{token.name}' revoked", actor=actor)
