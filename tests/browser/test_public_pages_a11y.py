"""The public accountability pages pass axe at phone size, with JavaScript on and off, with
real figures, charts, tables and an outcome on them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from citizenideas.extensions import db
from citizenideas.models import OutcomeReport, Pledge, utcnow

from .conftest import assert_accessible


@pytest.fixture
def figures(make):
    author = make.user()
    ward, category = make.ward("Harbour"), make.category("Green spaces")
    org = make.organisation(name="Harbour Friends")
    now = utcnow()
    delivered = make.idea(title="Wildflower verges on the harbour road", ward=ward,
                          category=category, status="delivered",
                          created_at=now - timedelta(days=40),
                          first_response_at=now - timedelta(days=35), delivered_at=now)
    make.idea(title="A late answer", ward=ward, category=category, status="accepted",
              created_at=now - timedelta(days=60), first_response_at=now - timedelta(days=20))
    make.idea(title="Still waiting", ward=ward, category=category,
              created_at=now - timedelta(days=30))
    db.session.add_all([
        Pledge(idea_id=delivered.id, user_id=author.id, kind="time", message="Two hours",
               hours=Decimal("2")),
        OutcomeReport(idea_id=delivered.id, organisation_id=org.id, author_id=author.id,
                      state="published", result="delivered", summary="We sowed the verges.",
                      people_reached=300, volunteer_hours=Decimal("45"), spend_pence=25000,
                      story="Twenty neighbours sowed seed along a mile of road.",
                      published_at=now),
    ])
    db.session.commit()


@pytest.mark.parametrize("path, heading", [("/outcomes", "You said, we did"),
                                           ("/accountability", "How we are doing")])
def test_public_page_is_accessible_with_javascript(js_page, live_server, figures, path,
                                                   heading):
    js_page.goto(live_server.url + path)
    assert js_page.get_by_role("heading", level=1).inner_text() == heading
    assert_accessible(js_page)


@pytest.mark.parametrize("path", ["/outcomes", "/accountability"])
def test_public_page_is_accessible_and_filters_without_javascript(nojs_page, live_server,
                                                                   figures, path):
    nojs_page.goto(live_server.url + path)
    nojs_page.get_by_label("Ward", exact=True).select_option(label="Harbour")
    nojs_page.get_by_role("button", name="Show").click()
    nojs_page.wait_for_load_state()
    assert "ward_id=" in nojs_page.url
    assert nojs_page.get_by_text("Clear filters").is_visible()
    assert_accessible(nojs_page)
