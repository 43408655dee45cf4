"""Administration (/admin, admins only): users, categories, wards, settings, response
templates and the audit log. Organisations are at /admin/organisations (partners' pages)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..errors import DomainError, NotFound, ValidationFailed
from ..extensions import db
from ..models import ROLES, STATUSES, Category, ResponseTemplate, User, Ward
from ..pagination import requested_page
from ..permissions import require
from ..services import audit as audit_log
from ..services import places as place_admin
from ..services import second_factor
from ..services import site as site_admin
from ..services import users as user_admin
from ..services.site import EDITABLE, site_settings
from .actions import run_action
from .forms import text_field

bp = Blueprint("admin", __name__)
PER_PAGE = 25


@bp.before_request
def _admin_gate():
    """Every /admin page and action is for admins only."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    require(current_user, "administer")
    return None


def _get(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        raise NotFound(_("Not found."))
    return obj


def _run(action, success: str, back: str):
    """Run a service call (``run_action``: one commit), flash and go back; on a refusal
    flash the reason."""
    def told(text: str, category: str):
        flash(text, category)
        return redirect(back, code=303)

    def failed(exc: DomainError):
        messages = [m for ms in exc.errors.values() for m in ms] or [exc.detail]
        return told(" ".join(messages), "error")

    return run_action(action, done=lambda _r: told(success, "success"), failed=failed)


@bp.get("/admin")
def index():
    return render_template("admin/index.html")


# --- Users ------------------------------------------------------------------------------


@bp.get("/admin/users")
def users():
    q = (request.args.get("q") or "").strip()[:200]
    role = request.args.get("role", "")
    page = requested_page(request.args)
    items, total = user_admin.search_users(current_user, q, role, page, PER_PAGE)
    args = {k: v for k, v in {"q": q, "role": role}.items() if v}
    return render_template("admin/users.html", users=items, total=total, page=page,
                           with_second_factor=second_factor.users_with_second_factor(items),
                           per_page=PER_PAGE, q=q, role=role, roles=ROLES, query_args=args)


def _back_to_users() -> str:
    from .auth import safe_next

    return safe_next(request.form.get("next"), url_for("admin.users"))


@bp.post("/admin/users/<int:user_id>/role")
def user_role(user_id: int):
    user = _get(User, user_id)
    role = text_field("role")
    return _run(lambda: user_admin.change_role(current_user, user, role),
                _("%(name)s is now %(role)s.", name=user.display_name, role=role),
                _back_to_users())


@bp.post("/admin/users/<int:user_id>/deactivate")
def user_deactivate(user_id: int):
    user = _get(User, user_id)
    return _run(lambda: user_admin.deactivate_user(current_user, user),
                _("%(name)s can no longer sign in.", name=user.display_name), _back_to_users())


@bp.post("/admin/users/<int:user_id>/reactivate")
def user_reactivate(user_id: int):
    user = _get(User, user_id)
    return _run(lambda: user_admin.reactivate_user(current_user, user),
                _("%(name)s can sign in again.", name=user.display_name), _back_to_users())


@bp.post("/admin/users/<int:user_id>/second-factor/reset")
def user_second_factor_reset(user_id: int):
    """Remove someone's second factor (a lost phone): audited, and the person is emailed."""
    user = _get(User, user_id)
    return _run(lambda: second_factor.reset_second_factor(current_user, user),
                _("%(name)s's second factor is reset. They will set up a new one when they "
                  "next sign in.", name=user.display_name), _back_to_users())


# --- Categories and wards ---------------------------------------------------------------

PLACES = {"categories": (Category,), "wards": (Ward,)}


@bp.get("/admin/<any(categories, wards):kind>")
def places(kind: str, values: dict | None = None, errors: dict | None = None):
    model = PLACES[kind][0]
    items = list(db.session.scalars(select(model).order_by(model.retired_at.is_not(None),
                                                           model.name)))
    return render_template("admin/places.html", kind=kind, items=items, values=values or {},
                           errors=errors or {})


@bp.post("/admin/<any(categories, wards):kind>")
def place_add(kind: str):
    """Add a category or ward; a mistake is shown on the form, next to the field."""
    values = {"name": text_field("name"), "description": text_field("description"),
              "ons_code": text_field("ons_code")}

    def add():
        if kind == "categories":
            return place_admin.add_category(current_user, values["name"],
                                            values["description"])
        return place_admin.add_ward(current_user, values["name"], values["ons_code"])

    def added(_place):
        flash(_("%(name)s added.", name=values["name"]), "success")
        return redirect(url_for("admin.places", kind=kind), code=303)

    return run_action(add, done=added, catch=ValidationFailed,
                      failed=lambda exc: (places(kind, values,
                                                 exc.errors or {"name": [exc.detail]}), 422))


@bp.post("/admin/<any(categories, wards):kind>/<int:item_id>/rename")
def place_rename(kind: str, item_id: int):
    item = _get(PLACES[kind][0], item_id)
    name = text_field("name")
    rename = place_admin.rename_category if kind == "categories" else place_admin.rename_ward
    return _run(lambda: rename(current_user, item, name), _("Renamed to %(name)s.", name=name),
                url_for("admin.places", kind=kind))


@bp.post("/admin/<any(categories, wards):kind>/<int:item_id>/welsh")
def place_welsh(kind: str, item_id: int):
    """The Welsh name (and a category's Welsh description) shown on pages in Welsh."""
    item = _get(PLACES[kind][0], item_id)
    name_cy, description_cy = text_field("name_cy"), text_field("description_cy")
    return _run(lambda: place_admin.set_welsh(current_user, item, name_cy, description_cy),
                _("Welsh for %(name)s saved.", name=item.name),
                url_for("admin.places", kind=kind))


@bp.post("/admin/<any(categories, wards):kind>/<int:item_id>/retire")
def place_retire(kind: str, item_id: int):
    item = _get(PLACES[kind][0], item_id)
    retire = request.form.get("retire", "yes") == "yes"
    func = place_admin.retire_category if kind == "categories" else place_admin.retire_ward
    return _run(lambda: func(current_user, item, retire),
                _("%(name)s retired.", name=item.name) if retire
                else _("%(name)s is back in use.", name=item.name),
                url_for("admin.places", kind=kind))


# --- Settings ---------------------------------------------------------------------------


@bp.route("/admin/settings", methods=["GET", "POST"])
def settings():
    def form(values: dict, errors: dict):
        return render_template("admin/settings.html", values=values, errors=errors), (
            422 if errors else 200)

    if request.method == "GET":
        return form({key: str(site_settings().get(key) or "") for key in EDITABLE}, {})
    values = {key: text_field(key) for key in EDITABLE}

    def saved(_result):
        flash(_("Settings saved."), "success")
        return redirect(url_for("admin.settings"), code=303)

    return run_action(lambda: site_admin.save_settings(current_user, values), done=saved,
                      failed=lambda exc: form(values, exc.errors))


# --- Response templates -----------------------------------------------------------------


@bp.get("/admin/templates")
def templates():
    return render_template("admin/templates.html", templates=site_admin.response_templates())


@bp.route("/admin/templates/new", methods=["GET", "POST"])
@bp.route("/admin/templates/<int:template_id>/edit", methods=["GET", "POST"])
def template_form(template_id: int | None = None):
    template = _get(ResponseTemplate, template_id) if template_id else None

    def form(values: dict, errors: dict):
        return render_template("admin/template_form.html", template=template, values=values,
                               errors=errors, statuses=STATUSES), (422 if errors else 200)

    if request.method == "GET":
        return form({"status": template.status, "title": template.title,
                     "body": template.body, "title_cy": template.title_cy or "",
                     "body_cy": template.body_cy or ""} if template else {"status": "declined"},
                    {})
    values = {"status": text_field("status"), "title": text_field("title"),
              "body": text_field("body"), "title_cy": text_field("title_cy"),
              "body_cy": text_field("body_cy")}

    def save():
        if template is None:
            return site_admin.create_response_template(current_user, **values)
        return site_admin.update_response_template(current_user, template, **values)

    def saved(_result):
        flash(_("Template saved."), "success")
        return redirect(url_for("admin.templates"), code=303)

    return run_action(save, done=saved, failed=lambda exc: form(values, exc.errors))


@bp.post("/admin/templates/<int:template_id>/delete")
def template_delete(template_id: int):
    template = _get(ResponseTemplate, template_id)
    title = template.title
    return _run(lambda: site_admin.delete_response_template(current_user, template),
                _("Template %(title)s deleted.", title=title), url_for("admin.templates"))


# --- Audit log --------------------------------------------------------------------------


def _audit_filters() -> audit_log.AuditFilters:
    return audit_log.AuditFilters(actor=(request.args.get("actor") or "").strip()[:254],
                                  action=(request.args.get("action") or "").strip()[:60],
                                  target_type=(request.args.get("target_type") or "")
                                  .strip()[:40])


@bp.get("/admin/audit")
def audit():
    filters = _audit_filters()
    page = requested_page(request.args)
    entries, total = audit_log.search_audit_log(current_user, filters, page, 50)
    actions, targets = audit_log.audit_choices()
    args = {k: v for k, v in vars(filters).items() if v}
    return render_template("admin/audit.html", entries=entries, total=total, page=page,
                           per_page=50, filters=filters, actions=actions, targets=targets,
                           query_args=args, describe=audit_log.describe_entry,
                           raw_record=audit_log.raw_record, action_label=audit_log.action_label)


@bp.get("/admin/audit.csv")
def audit_csv():
    rows = audit_log.export_audit_csv(current_user, _audit_filters())
    return Response(stream_with_context(rows), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'})
