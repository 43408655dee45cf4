"""The demo's community asset transfer requests: a hall under assessment, a library at
business case with its question answered, a declined fire station back with the council;
statuses follow from the records, dated in the past, and nothing waits to be emailed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from citizenideas.demo import seed
from citizenideas.extensions import db
from citizenideas.models import AssetEvent, CommunityAsset, Notification, TransferRequest, utcnow


@pytest.fixture
def seeded(app):
    assert seed() is True
    db.session.commit()
    return app


def asset(name: str) -> CommunityAsset:
    return db.session.scalar(select(CommunityAsset).where(CommunityAsset.name == name))


def test_the_demo_tells_three_transfer_stories_through_the_records(seeded, client):
    hall = asset("St Anne's Community Hall")
    assert hall.kind == "hall" and hall.community_status == "transfer_proposed"
    [hall_request] = db.session.scalars(select(TransferRequest).where(
        TransferRequest.asset_id == hall.id))
    assert hall_request.stage == "under_assessment" and hall_request.organisation.is_verified
    assert hall_request.status_before == "community_run"

    library = asset("Hartwell Green Library")
    [library_request] = db.session.scalars(select(TransferRequest).where(
        TransferRequest.asset_id == library.id))
    assert library_request.stage == "business_case_requested"
    assert library.community_status == "transfer_proposed"
    [question] = library_request.info_requests
    assert question.answer and question.asked_at < question.answered_at < utcnow()

    station = asset("The Old Fire Station, Hartwell")
    [station_request] = db.session.scalars(select(TransferRequest).where(
        TransferRequest.asset_id == station.id))
    assert station_request.stage == "declined" and "structural repairs" in \
        station_request.decision_reason
    assert station.community_status == "council_run"

    for request in (hall_request, library_request, station_request):
        assert all((utcnow() - step.created_at).days >= 20 for step in request.stages)
    events = db.session.scalars(select(AssetEvent).where(AssetEvent.transfer_request_id.in_(
        [hall_request.id, library_request.id, station_request.id])))
    assert all((utcnow() - e.created_at).days >= 20 for e in events)
    assert db.session.scalar(select(Notification.id).where(
        Notification.email_state == "pending")) is None
    page = client.get(f"/assets/{station.id}").get_data(as_text=True)
    assert "Declined" in page and "structural repairs" in page
