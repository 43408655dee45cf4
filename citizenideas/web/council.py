"""The council's triage dashboard (/council) and the per-idea triage page with its actions.

Every action is a plain form (303 + flash without JavaScript) and an HTMX swap of its own
panel. Moderators and admins only: everyone else gets 403, anonymous people the sign-in page.
"""

from __future__ import annotations

from functools import wraps

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..bilingual import localised_text
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..input import whole_number
from ..models import (
    STATUSES,
    Comment,
    CommunityAsset,
    Flag,
    Idea,
    ResponseTemplate,
    StatusChange,
    User,
    utcnow,
)
from ..pagination import requested_page
from ..permissions import require
from ..services import council_dashboard, merging, places_on_map, reports, triage, verification
from ..services.assets import active_assets
from ..services.engagement import comment_window
from ..services.ideas import idea_reference
from ..services.lifecycle import STATUS_LABELS, allowed_targets, change_status, message_required
from ..services.photos import reported_photos
from ..services.site import response_templates
from .actions import form_status, run_action
from .assisted import council_view_extras
from .auth import safe_next
from .forms import int_field, text_field

bp = Blueprint("council", __name__)
PER_PAGE = 25
FLAGS_PER_PAGE = 25


def staff_only(view):
    """Moderators and admins; anonymous people are sent to sign in, others get 403."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        require(current_user, "moderate")
        return view(*args, **kwargs)

    return wrapped


@bp.before_request
def _staff_gate():
    """Every /council page and action is for staff, whatever the route."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    require(current_user, "moderate")
    return None


def is_fragment() -> bool:
    """An HTMX request for a fragment (not a boosted page load)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not getattr(htmx, "boosted", False)


# --- Dashboard --------------------------------------------------------------------------


def _filters_from(args) -> council_dashboard.TriageFilters:
    status = args.get("status", "open")
    if status not in (*STATUSES, "open", "all"):
        status = "open"
    sort = args.get("sort", "oldest")
    return council_dashboard.TriageFilters(
        status=status, category_id=int_field("category_id", args),
        ward_id=int_field("ward_id", args), assignee=(args.get("assignee") or "").strip(),
        age=args.get("age", "") if args.get("age", "") in council_dashboard.AGE_FILTERS else "",
        q=(args.get("q") or "").strip()[:200],
        sort=sort if sort in council_dashboard.SORTS else "oldest")


def _dashboard(errors: dict | None = None, values: dict | None = None, status: int = 200):
    filters = _filters_from(request.args)
    page = requested_page(request.args)
    found = council_dashboard.read_dashboard(current_user, filters, page, PER_PAGE)
    now = utcnow()
    rows = [{"idea": i, "days": triage.days_waiting(i, now),
             "overdue": triage.is_overdue(i, now),
             "decision_overdue": triage.is_decision_overdue(i, now)} for i in found.ideas.items]
    return render_template(
        "council/dashboard.html", rows=rows, due=found.due, due_total=found.due_total,
        total=found.ideas.total, page=page, per_page=PER_PAGE, filters=filters,
        found=found, statuses=STATUSES, errors=errors or {}, values=values or {},
        categories=[(c["id"], localised_text(c, "name")) for c in found.categories],
        wards=[(w["id"], localised_text(w, "name")) for w in found.wards],
        query_args={k: v for k, v in request.args.items() if k != "page"},
    ), status


@bp.get("/council")
def dashboard():
    """Queues with counts, and the filtered list of ideas waiting for the council."""
    return _dashboard()


@bp.get("/council/disputed")
def disputed():
    """Disputed outcomes: published outcomes more residents say were not done than done (at
    least 3 answers), with every answer and comment (services/verification.py)."""
    page = requested_page(request.args)
    found = verification.disputed_outcomes(current_user, page, PER_PAGE)
    answers = verification.answers_for_moderators(current_user,
                                                  [r.idea_id for r in found.items])
    return render_template("council/disputed.html", reports=found.items, total=found.total,
                           page=page, per_page=PER_PAGE, answers=answers)


@bp.post("/council/bulk-status")
def bulk_status():
    """One status change with one message on every selected idea: all of them or none."""
    ids = [n for n in map(whole_number, request.form.getlist("idea_ids")) if n is not None]
    values = {"idea_ids": ids, "bulk_status": text_field("bulk_status"),
              "bulk_message": text_field("bulk_message")}
    ideas = list(db.session.scalars(select(Idea).where(Idea.id.in_(ids)))) if ids else []

    def failed(exc: DomainError):
        errors = {{"status": "bulk_status", "message": "bulk_message"}.get(k, k): v
                  for k, v in exc.errors.items()} or {"bulk_status": [exc.detail]}
        # A boosted (htmx) form post only swaps 2xx and 422 responses: refusals come as 422.
        return _dashboard(errors, values, 422 if request.htmx else exc.status)

    def changed(changes):
        flash(_("%(n)s ideas changed.", n=len(changes)), "success")
        return redirect(safe_next(request.form.get("next"), url_for("council.dashboard")),
                        code=303)

    return run_action(lambda: triage.bulk_change_status(
        current_user, ideas, values["bulk_status"], values["bulk_message"]),
        done=changed, failed=failed)


@bp.get("/council/flags")
def flags():
    """Open reports from residents, one entry per reported item, oldest first."""
    return _flags_page(requested_page(request.args))


def _flags_page(page: int, state: dict | None = None, status: int = 200):
    """The reports queue, one entry per reported item; ``state`` (flag_id of the entry's
    first report, values, errors) shows one refused form again."""
    items, total = reports.reported_items(current_user, page=page, per_page=FLAGS_PER_PAGE)
    state = state or {}
    return render_template("council/flags.html", items=items, total=total, page=page,
                           per_page=FLAGS_PER_PAGE,
                           open_reports=reports.open_report_count(current_user),
                           comments=reports.flag_targets([i.first for i in items]),
                           photos=reported_photos([i.first for i in items]),
                           state=state, errors=state.get("errors", {})), status


# --- Triage page ------------------------------------------------------------------------

PANELS = ("status", "assign", "reply", "notes", "merge", "visibility", "comments", "assets",
          "location")


def _load_idea(idea_id: int) -> Idea:
    idea = db.session.scalar(
        select(Idea).where(Idea.id == idea_id)
        .options(joinedload(Idea.category), joinedload(Idea.ward), joinedload(Idea.author),
                 joinedload(Idea.assignee), joinedload(Idea.merged_into),
                 selectinload(Idea.assets)))
    if idea is None:
        raise NotFound(_("There is no such idea."))
    return idea


def _context(idea: Idea) -> dict:
    """Everything the triage page's panels show. The comments are one run of them
    (engagement.comment_window): the newest 50; the run before comment ``comments_before``
    (the "Show older comments" link); or the run ending with comment ``comments_through``
    (a comment's hide or show-again form sends it, so the answer shows that comment)."""
    targets = allowed_targets(idea)
    window = comment_window(current_user, idea,
                            before_id=int_field("comments_before", request.args),
                            through_id=int_field("comments_through", request.values))
    flags, _total = reports.open_flags(current_user, idea)
    linked = {a.id for a in idea.assets}
    return {
        "idea": idea,
        "targets": targets,
        "message_required": {t: message_required(idea.status, t) for t in targets},
        "templates": [t for t in response_templates() if t.status in targets],
        "staff": triage.staff_users(),
        "notes": triage.internal_notes(current_user, idea),
        "comments": window,
        "flags": flags,
        "reported": reports.by_item(flags),  # one entry per item, as in the reports queue
        "timeline": list(db.session.scalars(
            select(StatusChange).where(StatusChange.idea_id == idea.id)
            .order_by(StatusChange.created_at, StatusChange.id)
            .options(joinedload(StatusChange.actor), joinedload(StatusChange.related_idea)))),
        "assets": [a for a in active_assets() if a.id not in linked],
        "days": triage.days_waiting(idea),
        "overdue": triage.is_overdue(idea),
        "decision_overdue": triage.is_decision_overdue(idea),
        # The merge form's example: a reference as the site writes them (not this idea's).
        "reference_example": idea_reference(12 if idea.id != 12 else 13, utcnow()),
        # Residents' answers to "Was it done?", with names (None before an outcome).
        "verification": verification.answers_on(current_user, idea),
        # The resident it was recorded for, and supports gathered on paper (web/assisted.py).
        **council_view_extras(idea),
    }


def _page(idea: Idea, panel: str | None = None, state: dict | None = None, status: int = 200):
    states = {panel: state} if panel else {}
    return render_template("council/idea.html", ctx=_context(idea), states=states), status


def _panel(idea: Idea, panel: str, state: dict, status: int = 200):
    return render_template("council/_panel.html", name=panel, ctx=_context(idea),
                           state=state), status


@bp.get("/council/ideas/<int:idea_id>")
def idea(idea_id: int):
    """The triage page: every action on one idea. The HTMX "Show older comments" control
    gets only the older run of comments, to put in its place."""
    idea_obj = _load_idea(idea_id)
    if is_fragment() and request.headers.get("HX-Target") == "older-comments":
        ctx = _context(idea_obj)
        return render_template("council/_panel.html", name="older_comments", ctx=ctx,
                               state={"announce": ngettext(
                                   "%(num)s older comment shown.",
                                   "%(num)s older comments shown.",
                                   len(ctx["comments"].comments))})
    return _page(idea_obj)


def _act(idea_id: int, panel: str, action, success: str, values: dict | None = None,
         field_names: dict | None = None):
    """Run ``action(idea)`` (``run_action``: one commit) and answer with the panel (HTMX) or
    a redirect; a refusal shows the panel again with the idea as it is now."""
    idea_obj = _load_idea(idea_id)
    values = values or {}

    def failed(exc: DomainError):
        current = _load_idea(idea_id)
        errors = {(field_names or {}).get(k, k): v for k, v in exc.errors.items()}
        state = {"errors": errors, "detail": exc.detail, "values": values}
        if is_fragment():
            # The panels keep 422 for every refusal, as htmx's default configuration swaps
            # 422 and not 409 (the site's own htmx-config swaps both).
            return _panel(current, panel, state, 422)
        return _page(current, panel, state, form_status(exc))

    def done(result):
        message = success(result) if callable(success) else success
        if is_fragment():
            return _panel(_load_idea(idea_id), panel, {"announce": message, "changed": True})
        flash(message, "success")
        return redirect(url_for("council.idea", idea_id=idea_id, _anchor=f"panel-{panel}"),
                        code=303)

    return run_action(lambda: action(idea_obj), done=done, failed=failed)


@bp.post("/council/ideas/<int:idea_id>/status")
def change_idea_status(idea_id: int):
    """Change status with a public message; or, with action=use_template, fill the message."""
    values = {"status": text_field("status"), "message": text_field("message"),
              "template_id": text_field("template_id")}
    if request.form.get("action") == "use_template":
        idea_obj = _load_idea(idea_id)
        template_id = whole_number(values["template_id"])
        template = (db.session.get(ResponseTemplate, template_id)
                    if template_id is not None else None)
        state: dict = {"values": values}
        if template is None:
            state["errors"] = {"template_id": [_("Choose a response template.")]}
        else:
            # In Welsh, the template's Welsh wording when it has one.
            values["message"] = localised_text(template, "body")
            if template.status in allowed_targets(idea_obj):
                values["status"] = template.status
            state["announce"] = _("Message filled in from \u201c%(title)s\u201d. "
                                  "Check it before you change the status.",
                                  title=localised_text(template, "title"))
        if is_fragment():
            return _panel(idea_obj, "status", state, 422 if "errors" in state else 200)
        return _page(idea_obj, "status", state, 422 if "errors" in state else 200)
    # The status the moderator's page showed: if someone changed it meanwhile, they are told
    # (409, the page again with the current state) instead of answering a different idea.
    seen = request.form.get("from_status")
    seen = seen if seen in STATUS_LABELS else None
    return _act(idea_id, "status",
                lambda i: change_status(current_user, i, values["status"], values["message"],
                                        expected_status=seen),
                lambda c: _("Status changed to %(status)s.",
                            status=str(STATUS_LABELS.get(c.to_status, c.to_status))), values)


@bp.post("/council/ideas/<int:idea_id>/assign")
def assign(idea_id: int):
    assignee_id = int_field("assignee_id")

    def action(i):
        assignee = db.session.get(User, assignee_id) if assignee_id else None
        if assignee_id and assignee is None:
            from ..errors import ValidationFailed

            raise ValidationFailed(_("Choose a moderator."),
                                   {"assignee_id": [_("Choose a moderator from the list.")]})
        return triage.assign_idea(current_user, i, assignee)

    return _act(idea_id, "assign", action,
                lambda i: _("Assigned to %(name)s.", name=i.assignee.display_name)
                if i.assignee else _("Nobody is assigned now."), {"assignee_id": assignee_id})


@bp.post("/council/ideas/<int:idea_id>/notes")
def add_note(idea_id: int):
    body = text_field("note")
    return _act(idea_id, "notes", lambda i: triage.add_internal_note(current_user, i, body),
                _("Internal note added."), {"note": body}, {"body": "note"})


@bp.post("/council/ideas/<int:idea_id>/reply")
def reply(idea_id: int):
    body = text_field("reply")
    return _act(idea_id, "reply", lambda i: triage.post_official_reply(current_user, i, body),
                _("Official reply published."), {"reply": body}, {"body": "reply"})


@bp.post("/council/ideas/<int:idea_id>/merge")
def merge(idea_id: int):
    into_ref, message = text_field("into"), text_field("merge_message")
    return _act(idea_id, "merge",
                lambda i: merging.merge_idea(current_user, i, merging.find_idea(into_ref),
                                             message),
                lambda c: _("Merged into %(ref)s.", ref=c.related_idea.reference
                            or f"#{c.related_idea_id}"),
                {"into": into_ref, "merge_message": message}, {"message": "merge_message"})


@bp.post("/council/ideas/<int:idea_id>/hide")
def hide(idea_id: int):
    reason = text_field("hide_reason")
    return _act(idea_id, "visibility", lambda i: reports.hide_idea(current_user, i, reason),
                _("The idea is hidden from the public."), {"hide_reason": reason},
                {"reason": "hide_reason"})


@bp.post("/council/ideas/<int:idea_id>/unhide")
def unhide(idea_id: int):
    return _act(idea_id, "visibility", lambda i: reports.unhide_idea(current_user, i),
                _("The idea is visible again."))


def _comment(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(_("There is no such comment."))
    return comment


def _back_to_comment(comment: Comment, response):
    """Without JavaScript, a comment's hide or show-again returns to that comment, on the
    page showing the run of comments that ends with it (it may be older than the newest)."""
    if getattr(response, "status_code", None) == 303:
        response.location = url_for("council.idea", idea_id=comment.idea_id,
                                    comments_through=comment.id,
                                    _anchor=f"comment-{comment.id}")
    return response


@bp.post("/council/comments/<int:comment_id>/hide")
def hide_comment(comment_id: int):
    comment = _comment(comment_id)
    reason = text_field("reason")
    return _back_to_comment(comment, _act(
        comment.idea_id, "comments",
        lambda i: reports.hide_comment(current_user, comment, reason),
        _("The comment is hidden."), {"comment_id": comment_id, "reason": reason},
        {"reason": f"comment-{comment_id}-reason"}))


@bp.post("/council/comments/<int:comment_id>/unhide")
def unhide_comment(comment_id: int):
    comment = _comment(comment_id)
    return _back_to_comment(comment, _act(
        comment.idea_id, "comments",
        lambda i: reports.unhide_comment(current_user, comment),
        _("The comment is visible again.")))


@bp.post("/council/flags/<int:flag_id>/resolve")
def resolve_flag(flag_id: int):
    flag = db.session.get(Flag, flag_id)
    if flag is None:
        raise NotFound(_("There is no such report."))
    resolution, note = text_field("resolution"), text_field("note")
    message = text_field("message")
    if request.form.get("next") == "flags":
        def back(message: str, category: str):
            flash(message, category)
            return redirect(url_for("council.flags"), code=303)

        def refused(exc: DomainError):
            if isinstance(exc, Conflict) or not exc.errors:
                return back(exc.detail, "error")
            # A mistake in the form: show the queue again with what was typed.
            errors = {f"f{flag_id}-{k}": v for k, v in exc.errors.items()}
            return _flags_page(requested_page(request.form), {
                "flag_id": flag_id, "errors": errors,
                "values": {"resolution": resolution, "note": note, "message": message}},
                form_status(exc))

        # The queue shows one entry per reported item: its decision resolves all its reports.
        return run_action(
            lambda: reports.resolve_reports_about(current_user, flag, resolution, note, message),
            done=lambda flags: back(ngettext("Report resolved.", "%(num)s reports resolved.",
                                             len(flags)), "success"), failed=refused)
    return _act(flag.idea_id, "comments",
                lambda i: reports.resolve_reports_about(current_user, flag, resolution, note,
                                                        message),
                lambda flags: (ngettext("Report upheld.", "%(num)s reports upheld.", len(flags))
                               if resolution == "upheld" else
                               ngettext("Report dismissed.", "%(num)s reports dismissed.",
                                        len(flags))),
                {"flag_id": flag_id, "resolution": resolution, "note": note, "message": message},
                {"resolution": f"flag-{flag_id}-resolution",
                 "message": f"flag-{flag_id}-message"})


@bp.post("/council/ideas/<int:idea_id>/assets")
def link_asset(idea_id: int):
    asset_id = int_field("asset_id")
    asset = db.session.get(CommunityAsset, asset_id) if asset_id else None
    return _act(idea_id, "assets", lambda i: triage.link_asset(current_user, i, asset),
                _("Place linked."), {"asset_id": asset_id})


@bp.post("/council/ideas/<int:idea_id>/assets/<int:asset_id>/unlink")
def unlink_asset(idea_id: int, asset_id: int):
    return _act(idea_id, "assets",
                lambda i: triage.unlink_asset(current_user, i,
                                              db.session.get(CommunityAsset, asset_id)),
                _("Place unlinked."))


@bp.post("/council/ideas/<int:idea_id>/location")
def set_location(idea_id: int):
    """Set, correct or remove the idea's point on the map (both fields empty: removed)."""
    values = {"lat": text_field("lat"), "lon": text_field("lon")}
    return _act(idea_id, "location",
                lambda i: places_on_map.set_idea_location(current_user, i, **values),
                _("Place on the map saved."), values)
