"""Accountability figures against values worked out by hand on a fixed data set.

The response target is 20 days. The main data set (see ``dataset``):

  idea        ward cat  received  answered after  status       notes
  one         A    X    -30d      2 days          accepted     pledges 3.5 + 2 h (+10 h withdrawn)
  on_target   A    X    -30d      20 days exactly declined     answered on the target day
  late        A    Y    -40d      25 days         in_delivery  draft outcome (not counted)
  overdue     B    X    -25d      -               submitted    no answer, past the target
  young       B    Y    -5d       -               submitted    no answer, not yet due: left out
  delivered   B    X    -10d      1 day           delivered    published outcome 40 people, 12.5 h
  hidden      A    X    -30d      100 days        accepted     hidden: counted nowhere

Durations of the public answered ideas: 1, 2, 20, 25 days.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from citizenideas.extensions import db
from citizenideas.models import OutcomeReport, Pledge, utcnow
from citizenideas.services.stats import (
    accountability_figures,
    headline_figures,
    median,
    percentile_nearest_rank,
    recent_months,
)

DAY = timedelta(days=1)


def _idea(make, author, ward, category, *, age_days: float, answered_after: float | None,
          status: str = "submitted", hidden: bool = False, now=None, **kw):
    now = now or utcnow()
    created = now - age_days * DAY
    return make.idea(author=author, ward=ward, category=category, created_at=created,
                     status=status, hidden=hidden,
                     first_response_at=None if answered_after is None
                     else created + answered_after * DAY, **kw)


def _outcome(idea, author, *, state="published", people=None, hours=None, pence=None,
             published_at=None, organisation=None, **kw):
    report = OutcomeReport(idea_id=idea.id, author_id=author.id, state=state, result="delivered",
                           summary="We did it.", people_reached=people,
                           volunteer_hours=None if hours is None else Decimal(str(hours)),
                           spend_pence=pence,
                           published_at=(published_at or utcnow()) if state == "published"
                           else None,
                           organisation_id=organisation.id if organisation else None, **kw)
    db.session.add(report)
    db.session.commit()
    return report


def _pledge(idea, user, hours, withdrawn=False, created_at=None):
    pledge = Pledge(idea_id=idea.id, user_id=user.id, kind="time", message="I can help.",
                    hours=None if hours is None else Decimal(str(hours)),
                    created_at=created_at or utcnow(),
                    withdrawn_at=utcnow() if withdrawn else None)
    db.session.add(pledge)
    db.session.commit()
    return pledge


@pytest.fixture
def dataset(make):
    now = utcnow()
    author = make.user()
    helper = make.user()
    ward_a, ward_b = make.ward("Abbey"), make.ward("Bridge")
    cat_x, cat_y = make.category("Parks"), make.category("Youth")
    ideas = {
        "one": _idea(make, author, ward_a, cat_x, age_days=30, answered_after=2,
                     status="accepted", now=now),
        "on_target": _idea(make, author, ward_a, cat_x, age_days=30, answered_after=20,
                           status="declined", now=now),
        "late": _idea(make, author, ward_a, cat_y, age_days=40, answered_after=25,
                      status="in_delivery", now=now),
        "overdue": _idea(make, author, ward_b, cat_x, age_days=25, answered_after=None, now=now),
        "young": _idea(make, author, ward_b, cat_y, age_days=5, answered_after=None, now=now),
        "delivered": _idea(make, author, ward_b, cat_x, age_days=10, answered_after=1,
                           status="delivered", now=now, delivered_at=now - DAY),
        "hidden": _idea(make, author, ward_a, cat_x, age_days=30, answered_after=100,
                        status="accepted", hidden=True, now=now),
    }
    _pledge(ideas["one"], helper, 3.5)
    _pledge(ideas["one"], author, 2)
    _pledge(ideas["one"], make.user(), 10, withdrawn=True)
    _pledge(ideas["hidden"], helper, 100)
    _outcome(ideas["delivered"], author, people=40, hours=12.5, pence=15000)
    _outcome(ideas["late"], author, state="draft", people=999, hours=999)
    _outcome(ideas["hidden"], author, people=500, hours=500)
    return {"ideas": ideas, "ward_a": ward_a, "ward_b": ward_b, "cat_x": cat_x, "cat_y": cat_y}


# --- the ranking rules ---------------------------------------------------------------------

def test_median_of_an_even_number_of_values_is_the_mean_of_the_middle_two():
    assert median([25, 1, 20, 2]) == 11
    assert median([1, 2, 3]) == 2
    assert median([]) is None


def test_nearest_rank_90th_percentile_of_ten_values_is_the_ninth():
    assert percentile_nearest_rank(list(range(10, 0, -1)), 90) == 9


def test_nearest_rank_90th_percentile_of_eleven_values_is_the_tenth():
    assert percentile_nearest_rank(list(range(1, 12)), 90) == 10


def test_nearest_rank_percentile_of_one_value_and_of_none():
    assert percentile_nearest_rank([7.5], 90) == 7.5
    assert percentile_nearest_rank([], 90) is None


# --- the fixed data set ----------------------------------------------------------------------

def test_totals_match_the_hand_computed_values(dataset):
    t = accountability_figures()["totals"]
    assert t["ideas_received"] == 6
    assert t["responded"] == 4
    assert t["responded_share"] == 0.6667
    assert t["median_days_to_first_response"] == 11.0  # (2 + 20) / 2
    assert t["p90_days_to_first_response"] == 25.0  # rank ceil(0.9 * 4) = 4
    # within target: 1, 2 and exactly 20 days; not: 25 days, and the overdue idea without answer;
    # the young idea without answer is left out.
    assert t["within_target"] == 3
    assert t["within_target_denominator"] == 5
    assert t["within_target_share"] == 0.6
    assert t["ideas_delivered"] == 1
    assert t["people_reached"] == 40
    assert t["volunteer_hours_pledged"] == 5.5
    assert t["volunteer_hours_delivered"] == 12.5
    assert t["outcomes_published"] == 1


def test_an_idea_answered_exactly_on_the_target_day_is_within_target(make):
    author, ward, cat = make.user(), make.ward(), make.category()
    _idea(make, author, ward, cat, age_days=30, answered_after=20)
    t = accountability_figures()["totals"]
    assert (t["within_target"], t["within_target_denominator"]) == (1, 1)


def test_an_unanswered_idea_past_the_target_counts_against_it_and_a_young_one_is_left_out(make):
    author, ward, cat = make.user(), make.ward(), make.category()
    _idea(make, author, ward, cat, age_days=21, answered_after=None)
    _idea(make, author, ward, cat, age_days=19, answered_after=None)
    t = accountability_figures()["totals"]
    assert (t["within_target"], t["within_target_denominator"]) == (0, 1)
    assert t["within_target_share"] == 0.0
    assert t["responded_share"] == 0.0
    assert t["median_days_to_first_response"] is None


def test_the_response_target_comes_from_the_site_settings(app, dataset):
    app.config["RESPONSE_TARGET_DAYS"] = 30
    from flask import g

    g.pop("_site_settings", None)
    t = accountability_figures()["totals"]
    assert accountability_figures()["response_target_days"] == 30
    # now 1, 2, 20 and 25 days are within; the 25-day-old idea without answer is not yet due
    assert (t["within_target"], t["within_target_denominator"]) == (4, 4)


def test_decisions_by_status_count_public_ideas_only(dataset):
    by_status = {row["status"]: row["ideas"]
                 for row in accountability_figures()["decisions_by_status"]}
    assert by_status == {"submitted": 2, "under_review": 0, "accepted": 1, "declined": 1,
                         "duplicate": 0, "withdrawn": 0, "in_delivery": 1, "delivered": 1,
                         "partly_delivered": 0, "not_delivered": 0}


def test_hidden_ideas_are_excluded_from_every_figure(dataset):
    figures = accountability_figures()
    assert sum(row["ideas_received"] for row in figures["by_ward"]) == 6
    assert sum(row["ideas_received"] for row in figures["by_category"]) == 6
    assert all(row["people_reached"] < 500 for row in figures["by_ward"])
    assert sum(row["volunteer_hours_pledged"] for row in figures["by_ward"]) == 5.5


def test_figures_by_ward(dataset):
    rows = {row["ward"]: row for row in accountability_figures()["by_ward"]}
    a, b = rows["Abbey"], rows["Bridge"]
    assert (a["ideas_received"], a["responded"]) == (3, 3)
    assert a["median_days_to_first_response"] == 20.0  # 2, 20, 25
    assert a["p90_days_to_first_response"] == 25.0  # rank ceil(2.7) = 3
    assert (a["within_target"], a["within_target_denominator"]) == (2, 3)
    assert a["volunteer_hours_pledged"] == 5.5
    assert (b["ideas_received"], b["responded"], b["ideas_delivered"]) == (3, 1, 1)
    assert (b["within_target"], b["within_target_denominator"]) == (1, 2)
    assert b["within_target_share"] == 0.5
    assert (b["people_reached"], b["volunteer_hours_delivered"]) == (40, 12.5)


def test_figures_by_category(dataset):
    rows = {row["category"]: row for row in accountability_figures()["by_category"]}
    parks, youth = rows["Parks"], rows["Youth"]
    assert (parks["ideas_received"], parks["responded"]) == (4, 3)
    assert parks["median_days_to_first_response"] == 2.0  # 1, 2, 20
    assert (parks["within_target"], parks["within_target_denominator"]) == (3, 4)
    assert parks["within_target_share"] == 0.75
    assert (youth["ideas_received"], youth["responded"]) == (2, 1)
    assert youth["within_target_share"] == 0.0  # 25 days late; the young one left out


def test_ward_filter(dataset):
    figures = accountability_figures(ward_id=dataset["ward_b"].id)
    t = figures["totals"]
    assert (t["ideas_received"], t["responded"], t["ideas_delivered"]) == (3, 1, 1)
    assert t["median_days_to_first_response"] == 1.0
    assert t["volunteer_hours_pledged"] == 0
    assert [row["ward"] for row in figures["by_ward"]] == ["Bridge"]
    assert {row["category"]: row["ideas_received"] for row in figures["by_category"]} == {
        "Parks": 2, "Youth": 1}


def test_ward_and_category_filters_together(dataset):
    t = accountability_figures(ward_id=dataset["ward_a"].id,
                               category_id=dataset["cat_x"].id)["totals"]
    assert (t["ideas_received"], t["responded"]) == (2, 2)
    assert t["median_days_to_first_response"] == 11.0  # 2 and 20
    assert t["p90_days_to_first_response"] == 20.0
    assert t["within_target_share"] == 1.0


def test_headline_figures_for_the_home_page(dataset):
    assert headline_figures() == {
        "ideas_received": 6, "responded_share": 0.6667, "median_days_to_first_response": 11.0,
        "within_target_share": 0.6, "ideas_delivered": 1, "ideas_partly_delivered": 0,
        "response_target_days": 20,
    }


def test_headline_figures_with_no_ideas_yet(app):
    figures = headline_figures()
    assert figures["ideas_received"] == 0
    assert figures["responded_share"] is None
    assert figures["median_days_to_first_response"] is None


def test_figures_are_json_serialisable(dataset):
    figures = accountability_figures()
    assert json.loads(json.dumps(figures)) == figures


@pytest.mark.parametrize("count, median_days, p90_days", [(10, 5.5, 9.0), (11, 6.0, 10.0)])
def test_median_and_p90_on_ten_and_eleven_answered_ideas(make, count, median_days, p90_days):
    author, ward, cat = make.user(), make.ward(), make.category()
    for days in range(count, 0, -1):  # answered after 1..count days, created out of order
        _idea(make, author, ward, cat, age_days=40 + days, answered_after=days)
    t = accountability_figures()["totals"]
    assert t["median_days_to_first_response"] == median_days
    assert t["p90_days_to_first_response"] == p90_days


# --- by month -------------------------------------------------------------------------------

def test_recent_months_are_the_last_twelve_calendar_months_oldest_first():
    from datetime import UTC, datetime

    months = recent_months(datetime(2026, 2, 15, tzinfo=UTC))
    assert months[0] == "2025-03" and months[-1] == "2026-02" and len(months) == 12


def test_figures_by_month(make):
    now = utcnow()
    this_month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last_month = (this_month - DAY).replace(day=1)
    long_ago = this_month.replace(year=this_month.year - 2)
    author, ward, cat = make.user(), make.ward(), make.category()

    def idea(created, answered_after, **kw):
        return make.idea(author=author, ward=ward, category=cat, created_at=created,
                         first_response_at=None if answered_after is None
                         else created + answered_after * DAY, **kw)

    idea(this_month, 1)
    delivered = idea(last_month + 2 * DAY, 3, status="delivered", delivered_at=this_month)
    idea(last_month + 3 * DAY, 5)
    idea(long_ago, 30)
    idea(this_month + timedelta(hours=1), None, hidden=True)
    _outcome(delivered, author, people=12, hours=4, published_at=this_month)
    _pledge(delivered, author, 6, created_at=last_month + 4 * DAY)

    rows = {row["month"]: row for row in accountability_figures()["by_month"]}
    assert len(rows) == 12
    now_key, last_key = this_month.strftime("%Y-%m"), last_month.strftime("%Y-%m")
    assert list(rows)[-2:] == [last_key, now_key]
    assert rows[now_key]["ideas_received"] == 1
    assert rows[now_key]["ideas_delivered"] == 1  # delivered this month, received last month
    assert rows[now_key]["people_reached"] == 12
    assert rows[now_key]["volunteer_hours_delivered"] == 4
    assert rows[last_key]["ideas_received"] == 2
    assert rows[last_key]["median_days_to_first_response"] == 4.0
    assert rows[last_key]["volunteer_hours_pledged"] == 6
    assert rows[last_key]["ideas_delivered"] == 0
    # the idea from two years ago is outside the window but still in the totals
    assert sum(row["ideas_received"] for row in rows.values()) == 3
    assert accountability_figures()["totals"]["ideas_received"] == 4
