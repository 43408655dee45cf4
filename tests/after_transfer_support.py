"""A transferred community place, written directly through the models (the transfer-request
workflow is another module's: these tests must not depend on it)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from citizenideas.extensions import db
from citizenideas.models import AssetReport, TransferRequest, utcnow

COMMITMENTS = {
    "commitment_opening_hours": "Open seven days a week, 7am to 8pm.",
    "commitment_prices": "Swims no dearer than the council's prices, raised with inflation.",
    "commitment_accessibility": "Keep the pool hoist and the changing places toilet.",
}


def transferred(asset, organisation, on: date, *, terms: str = "A 25-year lease at a "
                "peppercorn rent.", reminded_for_year: int = 0) -> TransferRequest:
    """A transfer request at stage ``transferred`` on ``on`` (committed)."""
    when = datetime.combine(on, time(10), tzinfo=UTC)
    request = TransferRequest(
        asset_id=asset.id, organisation_id=organisation.id,
        proposed_use="Run the place for everyone.", beneficiaries="Everyone in the ward.",
        capacity_people="Volunteers and two staff.", capacity_money="Grants and fees.",
        capacity_experience="Ten years running a hall.", stage="transferred",
        stage_changed_at=when, submitted_at=when, decided_at=when, terms=terms,
        transferred_on=on, reminded_for_year=reminded_for_year, **COMMITMENTS)
    db.session.add(request)
    asset.community_status = "transferred"
    asset.operator_organisation_id = organisation.id
    db.session.commit()
    return request


def report(request, year: int, submitted: date, *, commitments: str = "kept",
           by=None) -> AssetReport:
    """A published report for ``year`` submitted on ``submitted`` (committed)."""
    from citizenideas.services.asset_reports import due_on

    row = AssetReport(asset_id=request.asset_id, transfer_request_id=request.id,
                      organisation_id=request.organisation_id, year_number=year,
                      due_on=due_on(request.transferred_on, year),
                      opening_hours="7am to 8pm daily", people_served=1000,
                      prices="Adults 4 pounds", access_changes="None", story="A good year.",
                      commitments=commitments,
                      commitments_note="" if commitments == "kept" else "Hours were cut.",
                      submitted_by_id=by.id if by else None,
                      submitted_at=datetime.combine(submitted, time(9), tzinfo=UTC))
    db.session.add(row)
    db.session.commit()
    return row


def days_ago(n: int) -> date:
    from datetime import timedelta

    return utcnow().date() - timedelta(days=n)
