"""Partner pages: organisations and members, ideas open for delivery, claims, volunteers,
progress updates and outcome reports. The council's review queues for claims and outcomes and
the admin's organisation pages live in ``partner_review`` (a blueprint nested in this one)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..models import Category, Claim, Idea, Organisation, OutcomeReport, Pledge, User, Ward
from ..pagination import requested_page
from ..permissions import can, require
from ..services import claims, delivery_lists, organisations, outcomes, photos
from .actions import form_status, run_action
from .forms import int_field, text_field
from .partner_review import bp as review_bp
from .photos import allow_upload_size, uploaded_file

bp = Blueprint("partners", __name__)
bp.register_blueprint(review_bp)

PER_PAGE = 20


def _idea(idea_id: int) -> Idea:
    """The idea, or 404 if missing or hidden from the current user."""
    idea = db.session.get(Idea, idea_id)
    if idea is None or not can(current_user, "view_idea", idea):
        raise NotFound(_("No such idea."))
    return idea


def _get(model, object_id: int):
    """A row by id, or 404."""
    obj = db.session.get(model, object_id)
    if obj is None:
        raise NotFound(_("Not found."))
    return obj


def date_value(name: str) -> str | None:
    """A GOV.UK date input (name-day, name-month, name-year) as ``YYYY-MM-DD`` or None."""
    parts = [text_field(f"{name}-{p}") for p in ("year", "month", "day")]
    if not any(parts):
        return None
    return "-".join(p or "x" for p in parts)


def _date_values(name: str, value) -> dict:
    """Day, month and year to show again in a GOV.UK date input."""
    if request.method == "POST":
        return {p: text_field(f"{name}-{p}") for p in ("day", "month", "year")}
    if value:
        return {"day": value.day, "month": value.month, "year": value.year}
    return {}


# ---------------------------------------------------------------------------- dashboard

@bp.get("/partners")
@login_required
def dashboard():
    """My organisations' claims by state, ideas in delivery, unfinished reports, overdue."""
    data = delivery_lists.partner_dashboard(current_user)
    return render_template("partners/dashboard.html", **data)


@bp.route("/organisations/new", methods=["GET", "POST"])
@login_required
def register_organisation():
    """Sign up an organisation; the person signing up becomes its manager."""
    require(current_user, "create_organisation")
    fields = ("name", "registered_number", "description", "website", "contact_email")
    values = {f: text_field(f) for f in fields}

    def form(errors: dict):
        return render_template("partners/organisation_new.html", values=values,
                               errors=errors), (422 if errors else 200)

    if request.method == "GET":
        values["contact_email"] = current_user.email
        return form({})

    def registered(org):
        flash(_("%(name)s is registered. The council will check it and verify it before "
                "you can offer to deliver ideas.", name=org.name), "success")
        return redirect(url_for("partners.organisation", org_id=org.id), code=303)

    return run_action(lambda: organisations.register_organisation(current_user, **values),
                      done=registered, failed=lambda exc: form(exc.errors),
                      catch=ValidationFailed)


def _organisation_page(org, values=None, errors=None, status=200):
    """The organisation page, for its members and admins only."""
    members = organisations.organisation_page(current_user, org)
    return render_template("partners/organisation.html", org=org, members=members,
                           values=values or {}, errors=errors or {}), status


@bp.get("/organisations/<int:org_id>")
@login_required
def organisation(org_id: int):
    """An organisation's details and members; managers invite and remove members here."""
    return _organisation_page(organisations.get_organisation(org_id))


ORGANISATION_FIELDS = ("name", "registered_number", "description", "website", "contact_email")


@bp.route("/organisations/<int:org_id>/edit", methods=["GET", "POST"])
@login_required
def edit_organisation(org_id: int):
    """A manager (or an admin) changes the organisation's details."""
    org = organisations.get_organisation(org_id)
    require(current_user, "edit_organisation", org,
            detail=_("Only a manager of this organisation can change its details."))
    if request.method == "GET":
        values = {f: getattr(org, f) or "" for f in ORGANISATION_FIELDS}
    else:
        values = {f: text_field(f) for f in ORGANISATION_FIELDS}

    def form(errors: dict):
        return render_template("partners/organisation_edit.html", org=org, values=values,
                               errors=errors), (422 if errors else 200)

    if request.method == "GET":
        return form({})

    def saved(changed):
        if changed.is_verified or current_user.is_admin:
            flash(_("The details of %(name)s have been saved.", name=changed.name), "success")
        else:
            flash(_("The details of %(name)s have been saved. It needs verifying again, so it "
                    "cannot offer to deliver ideas until the council has checked it.",
                    name=changed.name), "success")
        return redirect(url_for("partners.organisation", org_id=org.id), code=303)

    return run_action(lambda: organisations.edit_organisation(current_user, org, **values),
                      done=saved, catch=ValidationFailed, failed=lambda exc: form(exc.errors))


@bp.post("/organisations/<int:org_id>/members/<int:user_id>/role")
@login_required
def member_role(org_id: int, user_id: int):
    """A manager (or an admin) makes a member a manager, or a manager a member."""
    org = organisations.get_organisation(org_id)
    user = _get(User, user_id)
    role = text_field("role")

    def changed(member):
        flash(_("%(name)s is now a manager.", name=user.public_name) if member.role == "manager"
              else _("%(name)s is now a member.", name=user.public_name), "success")
        if not can(current_user, "view_organisation", org):
            return redirect(url_for("partners.dashboard"), code=303)
        return redirect(url_for("partners.organisation", org_id=org.id, _anchor="members"),
                        code=303)

    return run_action(lambda: organisations.change_member_role(current_user, org, user, role),
                      done=changed,
                      failed=lambda exc: _organisation_page(
                          org, {}, {"members": exc.errors.get("role") or [exc.detail]},
                          form_status(exc)))


@bp.post("/organisations/<int:org_id>/invitations")
@login_required
def invite(org_id: int):
    """A manager invites someone to join by email."""
    org = organisations.get_organisation(org_id)
    values = {"email": text_field("email")}

    def invited(_invitation):
        flash(_("We have emailed an invitation to %(email)s.", email=values["email"]),
              "success")
        return redirect(url_for("partners.organisation", org_id=org.id), code=303)

    return run_action(lambda: organisations.invite_member(current_user, org, values["email"]),
                      done=invited, catch=ValidationFailed,
                      failed=lambda exc: _organisation_page(org, values, exc.errors, 422))


@bp.post("/organisations/<int:org_id>/members/<int:user_id>/remove")
@login_required
def remove_member(org_id: int, user_id: int):
    """A manager (or an admin) removes a member; never the last manager."""
    org = organisations.get_organisation(org_id)
    user = _get(User, user_id)

    def removed(_result):
        flash(_("%(name)s has been removed.", name=user.display_name), "success")
        if user.id == current_user.id:
            return redirect(url_for("partners.dashboard"), code=303)
        return redirect(url_for("partners.organisation", org_id=org.id), code=303)

    return run_action(lambda: organisations.remove_member(current_user, org, user),
                      done=removed, catch=Conflict,
                      failed=lambda exc: _organisation_page(org, {}, {"members": [exc.detail]},
                                                            422))


@bp.route("/organisations/invitations/<token>", methods=["GET", "POST"])
@login_required
def invitation(token: str):
    """Accept an invitation with the account that is signed in."""
    if request.method == "GET":
        return render_template("partners/invitation.html", token=token)

    def joined(member):
        flash(_("You are now a member of %(name)s.", name=member.organisation.name), "success")
        return redirect(url_for("partners.dashboard"), code=303)

    return run_action(lambda: organisations.accept_invitation(current_user, token),
                      done=joined, catch=ValidationFailed,
                      failed=lambda exc: (render_template("auth/link_problem.html",
                                                          detail=exc.detail), 400))


# ---------------------------------------------------------------------- open for delivery

@bp.get("/partners/open")
def open_for_delivery():
    """Accepted ideas a partner could deliver, with the help residents have offered."""
    ward_id = int_field("ward", request.args)
    category_id = int_field("category", request.args)
    include = request.args.get("include") == "in_delivery"
    page = requested_page(request.args)
    ideas, total, pledges = delivery_lists.open_for_delivery(
        ward_id=ward_id, category_id=category_id, include_in_delivery=include, page=page,
        per_page=PER_PAGE)
    wards = list(db.session.scalars(select(Ward).order_by(Ward.name)))
    categories = list(db.session.scalars(select(Category).order_by(Category.name)))
    return render_template("partners/open.html", ideas=ideas, total=total, pledges=pledges,
                           wards=wards, categories=categories, page=page, per_page=PER_PAGE,
                           filters={"ward": ward_id, "category": category_id,
                                    "include": "in_delivery" if include else ""})


# ----------------------------------------------------------------------------------- claims

@bp.route("/partners/ideas/<int:idea_id>/claim", methods=["GET", "POST"])
@login_required
def claim(idea_id: int):
    """Offer to deliver an idea for one of my verified organisations, with a plan and dates."""
    idea = _idea(idea_id)
    orgs = claims.claiming_organisations(current_user)
    # One organisation is the only choice; with several, the partner picks (no default).
    values = {"plan": text_field("plan"),
              "organisation_id": int_field("organisation_id") or (
                  orgs[0].id if len(orgs) == 1 else None),
              "expected_start": _date_values("expected_start", None),
              "expected_end": _date_values("expected_end", None)}

    def form(errors: dict, status: int = 200):
        return render_template("partners/claim.html", idea=idea, orgs=orgs, values=values,
                               errors=errors), status

    if request.method == "GET":
        return form({})

    def sent(_claim):
        flash(_("Your offer to deliver this idea has been sent to the council."), "success")
        return redirect(url_for("partners.dashboard"), code=303)

    org = _organisation(values["organisation_id"])
    return run_action(lambda: claims.claim_idea(current_user, idea, org, plan=values["plan"],
                                                expected_start=date_value("expected_start"),
                                                expected_end=date_value("expected_end")),
                      done=sent, failed=lambda exc: form(exc.errors or {"idea": [exc.detail]},
                                                         form_status(exc)))


@bp.route("/partners/claims/<int:claim_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_claim(claim_id: int):
    """Confirm, with an optional public reason, and withdraw the organisation's claim."""
    claim_obj = _get(Claim, claim_id)
    require(current_user, "withdraw_claim", claim_obj)
    values = {"reason": text_field("reason")}

    def form(errors: dict, status: int = 200):
        return render_template("partners/withdraw.html", claim=claim_obj, values=values,
                               errors=errors), status

    if request.method == "GET":
        return form({})

    def withdrawn(_result):
        flash(_("Your claim has been withdrawn."), "success")
        return redirect(url_for("partners.dashboard"), code=303)

    return run_action(lambda: claims.withdraw_claim(current_user, claim_obj, values["reason"]),
                      done=withdrawn,
                      failed=lambda exc: form(exc.errors or {"reason": [exc.detail]},
                                              form_status(exc)))


# ------------------------------------------------------------------------------- volunteers

@bp.get("/partners/ideas/<int:idea_id>/volunteers")
@login_required
def volunteers(idea_id: int):
    """Offers of help on an idea my organisation delivers: names, never email addresses."""
    idea = _idea(idea_id)
    return render_template("partners/volunteers.html", idea=idea,
                           pledges=delivery_lists.offers_of_help(current_user, idea))


@bp.route("/partners/pledges/<int:pledge_id>/message", methods=["GET", "POST"])
@login_required
def message_volunteer(pledge_id: int):
    """Send a volunteer a message through the platform (replies go to the organisation)."""
    pledge = _get(Pledge, pledge_id)
    idea = pledge.idea
    orgs = claims.acting_organisations(current_user, idea, "message_volunteer")
    values = {"body": text_field("body"), "organisation_id": int_field("organisation_id"),
              "alt_text": text_field("alt_text")}

    def form(errors: dict, status: int = 200):
        return render_template("partners/message.html", pledge=pledge, idea=idea, orgs=orgs,
                               values=values, errors=errors), status

    if request.method == "GET":
        return form({})

    def sent(_message):
        flash(_("Your message has been sent to %(name)s.", name=pledge.user.public_name),
              "success")
        return redirect(url_for("partners.volunteers", idea_id=idea.id), code=303)

    return run_action(lambda: claims.message_pledger(
        current_user, pledge, _organisation(values["organisation_id"]), values["body"]),
        done=sent, failed=lambda exc: form(exc.errors or {"body": [exc.detail]},
                                           form_status(exc)))


# ------------------------------------------------------------------------ progress, outcome

def _organisation(org_id: int | None) -> Organisation | None:
    """The organisation picked on the form (None if none was, or there is no such one: the
    service then asks which)."""
    return db.session.get(Organisation, org_id) if org_id else None


@bp.route("/partners/ideas/<int:idea_id>/progress", methods=["GET", "POST"])
@login_required
def progress(idea_id: int):
    """Post a public progress update on an idea my organisation delivers (with a photo)."""
    allow_upload_size()
    idea = _idea(idea_id)
    orgs = claims.acting_organisations(current_user, idea)
    values = {"body": text_field("body"), "organisation_id": int_field("organisation_id"),
              "alt_text": text_field("alt_text")}

    def form(errors: dict, status: int = 200):
        delivery_info = delivery_lists.idea_delivery(idea)
        return render_template("partners/progress.html", idea=idea, orgs=orgs, values=values,
                               errors=errors, updates=delivery_info["updates"]), status

    if request.method == "GET":
        return form({})

    def published(_update):
        flash(_("Your update is published on the idea's page."), "success")
        return redirect(url_for("partners.dashboard") if orgs
                        else url_for("partners.progress", idea_id=idea.id), code=303)

    data = uploaded_file()

    def post():
        update = outcomes.post_progress_update(
            current_user, idea, values["body"], _organisation(values["organisation_id"]))
        if data is not None or values["alt_text"]:
            photos.add_progress_photo(current_user, update, data=data or b"",
                                      alt_text=values["alt_text"])
        return update

    return run_action(post, done=published,
                      failed=lambda exc: form(exc.errors or {"body": [exc.detail]},
                                              form_status(exc)))


OUTCOME_FIELDS = ("result", "summary", "people_reached", "volunteer_hours", "spend_pounds",
                  "funding_source", "story", "lessons")


def _report_values(report: OutcomeReport | None) -> dict:
    """A saved report as form values."""
    if report is None:
        return {}
    return {"result": report.result or "", "summary": report.summary,
            "people_reached": report.people_reached if report.people_reached is not None
            else "",
            "volunteer_hours": (f"{report.volunteer_hours:g}"
                                if report.volunteer_hours is not None else ""),
            "spend_pounds": (f"{report.spend_pence / 100:.2f}"
                             if report.spend_pence is not None else ""),
            "funding_source": report.funding_source or "", "story": report.story,
            "lessons": report.lessons}


@bp.route("/partners/ideas/<int:idea_id>/outcome", methods=["GET", "POST"])
@login_required
def outcome_form(idea_id: int):
    """Draft, submit (partners) or publish (council) the idea's outcome report (with a
    photo)."""
    allow_upload_size()
    idea = _idea(idea_id)
    orgs = claims.acting_organisations(current_user, idea)
    report = outcomes.outcome_report_for(current_user, idea, showing=request.method == "GET")

    def form(values: dict, errors: dict, status: int = 200):
        return render_template("partners/outcome_form.html", idea=idea, orgs=orgs,
                               report=report, values=values, errors=errors,
                               locked=bool(report and not can(current_user,
                                                              "edit_outcome_report", report))
                               ), status

    if request.method == "GET":
        return form(_report_values(report), {})
    values = {f: text_field(f) for f in OUTCOME_FIELDS}
    values["organisation_id"] = int_field("organisation_id")
    values.update(alt_text=text_field("alt_text"), label=text_field("label"))
    action = request.form.get("action", "draft")
    data = uploaded_file()

    def save():
        saved = outcomes.save_outcome_report(
            current_user, idea, submit=action in ("submit", "publish"),
            organisation=_organisation(values["organisation_id"]),
            **{f: values[f] for f in OUTCOME_FIELDS})
        if data is not None or values["alt_text"]:
            photos.add_outcome_photo(current_user, saved, data=data or b"",
                                     alt_text=values["alt_text"], label=values["label"])
        if action == "publish":
            outcomes.publish_outcome(current_user, saved)
        return saved

    def saved(_report):
        if action == "publish":
            flash(_("The outcome is published."), "success")
            return redirect(url_for("partners.review.outcomes"), code=303)
        if action == "submit":
            flash(_("Your report has been sent to the council to publish."), "success")
            return redirect(url_for("partners.dashboard") if orgs
                            else url_for("partners.review.outcomes"), code=303)
        flash(_("Your draft is saved."), "success")
        return redirect(url_for("partners.outcome_form", idea_id=idea.id), code=303)

    return run_action(save, done=saved,
                      failed=lambda exc: form(values, exc.errors or {"result": [exc.detail]},
                                              form_status(exc)))
