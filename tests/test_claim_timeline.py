"""An approved claim is on the idea's public timeline ("<Organisation> is delivering this
idea", with its date); a rejected one stays between the council and the partner."""

from __future__ import annotations

import re

import pytest

from citizenideas.extensions import db
from citizenideas.services import claims

PLAN = "We will run the repair cafe every Saturday with our volunteers."


def html(response) -> str:
    return response.get_data(as_text=True)


def timeline(client, idea) -> str:
    page = html(client.get(f"/ideas/{idea.id}"))
    return page.split('id="timeline-heading"', 1)[1].split("</section>", 1)[0]


@pytest.fixture
def cast(make):
    class Cast:
        moderator = make.user(role="moderator")
        partner = make.user()
        other_partner = make.user()
        third_partner = make.user()
        idea = make.idea(status="accepted", title="Repair cafe")
    Cast.org = make.organisation(name="Repair Friends", members=[(Cast.partner, "manager")])
    Cast.other_org = make.organisation(name="Bike Menders",
                                       members=[(Cast.other_partner, "manager")])
    Cast.third_org = make.organisation(name="Sew Good",
                                       members=[(Cast.third_partner, "manager")])
    return Cast


def test_approved_claims_are_on_the_public_timeline_and_rejected_ones_are_not(cast, client):
    first = claims.claim_idea(cast.partner, cast.idea, cast.org, plan=PLAN)
    second = claims.claim_idea(cast.other_partner, cast.idea, cast.other_org, plan=PLAN)
    third = claims.claim_idea(cast.third_partner, cast.idea, cast.third_org, plan=PLAN)
    db.session.commit()
    claims.decide_claim(cast.moderator, first, "approve", "")
    db.session.commit()
    claims.decide_claim(cast.moderator, second, "approve", "They fix bikes.")
    db.session.commit()
    claims.decide_claim(cast.moderator, third, "reject", "Not the right group for this.")
    db.session.commit()

    shown = timeline(client, cast.idea)  # as a visitor sees it
    assert "Repair Friends is delivering this idea" in shown
    assert "Bike Menders is delivering this idea" in shown
    assert shown.count("is delivering this idea") == 2
    assert "Sew Good" not in shown and "Not the right group" not in shown
    # Each with its date, in order.
    assert re.search(r"Repair Friends is delivering this idea.*?\d{1,2} \w+ \d{4}.*"
                     r"Bike Menders is delivering this idea.*?\d{1,2} \w+ \d{4}", shown, re.S)
    assert "Sew Good" not in html(client.get(f"/ideas/{cast.idea.id}"))


def test_a_claim_approved_then_withdrawn_stays_on_the_record(cast, client):
    claim = claims.claim_idea(cast.partner, cast.idea, cast.org, plan=PLAN)
    db.session.commit()
    claims.decide_claim(cast.moderator, claim, "approve", "")
    db.session.commit()
    claims.withdraw_claim(cast.partner, claim, "We lost our venue.")
    db.session.commit()

    shown = timeline(client, cast.idea)
    assert "Repair Friends is delivering this idea" in shown
    assert "Repair Friends withdrew its offer to deliver this idea" in shown


def test_a_pending_or_withdrawn_pending_claim_is_not_on_the_timeline(cast, client):
    claims.claim_idea(cast.partner, cast.idea, cast.org, plan=PLAN)
    withdrawn = claims.claim_idea(cast.other_partner, cast.idea, cast.other_org, plan=PLAN)
    db.session.commit()
    claims.withdraw_claim(cast.other_partner, withdrawn)
    db.session.commit()
    assert "is delivering this idea" not in timeline(client, cast.idea)
