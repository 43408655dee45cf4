"""Demo Borough's community asset transfer requests, at every stage.

- St Anne's Community Hall: the residents' association's request, under assessment;
- Hartwell Green Library: the library trust's request, business case requested, with the
  council's question answered;
- The Old Fire Station: the youth project's request, declined with its public reason (so the
  station is run by the council again).

Written through services.asset_transfer, as staff and members would, then dated in the past:
the requests' stages, the timeline, the audit log and the notifications (marked as already
emailed, so starting the demo sends nothing). Statuses follow from the records.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from .extensions import db
from .models import AssetEvent, AuditLog, Notification, TransferStageChange

NEWER_ROWS = (AssetEvent, AuditLog, Notification, TransferStageChange)

COMMON = dict(
    capacity_people="Our trustees and volunteers, with a paid coordinator for 20 hours a week.",
    capacity_money="Reserves of three months' running costs, and grants we have applied for.",
)
REQUESTS = [
    dict(asset="st_annes_centre", org="st_annes_residents", member="margaret.ellis@example.org",
         ideas=("Community pantry at St Anne's Community Hall",),
         proposed_use="Keep the hall open as the neighbourhood's living room: the warm space, "
                      "the community pantry, the toddler group and the lunch club, with the "
                      "meeting rooms let cheaply to local groups.",
         beneficiaries="Everyone in St Anne's, especially older people living alone, young "
                       "families and households struggling with the cost of living.",
         commitment_opening_hours="Open every weekday 9am to 9pm and Saturdays 10am to 4pm, "
                                  "as now or longer.",
         commitment_prices="The warm space, pantry and toddler group stay free. Room hire for "
                           "local groups at no more than today's council rates.",
         commitment_accessibility="Step-free entrance kept; we will add a hearing loop and a "
                                  "changing place toilet with a grant already promised.",
         capacity_experience="Ten years of running the hall day to day under licence.",
         steps=[(40, "received"), (25, "under_assessment",
                                    "The council's assets team is assessing the request "
                                    "against the transfer policy.")]),
    dict(asset="hartwell_library", org="library_trust", member="partner@example.org",
         ideas=("Let a community group run Hartwell Green Library",),
         proposed_use="Run Hartwell Green Library with volunteers as we run Millbrook Library: "
                      "open more days, with story times and a home library service.",
         beneficiaries="Readers in Hartwell Green, children and families, and people who are "
                       "housebound.",
         commitment_opening_hours="Five days a week including Saturday mornings, up from three.",
         commitment_prices="Borrowing stays free; no charges for the computers or wifi.",
         commitment_accessibility="Ground floor only, step-free, with large print and audio "
                                  "books; the home library service for people who cannot come.",
         capacity_experience="We have run Millbrook Library since the council transferred it "
                             "to us in 2021.",
         steps=[(120, "received"),
                (100, "under_assessment", ""),
                (60, "business_case_requested",
                 "The council asked the trust for a five-year business case.")],
         question=(58, "Please send a five-year budget for Hartwell Green, showing how volunteer "
                       "hours and the book fund will be covered."),
         answer=(44, "Our five-year budget balances in every year: £6,200 a year from our "
                     "reserves and fundraising, 70 volunteers across both libraries, and the "
                     "book fund shared with Millbrook.")),
    dict(asset="old_fire_station", org="youth_project", member="dev.mistry@example.org",
         ideas=("Turn the Old Fire Station into a community arts space",),
         proposed_use="Turn the Old Fire Station into an arts space for young people: studios, "
                      "a small gallery and rehearsal rooms.",
         beneficiaries="Young people aged 11 to 19 across the borough, and local artists.",
         commitment_opening_hours="Four evenings a week and weekends, longer in school holidays.",
         commitment_prices="Free for young people; studios let to artists at cost.",
         commitment_accessibility="A lift and accessible toilets in the first phase of works.",
         capacity_experience="We run the Youth Hut in Northgate and an arts programme.",
         steps=[(200, "received"), (180, "under_assessment", ""),
                (150, "declined",
                 "The building needs structural repairs estimated at £400,000 before anyone "
                 "can use it, which the plan cannot fund. The council will invite proposals "
                 "again once the building is safe.")]),
]


def _newest_ids() -> dict:
    return {model: db.session.scalar(select(func.max(model.id))) or 0 for model in NEWER_ROWS}


def _date_rows_since(marks: dict, at: datetime) -> None:
    """Date the rows written since ``marks`` at ``at``; notifications count as emailed."""
    db.session.flush()
    for model, last in marks.items():
        if model is Notification:
            db.session.execute(update(Notification).where(
                Notification.id > last, Notification.email_state == "pending")
                .values(email_state="sent", email_sent_at=at)
                .execution_options(synchronize_session=False))
        db.session.execute(update(model).where(model.id > last).values(created_at=at)
                           .execution_options(synchronize_session=False))


def seed(builder) -> None:
    """Add this part of the story to the demo council ``builder`` is writing."""
    from .services import asset_transfer as transfers
    from .services import asset_transfer_questions as transfer_questions

    staff = builder.moderator
    for spec in REQUESTS:
        member, asset = builder.users[spec["member"]], builder.assets[spec["asset"]]
        ideas = [builder.by_title[title].idea.reference for title in spec["ideas"]]
        fields = {key: spec[key] for key in ("proposed_use", "beneficiaries",
                                             "commitment_opening_hours", "commitment_prices",
                                             "commitment_accessibility", "capacity_experience")}
        (days, _received), *moves = spec["steps"]
        marks = _newest_ids()
        request = transfers.submit_transfer_request(member, asset, builder.orgs[spec["org"]],
                                                    ideas=ideas, **COMMON, **fields)
        at = builder.ago(days)
        _date_rows_since(marks, at)
        request.submitted_at = request.stage_changed_at = at
        for days, stage, message in moves:
            marks = _newest_ids()
            transfers.move_transfer_stage(staff, request, stage, message)
            at = builder.ago(days)
            _date_rows_since(marks, at)
            request.stage_changed_at = at
            if request.decided_at is not None:
                request.decided_at = at
        if "question" in spec:
            (asked_days, question), (answered_days, answer) = spec["question"], spec["answer"]
            marks = _newest_ids()
            info = transfer_questions.ask_for_information(staff, request, question)
            _date_rows_since(marks, builder.ago(asked_days))
            info.asked_at = builder.ago(asked_days)
            marks = _newest_ids()
            transfer_questions.answer_information_request(member, info, answer)
            _date_rows_since(marks, builder.ago(answered_days))
            info.answered_at = builder.ago(answered_days)
        asset.updated_at = at
        db.session.flush()
