"""Every page type the app serves, as the role it is for, on the demo council's data.

One list shared by the page sweeps: axe at phone size (tests/browser/test_every_page_a11y.py),
no page wider than a phone (tests/browser/test_every_page_fits_a_phone.py) and the Nu HTML
Checker (tests/test_html_validity.py). ``seed_demo()`` fills the database and returns
representative ids; ``visits(ids)`` lists the pages. Every GET rule of the app is either
visited or listed in SKIPPED with a reason (test_every_get_rule_is_swept_or_skipped_with_a_reason),
so a new page joins every sweep as soon as it is added to ``visits()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from citizenideas import demo
from citizenideas.extensions import db
from citizenideas.models import (
    Claim,
    Comment,
    CommunityAsset,
    Idea,
    Notification,
    Organisation,
    OutcomeReport,
    Pledge,
    ResponseTemplate,
    User,
)
from citizenideas.services import accounts, ideas, paper_supports, reports
from citizenideas.services.lifecycle import change_status

DEMO_PASSWORD = "demo-pass-1234"
RESIDENT = "resident@example.org"
PARTNER = "partner@example.org"
MODERATOR = "moderator@example.org"
ADMIN = "admin@example.org"

# GET rules that are not HTML pages (or not pages of their own), with the reason.
SKIPPED = {
    "/static/<path:filename>": "static files (checked on every page: none may fail to load)",
    "/accountability.csv": "download",
    "/accountability.json": "download",
    "/admin/audit.csv": "download",
    "/ideas.csv": "download",
    "/ideas.json": "download",
    "/ideas.geojson": "GeoJSON download (the maps' data; checked in tests/test_geojson.py)",
    "/assets.geojson": "GeoJSON download (the maps' data; checked in tests/test_geojson.py)",
    "/outcomes.csv": "download",
    "/assets/community-value.csv": "download",
    "/assets/community-value.json": "download",
    "/assets/community-value/unsuccessful.csv": "download",
    "/assets/community-value/unsuccessful.json": "download",
    "/outcomes.json": "download",
    "/me/data.json": "download",
    "/feeds/ideas.atom": "Atom feed (XML, not a page)",
    "/feeds/outcomes.atom": "Atom feed (XML, not a page)",
    "/feeds/status-changes.atom": "Atom feed (XML, not a page)",
    "/sign-in/council": "redirect to the council's identity provider (404 when single sign-on "
                        "is not set up); its pages are checked in "
                        "tests/browser/test_council_sign_in.py",
    "/sign-in/council/callback": "the identity provider's answer (404 when single sign-on is "
                                 "not set up); its pages are checked in "
                                 "tests/browser/test_council_sign_in.py",
    "/ideas/similar": "HTMX fragment, not a page: checked swapped into /ideas/new "
                      "(test_similar_ideas_fragment_is_accessible)",
    "/sign-in/code": "needs a sign-in waiting for its second factor (no demo account has one, "
                     "so the sweeps can sign in): axe and width checked in "
                     "tests/browser/test_second_factor_journey.py",
    "/me/second-factor/recovery-codes": "needs an account with a second factor: axe and width "
                                        "checked in tests/browser/test_second_factor_journey.py",
    "/media/<path:key>": "photo files (images, not pages; shown on the idea pages visited)",
}
# No GET rule is redirect-only: /sign-out redirects only when signed out (it is visited
# signed in) and /verify-email/<token> redirects on success but renders a page for a bad link.


def is_skipped(rule: str) -> bool:
    return rule in SKIPPED or rule.startswith("/api/v1/")


def open_api_explorer(page) -> None:
    """Swagger UI on /api/docs, opened up: every area, one operation of each method with
    "Try it out", and the schemas (the explorer is part of the page, so it is checked too)."""
    from playwright.sync_api import expect

    if not page.js_enabled:
        return
    page.locator(".swagger-ui .opblock-tag").first.wait_for()
    click_all = "sel => document.querySelectorAll(sel).forEach(e => e.click())"
    page.evaluate(click_all, ".swagger-ui .opblock-tag")
    for method in ("get", "post", "put", "patch", "delete"):
        page.locator(f".swagger-ui .opblock-{method} .opblock-summary-control").first.wait_for()
        page.evaluate("sel => document.querySelector(sel).click()",
                      f".swagger-ui .opblock-{method} .opblock-summary-control")
    page.evaluate(click_all, ".swagger-ui .models-control")
    page.locator(".swagger-ui .try-out__btn").first.wait_for()
    page.evaluate(click_all, ".swagger-ui .try-out__btn")
    expect(page.locator(".swagger-ui .btn.execute").first).to_be_visible()


def wait_for_map(page) -> None:
    """A page with a map (static/js/maps.js): with JavaScript, wait until it has drawn its
    markers and stopped moving, so the checks see it still."""
    if page.js_enabled:
        page.locator("[data-ci-map][data-ready]").wait_for(state="attached")


@dataclass
class Visit:
    role: str | None  # None: anonymous
    path: str
    status: int = 200
    then: Callable | None = None  # run on the page before the check


def get_rules(app) -> set[str]:
    return {r.rule for r in app.url_map.iter_rules() if "GET" in r.methods}


def rule_of(app, path: str) -> str:
    adapter = app.url_map.bind("localhost")
    rule, _args = adapter.match(path.split("?")[0], method="GET", return_rule=True)
    return rule.rule


def seed_demo() -> dict:
    """The demo council, plus a hidden idea and a hidden comment; representative ids."""
    demo.seed()
    db.session.commit()
    one = db.session.scalar

    def user(email):
        return one(select(User).where(User.email == email))

    resident, partner, moderator = user(RESIDENT), user(PARTNER), user(MODERATOR)
    org = partner.memberships[0].organisation
    # An idea in delivery by the partner's organisation, with comments and pledges.
    delivering = one(select(Idea).join(Claim, Claim.idea_id == Idea.id)
                     .where(Idea.status == "in_delivery", Claim.status == "approved",
                            Claim.organisation_id == org.id,
                            Idea.id.in_(select(Comment.idea_id)),
                            Idea.id.in_(select(Pledge.idea_id)))
                     .order_by(Idea.id))
    pledge = one(select(Pledge).where(Pledge.idea_id == delivering.id).order_by(Pledge.id))
    # An accepted idea nobody has claimed yet (the partner may claim it).
    claimable = one(select(Idea).where(Idea.status == "accepted", Idea.hidden.is_(False),
                                       ~Idea.id.in_(select(Claim.idea_id)))
                    .order_by(Idea.id))
    own = one(select(Idea).where(Idea.author_id == resident.id, Idea.status == "submitted")
              .order_by(Idea.id))
    # Hide one submitted idea (not the resident's) and one comment on the idea in delivery.
    hidden = one(select(Idea).where(Idea.status == "submitted", Idea.id != own.id)
                 .order_by(Idea.id))
    reports.hide_idea(moderator, hidden, "Personal details in the description.")
    comment = one(select(Comment).where(Comment.idea_id == delivering.id).order_by(Comment.id))
    reports.hide_comment(moderator, comment, "Personal details in the comment.")
    pending_claim = one(select(Claim).where(Claim.status == "pending",
                                            Claim.organisation_id == org.id))
    any_pending = one(select(Claim).where(Claim.status == "pending").order_by(Claim.id))
    submitted_report = one(select(OutcomeReport).where(OutcomeReport.state == "submitted")
                           .order_by(OutcomeReport.id))
    note = one(select(Notification).where(Notification.user_id == resident.id)
               .order_by(Notification.id.desc()))
    reset = accounts.issue_token("reset_password", 2, user=resident)
    invite = accounts.issue_token("invite", 24, email=RESIDENT, organisation_id=org.id)
    delivered = one(select(OutcomeReport.idea_id).where(OutcomeReport.state == "published")
                    .order_by(OutcomeReport.id))
    _residents_verify(resident, db.session.get(Idea, delivered))
    # An idea recorded for a resident without email (so its acceptance waits on the council's
    # "to contact" list, with a letter), with supports gathered on paper.
    assisted_idea = ideas.propose_idea(
        moderator, title="A bench at the Mill Lane bus stop",
        description="A bench by the bus stop so older neighbours can rest while waiting.",
        category_id=claimable.category_id, ward_id=claimable.ward_id,
        on_behalf_of={"name": "Ann Example", "channel": "phone", "phone": "01632 960 001"})
    paper_supports.record_paper_supports(moderator, assisted_idea, count=23,
                                         evidence="Petition sheet at the library")
    to_contact = change_status(moderator, assisted_idea, "accepted",
                               "We will put a bench there in spring.")
    # A photo on the resident's own idea, reported by the partner (the gallery, the
    # author's "Add a photo" form, the moderator's remove form and the reports queue).
    from citizenideas.services import photos
    from tests.photo_support import phone_photo

    photo = photos.add_idea_photo(resident, own, data=phone_photo(),
                                  alt_text="The corner of the green where the bench would go")
    photos.flag_photo(partner, photo, "It shows the front of my house.")
    acv_ids = _community_value(moderator, partner, org)
    transfer_ids = _asset_transfer(moderator)
    ids = {
        **acv_ids,
        **transfer_ids,
        **_after_transfer(),
        "delivering": delivering.id, "delivered": delivered, "pledge": pledge.id,
        "claimable": claimable.id, "own": own.id, "hidden": hidden.id, "org": org.id,
        "pending_claim": pending_claim.id, "any_pending": any_pending.id,
        "report": submitted_report.id, "note": note.id, "reset": reset, "invite": invite,
        "assisted": assisted_idea.id, "to_contact": to_contact.id,
        "asset": one(select(CommunityAsset.id).join(CommunityAsset.ideas)
                     .order_by(CommunityAsset.id)),
        "template": one(select(ResponseTemplate.id).order_by(ResponseTemplate.id)),
        "other_org": one(select(Organisation.id).where(Organisation.id != org.id)
                         .order_by(Organisation.id)),
    }
    db.session.commit()
    return ids


def _after_transfer() -> dict:
    """After a transfer (the demo's own data): Elmstead Lido with reports and access
    comments, Millbrook Library (the partner's trust) with its year 5 report overdue."""
    from citizenideas.models import AccessComment

    one = db.session.scalar

    lido = one(select(CommunityAsset.id).where(CommunityAsset.name == "Elmstead Lido"))
    return {"lido": lido,
            "library": one(select(CommunityAsset.id)
                           .where(CommunityAsset.name == "Millbrook Library")),
            "access_comment": one(select(AccessComment.id).where(AccessComment.asset_id == lido)
                                  .order_by(AccessComment.id))}


def _community_value(moderator: User, partner: User, org: Organisation) -> dict:
    """Assets of community value: a listed place in its interim moratorium (the partner may
    register an intent to bid), a refused nomination, one waiting for a decision, and a
    place the partner may nominate."""
    from datetime import timedelta

    from citizenideas.models import AcvNomination
    from citizenideas.services import asset_timeline
    from citizenideas.services import community_value as acv

    reasons = "The heart of village life: clubs, quizzes and the darts league meet here."
    # Places the demo's own community value story leaves alone.
    places = list(db.session.scalars(select(CommunityAsset).where(
        CommunityAsset.retired_at.is_(None), CommunityAsset.community_status != "acv_listed",
        CommunityAsset.id.not_in(select(AcvNomination.asset_id)))
        .order_by(CommunityAsset.id.desc()).limit(4)))
    listed, refused, waiting, free = places
    demo_library = db.session.scalar(select(CommunityAsset.id).where(
        CommunityAsset.name == "Northgate Library"))
    n = acv.nominate_asset(partner, listed, organisation=org, reasons=reasons)
    acv.decide_nomination(moderator, n, "listed", "Its main use furthers social wellbeing.")
    acv.record_notice_of_sale(moderator, n, acv.today() - timedelta(days=3))
    r = acv.nominate_asset(moderator, refused, group_name="Neighbours of the yard",
                           reasons=reasons)
    acv.decide_nomination(moderator, r, "not_listed", "Its main use is storage, not social.")
    w = acv.nominate_asset(partner, waiting, organisation=org, reasons=reasons)
    asset_timeline.follow_asset(partner, listed)  # its page says "Stop following"; /me lists it
    return {"acv_listed": listed.id, "acv_refused": refused.id, "acv_waiting": w.id,
            "acv_free": free.id, "acv_demo_library": demo_library}


def _asset_transfer(moderator: User) -> dict:
    """Community asset transfer: the demo's hall under assessment (stage and question forms
    for the council) and its library at business case, with a question still waiting for the
    partner's answer."""
    from citizenideas.models import TransferRequest
    from citizenideas.services import asset_transfer_questions as transfer_questions

    requests = {r.stage: r for r in db.session.scalars(select(TransferRequest))}
    hall, library = requests["under_assessment"], requests["business_case_requested"]
    transfer_questions.ask_for_information(moderator, library, "When could your volunteers start?")
    return {"transfer_hall": hall.id, "transfer_hall_asset": hall.asset_id,
            "transfer_library": library.id}


def _residents_verify(resident: User, idea: Idea) -> None:
    """Answers to "Was it done?" on the delivered idea: the resident's own (so their page
    shows the form with their answer) and three residents who say no (a disputed outcome,
    for /council/disputed)."""
    from citizenideas.services import engagement, verification

    engagement.follow_idea(resident, idea)
    verification.verify_outcome(resident, idea, "partly",
                                "The benches are in, but the planters are still empty.")
    others = db.session.scalars(
        select(User).where(User.role == "resident", User.id != resident.id,
                           User.deleted_at.is_(None), User.email_verified_at.is_not(None),
                           ~User.memberships.any())
        .order_by(User.id).limit(3)).all()
    for n, other in enumerate(others):
        engagement.follow_idea(other, idea)
        verification.verify_outcome(other, idea, "no", "" if n else "Nothing changed here.")


def visits(ids: dict) -> list[Visit]:
    """Every page, as the role it is for (some public pages also as other roles)."""
    i = ids
    return [
        # Public pages, anonymous.
        Visit(None, "/"),
        Visit(None, "/accessibility"),
        Visit(None, "/privacy"),
        Visit(None, "/accountability"),
        Visit(None, "/outcomes"),
        Visit(None, "/ideas"),
        Visit(None, "/ideas?q=park&sort=newest"),
        Visit(None, f"/ideas/{i['delivering']}"),
        Visit(None, f"/ideas/{i['delivered']}"),  # with its published outcome
        Visit(None, "/ideas?page=2"),
        Visit(None, "/ideas?q=zzzz-nothing-matches"),
        # The map over the list (JS on), the list only (JS off).
        Visit(None, "/ideas/map", then=wait_for_map),
        Visit(None, "/ideas/map?q=zzzz-nothing-matches", then=wait_for_map),
        Visit(None, "/ideas/999999", status=404),  # the error page
        Visit(None, "/assets", then=wait_for_map),
        Visit(None, f"/assets/{i['asset']}"),
        Visit(None, f"/organisations/{i['org']}"),
        Visit(None, "/partners/open"),
        Visit(None, "/api/docs", then=open_api_explorer),
        Visit(None, "/sign-in"),
        Visit(None, "/register"),
        Visit(None, "/register/check-email"),
        Visit(None, "/forgot-password"),
        Visit(None, f"/reset-password/{i['reset']}"),
        Visit(None, "/verify-email/not-a-real-token", status=400),  # the link-problem page
        # Resident.
        Visit(RESIDENT, "/"),
        Visit(RESIDENT, f"/ideas/{i['delivering']}"),  # support, pledge, comment, flag forms
        Visit(RESIDENT, f"/ideas/{i['delivered']}"),  # "Was it done?" with their answer
        Visit(RESIDENT, "/ideas/new"),
        Visit(RESIDENT, f"/ideas/{i['own']}"),  # the author's photos and "Add a photo"
        Visit(None, f"/ideas/{i['own']}"),  # a public photo gallery
        Visit(MODERATOR, f"/ideas/{i['own']}"),  # a photo's "Remove from public view"
        Visit(RESIDENT, f"/ideas/{i['own']}/edit"),
        Visit(RESIDENT, f"/ideas/{i['own']}/withdraw"),
        Visit(RESIDENT, "/me"),
        Visit(RESIDENT, "/me/notifications"),
        Visit(RESIDENT, f"/me/notifications/{i['note']}"),
        Visit(RESIDENT, "/me/password"),
        Visit(RESIDENT, "/me/delete"),
        Visit(RESIDENT, "/me/tokens"),
        Visit(RESIDENT, "/me/second-factor"),
        Visit(RESIDENT, "/organisations/new"),
        Visit(RESIDENT, f"/organisations/invitations/{i['invite']}"),
        Visit(RESIDENT, "/sign-out"),
        Visit(RESIDENT, "/admin", status=403),  # the error page, signed in
        # Partner.
        Visit(PARTNER, "/partners"),
        Visit(PARTNER, f"/organisations/{i['org']}"),  # the manager's view: members, invite
        Visit(PARTNER, f"/organisations/{i['org']}/edit"),
        Visit(PARTNER, f"/ideas/{i['delivering']}"),  # "Your organisation has offered ..."
        Visit(PARTNER, f"/ideas/{i['claimable']}"),  # the "Offer to deliver this idea" button
        Visit(PARTNER, f"/partners/ideas/{i['claimable']}/claim"),
        Visit(PARTNER, f"/partners/ideas/{i['delivering']}/progress"),
        Visit(PARTNER, f"/partners/ideas/{i['delivering']}/volunteers"),
        Visit(PARTNER, f"/partners/ideas/{i['delivering']}/outcome"),
        Visit(PARTNER, f"/partners/pledges/{i['pledge']}/message"),
        Visit(PARTNER, f"/partners/claims/{i['pending_claim']}/withdraw"),
        # Moderator.
        Visit(MODERATOR, "/council"),
        Visit(MODERATOR, "/council/flags"),
        Visit(MODERATOR, f"/council/ideas/{i['delivering']}"),
        Visit(MODERATOR, f"/council/ideas/{i['hidden']}"),
        Visit(MODERATOR, f"/council/ideas/{i['own']}"),  # submitted: every decision open
        Visit(MODERATOR, f"/ideas/{i['hidden']}"),  # a hidden idea, seen by staff
        Visit(MODERATOR, f"/ideas/{i['delivering']}"),  # with a hidden comment
        Visit(MODERATOR, "/council/claims"),
        Visit(MODERATOR, f"/council/claims/{i['any_pending']}"),
        Visit(MODERATOR, "/council/outcomes"),
        Visit(MODERATOR, "/council/disputed"),
        Visit(MODERATOR, f"/council/ideas/{i['delivered']}"),  # residents' answers, named
        Visit(MODERATOR, f"/council/outcomes/{i['report']}"),
        Visit(MODERATOR, "/assets/new"),
        Visit(MODERATOR, f"/assets/{i['asset']}/edit"),
        Visit(MODERATOR, "/council/assets/import"),
        Visit(MODERATOR, "/council/community-value"),
        Visit(MODERATOR, f"/council/community-value/{i['acv_waiting']}"),
        Visit(MODERATOR, f"/assets/{i['acv_listed']}"),
        Visit(None, "/assets/community-value"),
        Visit(None, "/assets/community-value/unsuccessful"),
        Visit(None, f"/assets/{i['acv_refused']}"),
        Visit(PARTNER, f"/assets/{i['acv_listed']}"),
        Visit(PARTNER, f"/assets/{i['acv_free']}/nominate"),
        Visit(PARTNER, "/me"),  # the places followed
        Visit(None, f"/assets/{i['acv_demo_library']}"),  # a demo timeline, a sign-in link
        Visit(PARTNER, f"/assets/{i['acv_demo_library']}"),  # intent to bid, Follow
        Visit(None, f"/assets/{i['transfer_hall_asset']}"),
        Visit(None, f"/transfer-requests/{i['transfer_hall']}"),
        Visit(MODERATOR, f"/transfer-requests/{i['transfer_hall']}"),
        Visit(PARTNER, f"/transfer-requests/{i['transfer_library']}"),
        Visit(PARTNER, f"/assets/{i['transfer_hall_asset']}/transfer-request"),
        Visit(PARTNER, "/partners/transfer-requests"),
        Visit(MODERATOR, "/council/asset-transfers"),
        Visit(MODERATOR, "/council/asset-transfers?stage=declined"),
        # After a transfer: reports next to the commitments, access comments and their forms.
        Visit(None, f"/assets/{i['lido']}"),
        Visit(RESIDENT, f"/assets/{i['lido']}"),
        Visit(RESIDENT, f"/assets/{i['lido']}/access-comments/new"),
        Visit(PARTNER, f"/assets/{i['library']}/reports/new"),
        Visit(MODERATOR, "/council/transferred-places"),
        Visit(MODERATOR, f"/council/access-comments/{i['access_comment']}/hide"),
        Visit(MODERATOR, "/second-factor/set-up"),  # the QR code and the key in fours
        # Assisted digital: record an idea for a resident, the to-contact list and a letter.
        Visit(MODERATOR, "/council/ideas/record"),
        Visit(MODERATOR, "/council/to-contact"),
        Visit(MODERATOR, f"/council/to-contact/{i['to_contact']}/letter"),
        Visit(MODERATOR, f"/council/ideas/{i['assisted']}"),  # the resident, paper supports
        Visit(None, f"/ideas/{i['assisted']}"),  # "Recorded by the council", "23 on paper"
        # Admin.
        Visit(ADMIN, "/admin"),
        Visit(ADMIN, "/admin/categories"),
        Visit(ADMIN, "/admin/wards"),
        Visit(ADMIN, "/admin/audit"),
        Visit(ADMIN, "/admin/audit?page=2"),
        Visit(ADMIN, "/admin/organisations"),
        Visit(ADMIN, "/admin/settings"),
        Visit(ADMIN, "/admin/templates"),
        Visit(ADMIN, "/admin/templates/new"),
        Visit(ADMIN, f"/admin/templates/{i['template']}/edit"),
        Visit(ADMIN, "/admin/users"),
        Visit(ADMIN, f"/organisations/{i['other_org']}"),
    ]
