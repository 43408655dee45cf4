"""The council dashboard and triage page through the test client: plain forms (303 + flash)
and HTMX panel swaps, refused transitions shown on the form, constant query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from citizenideas.extensions import db
from citizenideas.models import (
    Claim,
    Comment,
    Flag,
    Idea,
    InternalNote,
    Notification,
    OutcomeReport,
    ResponseTemplate,
    StatusChange,
    utcnow,
)

from .conftest import csrf_token
from .test_page_cache import queries

HX = {"HX-Request": "true"}


@pytest.fixture
def moderator(make, auth):
    user = make.user(role="moderator", email="moderator@example.org", display_name="Mo Derator")
    auth.sign_in(user.email)
    return user


def post(client, path, data, page, headers=None):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page)},
                       headers=headers or {})


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1


def count_queries(client, path) -> int:
    """Queries one page costs, starting like a fresh request (nothing cached)."""
    from flask import g

    db.session.commit()
    db.session.expunge_all()
    g.__dict__.clear()
    counter = QueryCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return counter.count


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/council")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_dashboard_shows_queue_counts(client, make, moderator):
    old = utcnow() - timedelta(days=40)
    make.idea(status="submitted")
    overdue = make.idea(status="submitted", created_at=old, title="Benches along the canal")
    make.idea(status="under_review")
    author = make.user()
    idea = make.idea(author=author, status="accepted")
    org = make.organisation()
    db.session.add(Claim(idea_id=idea.id, organisation_id=org.id, created_by_id=author.id,
                         plan="A plan", status="pending"))
    db.session.add(OutcomeReport(idea_id=idea.id, author_id=author.id, state="submitted",
                                 result="delivered", summary="Done"))
    db.session.add(Flag(reporter_id=author.id, idea_id=idea.id, target_type="idea",
                        target_id=idea.id, reason="Rude"))
    db.session.commit()

    html = client.get("/council").get_data(as_text=True)
    assert "New ideas: <strong>2</strong>" in html
    assert "Under review: <strong>1</strong>" in html
    assert "<strong>1</strong></a>" in html  # overdue, flags, claims, outcomes
    assert 'href="/council/claims"' in html and 'href="/council/outcomes"' in html
    assert "Reported content: <strong>1</strong>" in html
    assert "Partner claims to decide: <strong>1</strong>" in html
    assert "Outcome reports to publish: <strong>1</strong>" in html
    overdue_html = client.get("/council?age=overdue").get_data(as_text=True)
    assert overdue.title in overdue_html and "Overdue" in overdue_html
    assert "Waiting 40 days" in overdue_html


def test_dashboard_filters_and_sorts(client, make, moderator):
    ward = make.ward(name="Elm Park")
    popular = make.idea(title="Popular idea about trees", support_count=9, ward=ward)
    make.idea(title="Quiet idea about bins", created_at=utcnow() - timedelta(days=3))
    mine = make.idea(title="Idea assigned to me", assignee_id=moderator.id)

    html = client.get("/council?sort=supported").get_data(as_text=True)
    assert html.index(popular.title) < html.index("Quiet idea about bins")
    html = client.get("/council").get_data(as_text=True)
    assert html.index("Quiet idea about bins") < html.index(popular.title)
    html = client.get(f"/council?ward_id={ward.id}").get_data(as_text=True)
    assert popular.title in html and "Quiet idea" not in html
    html = client.get("/council?assignee=me").get_data(as_text=True)
    assert mine.title in html and popular.title not in html
    html = client.get("/council?assignee=unassigned").get_data(as_text=True)
    assert mine.title not in html and popular.title in html
    html = client.get("/council?q=bins").get_data(as_text=True)
    assert "Quiet idea about bins" in html and popular.title not in html
    html = client.get("/council?age=7").get_data(as_text=True)
    assert "No ideas match" in html


def test_dashboard_paginates(client, make, moderator):
    ward, category = make.ward(), make.category()
    for n in range(30):
        make.idea(title=f"Numbered idea {n:02d}", ward=ward, category=category,
                  created_at=utcnow() - timedelta(minutes=100 - n))
    first = client.get("/council").get_data(as_text=True)
    assert "Numbered idea 00" in first and "Numbered idea 29" not in first
    assert "Page 1 of 2" in first
    second = client.get("/council?page=2").get_data(as_text=True)
    assert "Numbered idea 29" in second and "Numbered idea 00" not in second


def test_the_filters_read_categories_and_wards_once_per_change(client, make, moderator):
    """The filters' categories and wards are kept per data version
    (services/council_dashboard.py): a second visit reads neither table, and an added
    category, a renamed ward, a Welsh name or a new moderator shows at once."""
    from citizenideas.services import places

    admin = make.user(role="admin", display_name="Ada Admin")
    ward = make.ward(name="Elm Park")
    make.category(name="Parks and green spaces")
    make.idea(title="Benches by the pond", ward=ward)
    first = client.get("/council").get_data(as_text=True)
    assert f'<option value="{ward.id}">Elm Park</option>' in first
    assert ">Parks and green spaces</option>" in first
    with queries() as again:
        assert client.get("/council").status_code == 200
    assert not [s for s in again if "FROM categories" in s or "FROM wards " in s
                or s.rstrip().endswith("FROM wards")], again

    places.add_category(admin, "Libraries")
    places.rename_ward(admin, db.session.get(type(ward), ward.id), "Elm Park North")
    db.session.commit()
    html = client.get("/council").get_data(as_text=True)
    assert ">Libraries</option>" in html and ">Elm Park North</option>" in html
    assert ">Elm Park</option>" not in html
    places.set_welsh(admin, db.session.get(type(ward), ward.id), "Parc Llwyfen")
    db.session.commit()
    assert ">Parc Llwyfen</option>" in client.get("/council?lang=cy").get_data(as_text=True)
    make.user(role="moderator", display_name="Newly Promoted")
    assert ">Newly Promoted</option>" in client.get("/council?lang=en").get_data(as_text=True)


def test_dashboard_costs_the_same_queries_for_5_or_40_ideas(client, make, moderator):
    ward, category, moderator_id = make.ward(), make.category(), moderator.id
    for _n in range(5):
        make.idea(ward=ward, category=category, assignee_id=moderator_id, author=make.user())
    few = count_queries(client, "/council")
    for _n in range(35):
        make.idea(ward=make.ward(), category=make.category(), assignee_id=moderator_id,
                  author=make.user())
    assert count_queries(client, "/council") == few


def test_each_queue_row_is_drawn_once_and_shows_what_changed(app, client, make, moderator):
    """The queue's rows are drawn once per state of their idea (web/macro_cache.py): a
    second visit draws none, and an assignment, a Welsh reader or a ticked box each get
    their own row."""
    idea = make.idea(title="Benches <by> the pond", status="submitted")

    def drawn() -> int:
        table = app.jinja_env.__dict__.get("ci_macro_cache", {})
        return sum(1 for key in table if key[2] == "queue_row"
                   and ("str", "Benches <by> the pond") in key[4][1])

    html = client.get("/council").get_data(as_text=True)
    assert "Benches &lt;by&gt; the pond" in html and "Not assigned" in html
    assert drawn() == 1
    client.get("/council")
    assert drawn() == 1
    page = f"/council/ideas/{idea.id}"
    assert post(client, f"{page}/assign", {"assignee_id": moderator.id}, page).status_code == 303
    html = client.get("/council").get_data(as_text=True)
    assert "Assigned to Mo Derator" in html and drawn() == 2
    welsh = client.get("/council?lang=cy").get_data(as_text=True)
    assert "Wedi'i neilltuo i Mo Derator" in welsh.replace("&#39;", "'") and drawn() == 3
    response = post(client, "/council/bulk-status", {"idea_ids": str(idea.id),
                                                     "bulk_status": ""}, "/council")
    assert response.status_code == 422
    assert f'value="{idea.id}" checked' in response.get_data(as_text=True)


def test_changing_status_without_js_redirects_with_a_message(client, make, moderator):
    idea = make.idea()
    page = f"/council/ideas/{idea.id}"
    response = post(client, f"{page}/status", {"status": "under_review", "message": ""}, page)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{page}#panel-status")
    html = client.get(page).get_data(as_text=True)
    assert "Status changed to Under review." in html
    assert db.session.get(Idea, idea.id).status == "under_review"


def test_changing_status_with_htmx_swaps_the_panel(client, make, moderator):
    idea = make.idea()
    page = f"/council/ideas/{idea.id}"
    response = post(client, f"{page}/status",
                    {"status": "declined", "message": "Outside what the council can do."}, page,
                    HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="panel-status"')
    assert "Status changed to Declined." in html and "<html" not in html
    assert "Outside what the council can do." in html


def test_a_refused_transition_shows_a_clear_error_on_the_form(client, make, moderator):
    idea = make.idea(status="declined")
    page = f"/council/ideas/{idea.id}"
    response = post(client, f"{page}/status", {"status": "accepted", "message": "x"}, page)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "An idea that is Declined cannot become Accepted." in html
    assert 'id="panel-status"' in html
    htmx = post(client, f"{page}/status", {"status": "accepted", "message": "x"}, page, HX)
    assert htmx.status_code == 422
    assert "cannot become Accepted" in htmx.get_data(as_text=True)


def test_declining_without_a_message_is_refused(client, make, moderator):
    idea = make.idea()
    page = f"/council/ideas/{idea.id}"
    response = post(client, f"{page}/status", {"status": "declined", "message": ""}, page)
    assert response.status_code == 422
    assert "Enter a public message explaining the change." in response.get_data(as_text=True)
    assert db.session.get(Idea, idea.id).status == "submitted"


def test_only_allowed_targets_are_offered(client, make, moderator):
    idea = make.idea(status="declined")
    html = client.get(f"/council/ideas/{idea.id}").get_data(as_text=True)
    assert 'value="under_review"' in html
    assert 'name="status" type="radio" value="accepted"' not in html


def test_choosing_a_response_template_fills_the_message(client, make, moderator):
    template = ResponseTemplate(status="declined", title="Not council land",
                                body="This land is not owned by the council.")
    db.session.add(template)
    db.session.commit()
    idea = make.idea()
    page = f"/council/ideas/{idea.id}"
    data = {"action": "use_template", "template_id": str(template.id), "status": "",
            "message": ""}
    for headers in ({}, HX):
        response = post(client, f"{page}/status", data, page, headers)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "This land is not owned by the council.</textarea>" in html
        assert 'value="declined" checked' in html
    assert db.session.get(Idea, idea.id).status == "submitted"


def test_assign_note_reply_hide_and_assets_through_the_page(client, make, moderator):
    idea = make.idea()
    asset = make.asset(name="Central Library")
    page = f"/council/ideas/{idea.id}"
    assert post(client, f"{page}/assign", {"assignee_id": moderator.id}, page).status_code == 303
    assert db.session.get(Idea, idea.id).assignee_id == moderator.id
    response = post(client, f"{page}/notes", {"note": "Check with parks team."}, page, HX)
    assert "Check with parks team." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(InternalNote.id))) == 1
    response = post(client, f"{page}/reply", {"reply": "We are looking into this."}, page)
    assert response.status_code == 303
    assert db.session.scalar(select(Comment).where(Comment.official.is_(True))) is not None
    response = post(client, f"{page}/assets", {"asset_id": asset.id}, page, HX)
    assert "Central Library" in response.get_data(as_text=True)
    assert [a.id for a in db.session.get(Idea, idea.id).assets] == [asset.id]
    response = post(client, f"{page}/assets/{asset.id}/unlink", {}, page)
    assert response.status_code == 303
    response = post(client, f"{page}/hide", {"hide_reason": ""}, page)
    assert response.status_code == 422
    assert "Enter the reason for hiding." in response.get_data(as_text=True)
    response = post(client, f"{page}/hide", {"hide_reason": "Personal details"}, page)
    assert response.status_code == 303
    assert db.session.get(Idea, idea.id).hidden is True


def test_merging_through_the_page_by_reference(client, make, moderator):
    target = make.idea(title="Keep this one")
    duplicate = make.idea()
    page = f"/council/ideas/{duplicate.id}"
    response = post(client, f"{page}/merge", {"into": target.reference.lower(),
                                               "merge_message": "Same idea."}, page, HX)
    assert response.status_code == 200
    assert f"Merged into {target.reference}." in response.get_data(as_text=True)
    assert db.session.get(Idea, duplicate.id).merged_into_id == target.id
    response = post(client, f"/council/ideas/{target.id}/merge",
                    {"into": "NOPE-1", "merge_message": "x"}, f"/council/ideas/{target.id}")
    assert response.status_code == 422


def test_hiding_a_flagged_comment_from_the_triage_page(client, make, moderator):
    idea = make.idea()
    resident = make.user()
    comment = Comment(idea_id=idea.id, author_id=resident.id, body="Something nasty")
    db.session.add(comment)
    db.session.flush()
    db.session.add(Flag(reporter_id=idea.author_id, idea_id=idea.id, target_type="comment",
                        target_id=comment.id, reason="Abusive"))
    db.session.commit()
    page = f"/council/ideas/{idea.id}"
    html = client.get(page).get_data(as_text=True)
    assert "1 open report" in html and "Abusive" in html
    response = post(client, f"/council/comments/{comment.id}/hide", {"reason": "Abuse"}, page, HX)
    assert response.status_code == 200 and "The comment is hidden." in response.get_data(
        as_text=True)
    flag = db.session.scalar(select(Flag))
    response = post(client, f"/council/flags/{flag.id}/resolve", {"resolution": "upheld"}, page)
    assert response.status_code == 303
    assert db.session.get(Flag, flag.id).resolution == "upheld"
    assert "No open reports." in client.get("/council/flags").get_data(as_text=True)


@pytest.mark.parametrize("page", ["/council/flags", "idea"])
def test_report_forms_say_which_text_is_internal_and_which_is_sent(client, make, moderator,
                                                                   page):
    idea = make.idea()
    db.session.add(Flag(reporter_id=make.user().id, idea_id=idea.id, target_type="idea",
                        target_id=idea.id, reason="Abusive"))
    db.session.commit()
    html = client.get(f"/council/ideas/{idea.id}" if page == "idea" else page).get_data(
        as_text=True)
    assert "Internal note (only council staff see this)" in html
    assert "Message to the author (sent by email and shown to them)" in html
    assert "Note (optional)" not in html


def test_resolving_a_report_from_the_queue_emails_only_the_message(client, make, moderator):
    idea = make.idea()
    db.session.add(Flag(reporter_id=make.user().id, idea_id=idea.id, target_type="idea",
                        target_id=idea.id, reason="Abusive"))
    db.session.commit()
    flag = db.session.scalar(select(Flag))
    response = post(client, f"/council/flags/{flag.id}/resolve",
                    {"resolution": "upheld", "note": "Known troll, staff only",
                     "message": "Your idea included personal abuse.", "next": "flags"},
                    "/council/flags")
    assert response.status_code == 303
    told = db.session.scalar(select(Notification).where(Notification.user_id == idea.author_id))
    assert "Your idea included personal abuse." in told.body
    assert "Known troll" not in told.body
    assert db.session.get(Flag, flag.id).resolution_note == "Known troll, staff only"


def test_resolving_a_report_on_the_idea_page_keeps_the_note_from_the_author(client, make,
                                                                            moderator):
    idea = make.idea()
    db.session.add(Flag(reporter_id=make.user().id, idea_id=idea.id, target_type="idea",
                        target_id=idea.id, reason="Abusive"))
    db.session.commit()
    flag = db.session.scalar(select(Flag))
    page = f"/council/ideas/{idea.id}"
    response = post(client, f"/council/flags/{flag.id}/resolve",
                    {"resolution": "upheld", "note": "Known troll, staff only"}, page)
    assert response.status_code == 303
    told = db.session.scalar(select(Notification).where(Notification.user_id == idea.author_id))
    assert "Known troll" not in told.body


def test_a_too_long_message_re_renders_the_idea_page_form_with_the_error(client, make,
                                                                         moderator):
    idea = make.idea()
    db.session.add(Flag(reporter_id=make.user().id, idea_id=idea.id, target_type="idea",
                        target_id=idea.id, reason="Abusive"))
    db.session.commit()
    flag = db.session.scalar(select(Flag))
    page = f"/council/ideas/{idea.id}"
    response = post(client, f"/council/flags/{flag.id}/resolve",
                    {"resolution": "upheld", "note": "Keep me", "message": "y" * 301}, page)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "300 characters or fewer" in html
    assert "Keep me" in html and not db.session.get(Idea, idea.id).hidden


def test_a_refused_decision_in_the_reports_queue_keeps_what_was_typed(client, make, moderator):
    idea = make.idea()
    db.session.add(Flag(reporter_id=make.user().id, idea_id=idea.id, target_type="idea",
                        target_id=idea.id, reason="Abusive"))
    db.session.commit()
    flag = db.session.scalar(select(Flag))
    response = post(client, f"/council/flags/{flag.id}/resolve",
                    {"resolution": "dismissed", "note": "Checked with legal",
                     "message": "Nothing to worry about", "next": "flags"}, "/council/flags")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "only sent when you uphold the report" in html
    assert "Checked with legal" in html and "Nothing to worry about" in html
    assert db.session.get(Flag, flag.id).resolved_at is None


def test_bulk_change_is_all_or_nothing(client, make, moderator):
    a, b = make.idea(), make.idea()
    declined = make.idea(status="declined")
    response = post(client, "/council/bulk-status",
                    {"idea_ids": [a.id, b.id, declined.id], "bulk_status": "accepted",
                     "bulk_message": "Good ideas."}, "/council")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Nothing was changed" in html and declined.reference in html
    assert {db.session.get(Idea, i.id).status for i in (a, b)} == {"submitted"}
    response = post(client, "/council/bulk-status",
                    {"idea_ids": [a.id, b.id], "bulk_status": "accepted",
                     "bulk_message": "Good ideas."}, "/council")
    assert response.status_code == 303
    assert {db.session.get(Idea, i.id).status for i in (a, b)} == {"accepted"}
    assert db.session.scalar(select(func.count(StatusChange.id)).where(
        StatusChange.message == "Good ideas.")) == 2


def test_a_status_change_with_htmx_also_refreshes_the_merge_panel(client, make, moderator):
    idea = make.idea()
    page = f"/council/ideas/{idea.id}"
    html = post(client, f"{page}/status", {"status": "accepted", "message": ""}, page,
                HX).get_data(as_text=True)
    assert '<section id="panel-merge"' in html and 'data-hx-swap-oob="true"' in html
    assert "An idea that is Accepted cannot be merged." in html
    assert '<div id="triage-announce" data-hx-swap-oob="innerHTML"><p>Status changed' in html


def test_internal_notes_never_reach_the_public_idea_page_or_the_api(client, make, moderator):
    from citizenideas.services import triage

    idea = make.idea(title="Lights in the underpass")
    triage.add_internal_note(moderator, idea, "Secret: ring Councillor Smith first")
    db.session.commit()
    assert "Secret: ring" in client.get(f"/council/ideas/{idea.id}").get_data(as_text=True)
    public = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Lights in the underpass" in public and "Secret: ring" not in public
    api = client.get(f"/api/v1/ideas/{idea.id}")
    assert api.status_code == 200 and "Secret: ring" not in api.get_data(as_text=True)


def test_an_htmx_reply_updates_the_response_time_line(client, make, moderator):
    idea = make.idea()
    page = f"/council/ideas/{idea.id}"
    assert "No public response yet." in client.get(page).get_data(as_text=True)
    html = post(client, f"{page}/reply", {"reply": "Thanks, we will look."}, page,
                HX).get_data(as_text=True)
    assert '<p id="triage-times"' in html and "First public response on" in html
