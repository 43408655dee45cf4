"""Ideas: find, propose, read, support, discuss, offer help, follow and report.

Each action that changes state answers an HTMX request with its own region of the page (and an
announcement for screen readers), and a plain browser with a 303 redirect and a banner.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from sqlalchemy import select

from ..errors import DomainError, ValidationFailed
from ..extensions import db, limiter
from ..models import PLEDGE_KINDS, STATUSES, Category, Comment, CommunityAsset, Ward
from ..pagination import requested_page
from ..permissions import can
from ..services import engagement, ideas
from .actions import run_action
from .forms import int_field, text_field

bp = Blueprint("ideas", __name__)

IDEA_FIELDS = ("title", "description", "category_id", "ward_id", "location_text", "asset_id")
PLEDGE_LABELS = {"time": "Time", "skills": "Skills", "space": "A space",
                 "equipment": "Equipment", "other": "Something else"}


def _account_key() -> str:
    """Rate-limit key per account (falls back to the address when signed out)."""
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return f"ip:{get_remote_address()}"


def _limits(setting: str):
    """Two limits from one setting: per IP address and per account."""
    def rate() -> str:
        return current_app.config[setting]

    def decorate(view):
        view = limiter.limit(rate, methods=["POST"], key_func=_account_key,
                             scope=f"{setting}:account")(view)
        return limiter.limit(rate, methods=["POST"], scope=f"{setting}:ip")(view)
    return decorate


def _is_htmx() -> bool:
    return bool(getattr(request, "htmx", False))


def _options():
    categories = list(db.session.scalars(select(Category).where(Category.retired_at.is_(None))
                                         .order_by(Category.name)))
    wards = list(db.session.scalars(select(Ward).where(Ward.retired_at.is_(None))
                                    .order_by(Ward.name)))
    return categories, wards


# ---------------------------------------------------------------- list and search

@bp.get("/ideas")
def index():
    """All ideas, searchable, filterable and sortable; HTMX swaps only the results."""
    args = request.args
    status = args.get("status") or None
    if status not in STATUSES:
        status = None
    # "Best match" by default: the best search match first, or the most supported without q.
    sort = args.get("sort") if args.get("sort") in ideas.SORTS else "relevance"
    filters = {"q": (args.get("q") or "").strip()[:200], "status": status,
               "category_id": int_field("category", args), "ward_id": int_field("ward", args),
               "sort": sort}
    found = ideas.search_ideas(current_user, page=requested_page(args), per_page=20, **filters)
    context = {"items": found.items, "total": found.total, "page": found.page,
               "pages": found.pages,
               "values": {"q": filters["q"], "status": status or "",
                          "category": filters["category_id"] or "",
                          "ward": filters["ward_id"] or "", "sort": sort}}
    if _is_htmx() and request.headers.get("HX-Target") == "idea-results":
        return render_template("ideas/_results.html", oob_status=True, **context)
    categories, wards = _options()
    return render_template("ideas/index.html", categories=categories, wards=wards, **context)


@bp.get("/ideas/similar")
def similar():
    """Up to five ideas like the title being typed (an HTMX fragment)."""
    title = (request.args.get("title") or "").strip()[:200]
    found = ideas.similar_ideas(title) if len(title) >= 4 else []
    return render_template("ideas/_similar.html", similar=found, title=title)


# ---------------------------------------------------------------- propose, edit, withdraw

def _idea_values() -> dict:
    return {"title": text_field("title"), "description": text_field("description"),
            "category_id": int_field("category_id"), "ward_id": int_field("ward_id"),
            "location_text": text_field("location_text"), "asset_id": int_field("asset_id")}


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
    """Propose an idea. Without JS, similar ideas are shown on a confirm step first."""
    if request.method == "GET":
        values = {"ward_id": current_user.ward_id}
        return _form_page("ideas/new.html", values, {})
    values = _idea_values()
    # "confirmed": the no-JS confirm step was passed; "similar_seen": with JS, the similar
    # ideas were shown live while the title was typed.
    confirmed = "1" in (request.form.get("confirmed"), request.form.get("similar_seen"))
    found = [] if confirmed else ideas.similar_ideas(values["title"])

    def sent(idea):
        if found:
            # Valid, but similar ideas exist: show them before creating anything.
            return _form_page("ideas/confirm.html", values, {}, similar=found)
        flash(_("Your idea has been sent. Its reference is %(ref)s. The council will answer it "
                "publicly.", ref=idea.reference), "success")
        return redirect(url_for("ideas.show", idea_id=idea.id), code=303)

    return run_action(
        lambda: ideas.propose_idea(current_user, title=values["title"],
                                   description=values["description"],
                                   category_id=values["category_id"], ward_id=values["ward_id"],
                                   location_text=values["location_text"],
                                   asset_ids=[values["asset_id"]] if values["asset_id"] else ()),
        done=sent, commit=not found, catch=ValidationFailed,
        failed=lambda exc: _form_page("ideas/new.html", values, exc.errors, 422))


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

    return run_action(
        lambda: ideas.edit_idea(current_user, idea, title=values["title"],
                                description=values["description"],
                                category_id=values["category_id"], ward_id=values["ward_id"],
                                location_text=values["location_text"]),
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
    page = ideas.idea_page(current_user, idea, **comments)
    return render_template("ideas/show.html", p=page, forms=forms or {},
                           pledge_kinds=[(k, _(PLEDGE_LABELS[k])) for k in PLEDGE_KINDS]), status


@bp.get("/ideas/<int:idea_id>")
def show(idea_id: int):
    """The idea, its public timeline, partners, progress, outcome and its newest comments.
    ``comments_before`` pages back through older comments: without JS the whole page shows
    that run; the HTMX "Show older comments" control gets only the run, to put above."""
    idea = ideas.get_visible_idea(current_user, idea_id)
    before = int_field("comments_before", request.args)
    if _is_htmx() and request.headers.get("HX-Target") == "older-comments":
        page = ideas.idea_page(current_user, idea, comments_before=before)
        return render_template("ideas/_fragment.html", fragment="older_comments", p=page,
                               form={}, announce=ngettext(
                                   "%(num)s older comment shown.",
                                   "%(num)s older comments shown.", len(page.comments)))
    return _render_idea(idea, comments_before=before)


def _region(idea, fragment: str, *, message: str | None = None, status: int = 200,
            form: dict | None = None, comment: Comment | None = None):
    """Answer an action: HTMX gets its region (plus an announcement); others a redirect."""
    if _is_htmx():
        page = ideas.idea_page(current_user, idea)
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

    return run_action(work, done=done or (lambda _result: _region(
                          idea, fragment, message=message, comment=comment)),
                      failed=failed, catch=DomainError if _is_htmx() else ValidationFailed)


@bp.post("/ideas/<int:idea_id>/support")
@login_required
@_limits("RATELIMIT_SUPPORT")
def support(idea_id: int):
    """Support an idea, or withdraw a support (``action=withdraw``)."""
    idea = ideas.get_visible_idea(current_user, idea_id)
    if request.form.get("action") == "withdraw":
        return _act(idea, "support", lambda: engagement.withdraw_support(current_user, idea),
                    _("You no longer support this idea."))
    return _act(idea, "support", lambda: engagement.support_idea(current_user, idea),
                _("You support this idea."))


@bp.post("/ideas/<int:idea_id>/follow")
@login_required
def follow(idea_id: int):
    """Follow an idea, or stop (``action=unfollow``)."""
    idea = ideas.get_visible_idea(current_user, idea_id)
    if request.form.get("action") == "unfollow":
        return _act(idea, "follow", lambda: engagement.unfollow_idea(current_user, idea),
                    _("You are no longer following this idea."))
    return _act(idea, "follow", lambda: engagement.follow_idea(current_user, idea),
                _("You are following this idea. We will tell you when it changes."))


@bp.post("/ideas/<int:idea_id>/comments")
@login_required
@_limits("RATELIMIT_COMMENT")
def comment(idea_id: int):
    """Post a comment."""
    idea = ideas.get_visible_idea(current_user, idea_id)
    values = {"body": text_field("body")}
    return _act(idea, "comments", lambda: engagement.post_comment(current_user, idea,
                                                                  values["body"]),
                _("Your comment has been published."), values)


@bp.post("/ideas/<int:idea_id>/pledges")
@login_required
def pledge(idea_id: int):
    """Offer help with an idea."""
    idea = ideas.get_visible_idea(current_user, idea_id)
    values = {"kind": text_field("kind"), "message": text_field("message"),
              "hours": text_field("hours")}
    return _act(idea, "pledge",
                lambda: engagement.pledge_help(current_user, idea, kind=values["kind"],
                                               message=values["message"],
                                               hours=values["hours"] or None),
                _("Thank you. Your offer of help has been sent. The people delivering this "
                  "idea can contact you."), values)


@bp.post("/ideas/<int:idea_id>/flag")
@login_required
@_limits("RATELIMIT_FLAG")
def flag(idea_id: int):
    """Report the idea, or one of its comments (``comment_id``)."""
    idea = ideas.get_visible_idea(current_user, idea_id)
    comment_id = int_field("comment_id")
    target = None
    if comment_id:
        target = db.session.get(Comment, comment_id)
        if target is None or target.idea_id != idea.id:
            abort(404)
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
