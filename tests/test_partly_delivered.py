"""An idea whose outcome is "partly delivered" is partly delivered everywhere, never "Delivered":
its status, timeline, badge, filters, figures, feed and open data (issue 12 item 9)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from lxml import etree
from sqlalchemy import select

from citizenideas.errors import Conflict, NotAllowed
from citizenideas.extensions import db
from citizenideas.models import STATUSES, Notification, OutcomeReport, StatusChange, utcnow
from citizenideas.services import claims, engagement, outcomes
from citizenideas.services.ideas import support_closed_reason
from citizenideas.services.lifecycle import (
    OUTCOME_ONLY,
    STATUS_COLOURS,
    STATUS_LABELS,
    TRANSITIONS,
    allowed_targets,
    change_status,
)
from citizenideas.services.stats import accountability_figures, headline_figures

ATOM = "{http://www.w3.org/2005/Atom}"
PLAN = "We will open a community fridge in the library foyer, stocked every evening."
REPORT = {"result": "partly_delivered", "summary": "The fridge opens three days, not five.",
          "people_reached": 900, "volunteer_hours": "380"}


@pytest.fixture
def world(make):
    """An idea in delivery by a verified organisation, followed by a resident."""
    class World:
        pass

    w = World()
    w.author = make.user(display_name="Ada")
    w.moderator = make.user(role="moderator", email="moderator@example.org")
    w.partner = make.user(email="partner@example.org")
    w.org = make.organisation(name="Northgate Youth Project", members=[(w.partner, "manager")])
    w.ward, w.category = make.ward("Northgate"), make.category("Food")
    w.idea = make.idea(author=w.author, status="accepted", title="Community fridge at the library",
                       ward=w.ward, category=w.category, first_response_at=utcnow())
    w.claim = claims.claim_idea(w.partner, w.idea, w.org, plan=PLAN)
    claims.decide_claim(w.moderator, w.claim, "approve", "")
    db.session.commit()
    return w


def _publish_partly(world):
    report = outcomes.save_outcome_report(world.partner, world.idea, submit=True, **REPORT)
    outcomes.publish_outcome(world.moderator, report)
    db.session.commit()
    return report


def _tags(html: str) -> list[str]:
    """The text of every GOV.UK tag (badge) on a page."""
    return [t.strip() for t in re.findall(r'<strong class="govuk-tag[^"]*">([^<]*)</strong>',
                                          html)]


# ------------------------------------------------------------------------ the lifecycle

def test_partly_delivered_is_a_status_with_its_own_label_and_colour():
    assert "partly_delivered" in STATUSES
    assert str(STATUS_LABELS["partly_delivered"]) == "Partly delivered"
    assert STATUS_COLOURS["partly_delivered"] not in (STATUS_COLOURS["delivered"],
                                                      STATUS_COLOURS["not_delivered"])
    assert "partly_delivered" in OUTCOME_ONLY
    assert "partly_delivered" in TRANSITIONS["accepted"] & TRANSITIONS["in_delivery"]
    assert TRANSITIONS["partly_delivered"] == set()  # the record is closed


def test_publishing_a_partly_delivered_report_makes_the_idea_partly_delivered(world):
    follower = world.author
    _publish_partly(world)
    idea = world.idea
    assert idea.status == "partly_delivered"
    assert idea.delivered_at is not None
    last = idea.timeline[-1]
    assert (last.event, last.from_status, last.to_status) == ("status", "in_delivery",
                                                             "partly_delivered")
    assert last.message == REPORT["summary"]
    subjects = db.session.scalars(select(Notification.subject).where(
        Notification.user_id == follower.id, Notification.kind == "status_change")).all()
    assert any(s.endswith("now Partly delivered") for s in subjects), subjects


def test_a_delivered_report_still_makes_the_idea_delivered(world):
    report = outcomes.save_outcome_report(world.partner, world.idea, submit=True,
                                          **{**REPORT, "result": "delivered"})
    outcomes.publish_outcome(world.moderator, report)
    db.session.commit()
    assert world.idea.status == "delivered"


def test_partly_delivered_is_reached_only_by_publishing_an_outcome(world):
    with pytest.raises(Conflict):
        change_status(world.moderator, world.idea, "partly_delivered", "Mostly done.")
    db.session.rollback()
    assert world.idea.status == "in_delivery"
    assert "partly_delivered" not in allowed_targets(world.idea)


def test_a_partly_delivered_idea_is_closed_like_a_delivered_one(world, make):
    _publish_partly(world)
    idea, resident = world.idea, make.user()
    assert support_closed_reason(idea) == ("Support is closed because this idea has been "
                                           "partly delivered.")
    with pytest.raises(NotAllowed):
        engagement.support_idea(resident, idea)
    db.session.rollback()
    with pytest.raises(NotAllowed):
        engagement.pledge_help(resident, idea, kind="time", message="I can help on Fridays.")
    db.session.rollback()
    # The record is closed: the partner cannot withdraw from it, and nothing moves it on.
    with pytest.raises(Conflict):
        claims.withdraw_claim(world.partner, world.claim, "Changed our minds.")
    db.session.rollback()
    assert world.claim.status == "approved" and idea.status == "partly_delivered"
    assert allowed_targets(idea) == []
    # Comments and follows stay open, as on a delivered idea.
    engagement.post_comment(resident, idea, "Thank you for the fridge!")
    engagement.follow_idea(resident, idea)
    db.session.commit()


# ------------------------------------------------------------------------ pages

def test_the_idea_page_badge_and_timeline_say_partly_delivered(client, world):
    _publish_partly(world)
    html = client.get(f"/ideas/{world.idea.id}").get_data(as_text=True)
    assert "Partly delivered" in _tags(html)
    assert "Delivered" not in _tags(html)
    assert "Now Partly delivered" in html


def test_the_ideas_list_filters_by_partly_delivered(client, world, make):
    _publish_partly(world)
    make.idea(status="delivered", title="Benches on the green")
    make.idea(status="accepted", title="Bulb planting on the verges")
    html = client.get("/ideas?status=partly_delivered").get_data(as_text=True)
    assert world.idea.title in html
    assert "Benches on the green" not in html and "Bulb planting on the verges" not in html
    assert "Partly delivered" in _tags(html)
    assert '<option value="partly_delivered" selected' in html
    html = client.get("/ideas?status=delivered").get_data(as_text=True)
    assert "Benches on the green" in html and world.idea.title not in html


def test_the_council_queue_filters_by_partly_delivered_and_cannot_bulk_set_it(client, world,
                                                                                make, auth):
    _publish_partly(world)
    make.idea(status="delivered", title="Benches on the green")
    auth.sign_in(world.moderator.email)
    html = client.get("/council?status=partly_delivered").get_data(as_text=True)
    assert world.idea.title in html and "Benches on the green" not in html
    assert "Partly delivered" in _tags(html)
    bulk = html.split('name="bulk_status"', 1)[1].split("</select>", 1)[0]
    assert "partly_delivered" not in bulk and '"delivered"' not in bulk


def test_the_council_review_pages_say_partly_delivered(client, world, auth):
    report = outcomes.save_outcome_report(world.partner, world.idea, submit=True, **REPORT)
    db.session.commit()
    auth.sign_in(world.moderator.email)
    html = client.get(f"/council/outcomes/{report.id}").get_data(as_text=True)
    assert "Publishing makes the idea partly delivered" in html
    outcomes.publish_outcome(world.moderator, report)
    db.session.commit()
    html = client.get("/council/claims?status=approved").get_data(as_text=True)
    assert "Partly delivered" in _tags(html)


def test_the_partner_dashboard_shows_partly_delivered(client, world, auth):
    _publish_partly(world)
    auth.sign_in(world.partner.email)
    html = client.get("/partners").get_data(as_text=True)
    assert world.idea.title in html
    assert "Withdraw claim" not in html


# ------------------------------------------------------------------------ figures

@pytest.fixture
def figures_set(make, world):
    """In ward Northgate: the partly delivered idea and one delivered idea; elsewhere a second
    delivered idea. The delivered figures stay 2 overall and 1 in Northgate."""
    _publish_partly(world)
    now = utcnow()
    make.idea(status="delivered", ward=world.ward, category=world.category,
              delivered_at=now - timedelta(days=1))
    make.idea(status="delivered", delivered_at=now - timedelta(days=2))
    return world


def test_accountability_counts_partly_delivered_apart_from_delivered(figures_set):
    figures = accountability_figures()
    t = figures["totals"]
    assert (t["ideas_delivered"], t["ideas_partly_delivered"]) == (2, 1)
    by_status = {row["status"]: (row["label"], row["ideas"])
                 for row in figures["decisions_by_status"]}
    assert by_status["partly_delivered"] == ("Partly delivered", 1)
    assert by_status["delivered"] == ("Delivered", 2)
    ward = {row["ward"]: row for row in figures["by_ward"]}["Northgate"]
    assert (ward["ideas_delivered"], ward["ideas_partly_delivered"]) == (1, 1)
    category = {row["category"]: row for row in figures["by_category"]}["Food"]
    assert (category["ideas_delivered"], category["ideas_partly_delivered"]) == (1, 1)
    this_month = figures["by_month"][-1]
    assert this_month["ideas_partly_delivered"] == 1
    assert sum(row["ideas_delivered"] for row in figures["by_month"]) == 2
    filtered = accountability_figures(ward_id=figures_set.ward.id)["totals"]
    assert (filtered["ideas_delivered"], filtered["ideas_partly_delivered"]) == (1, 1)


def test_the_headline_counts_partly_delivered_apart(figures_set):
    figures = headline_figures()
    assert (figures["ideas_delivered"], figures["ideas_partly_delivered"]) == (2, 1)


def test_the_accountability_and_home_pages_show_partly_delivered_apart(client, figures_set):
    html = client.get("/accountability").get_data(as_text=True)
    summary = html.split('id="summary"', 1)[1].split("</dl>", 1)[0]
    assert re.search(r"Ideas delivered\s*</dt>\s*<dd[^>]*>\s*2\s*</dd>", summary), summary
    assert re.search(r"Ideas partly delivered\s*</dt>\s*<dd[^>]*>\s*1\s*</dd>", summary)
    status_table = html.split('id="table-status"', 1)[1].split("</table>", 1)[0]
    assert re.search(r"Partly delivered</th>\s*<td[^>]*>1</td>", status_table)
    assert re.search(r">Delivered</th>\s*<td[^>]*>2</td>", status_table)
    assert "Ideas partly delivered" in html.split('id="table-ward"', 1)[1]
    home = client.get("/").get_data(as_text=True)
    assert re.search(r">2</span>\s*ideas delivered", home)
    assert re.search(r">1</span>\s*ideas partly delivered", home)


# ------------------------------------------------------------------------ feed and open data

def test_the_status_changes_feed_says_partly_delivered(client, world):
    _publish_partly(world)
    root = etree.fromstring(client.get("/feeds/status-changes.atom").get_data())
    titles = [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]
    assert f"{world.idea.title}: partly delivered" in titles
    assert f"{world.idea.title}: delivered" not in titles
    root = etree.fromstring(client.get("/feeds/outcomes.atom").get_data())
    titles = [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]
    assert titles == [f"{world.idea.title}: partly delivered"]


def test_open_data_carries_partly_delivered(client, figures_set):
    world = figures_set
    rows = list(csv.DictReader(io.StringIO(client.get("/ideas.csv").get_data(as_text=True))))
    row = next(r for r in rows if r["title"] == world.idea.title)
    assert (row["status"], row["status_label"]) == ("partly_delivered", "Partly delivered")
    assert row["delivered_at"]
    items = json.loads(client.get("/ideas.json").get_data(as_text=True))["items"]
    item = next(i for i in items if i["title"] == world.idea.title)
    assert (item["status"], item["status_label"]) == ("partly_delivered", "Partly delivered")
    summary = list(csv.DictReader(io.StringIO(
        client.get("/accountability.csv").get_data(as_text=True))))[0]
    assert (summary["ideas_delivered"], summary["ideas_partly_delivered"]) == ("2", "1")
    by_status = {r["status"]: r["ideas"] for r in csv.DictReader(io.StringIO(
        client.get("/accountability.csv?table=decisions_by_status").get_data(as_text=True)))}
    assert by_status["partly_delivered"] == "1" and by_status["delivered"] == "2"
    outcomes_rows = list(csv.DictReader(io.StringIO(
        client.get("/outcomes.csv").get_data(as_text=True))))
    assert [r["result"] for r in outcomes_rows] == ["partly_delivered"]


def test_a_stored_partly_delivered_status_change_is_accepted_by_the_database(make):
    """The CHECK constraints on ideas and status_changes allow the new status."""
    idea = make.idea(status="partly_delivered")
    db.session.add(StatusChange(idea_id=idea.id, from_status="in_delivery",
                                to_status="partly_delivered", message="Mostly done."))
    db.session.add(OutcomeReport(idea_id=idea.id, author_id=idea.author_id, state="published",
                                 result="partly_delivered", summary="Mostly done.",
                                 published_at=utcnow()))
    db.session.commit()
    assert idea.status == "partly_delivered"
