"""The public figures are cached, and a write that changes them shows at once."""

from __future__ import annotations

from contextlib import contextmanager

from flask import g
from sqlalchemy import event

from citizenideas.extensions import db
from citizenideas.models import FIGURES, current_token, utcnow
from citizenideas.services import stats
from citizenideas.services.engagement import support_idea
from citizenideas.services.reports import hide_idea


@contextmanager
def statements():
    seen: list[str] = []

    def remember(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)


def test_two_requests_in_a_row_compute_the_figures_once(app, make):
    make.idea(first_response_at=utcnow())
    with statements() as first:
        stats.accountability_figures()
        stats.headline_figures()
    with statements() as second:
        again = stats.accountability_figures()
        stats.headline_figures()
    assert len(first) > 10
    assert len(second) == 2 and all("data_versions" in s for s in second)
    assert again["totals"]["ideas_received"] == 1


def test_a_cached_figure_changed_by_its_caller_is_not_changed_in_the_cache(app, make):
    make.idea()
    stats.accountability_figures()["totals"]["ideas_received"] = 99
    assert stats.accountability_figures()["totals"]["ideas_received"] == 1


def test_the_api_and_the_page_show_a_new_idea_at_once(client, make):
    make.idea()
    assert client.get("/api/v1/stats").get_json()["totals"]["ideas_received"] == 1
    assert client.get("/api/v1/stats").get_json()["totals"]["ideas_received"] == 1
    make.idea()
    assert client.get("/api/v1/stats").get_json()["totals"]["ideas_received"] == 2
    page = client.get("/accountability").get_data(as_text=True)
    make.idea()
    assert page != client.get("/accountability").get_data(as_text=True)


def test_hiding_an_idea_changes_the_figures_at_once(client, make):
    idea, _other = make.idea(), make.idea()
    assert stats.headline_figures()["ideas_received"] == 2
    hide_idea(make.user(role="moderator"), idea, "Abusive")
    db.session.commit()
    assert stats.headline_figures()["ideas_received"] == 1
    assert client.get("/api/v1/stats").get_json()["totals"]["ideas_received"] == 1


def test_a_support_leaves_the_cached_figures_alone(app, make):
    idea = make.idea()
    before = current_token(db.session, FIGURES)
    support_idea(make.user(), idea)
    db.session.commit()
    assert current_token(db.session, FIGURES) == before


def test_a_new_response_target_gives_new_figures(app, make):
    make.idea(created_at=utcnow().replace(year=2020))  # unanswered for years: overdue
    assert stats.headline_figures()["within_target_share"] == 0
    target = app.config["RESPONSE_TARGET_DAYS"]
    app.config["RESPONSE_TARGET_DAYS"] = 100000
    g.pop("_site_settings", None)
    try:
        assert stats.headline_figures()["within_target_share"] is None
    finally:
        app.config["RESPONSE_TARGET_DAYS"] = target
        g.pop("_site_settings", None)
