"""The council's categories (themes) and wards (places): add, rename, retire or bring back.
Retired ones stay on old ideas but are not offered for new ones.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..errors import ValidationFailed
from ..extensions import db
from ..models import Category, User, Ward, utcnow
from ..permissions import require
from .audit import record_audit
from .text_rules import clean_text

ONS_CODE = re.compile(r"^[EWSN][0-9]{8}$")


def _name(raw: str, model, current_id: int | None = None, field: str = "name") -> str:
    errors: dict[str, list[str]] = {}
    name = clean_text(raw, field, errors, required=_("Enter a name."), maximum=120,
                      too_long=_("The name must be 120 characters or fewer."))
    if errors:
        raise ValidationFailed(_("The name is too long.") if name else _("Enter a name."), errors)
    clash = db.session.scalar(select(model.id).where(func.lower(model.name) == name.lower()))
    if clash is not None and clash != current_id:
        raise ValidationFailed(_("That name is already used."),
                               {field: [_("There is already one called %(name)s.", name=name)]})
    return name


def _slug(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "category"
    slug, n = base, 1
    while db.session.scalar(select(Category.id).where(Category.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def add_category(actor: User, name: str, description: str = "") -> Category:
    require(actor, "administer")
    name = _name(name, Category)
    category = Category(name=name, slug=_slug(name), description=(description or "").strip())
    db.session.add(category)
    db.session.flush()
    record_audit(actor, "category.add", category, None, {"name": name})
    db.session.flush()
    return category


def _rename(actor: User, thing: Category | Ward, name: str, audit_name: str):
    """Rename a category or ward (names stay unique), with an audit entry."""
    require(actor, "administer")
    name = _name(name, type(thing), thing.id)
    before = {"name": thing.name}
    thing.name = name
    record_audit(actor, f"{audit_name}.rename", thing, before, {"name": name})
    db.session.flush()
    return thing


def _retire(actor: User, thing: Category | Ward, retire: bool, audit_name: str):
    """Retire (offered for nothing new; what already uses it keeps it) or bring it back."""
    require(actor, "administer")
    before = {"retired": thing.retired_at is not None}
    thing.retired_at = utcnow() if retire else None
    record_audit(actor, f"{audit_name}.retire" if retire else f"{audit_name}.restore", thing,
                 before, {"retired": retire})
    db.session.flush()
    return thing


def rename_category(actor: User, category: Category, name: str) -> Category:
    return _rename(actor, category, name, "category")


def retire_category(actor: User, category: Category, retire: bool = True) -> Category:
    """Retire (no new ideas filed under it; old ones keep it) or bring back a category."""
    return _retire(actor, category, retire, "category")


def _ons(raw: str | None, current_id: int | None) -> str | None:
    code = (raw or "").strip().upper() or None
    if code is None:
        return None
    if not ONS_CODE.match(code):
        raise ValidationFailed(_("Enter a real ONS code."),
                               {"ons_code": [_("An ONS ward code is a letter and 8 digits, "
                                               "like E05013825.")]})
    clash = db.session.scalar(select(Ward.id).where(Ward.ons_code == code))
    if clash is not None and clash != current_id:
        raise ValidationFailed(_("That ONS code is already used."),
                               {"ons_code": [_("Another ward has that ONS code.")]})
    return code


def add_ward(actor: User, name: str, ons_code: str | None = None) -> Ward:
    require(actor, "administer")
    name = _name(name, Ward)
    ward = Ward(name=name, ons_code=_ons(ons_code, None))
    db.session.add(ward)
    db.session.flush()
    record_audit(actor, "ward.add", ward, None, {"name": name, "ons_code": ward.ons_code})
    db.session.flush()
    return ward


def rename_ward(actor: User, ward: Ward, name: str) -> Ward:
    return _rename(actor, ward, name, "ward")


def retire_ward(actor: User, ward: Ward, retire: bool = True) -> Ward:
    """Retire (not offered for new ideas, assets or home wards) or bring back a ward."""
    return _retire(actor, ward, retire, "ward")


def set_welsh(actor: User, thing: Category | Ward, name_cy: str,
              description_cy: str | None = None) -> Category | Ward:
    """Give a category or ward its Welsh name (and a category its Welsh description); empty
    clears it, and pages in Welsh show the English instead."""
    require(actor, "administer")
    errors: dict[str, list[str]] = {}
    name_cy = clean_text(name_cy or "", "name_cy", errors, maximum=120,
                         too_long=_("The name must be 120 characters or fewer."))
    values = {"name_cy": name_cy or None}
    if isinstance(thing, Category):
        description_cy = clean_text(description_cy or "", "description_cy", errors,
                                    maximum=2000, too_long=_(
                                        "The description must be 2,000 characters or fewer."))
        values["description_cy"] = description_cy or None
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors)
    before = {key: getattr(thing, key) for key in values}
    for key, value in values.items():
        setattr(thing, key, value)
    kind = "category" if isinstance(thing, Category) else "ward"
    record_audit(actor, f"{kind}.welsh", thing, before, values)
    db.session.flush()
    return thing
