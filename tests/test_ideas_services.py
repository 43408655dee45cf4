"""Ideas through the service layer: propose, edit, withdraw, find similar ones, search."""

from __future__ import annotations

from datetime import timedelta

import pytest

from citizenideas.errors import AuthRequired, NotAllowed, NotFound, ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import Follow, StatusChange, utcnow
from citizenideas.services import ideas
from citizenideas.services.lifecycle import change_status

DESCRIPTION = "Plant fruit trees along the path so neighbours can pick apples in autumn."


@pytest.fixture
def place(make):
    return {"ward": make.ward(), "category": make.category()}


def propose(user, place, **kw):
    fields = {"title": "Fruit trees on the canal path", "description": DESCRIPTION,
              "category_id": place["category"].id, "ward_id": place["ward"].id}
    fields.update(kw)
    return ideas.propose_idea(user, **fields)


def test_resident_proposes_an_idea_and_follows_it(make, place):
    resident = make.user()
    idea = propose(resident, place, location_text="  Canal path by the lock  ")
    db.session.commit()
    assert idea.status == "submitted"
    assert idea.reference == f"DB-{idea.created_at.year}-{idea.id:04d}"
    assert idea.location_text == "Canal path by the lock"
    assert db.session.query(Follow).filter_by(user_id=resident.id, idea_id=idea.id).count() == 1


def test_proposing_can_link_a_community_asset(make, place):
    library = make.asset(name="Central Library")
    idea = propose(make.user(), place, asset_ids=[library.id])
    assert [a.name for a in idea.assets] == ["Central Library"]


@pytest.mark.parametrize("field, value, message", [
    ("title", "", "Enter a title"),
    ("title", "Short", "8 characters or more"),
    ("title", "x" * 121, "120 characters or fewer"),
    ("description", "Too short to explain", "30 characters or more"),
    ("description", "x" * 5001, "5,000 characters or fewer"),
    ("category_id", None, "Select a category"),
    ("ward_id", 99999, "Select the ward"),
    ("location_text", "x" * 201, "200 characters or fewer"),
])
def test_proposal_is_validated_field_by_field(make, place, field, value, message):
    with pytest.raises(ValidationFailed) as raised:
        propose(make.user(), place, **{field: value})
    assert message in " ".join(raised.value.errors[field])


def test_retired_category_or_ward_cannot_be_chosen(make, place):
    place["category"].retired_at = utcnow()
    place["ward"].retired_at = utcnow()
    db.session.commit()
    with pytest.raises(ValidationFailed) as raised:
        propose(make.user(), place)
    assert set(raised.value.errors) == {"category_id", "ward_id"}


def test_retired_asset_cannot_be_linked(make, place):
    asset = make.asset(retired_at=utcnow())
    with pytest.raises(ValidationFailed) as raised:
        propose(make.user(), place, asset_ids=[asset.id])
    assert "asset_id" in raised.value.errors


def test_only_verified_residents_propose_unless_switched_off(app, make, place):
    with pytest.raises(NotAllowed, match="Confirm your email"):
        propose(make.user(verified=False), place)
    with pytest.raises(AuthRequired):
        propose(None, place)
    app.config["REQUIRE_VERIFIED_EMAIL"] = False
    assert propose(make.user(verified=False), place).id


def test_author_edits_while_submitted_and_the_edit_is_on_the_timeline(make, place):
    author = make.user()
    idea = propose(author, place)
    ideas.edit_idea(author, idea, title="Apple trees on the canal path",
                    description=DESCRIPTION, category_id=idea.category_id, ward_id=idea.ward_id)
    db.session.commit()
    assert idea.title == "Apple trees on the canal path"
    assert [e.event for e in idea.timeline] == ["edited"]


def test_nobody_else_edits_and_the_author_cannot_once_under_review(make, place):
    author, moderator = make.user(), make.user(role="moderator")
    idea = propose(author, place)
    fields = {"title": "Something else entirely", "description": DESCRIPTION,
              "category_id": idea.category_id, "ward_id": idea.ward_id}
    with pytest.raises(NotAllowed):
        ideas.edit_idea(make.user(), idea, **fields)
    change_status(moderator, idea, "under_review")
    with pytest.raises(NotAllowed):
        ideas.edit_idea(author, idea, **fields)


def test_author_withdraws_with_a_reason(make, place):
    author = make.user()
    idea = propose(author, place)
    with pytest.raises(ValidationFailed):
        ideas.withdraw_idea(author, idea, "  ")
    change = ideas.withdraw_idea(author, idea, "A group is already doing this.")
    assert idea.status == "withdrawn"
    assert change.message == "A group is already doing this."


def test_withdrawing_is_refused_after_a_decision_and_for_other_people(make, place):
    author, moderator = make.user(), make.user(role="moderator")
    idea = propose(author, place)
    with pytest.raises(NotAllowed):
        ideas.withdraw_idea(make.user(), idea, "Not mine")
    change_status(moderator, idea, "accepted")
    with pytest.raises(NotAllowed):
        ideas.withdraw_idea(author, idea, "Changed my mind")


def test_similar_ideas_share_significant_title_words(make):
    garden = make.idea(title="Community garden on Elm Street")
    make.idea(title="Gardening club for the Elm Street estate")
    make.idea(title="Repair cafe in the library")
    make.idea(title="Hidden garden of Elm Street", hidden=True)
    make.idea(title="Withdrawn Elm Street garden", status="withdrawn")
    found = ideas.similar_ideas("A garden in Elm Street please")
    assert found[0] == garden
    assert [i.title for i in found] == ["Community garden on Elm Street",
                                        "Gardening club for the Elm Street estate"]
    assert ideas.similar_ideas("the and of a") == []
    assert ideas.similar_ideas("Garden on Elm Street", exclude_id=garden.id)[0] != garden


def test_similar_ideas_are_at_most_five(make):
    for n in range(8):
        make.idea(title=f"Bench number {n} in the park")
    assert len(ideas.similar_ideas("New bench in the park")) == 5


def test_search_matches_title_or_description_case_insensitively(make):
    make.idea(title="Litter pick on Saturday")
    make.idea(title="Book swap", description="A shelf for swapping books near the LITTER bins.")
    make.idea(title="Repair cafe")
    items, total = ideas.search_ideas(None, q="litter")
    assert total == 2 and {i.title for i in items} == {"Litter pick on Saturday", "Book swap"}
    assert ideas.search_ideas(None, q="100%")[1] == 0


def test_search_filters_by_status_category_and_ward(make):
    ward, category = make.ward(), make.category()
    wanted = make.idea(ward=ward, category=category, status="accepted")
    make.idea(ward=ward, status="accepted")
    make.idea(category=category, status="accepted")
    make.idea(ward=ward, category=category, status="submitted")
    items, total = ideas.search_ideas(None, status="accepted", ward_id=ward.id,
                                      category_id=category.id)
    assert items == [wanted] and total == 1


def test_duplicates_withdrawn_and_hidden_are_left_out_unless_asked(make):
    shown = make.idea()
    duplicate = make.idea(status="duplicate")
    make.idea(status="withdrawn")
    hidden = make.idea(hidden=True)
    assert ideas.search_ideas(None)[0] == [shown]
    assert ideas.search_ideas(None, status="duplicate")[0] == [duplicate]
    staff_view = ideas.search_ideas(make.user(role="moderator"))[0]
    assert hidden in staff_view


def test_search_sorts_and_paginates(make):
    now = utcnow()
    old = make.idea(title="Old idea with support", support_count=9,
                    created_at=now - timedelta(days=10))
    new = make.idea(title="Newest idea", created_at=now)
    middle = make.idea(title="Recently updated", created_at=now - timedelta(days=5))
    middle.updated_at = now + timedelta(hours=1)
    db.session.commit()
    assert ideas.search_ideas(None, sort="supports")[0][0] == old
    assert ideas.search_ideas(None, sort="newest")[0][0] == new
    assert ideas.search_ideas(None, sort="updated")[0][0] == middle
    page2, total = ideas.search_ideas(None, sort="newest", page=2, per_page=2)
    assert total == 3 and page2 == [old]


def test_hidden_idea_is_visible_only_to_staff_and_its_author(make):
    author = make.user()
    idea = make.idea(author=author, hidden=True)
    with pytest.raises(NotFound):
        ideas.get_visible_idea(None, idea.id)
    with pytest.raises(NotFound):
        ideas.get_visible_idea(make.user(), idea.id)
    assert ideas.get_visible_idea(author, idea.id) == idea
    assert ideas.get_visible_idea(make.user(role="moderator"), idea.id) == idea
    with pytest.raises(NotFound):
        ideas.get_visible_idea(None, 999999)


def test_support_closed_reason_is_given_when_not_open(make):
    assert ideas.support_closed_reason(make.idea(status="accepted")) is None
    assert "declined" in ideas.support_closed_reason(make.idea(status="declined"))


def test_withdrawal_writes_a_timeline_entry_and_tells_supporters(make, place):
    from citizenideas.models import Notification
    from citizenideas.services.engagement import support_idea

    author, supporter = make.user(), make.user()
    idea = propose(author, place)
    support_idea(supporter, idea)
    ideas.withdraw_idea(author, idea, "Duplicate of the canal group's plan.")
    db.session.commit()
    entries = db.session.query(StatusChange).filter_by(idea_id=idea.id).all()
    assert [(e.event, e.to_status) for e in entries] == [("status", "withdrawn")]
    assert db.session.query(Notification).filter_by(user_id=supporter.id,
                                                    kind="status_change").count() == 1
