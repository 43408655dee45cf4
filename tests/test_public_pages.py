"""The public pages: "You said, we did" and "How we are doing"."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from citizenideas.extensions import db
from citizenideas.models import OutcomeReport, utcnow


def _publish(idea, author, *, when, organisation=None, **kw):
    report = OutcomeReport(idea_id=idea.id, author_id=author.id, state="published",
                           result=kw.pop("result", "delivered"),
                           summary=kw.pop("summary", "What we did."), published_at=when,
                           organisation_id=organisation.id if organisation else None, **kw)
    db.session.add(report)
    db.session.commit()
    return report


@pytest.fixture
def outcomes(make):
    author = make.user()
    north, south = make.ward("North"), make.ward("South")
    parks, arts = make.category("Parks"), make.category("Arts")
    org = make.organisation(name="South Arts Collective")
    now = utcnow()
    ideas = {}
    ideas["old"] = make.idea(title="Plant an orchard", ward=north, category=parks,
                             status="delivered")
    _publish(ideas["old"], author, when=now - timedelta(days=10), people_reached=250,
             volunteer_hours=Decimal("80.5"), spend_pence=123456, funding_source="Ward fund",
             story="We planted twenty trees. " * 30)
    ideas["new"] = make.idea(title="Street art festival", ward=south, category=arts,
                             status="not_delivered")
    _publish(ideas["new"], author, when=now - timedelta(days=1), organisation=org,
             result="not_delivered", summary="We could not get a licence.")
    ideas["draft"] = make.idea(title="Draft only idea", ward=south, category=arts)
    db.session.add(OutcomeReport(idea_id=ideas["draft"].id, author_id=author.id, state="draft",
                                 summary="Not yet"))
    ideas["hidden"] = make.idea(title="Hidden outcome idea", ward=north, category=parks,
                                hidden=True)
    _publish(ideas["hidden"], author, when=now)
    return {"ideas": ideas, "north": north, "south": south, "parks": parks, "arts": arts}


def _titles(html: str) -> list[str]:
    return re.findall(r'<h2 class="govuk-heading-m ci-card__title"><a[^>]*>([^<]+)</a>', html)


def test_outcomes_lists_published_outcomes_newest_first(client, outcomes):
    response = client.get("/outcomes")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _titles(html) == ["Street art festival", "Plant an orchard"]
    assert "South Arts Collective" in html
    assert "£1,234.56" in html and "250" in html and "80.5" in html
    assert "Not delivered" in html
    assert "Read the full story" in html  # the long story is cut to an excerpt
    assert "Draft only idea" not in html and "Hidden outcome idea" not in html


def test_outcomes_filter_by_ward_and_category(client, outcomes):
    html = client.get(f"/outcomes?ward_id={outcomes['north'].id}").get_data(as_text=True)
    assert _titles(html) == ["Plant an orchard"]
    html = client.get(f"/outcomes?category_id={outcomes['arts'].id}").get_data(as_text=True)
    assert _titles(html) == ["Street art festival"]
    html = client.get(f"/outcomes?ward_id={outcomes['north'].id}"
                      f"&category_id={outcomes['arts'].id}").get_data(as_text=True)
    assert _titles(html) == []
    assert "No outcomes have been published yet" in html


def test_outcomes_ignores_a_filter_that_is_not_a_number(client, outcomes):
    response = client.get("/outcomes?ward_id=abc&page=-4")
    assert response.status_code == 200
    assert len(_titles(response.get_data(as_text=True))) == 2


def test_outcomes_are_paginated(client, make):
    author, ward, category = make.user(), make.ward(), make.category()
    now = utcnow()
    for n in range(12):
        idea = make.idea(title=f"Delivered idea {n:02d}", ward=ward, category=category,
                         status="delivered")
        _publish(idea, author, when=now - timedelta(hours=n))
    first = client.get("/outcomes").get_data(as_text=True)
    assert len(_titles(first)) == 10 and _titles(first)[0] == "Delivered idea 00"
    assert 'href="/outcomes?page=2"' in first
    second = client.get("/outcomes?page=2").get_data(as_text=True)
    assert _titles(second) == ["Delivered idea 10", "Delivered idea 11"]


def test_accountability_page_shows_the_figures_charts_and_tables(client, outcomes):
    response = client.get("/accountability")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "How we are doing" in html
    assert "nearest-rank" in html
    svgs = re.findall(r'<svg id="([^"]+)"[^>]*role="img" aria-labelledby="([^"]+)"', html)
    assert len(svgs) >= 5
    for svg_id, labelled_by in svgs:
        assert labelled_by == f"{svg_id}-title {svg_id}-desc"
        assert f'<title id="{svg_id}-title">' in html
        assert f'<desc id="{svg_id}-desc">' in html
    assert '<table class="govuk-table' in html
    assert 'id="table-month"' in html and 'id="table-ward"' in html
    assert "<script" not in html.split('id="summary"')[1].split("</main>")[0]
    for link in ("/ideas.csv", "/outcomes.json", "/accountability.csv?table=by_ward",
                 "/feeds/outcomes.atom"):
        assert link in html


def test_accountability_page_filters_and_keeps_the_filter_in_download_links(client, outcomes):
    ward_id = outcomes["north"].id
    html = client.get(f"/accountability?ward_id={ward_id}").get_data(as_text=True)
    assert f"/ideas.csv?ward_id={ward_id}" in html
    assert "Clear filters" in html
    ward_table = html.split('id="table-ward"')[1].split("</table>")[0]
    assert "North" in ward_table and "South" not in ward_table


def test_accountability_page_renders_with_no_data(client, app):
    response = client.get("/accountability")
    assert response.status_code == 200
    assert "No data" in response.get_data(as_text=True)


def _count_queries(client, path: str) -> int:
    from sqlalchemy import event

    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    # What the page costs when it computes its figures, not when it reads them from the cache.
    from citizenideas.services.figures_cache import figures_cache

    figures_cache.clear()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


@pytest.mark.parametrize("path", ["/outcomes", "/accountability"])
def test_pages_cost_the_same_number_of_queries_whatever_the_data(app, client, make, path):
    app.config["PAGE_CACHE"] = False  # the cost of rendering, not of a cache hit
    author, org = make.user(), make.organisation()
    now = utcnow()

    def add(n):
        for _ in range(n):
            idea = make.idea(status="delivered", first_response_at=now)
            _publish(idea, author, when=now, organisation=org)

    add(2)
    client.get(path)  # warm up: connection set-up is not the page's cost
    few = _count_queries(client, path)
    add(6)
    assert _count_queries(client, path) == few
