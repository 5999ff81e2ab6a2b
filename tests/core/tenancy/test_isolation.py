"""Row isolation between tenants, for every way SQLAlchemy reaches a row."""

from __future__ import annotations

import pytest
from lscp_noticeboard.models import Comment, Notice, SharedNotice
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import aliased, joinedload, selectinload

from core.audit.models import AuditEvent
from core.db import db
from core.tenancy.isolation import CrossTenantWrite, TenantContextRequired, tenant_scope, unscoped
from core.tenancy.models import (
    Agency,
    LocalAuthority,
    SafeguardingPartner,
    SharedOffer,
    SharedOfferMember,
    Tenant,
    agency_local_authorities,
)
from tests.helpers import create_tenant


@pytest.fixture
def two():
    a, b = create_tenant("alpha", las=("a-north", "a-south")), create_tenant("beta", las=("b-east", "b-west"))
    for tenant, title in ((a, "alpha notice"), (b, "beta notice")):
        with tenant_scope(tenant):
            notice = Notice(title=title)
            notice.comments = [Comment(text=f"{title} comment")]
            db.session.add(notice)
    db.session.commit()
    # A corrupt cross-tenant link (as a bad migration or raw SQL could leave): alpha's council agency is
    # joined to one of beta's local authorities. Isolation must hide beta's row even so.
    with unscoped():
        a_council = db.session.scalars(select(Agency).where(Agency.tenant_id == a.id, Agency.key == "council")).one()
        b_east = db.session.scalars(select(LocalAuthority).where(LocalAuthority.key == "b-east")).one()
        ids = (a_council.id, b_east.id)
    db.session.execute(text("INSERT INTO agency_local_authorities (agency_id, local_authority_id) VALUES (:a, :l)"),
                       {"a": ids[0], "l": ids[1]})
    db.session.commit()
    a_id, b_id = a.id, b.id
    db.session.expunge_all()
    return db.session.get(Tenant, a_id), db.session.get(Tenant, b_id)


def _id_of(model, tenant, **where):
    with unscoped():
        query = select(model.id).where(model.tenant_id == tenant.id)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return db.session.scalars(query).first()


def test_select_returns_only_the_tenants_rows(two):
    a, _b = two
    with tenant_scope(a):
        assert {la.key for la in db.session.scalars(select(LocalAuthority))} == {"a-north", "a-south"}
        assert db.session.scalar(select(func.count()).select_from(Notice)) == 1
        assert [n.title for n in db.session.scalars(select(aliased(Notice)))] == ["alpha notice"]


def test_get_by_id_of_another_tenant_finds_nothing(two):
    a, b = two
    b_notice = _id_of(Notice, b)
    with tenant_scope(a):
        assert db.session.get(Notice, b_notice) is None
        assert db.session.get(Notice, _id_of(Notice, a)).title == "alpha notice"


def test_identity_map_does_not_leak_rows_loaded_under_another_scope(two):
    a, b = two
    b_notice = _id_of(Notice, b)
    with unscoped():
        loaded = db.session.get(Notice, b_notice)
        assert loaded.title == "beta notice"
    with tenant_scope(a):
        # The row was in the identity map; get() may answer from it without SQL, and must not.
        assert db.session.get(Notice, b_notice) is None
    # Even an object put back into the identity map by hand is refused by get().
    with tenant_scope(a):
        db.session.add(loaded)
        assert db.session.get(Notice, b_notice) is None


def test_many_to_one_lazy_load_is_scoped(two):
    a, b = two
    with tenant_scope(a):
        partner = db.session.scalars(select(SafeguardingPartner).join(SafeguardingPartner.agency)
                                     .where(Agency.key == "council")).one()
        assert partner.agency.tenant_id == a.id


def test_lazy_joined_and_selectin_collections_hide_other_tenants_rows(two):
    a, _b = two
    with tenant_scope(a):
        lazy = db.session.scalars(select(Agency).where(Agency.key == "council")).one()
        assert {la.key for la in lazy.local_authorities} == set()  # only the corrupt link to beta: hidden
        db.session.expunge_all()
        joined = db.session.scalars(
            select(Agency).options(joinedload(Agency.local_authorities)).where(Agency.key == "council")
        ).unique().one()
        assert joined.local_authorities == []
        db.session.expunge_all()
        selectin = db.session.scalars(
            select(Agency).options(selectinload(Agency.local_authorities)).where(Agency.key == "council")
        ).one()
        assert selectin.local_authorities == []
        school = db.session.scalars(select(Agency).where(Agency.key == "school")).one()
        assert [la.key for la in school.local_authorities] == ["a-north"]
        notice = db.session.scalars(select(Notice)).one()
        assert [c.text for c in notice.comments] == ["alpha notice comment"]


def test_has_and_any_do_not_see_other_tenants_rows(two):
    a, _b = two
    with tenant_scope(a):
        through_any = db.session.scalars(
            select(Agency).where(Agency.local_authorities.any(LocalAuthority.key == "b-east"))
        ).all()
        assert through_any == []
        own = db.session.scalars(
            select(Agency.key).where(Agency.local_authorities.any(LocalAuthority.key == "a-north"))
        ).all()
        assert own == ["school"]
        through_has = db.session.scalars(select(Comment).where(Comment.notice.has(Notice.title == "beta notice"))).all()
        assert through_has == []
        assert len(db.session.scalars(select(Comment).where(Comment.notice.has(Notice.title == "alpha notice"))).all()) == 1


def test_explicit_joins_are_scoped_on_every_side(two):
    a, _b = two
    with tenant_scope(a):
        link = agency_local_authorities
        rows = db.session.execute(
            select(Agency.key, LocalAuthority.key)
            .join(link, link.c.agency_id == Agency.id)
            .join(LocalAuthority, link.c.local_authority_id == LocalAuthority.id)
        ).all()
        assert rows == [("school", "a-north")]
        via_relationship = db.session.execute(select(Comment.text, Notice.title).join(Comment.notice)).all()
        assert via_relationship == [("alpha notice comment", "alpha notice")]
        subquery = db.session.scalars(select(Notice.title).where(Notice.id.in_(select(Comment.notice_id)))).all()
        assert subquery == ["alpha notice"]


def test_bulk_update_and_delete_touch_only_the_tenants_rows(two):
    a, b = two
    with tenant_scope(a):
        assert db.session.execute(update(Notice).values(body="changed")).rowcount == 1
        assert db.session.execute(delete(Comment)).rowcount == 1
    db.session.commit()
    with tenant_scope(b):
        notice = db.session.scalars(select(Notice)).one()
        assert notice.body == "" and len(notice.comments) == 1


def test_bulk_insert_is_stamped_and_cannot_target_another_tenant(two):
    a, b = two
    with tenant_scope(a):
        db.session.execute(insert(Notice), [{"title": "bulk one"}, {"title": "bulk two"}])
        with pytest.raises(CrossTenantWrite):
            db.session.execute(insert(Notice), [{"title": "smuggled", "tenant_id": b.id}])
    db.session.commit()
    with tenant_scope(a):
        assert db.session.scalar(select(func.count()).select_from(Notice)) == 3
    with tenant_scope(b):
        assert db.session.scalar(select(func.count()).select_from(Notice)) == 1


def _raises_no_tenant(call):
    with pytest.raises((TenantContextRequired, StatementError)) as info:
        call()
    error = info.value
    assert isinstance(error, TenantContextRequired) or isinstance(error.orig, TenantContextRequired)


def test_tenant_data_with_no_tenant_in_context_fails_closed(two):
    _a, b = two
    b_notice = _id_of(Notice, b)
    db.session.expunge_all()
    _raises_no_tenant(lambda: db.session.scalars(select(Notice)).all())
    _raises_no_tenant(lambda: db.session.get(Notice, b_notice))
    _raises_no_tenant(lambda: db.session.execute(select(Comment.text).join(Comment.notice)).all())
    _raises_no_tenant(lambda: db.session.execute(update(Notice).values(title="x")))
    _raises_no_tenant(lambda: db.session.execute(delete(Notice)))
    db.session.rollback()
    db.session.add(Notice(title="orphan"))
    with pytest.raises(TenantContextRequired):
        db.session.flush()
    db.session.rollback()


def test_new_rows_are_stamped_and_foreign_writes_refused(two):
    a, b = two
    with tenant_scope(a):
        notice = Notice(title="stamped")
        db.session.add(notice)
        db.session.flush()
        assert notice.tenant_id == a.id
        db.session.add(Notice(title="for beta", tenant_id=b.id))
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()

    # Changing, moving or deleting another tenant's row is refused even when the object is at hand.
    for change in (lambda n: setattr(n, "title", "defaced"), lambda n: setattr(n, "tenant_id", a.id),
                   db.session.delete):
        with unscoped():
            b_notice = db.session.scalars(select(Notice).where(Notice.tenant_id == b.id)).one()
        with tenant_scope(a):
            db.session.add(b_notice)
            change(b_notice)
            with pytest.raises(CrossTenantWrite):
                db.session.flush()
            db.session.rollback()
    with tenant_scope(a):
        own = db.session.scalars(select(Notice).where(Notice.title == "alpha notice")).one()
        own.tenant_id = b.id
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()
    with unscoped():
        assert db.session.scalars(select(Notice.title).where(Notice.tenant_id == b.id)).all() == ["beta notice"]


@pytest.fixture
def offer(two):
    a, b = two
    c = create_tenant("gamma")
    offer = SharedOffer(slug="shared", name="Shared offer", module="noticeboard", coordinator_id=b.id)
    offer.members = [SharedOfferMember(tenant_id=a.id), SharedOfferMember(tenant_id=b.id)]
    db.session.add(offer)
    db.session.flush()
    with tenant_scope(b):
        db.session.add_all([SharedNotice(title="for every member", shared_offer_id=offer.id),
                            SharedNotice(title="beta only")])
    db.session.commit()
    return a, b, c


def test_shared_offer_rows_are_visible_to_members_only(offer):
    a, b, c = offer
    with tenant_scope(b):
        assert sorted(n.title for n in db.session.scalars(select(SharedNotice))) == ["beta only", "for every member"]
    with tenant_scope(a):
        assert [n.title for n in db.session.scalars(select(SharedNotice))] == ["for every member"]
    with tenant_scope(c):
        assert db.session.scalars(select(SharedNotice)).all() == []
        shared_id = _id_of(SharedNotice, b, title="for every member")
        assert db.session.get(SharedNotice, shared_id) is None


def test_a_member_cannot_change_the_coordinators_shared_rows(offer):
    a, _b, _c = offer
    with tenant_scope(a):
        assert db.session.execute(update(SharedNotice).values(title="hijacked")).rowcount == 0
        shared = db.session.scalars(select(SharedNotice)).one()
        shared.title = "hijacked"
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()


def test_platform_records_are_kept_apart_from_tenant_records(two):
    a, b = two
    db.session.add(AuditEvent(action="platform.thing"))
    with tenant_scope(a):
        db.session.add(AuditEvent(action="alpha.thing"))
    with tenant_scope(b):
        db.session.add(AuditEvent(action="beta.thing"))
    db.session.commit()
    assert db.session.scalars(select(AuditEvent.action)).all() == ["platform.thing"]
    with tenant_scope(a):
        assert db.session.scalars(select(AuditEvent.action)).all() == ["alpha.thing"]
    with unscoped():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 3
