"""The idea page offers partners the claim form (issue 12, item 5): members of verified
organisations see "Offer to deliver this idea" on ideas that can be claimed, and, once their
organisation has offered, a note that it has, instead."""

from __future__ import annotations

import re

import pytest

from citizenideas import demo_content
from citizenideas.extensions import db
from citizenideas.services import claims

PLAN = "We will run weekly sessions in the community hall with our volunteers."
OFFER = "Offer to deliver this idea"
OFFERED = "Your organisation has offered to deliver this idea"


@pytest.fixture
def world(make):
    class World:
        pass

    w = World()
    w.resident = make.user(email="resident@example.org")
    w.partner = make.user(email="partner@example.org")
    w.org = make.organisation(name="Elm Park Friends", members=[(w.partner, "member")])
    w.pending_member = make.user(email="pending@example.org")
    make.organisation(name="Not Yet Checked", verified=False,
                      members=[(w.pending_member, "manager")])
    w.moderator = make.user(role="moderator", email="mod@example.org")
    w.idea = make.idea(status="accepted", title="Plant trees on Elm Road")
    return w


def _page(client, idea) -> str:
    response = client.get(f"/ideas/{idea.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _claim_link(idea) -> str:
    return f'href="/partners/ideas/{idea.id}/claim"'


@pytest.mark.parametrize("status", ["accepted", "in_delivery"])
def test_member_of_verified_organisation_sees_offer_link_to_claim_form(world, client, auth,
                                                                      make, status):
    idea = make.idea(status=status, title="Repaint the bandstand")
    auth.sign_in(world.partner.email)
    html = _page(client, idea)
    assert OFFER in html
    assert _claim_link(idea) in html
    # The link leads to the claim form for this idea.
    form = client.get(f"/partners/ideas/{idea.id}/claim")
    assert form.status_code == 200
    assert "Repaint the bandstand" in form.get_data(as_text=True)


def test_anonymous_visitor_is_not_offered_to_deliver(world, client):
    html = _page(client, world.idea)
    assert OFFER not in html
    assert _claim_link(world.idea) not in html


@pytest.mark.parametrize("who", ["resident", "pending_member", "moderator"])
def test_people_without_a_verified_organisation_are_not_offered_to_deliver(world, client,
                                                                           auth, who):
    auth.sign_in(getattr(world, who).email)
    html = _page(client, world.idea)
    assert OFFER not in html
    assert _claim_link(world.idea) not in html


@pytest.mark.parametrize("status", ["submitted", "under_review", "declined", "delivered",
                                    "not_delivered"])
def test_partner_is_not_offered_ideas_that_cannot_be_claimed(world, client, auth, make, status):
    idea = make.idea(status=status)
    auth.sign_in(world.partner.email)
    html = _page(client, idea)
    assert OFFER not in html
    assert OFFERED not in html
    assert _claim_link(idea) not in html


@pytest.mark.parametrize("decision", [None, "approve"])
def test_partner_whose_organisation_has_an_open_claim_sees_it_has_offered(world, client, auth,
                                                                          decision):
    claim = claims.claim_idea(world.partner, world.idea, world.org, plan=PLAN)
    if decision:
        claims.decide_claim(world.moderator, claim, decision, "")
    db.session.commit()
    auth.sign_in(world.partner.email)
    html = _page(client, world.idea)
    # The note links to the partner dashboard, where the claim is followed.
    assert re.search(OFFERED + r'\.\s*<a class="govuk-link" href="/partners">', html)
    assert OFFER not in html.replace(OFFERED, "")
    assert _claim_link(world.idea) not in html


def test_partner_can_offer_again_after_a_rejected_claim(world, client, auth):
    claim = claims.claim_idea(world.partner, world.idea, world.org, plan=PLAN)
    claims.decide_claim(world.moderator, claim, "reject", "Not this time, thank you.")
    db.session.commit()
    auth.sign_in(world.partner.email)
    html = _page(client, world.idea)
    assert _claim_link(world.idea) in html
    assert OFFERED not in html


def test_accepted_message_promising_an_offer_from_this_page_is_kept(world, client, auth, make):
    """The council's "Accepted: looking for a partner" reply tells partners they can offer
    from the idea's page; a partner reading it there finds the offer."""
    [(status, body)] = [(s, b) for s, title, b in demo_content.RESPONSE_TEMPLATES
                        if title == "Accepted: looking for a partner"]
    assert "offer to take it on from this page" in body
    idea = make.idea(status=status)
    auth.sign_in(world.partner.email)
    assert _claim_link(idea) in _page(client, idea)
