"""Ideas: find, propose, read, support, discuss, offer help, follow and report.

Each action that changes state answers an HTMX request with its own region of the page (and an
announcement for screen readers), and a plain browser with a 303 redirect and a banner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from limits import parse as parse_limit
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from ..error_handlers import answers_expired_forms
from ..errors import DomainError, ValidationFailed
from ..extensions import db, limiter
from ..login import ask_to_sign_in
from ..models import (
    PLEDGE_KINDS,
    STATUSES,
    Category,
    Comment,
    CommunityAsset,
    Idea,
    Pledge,
    Ward,
)
from ..page_cache import public_page
from ..pagination import requested_page
from ..permissions import can
from ..services import drafts, engagement, ideas, photos, verification
from ..services.idea_page import idea_page
from ..services.suggestions import suggest_alternatives
from ..throttling import action_limits, limit_scope
from .actions import run_action
from .forms import int_field, text_field

bp = Blueprint("ideas", __name__)

IDEA_FIELDS = ("title", "description", "category_id", "ward_id", "location_text", "asset_id",
               "lat", "lon")
PLEDGE_LABELS = {"time": "Time", "skills": "Skills", "space": "A space",
                 "equipment": "Equipment", "other": "Something else"}


def _limits(setting: str):
    """The page's side of an action's limits (shared with the API's)."""
    return action_limits(setting, methods=["POST"])


def _is_htmx() -> bool:
    return bool(getattr(request, "htmx", False))


def _options():
    categories = list(db.session.scalars(select(Category).where(Category.retired_at.is_(None))
                                         .order_by(Category.name)))
    wards = list(db.session.scalars(select(Ward).where(Ward.retired_at.is_(None))
                                    .order_by(Ward.name)))
    return categories, wards


# ---------------------------------------------------------------- list and search

def list_filters(args) -> dict:
    """The filters of the ideas list from its query string (shared with its map and
    GeoJSON): q, status, category_id, ward_id and sort."""
    status = args.get("status") or None
    if status not in STATUSES:
        status = None
    # "Best match" by default: the best search match first, or the most supported without q.
    sort = args.get("sort") if args.get("sort") in ideas.SORTS else "relevance"
    return {"q": (args.get("q") or "").strip()[:200], "status": status,
            "category_id": int_field("category", args), "ward_id": int_field("ward", args),
            "sort": sort}


def list_context(filters: dict) -> dict:
    """One page of the ideas list, and the filters as the form shows them."""
    found = ideas.search_ideas(current_user, page=requested_page(request.args), per_page=20,
                               **filters)
    values = {"q": filters["q"], "status": filters["status"] or "",
              "category": filters["category_id"] or "", "ward": filters["ward_id"] or "",
              "sort": filters["sort"]}
    return {"items": found.items, "total": found.total, "page": found.page,
            "pages": found.pages, "values": values,
            # The filters in use, for links to the same ideas elsewhere (the list, the map).
            "query": {k: v for k, v in values.items()
                      if v and not (k == "sort" and v == "relevance")}}


@bp.get("/ideas")
@public_page
def index():
    """All ideas, searchable, filterable and sortable; HTMX swaps only the results."""
    context = list_context(list_filters(request.args))
    if _is_htmx() and request.headers.get("HX-Target") == "idea-results":
        return render_template("ideas/_results.html", oob_status=True, **context)
    categories, wards = _options()
    return render_template("ideas/index.html", categories=categories, wards=wards, **context)


@bp.get("/ideas/similar")
def similar():
    """Ideas like the title being typed (an HTMX fragment): those open for support, and those
    already answered, apart."""
    title = (request.args.get("title") or "").strip()[:200]
    found = suggest_alternatives(title) if len(title) >= 4 else None
    return render_template("ideas/_similar.html", similar=found, title=title)


# ---------------------------------------------------------------- propose, edit, withdraw

def _idea_values() -> dict:
    return {"title": text_field("title"), "description": text_field("description"),
            "category_id": int_field("category_id"), "ward_id": int_field("ward_id"),
            "location_text": text_field("location_text"), "asset_id": int_field("asset_id"),
            "lat": text_field("lat"), "lon": text_field("lon")}


def _form_page(template: str, values: dict, errors: dict, status: int = 200, **extra):
    categories, wards = _options()
    assets = list(db.session.scalars(select(CommunityAsset)
                                     .where(CommunityAsset.retired_at.is_(None))
                                     .order_by(CommunityAsset.name)))
    return render_template(template, values=values, errors=errors, categories=categories,
                           wards=wards, assets=assets, **extra), status


@bp.route("/ideas/new", methods=["GET", "POST"])
@login_required
@_limits("RATELIMIT_PROPOSE")
def new():
    """Propose an idea. Without JS, similar ideas are shown on a confirm step first, or on the
    form itself by its "Check for similar ideas" button; "Change your idea" on the confirm
    step goes back to the form. Neither loses a word of the draft. A photo (optional) is
    added with the idea; a form shown again cannot keep the file, so it says so."""
    from .photos import allow_upload_size, uploaded_file

    if request.method == "GET":
        values = {"ward_id": current_user.ward_id}
        return _form_page("ideas/new.html", values, {})
    allow_upload_size()
    values = _idea_values()
    values["alt_text"] = text_field("alt_text")
    data = uploaded_file()
    lost = data is not None
    if request.form.get("check") or request.form.get("change"):
        return _form_page("ideas/new.html", values, {}, checked=True, photo_lost=lost,
                          similar=suggest_alternatives(values["title"]))
    # "confirmed": the no-JS confirm step was passed; "similar_seen": the similar ideas were
    # shown on the form (live with JS, or by the check button).
    confirmed = "1" in (request.form.get("confirmed"), request.form.get("similar_seen"))
    found = None if confirmed else suggest_alternatives(values["title"])

    def sent(idea):
        if found:
            # Valid, but similar ideas exist: show them before creating anything.
            return _form_page("ideas/confirm.html", values, {}, similar=found,
                              photo_lost=lost)
        flash(_("Your idea has been sent. Its reference is %(ref)s. The council will answer it "
                "publicly.", ref=idea.reference), "success")
        return redirect(url_for("ideas.show", idea_id=idea.id), code=303)

    def propose():
        idea = ideas.propose_idea(current_user, title=values["title"],
                                  description=values["description"],
                                  category_id=values["category_id"], ward_id=values["ward_id"],
                                  location_text=values["location_text"],
                                  lat=values["lat"], lon=values["lon"],
                                  asset_ids=[values["asset_id"]] if values["asset_id"] else ())
        if not found and (data is not None or values["alt_text"]):
            # Not in the preview (it is rolled back): no file is stored for an idea not sent.
            photos.add_idea_photo(current_user, idea, data=data or b"",
                                  alt_text=values["alt_text"])
        return idea

    return run_action(
        propose, done=sent, commit=not found, catch=ValidationFailed,
        # Shown again with the similar ideas too: they were seen, so sending goes straight on.
        failed=lambda exc: _form_page("ideas/new.html", values, exc.errors, 422,
                                      photo_lost=lost and "file" not in exc.errors,
                                      similar=found if found is not None
                                      else suggest_alternatives(values["title"])))


@bp.route("/ideas/<int:idea_id>/edit", methods=["GET", "POST"])
@login_required
def edit(idea_id: int):
    """The author changes their idea while it is still submitted."""
    idea = ideas.get_visible_idea(current_user, idea_id)
    if request.method == "GET":
        from ..permissions import require

        require(current_user, "edit_idea", idea,
                detail=_("You can only change an idea you proposed, before the council "
                         "reviews it."))
        values = {name: getattr(idea, name, None) for name in IDEA_FIELDS}
        return _form_page("ideas/edit.html", values, {}, idea=idea)
    values = _idea_values()

    def saved(_result):
        flash(_("Your changes have been saved."), "success")
        return redirect(url_for("ideas.show", idea_id=idea.id), code=303)

    # A form without the map fields (an old page) leaves the point as it is.
    point = ({"lat": values["lat"], "lon": values["lon"]}
             if "lat" in request.form or "lon" in request.form else {})
    return run_action(
        lambda: ideas.edit_idea(current_user, idea, title=values["title"],
                                description=values["description"],
                                category_id=values["category_id"], ward_id=values["ward_id"],
                                location_text=values["location_text"], **point),
        done=saved, catch=ValidationFailed,
        failed=lambda exc: _form_page("ideas/edit.html", values, exc.errors, 422, idea=idea))


@bp.route("/ideas/<int:idea_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(idea_id: int):
    """The author withdraws their idea, with a reason."""
    idea = ideas.get_visible_idea(current_user, idea_id)
    values = {"message": text_field("message")}

    def form(errors: dict):
        return render_template("ideas/withdraw.html", idea=idea, values=values,
                               errors=errors), (422 if errors else 200)

    if request.method == "GET":
        return form({})

    def withdrawn(_result):
        flash(_("You have withdrawn your idea."), "success")
        return redirect(url_for("ideas.show", idea_id=idea.id), code=303)

    return run_action(lambda: ideas.withdraw_idea(current_user, idea, values["message"]),
                      done=withdrawn, catch=ValidationFailed,
                      failed=lambda exc: form(exc.errors))


# ---------------------------------------------------------------- the idea page

def _render_idea(idea, status: int = 200, forms: dict | None = None, **comments):
    forms = dict(forms or {})
    kept = _take_drafts(idea)
    for key, fields in kept.items():
        forms.setdefault(key, {"values": fields, "notice": _not_sent_yet(key, fields)})
        if key.startswith("comment-") and not any(comments.values()):
            # A report of an older comment: show the run of comments that ends with it.
            comments = {"comments_through": int(key.removeprefix("comment-"))}
    page = idea_page(current_user, idea, **comments)
    # A kept support or follow that is already done (from another tab) needs no reminder.
    for key, done in (("support", page.supported), ("follow", page.following)):
        if key in kept and forms.get(key, {}).get("notice") and done == _is_pressed(kept[key]):
            forms.pop(key)
    return render_template("ideas/show.html", p=page, forms=forms,
                           pledge_kinds=[(k, _(PLEDGE_LABELS[k])) for k in PLEDGE_KINDS]), status


@bp.get("/ideas/<int:idea_id>")
@public_page
def show(idea_id: int):
    """The idea, its public timeline, partners, progress, outcome and its newest comments.
    ``comments_before`` pages back through older comments: without JS the whole page shows
    that run; the HTMX "Show older comments" control gets only the run, to put above."""
    idea = ideas.get_visible_idea(current_user, idea_id)
    before = int_field("comments_before", request.args)
    if _is_htmx() and request.headers.get("HX-Target") == "older-comments":
        page = idea_page(current_user, idea, comments_before=before)
        return render_template("ideas/_fragment.html", fragment="older_comments", p=page,
                               form={}, announce=ngettext(
                                   "%(num)s older comment shown.",
                                   "%(num)s older comments shown.", len(page.comments)))
    return _render_idea(idea, comments_before=before)


def _region(idea, fragment: str, *, message: str | None = None, status: int = 200,
            form: dict | None = None, comment: Comment | None = None):
    """Answer an action: HTMX gets its region (plus an announcement); others a redirect."""
    if _is_htmx():
        page = idea_page(current_user, idea)
        return render_template(
            "ideas/_fragment.html", fragment=fragment, p=page, form=form or {},
            comment=comment, announce=message,
            pledge_kinds=[(k, _(PLEDGE_LABELS[k])) for k in PLEDGE_KINDS]), status
    if status >= 400:
        key = f"comment-{comment.id}" if comment is not None else fragment
        # An older comment's form is shown again in the run of comments that ends with it.
        return _render_idea(idea, status, forms={key: form or {}},
                            comments_through=comment.id if comment is not None else None)
    if message:
        flash(message, "success")
    anchor = f"comment-{comment.id}" if comment is not None else fragment
    return redirect(url_for("ideas.show", idea_id=idea.id, _anchor=anchor), code=303)


def _act(idea, fragment: str, work, message: str, values: dict | None = None,
         comment: Comment | None = None, done=None):
    """Run an action on the idea page and answer with its region (``_region``), or with
    ``done(result)`` if given.

    A refused action shows the form again with the error, keeping what was typed: any refusal
    for HTMX (its region says why), a validation error for a plain browser (other refusals get
    the error page).
    """
    def failed(exc: DomainError):
        errors = exc.errors or {"_": [exc.detail]}
        return _region(idea, fragment, status=422, comment=comment,
                       form={"values": values or {}, "errors": errors})

    owner_key = session.get(DRAFT_KEY)
    if owner_key:
        form_key = f"comment-{comment.id}" if comment is not None else fragment
        act = work

        def work():
            result = act()
            drafts.forget_draft(owner_key, idea, form_key)  # sent: no draft to show any more
            return result

    return run_action(work, done=done or (lambda _result: _region(
                          idea, fragment, message=message, comment=comment)),
                      failed=failed, catch=DomainError if _is_htmx() else ValidationFailed)


# ---------------------------------------------------------------- a session that ended
#
# A resident types a comment, their session ends (signed out in another tab, cookies cleared,
# a CSRF token from before they signed in again), they press the button. Nothing they typed is
# lost and nothing is done on their behalf: signed out, what the form held is kept as a draft
# and they are sent to sign in, then back to the idea's page, where the form shows it again to
# send; still signed in but with a token that no longer holds, the form is shown again at
# once. The action itself never happens without a good token.

DRAFT_KEY = "draft_key"  # the session's key to its drafts (services/drafts.py)
# Drafts kept per address an hour: a form sent without a session can be sent by a script too.
DRAFTS_PER_ADDRESS = "30 per hour"
ENGAGE_ENDPOINTS = ("ideas.comment", "ideas.pledge", "ideas.flag", "ideas.support",
                    "ideas.follow")


@dataclass
class PostedForm:
    """One form of the idea page, as sent: its name on the page (``key``: "comments",
    "pledge", "report", "comment-12", "support", "follow"), the region HTMX swaps, what it
    held, and the comment it reports, if any."""

    key: str
    fragment: str
    fields: dict = field(default_factory=dict)
    comment: Comment | None = None


def _pledge_values() -> dict:
    return {"kind": text_field("kind"), "message": text_field("message"),
            "hours": text_field("hours")}


def _reported_comment(idea) -> Comment | None:
    """The comment a report form names (``comment_id``), or None for a report of the idea."""
    comment_id = int_field("comment_id")
    if not comment_id:
        return None
    target = db.session.get(Comment, comment_id)
    if target is None or target.idea_id != idea.id:
        abort(404)
    return target


def _posted_form(idea) -> PostedForm:
    """Which form of the idea page this POST was sent from, and what it held."""
    endpoint = request.endpoint
    if endpoint == "ideas.comment":
        return PostedForm("comments", "comments", {"body": text_field("body")})
    if endpoint == "ideas.pledge":
        return PostedForm("pledge", "pledge", _pledge_values())
    if endpoint == "ideas.flag":
        target = _reported_comment(idea)
        return PostedForm(f"comment-{target.id}" if target else "report", "report",
                          {"reason": text_field("reason")}, target)
    name = "support" if endpoint == "ideas.support" else "follow"
    return PostedForm(name, name, {"action": text_field("action")})


def _is_pressed(fields: dict) -> bool:
    """A support or follow form was sent to support or follow (not to withdraw or stop)."""
    return fields.get("action") not in ("withdraw", "unfollow")


def _not_sent_yet(key: str, fields: dict) -> str:
    """What a form shown again says: nothing was sent, check it and send it again."""
    if key == "comments":
        return _("Your comment has not been posted yet: check it and post it again.")
    if key == "pledge":
        return _("Your offer of help has not been sent yet: check it and send it again.")
    if key == "report" or key.startswith("comment-"):
        return _("Your report has not been sent yet: check it and send it again.")
    if key == "support":
        return (_("You have not supported this idea yet: press the button to support it.")
                if _is_pressed(fields) else
                _("Your support has not been withdrawn yet: press the button to withdraw it."))
    return (_("You are not following this idea yet: press the button to follow it.")
            if _is_pressed(fields) else
            _("You are still following this idea: press the button to stop."))


def _take_drafts(idea) -> dict:
    """This browser's drafts for the idea's page, shown to the person now signed in, once."""
    owner_key = session.get(DRAFT_KEY)
    if not owner_key or not current_user.is_authenticated:
        return {}
    return run_action(lambda: drafts.take_drafts(owner_key, idea), done=lambda kept: kept)


def _keep_and_sign_in(idea_id: int):
    """Keep what the form held, then send its sender to sign in and back to the idea's page
    (never to the POST-only address the form was sent to)."""
    idea = db.session.get(Idea, idea_id)
    if idea is None:
        abort(404)
    form = _posted_form(idea)
    back = url_for("ideas.show", idea_id=idea.id, _anchor=form.key)
    message = (_("Sign in to continue. What you wrote has been kept: it has not been sent yet.")
               if form.key not in ("support", "follow") else None)
    if not _may_keep_a_draft():
        return ask_to_sign_in(back)
    owner_key = session.get(DRAFT_KEY) or drafts.new_owner_key()
    session[DRAFT_KEY] = owner_key

    def keep_once():
        return run_action(lambda: drafts.keep_draft(owner_key, idea, form.key, form.fields),
                          done=lambda _draft: ask_to_sign_in(back, message))

    try:
        return keep_once()
    except IntegrityError:
        # The same form sent twice at once (a double-click): the other request kept it a
        # moment ago; this one replaces it.
        db.session.rollback()
        return keep_once()


def _may_keep_a_draft() -> bool:
    """Under ``DRAFTS_PER_ADDRESS`` for this address (counted with the other rate limits)."""
    if not limiter.enabled:
        return True
    return limiter.limiter.hit(parse_limit(DRAFTS_PER_ADDRESS), limit_scope("form-drafts"),
                               get_remote_address())


def _signed_in_or_kept(view):
    """``login_required`` for the idea page's own forms: a sender who is not signed in has
    what they typed kept, and is asked to sign in (``_keep_and_sign_in``)."""
    @wraps(view)
    def signed_in_view(idea_id: int):
        if not current_user.is_authenticated:
            return _keep_and_sign_in(idea_id)
        return view(idea_id)
    return signed_in_view


@answers_expired_forms(*ENGAGE_ENDPOINTS)
def _session_timed_out():
    """A form of the idea page sent with a CSRF token that no longer holds: nothing is done.
    Signed out, the draft is kept and the sender asked to sign in; signed in, the form is
    shown again with what it held (in place for HTMX), a new token and a plain message."""
    try:
        idea_id = (request.view_args or {})["idea_id"]
        if not current_user.is_authenticated:
            return _keep_and_sign_in(idea_id)
        idea = ideas.get_visible_idea(current_user, idea_id)
        form = _posted_form(idea)
    except (DomainError, HTTPException, KeyError):
        db.session.rollback()
        return None  # the usual error page
    notice = _("Your session timed out.") + " " + _not_sent_yet(form.key, form.fields)
    return _region(idea, form.fragment, status=400, comment=form.comment,
                   form={"values": form.fields, "notice": notice})


@bp.post("/ideas/<int:idea_id>/support")
@_limits("RATELIMIT_SUPPORT")
@_signed_in_or_kept
def support(idea_id: int):
    """Support an idea, or withdraw a support (``action=withdraw``)."""
    idea = ideas.get_visible_idea(current_user, idea_id)
    if request.form.get("action") == "withdraw":
        return _act(idea, "support", lambda: engagement.withdraw_support(current_user, idea),
                    _("You no longer support this idea."))
    return _act(idea, "support", lambda: engagement.support_idea(current_user, idea),
                _("You support this idea."))


@bp.post("/ideas/<int:idea_id>/follow")
@_signed_in_or_kept
def follow(idea_id: int):
    """Follow an idea, or stop (``action=unfollow``)."""
    idea = ideas.get_visible_idea(current_user, idea_id)
    if request.form.get("action") == "unfollow":
        return _act(idea, "follow", lambda: engagement.unfollow_idea(current_user, idea),
                    _("You are no longer following this idea."))
    return _act(idea, "follow", lambda: engagement.follow_idea(current_user, idea),
                _("You are following this idea. We will tell you when it changes."))


@bp.post("/ideas/<int:idea_id>/comments")
@_limits("RATELIMIT_COMMENT")
@_signed_in_or_kept
def comment(idea_id: int):
    """Post a comment."""
    idea = ideas.get_visible_idea(current_user, idea_id)
    values = {"body": text_field("body")}
    return _act(idea, "comments", lambda: engagement.post_comment(current_user, idea,
                                                                  values["body"]),
                _("Your comment has been published."), values)


@bp.post("/ideas/<int:idea_id>/pledges")
@_signed_in_or_kept
def pledge(idea_id: int):
    """Offer help with an idea."""
    idea = ideas.get_visible_idea(current_user, idea_id)
    values = _pledge_values()
    return _act(idea, "pledge",
                lambda: engagement.pledge_help(current_user, idea, kind=values["kind"],
                                               message=values["message"],
                                               hours=values["hours"] or None),
                _("Thank you. Your offer of help has been sent. The people delivering this "
                  "idea can contact you."), values)


@bp.post("/ideas/<int:idea_id>/pledges/<int:pledge_id>/withdraw")
@login_required
def withdraw_pledge(idea_id: int, pledge_id: int):
    """Take back one of my offers of help on this idea."""
    idea = ideas.get_visible_idea(current_user, idea_id)
    found = db.session.get(Pledge, pledge_id)
    if found is None or found.idea_id != idea.id:
        abort(404)
    return _act(idea, "pledge", lambda: engagement.withdraw_pledge(current_user, found),
                _("You have withdrawn your offer of help."))


@bp.post("/ideas/<int:idea_id>/verification")
@login_required
def verify(idea_id: int):
    """Answer "Was it done?" about the idea's published outcome, or change the answer."""
    idea = ideas.get_visible_idea(current_user, idea_id)
    values = {"answer": text_field("answer"), "comment": text_field("comment")}

    def answered(result):
        _verification, created = result
        return _region(idea, "verification", message=_(
            "Thank you. Your answer has been saved.") if created else _(
            "Your answer has been changed."))

    return _act(idea, "verification",
                lambda: verification.verify_outcome(current_user, idea, values["answer"],
                                                    values["comment"]),
                "", values, done=answered)


@bp.post("/ideas/<int:idea_id>/flag")
@_limits("RATELIMIT_FLAG")
@_signed_in_or_kept
def flag(idea_id: int):
    """Report the idea, or one of its comments (``comment_id``)."""
    idea = ideas.get_visible_idea(current_user, idea_id)
    target = _reported_comment(idea)
    values = {"reason": text_field("reason")}
    message = _("Thank you for your report. A moderator will look at it.")

    def reported(_flag):
        # The report may have hidden the idea from the reporter: then there is no page to go
        # back to.
        if target is None and not _is_htmx() and not can(current_user, "view_idea", idea):
            flash(message, "success")
            return redirect(url_for("ideas.index"), code=303)
        return _region(idea, "report", message=message, comment=target)

    return _act(idea, "report", lambda: engagement.flag_content(current_user, idea,
                                                                values["reason"],
                                                                comment=target),
                message, values, comment=target, done=reported)
