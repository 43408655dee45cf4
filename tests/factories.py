"""Test factories: each returns a committed model, with sensible defaults."""

from __future__ import annotations

import itertools
from datetime import datetime

from citizenideas.extensions import db
from citizenideas.models import (
    AcvNomination,
    Category,
    CommunityAsset,
    Idea,
    Membership,
    Organisation,
    User,
    Ward,
    utcnow,
)
from citizenideas.services.accounts import hash_password

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery"
_HASH: str | None = None


def _password_hash(password: str) -> str:
    global _HASH
    if password == PASSWORD:
        if _HASH is None:
            _HASH = hash_password(PASSWORD)
        return _HASH
    return hash_password(password)


class Factory:
    """make.user(role="moderator"), make.idea(author=...), make.organisation(verified=True) ..."""

    def user(self, role: str = "resident", verified: bool = True, email: str | None = None,
             display_name: str | None = None, password: str = PASSWORD, **kw) -> User:
        n = next(_seq)
        user = User(email=(email or f"user{n}@example.org").lower(),
                    display_name=display_name or f"Person {n}",
                    password_hash=_password_hash(password), role=role,
                    email_verified_at=utcnow() if verified else None,
                    notify_pref=kw.pop("notify_pref", "immediate"), **kw)
        db.session.add(user)
        db.session.commit()
        return user

    def ward(self, name: str | None = None) -> Ward:
        n = next(_seq)
        ward = Ward(name=name or f"Ward {n}", ons_code=f"E0500{n:04d}")
        db.session.add(ward)
        db.session.commit()
        return ward

    def category(self, name: str | None = None) -> Category:
        n = next(_seq)
        name = name or f"Category {n}"
        category = Category(name=name, slug=f"{name.lower().replace(' ', '-')}-{n}")
        db.session.add(category)
        db.session.commit()
        return category

    def idea(self, author: User | None = None, status: str = "submitted", title: str | None = None,
             description: str | None = None, ward: Ward | None = None,
             category: Category | None = None, created_at: datetime | None = None,
             **kw) -> Idea:
        n = next(_seq)
        author = author or self.user()
        now = created_at or utcnow()
        idea = Idea(title=title or f"Community idea number {n}",
                    description=description or "A longer description of this idea so that it "
                                               "passes the thirty character minimum.",
                    category_id=(category or self.category()).id, ward_id=(ward or self.ward()).id,
                    author_id=author.id, status=status, created_at=now, updated_at=now,
                    reference=f"T-{n:05d}", **kw)
        db.session.add(idea)
        db.session.commit()
        return idea

    def organisation(self, name: str | None = None, verified: bool = True,
                     members: list[tuple[User, str]] | None = None) -> Organisation:
        n = next(_seq)
        org = Organisation(name=name or f"Organisation {n}", description="A local group.",
                           contact_email=f"org{n}@example.org",
                           verified_at=utcnow() if verified else None)
        db.session.add(org)
        db.session.flush()
        for user, role in members or []:
            db.session.add(Membership(user_id=user.id, organisation_id=org.id, role=role))
        db.session.commit()
        return org

    def asset(self, name: str | None = None, kind: str = "library", ward: Ward | None = None,
              **kw) -> CommunityAsset:
        n = next(_seq)
        asset = CommunityAsset(name=name or f"Asset {n}", kind=kind,
                               ward_id=ward.id if ward else None,
                               community_status=kw.pop("community_status", "council_run"), **kw)
        db.session.add(asset)
        db.session.commit()
        return asset

    def acv_nomination(self, asset: CommunityAsset, group_name: str = "Local people",
                       **kw) -> AcvNomination:
        """A pending nomination of ``asset`` by a group of local people (as staff record)."""
        from datetime import UTC, timedelta

        now = datetime.now(UTC)
        nomination = AcvNomination(
            asset_id=asset.id, group_name=group_name,
            reasons=kw.pop("reasons", "It furthers the social wellbeing of the community."),
            submitted_at=now, decision_due_on=now.date() + timedelta(weeks=8),
            state=kw.pop("state", "nominated"), **kw)
        db.session.add(nomination)
        db.session.commit()
        return nomination
