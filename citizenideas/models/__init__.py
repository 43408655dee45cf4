"""All models, importable from one place: ``from citizenideas.models import Idea``."""

from .asset_transfer import (
    ACCESS_CHANGES,
    ASSET_EVENTS,
    COMMITMENT_ANSWERS,
    OPEN_TRANSFER_STAGES,
    TRANSFER_STAGES,
    AccessComment,
    AssetEvent,
    AssetFollow,
    AssetReport,
    TransferInfoRequest,
    TransferRequest,
    TransferStageChange,
    transfer_request_ideas,
)
from .assisted import CHANNELS, IdeaRepresentation, PaperSupport, ResidentContact
from .audit import AuditLog
from .base import UTCDateTime, utcnow
from .community_value import ACV_STATES, AcvBidIntent, AcvNomination
from .delivery import (
    CLAIM_STATUSES,
    OUTCOME_RESULTS,
    OUTCOME_STATES,
    VERIFICATION_ANSWERS,
    Claim,
    OutcomeReport,
    OutcomeVerification,
    ProgressUpdate,
)
from .drafts import FormDraft
from .figures import FigureSnapshot
from .ideas import (
    OPEN_FOR_SUPPORT,
    PLEDGE_KINDS,
    STATUSES,
    Comment,
    Flag,
    Follow,
    Idea,
    InternalNote,
    Pledge,
    StatusChange,
    Support,
)
from .notifications import Notification
from .photos import PHOTO_LABELS, Photo
from .places import ASSET_KINDS, COMMUNITY_STATUSES, Category, CommunityAsset, Ward, idea_assets
from .second_factor import RecoveryCode, SecondFactor
from .settings import DataVersion, ResponseTemplate, SiteSetting
from .users import (
    MEMBERSHIP_ROLES,
    NOTIFY_PREFS,
    ROLES,
    ApiToken,
    Membership,
    Organisation,
    User,
    UserToken,
)
from .versions import FIGURES, current_token

__all__ = [
    "ASSET_KINDS", "CLAIM_STATUSES", "COMMUNITY_STATUSES", "MEMBERSHIP_ROLES", "NOTIFY_PREFS",
    "OPEN_FOR_SUPPORT", "OUTCOME_RESULTS", "OUTCOME_STATES", "PLEDGE_KINDS", "ROLES", "STATUSES",
    "VERIFICATION_ANSWERS", "OutcomeVerification",
    "ApiToken", "AuditLog", "Category", "Claim", "Comment", "CommunityAsset", "Flag", "Follow",
    "DataVersion", "FIGURES", "FigureSnapshot", "FormDraft", "Idea", "InternalNote",
    "Membership", "Notification",
    "Organisation", "OutcomeReport", "PHOTO_LABELS", "Photo", "Pledge", "ProgressUpdate",
    "RecoveryCode", "ResponseTemplate", "SecondFactor", "SiteSetting", "StatusChange",
    "Support", "UTCDateTime", "User", "UserToken", "Ward",
    "current_token", "idea_assets", "utcnow",
    "CHANNELS", "IdeaRepresentation", "PaperSupport", "ResidentContact",
    "ACV_STATES", "AcvBidIntent", "AcvNomination",
    "ACCESS_CHANGES", "ASSET_EVENTS", "COMMITMENT_ANSWERS", "OPEN_TRANSFER_STAGES",
    "TRANSFER_STAGES", "AccessComment", "AssetEvent", "AssetFollow", "AssetReport",
    "TransferInfoRequest", "TransferRequest", "TransferStageChange", "transfer_request_ideas",
]
