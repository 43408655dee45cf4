"""A moderator works through the new queue in a phone-sized browser, with JavaScript on (HTMX
panel swaps) and off (plain forms): answers an idea, links a community place, hides a reported
comment and merges a duplicate. An admin then looks at the admin pages. Every page passes axe."""

from __future__ import annotations

from sqlalchemy import select

from citizenideas.extensions import db
from citizenideas.models import Comment, CommunityAsset, Flag, Idea
from tests.factories import PASSWORD

from .conftest import assert_accessible, sign_in


def _sign_in(page, base: str, email: str) -> None:
    sign_in(page, base, email, PASSWORD)
    page.locator("a[href='/sign-out']").wait_for(state="attached")


def _visit(page, url: str) -> None:
    page.goto(url)
    assert_accessible(page)


def _press(page, name: str, then_text: str) -> None:
    """Press a button and wait for the confirmation (HTMX announcement or flash banner)."""
    page.get_by_role("button", name=name, exact=True).click()
    page.get_by_text(then_text).first.wait_for()


def _fresh(model, object_id):
    db.session.expire_all()
    return db.session.get(model, object_id)


def test_moderator_works_through_the_new_queue(page, live_server, make):
    base = live_server.url
    ward, category = make.ward(name="Riverside"), make.category(name="Parks")
    moderator = make.user(email="moderator@example.org", role="moderator", display_name="Mo")
    admin = make.user(email="admin@example.org", role="admin", display_name="Ada")
    resident = make.user(display_name="Rosa")
    answer = make.idea(title="Reading corner in the library", ward=ward, category=category,
                       author=resident)
    keep = make.idea(title="Open-air cinema in the park", ward=ward, category=category)
    duplicate = make.idea(title="Outdoor films in the park", ward=ward, category=category)
    library = make.asset(name="Central Library", ward=ward)
    comment = Comment(idea_id=answer.id, author_id=make.user().id, body="Rude remark here")
    db.session.add(comment)
    db.session.flush()
    db.session.add(Flag(reporter_id=resident.id, idea_id=answer.id, target_type="comment",
                        target_id=comment.id, reason="This is abusive"))
    db.session.commit()
    ids = {"answer": answer.id, "keep": keep.id, "duplicate": duplicate.id,
           "comment": comment.id, "library": library.id}
    keep_ref = keep.reference

    _sign_in(page, base, moderator.email)
    _visit(page, f"{base}/council")
    page.get_by_role("link", name="Reading corner in the library").click()
    page.wait_for_url(f"{base}/council/ideas/{ids['answer']}")
    assert_accessible(page)

    # Answer the idea publicly.
    page.get_by_label("Accepted", exact=True).check()
    page.locator("#message").fill("A good idea: the library team will set this up.")
    _press(page, "Change status", "Status changed to Accepted.")
    assert _fresh(Idea, ids["answer"]).first_response_at is not None

    # Link it to the library.
    page.get_by_label("Link a place").select_option(label="Central Library")
    _press(page, "Link place", "Place linked.")
    assert [a.id for a in _fresh(Idea, ids["answer"]).assets] == [ids["library"]]

    # Hide the reported comment and uphold the report.
    page.get_by_label(f"Reason for hiding comment {ids['comment']}").fill("Abusive language")
    _press(page, f"Hide comment {ids['comment']}", "The comment is hidden.")
    assert _fresh(Comment, ids["comment"]).hidden
    page.get_by_label("Uphold: hide it").check()
    _press(page, "Resolve report", "Report upheld.")
    assert_accessible(page)

    # Merge the duplicate into the idea to keep.
    _visit(page, f"{base}/council/ideas/{ids['duplicate']}")
    page.get_by_label("Merge this idea into").fill(keep_ref)
    page.locator("#merge_message").fill("Same idea as the open-air cinema: support moved there.")
    _press(page, "Merge", f"Merged into {keep_ref}.")
    assert _fresh(Idea, ids["duplicate"]).merged_into_id == ids["keep"]

    # The place's public page lists the idea.
    _visit(page, f"{base}/assets/{ids['library']}")
    page.get_by_text("Reading corner in the library").first.wait_for()
    _visit(page, f"{base}/council/assets/import")
    _visit(page, f"{base}/council/flags")

    # An admin's pages.
    page.goto(f"{base}/sign-out")
    page.get_by_role("button", name="Sign out").click()
    page.locator("a[href='/sign-in']").first.wait_for(state="attached")
    _sign_in(page, base, admin.email)
    for path in ("/admin", "/admin/users", "/admin/categories", "/admin/settings",
                 "/admin/templates", "/admin/audit"):
        _visit(page, f"{base}{path}")
    page.locator("code", has_text="idea.merge").first.wait_for()
    assert db.session.scalar(select(CommunityAsset.name)) == "Central Library"
