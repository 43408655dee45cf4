"""A target for the council's decision, next to the first-response target: an idea "under
review" for 159 days is overdue for a decision even though it had a first answer. The
council's queue shows and filters those ideas; /accountability and GET /api/v1/stats publish
the share decided within target and the median days to a decision.

The decision target is 56 days (the default). The data set (``decisions``):

  idea        received  decided after  status        notes
  quick       -100d     10 days        accepted      within target
  on_day      -100d     56 days        declined      decided on the target day: within
  slow        -200d     80 days        duplicate     late
  stuck       -159d     -              under_review  answered after 3 days, never decided: late
  young       -30d      -              under_review  not yet due: left out
  withdrawn   -100d     -              withdrawn     nothing left to decide: left out
  hidden      -100d     200 days       accepted      hidden: counted nowhere

Decision durations: 10, 56, 80 days. Median 56.0; 90th percentile (rank ceil(2.7) = 3) 80.0.
Within target: 2 of 4 (three decided and the stuck one).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import g

from citizenideas.extensions import db
from citizenideas.models import utcnow
from citizenideas.services import council_dashboard, site, triage
from citizenideas.services.stats import accountability_figures

from .conftest import csrf_token

DAY = timedelta(days=1)


def _idea(make, ward, category, *, age_days, decided_after=None, status="submitted",
          answered_after=None, title=None, **kw):
    created = utcnow() - age_days * DAY
    return make.idea(ward=ward, category=category, created_at=created, status=status,
                     title=title,
                     decided_at=None if decided_after is None else created + decided_after * DAY,
                     first_response_at=None if answered_after is None
                     else created + answered_after * DAY, **kw)


@pytest.fixture
def decisions(make):
    ward, cat = make.ward("Abbey"), make.category("Parks")
    return {
        "quick": _idea(make, ward, cat, age_days=100, decided_after=10, answered_after=10,
                       status="accepted"),
        "on_day": _idea(make, ward, cat, age_days=100, decided_after=56, answered_after=5,
                        status="declined"),
        "slow": _idea(make, ward, cat, age_days=200, decided_after=80, answered_after=2,
                      status="duplicate"),
        "stuck": _idea(make, ward, cat, age_days=159, answered_after=3, status="under_review",
                       title="Stuck under review for months"),
        "young": _idea(make, ward, cat, age_days=30, answered_after=1, status="under_review",
                       title="Young idea under review"),
        "withdrawn": _idea(make, ward, cat, age_days=100, status="withdrawn"),
        "hidden": _idea(make, ward, cat, age_days=100, decided_after=200, answered_after=1,
                        status="accepted", hidden=True),
    }


def test_decision_figures_match_the_hand_computed_values(decisions):
    figures = accountability_figures()
    t = figures["totals"]
    assert figures["decision_target_days"] == 56
    assert t["decided"] == 3
    assert t["median_days_to_decision"] == 56.0
    assert t["p90_days_to_decision"] == 80.0
    assert (t["decided_within_target"], t["decided_within_target_denominator"]) == (2, 4)
    assert t["decided_within_target_share"] == 0.5


def test_the_first_response_figures_are_unchanged_by_the_decision_target(decisions):
    t = accountability_figures()["totals"]
    # answered: 10, 5, 2, 3, 1 days (the hidden idea is left out): all within 20 days; the
    # withdrawn idea never answered counts against the response target, as before
    assert (t["responded"], t["within_target"], t["within_target_denominator"]) == (5, 5, 6)
    assert t["median_days_to_first_response"] == 3.0


def test_the_decision_target_comes_from_the_site_settings(app, decisions):
    app.config["DECISION_TARGET_DAYS"] = 90
    g.pop("_site_settings", None)
    figures = accountability_figures()
    assert figures["decision_target_days"] == 90
    # 10, 56 and 80 days are within 90; the stuck idea (159 days) is still late
    t = figures["totals"]
    assert (t["decided_within_target"], t["decided_within_target_denominator"]) == (3, 4)


def test_the_accountability_page_and_the_api_publish_the_decision_figures(client, decisions):
    html = client.get("/accountability").get_data(as_text=True)
    assert "Decided within 56 days" in html
    assert "50% (2 of 4)" in html
    assert "Median time to a decision" in html and "56 days" in html
    assert "Our target is to decide on every idea within 56 days" in html
    body = client.get("/api/v1/stats").get_json()
    assert body["decision_target_days"] == 56
    assert body["totals"]["decided_within_target_share"] == 0.5
    assert body["totals"]["median_days_to_decision"] == 56.0


@pytest.fixture
def moderator(make, auth):
    user = make.user(role="moderator", email="moderator@example.org")
    auth.sign_in(user.email)
    return user


def test_an_idea_under_review_past_the_decision_target_is_overdue(decisions, make):
    moderator = make.user(role="moderator")
    assert triage.is_decision_overdue(decisions["stuck"])
    assert not triage.is_overdue(decisions["stuck"])  # it had its first answer
    assert not triage.is_decision_overdue(decisions["young"])
    assert not triage.is_decision_overdue(decisions["quick"])
    assert not triage.is_decision_overdue(decisions["withdrawn"])
    assert council_dashboard.queue_counts(moderator)["decision_overdue"] == 1


def test_the_council_queue_counts_and_filters_ideas_overdue_for_a_decision(client, decisions,
                                                                          moderator):
    html = client.get("/council").get_data(as_text=True)
    assert "Overdue for a decision (none within 56 days): <strong>1</strong>" in html
    assert "age=decision_overdue" in html
    listed = client.get("/council?age=decision_overdue").get_data(as_text=True)
    assert "Stuck under review for months" in listed
    assert "Young idea under review" not in listed
    assert "Decision overdue" in listed
    page = client.get(f"/council/ideas/{decisions['stuck'].id}").get_data(as_text=True)
    assert "Decision overdue" in page


def test_an_admin_sets_the_decision_target(client, make, auth):
    admin = make.user(role="admin", email="admin@example.org")
    auth.sign_in(admin.email)
    html = client.get("/admin/settings").get_data(as_text=True)
    assert 'name="DECISION_TARGET_DAYS"' in html and 'value="56"' in html
    form = {"COUNCIL_NAME": "Test Council", "COUNCIL_SHORT_NAME": "Test",
            "COUNCIL_LOGO_URL": "", "COUNCIL_COLOUR": "#224466", "RESPONSE_TARGET_DAYS": "15",
            "DECISION_TARGET_DAYS": "42", "CONTACT_EMAIL": "ideas@example.org",
            "csrf_token": csrf_token(client, "/admin/settings")}
    assert client.post("/admin/settings", data=form).status_code == 303
    g.pop("_site_settings", None)
    assert site.decision_target_days() == 42
    refused = client.post("/admin/settings", data={**form, "DECISION_TARGET_DAYS": "0"})
    assert refused.status_code == 422
    assert "Enter a whole number of days from 1 to 365." in refused.get_data(as_text=True)
    db.session.rollback()
