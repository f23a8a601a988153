"""Tables, enums, settings and the database session: imports nothing of ours above it."""

from models.appeal import Appeal, CompetentBody, Letter
from models.base import metadata
from models.chat import Attachment, ChannelBot, ChannelCursor, DialogState, StaffCard
from models.citizen import Citizen, CitizenIdentity, Consent
from models.enums import (
    ActorKind,
    AppealOutcome,
    Channel,
    DayOffRule,
    DeadlineClock,
    ItemKind,
    ItemStatus,
    LetterDelivery,
    LetterStatus,
    OutboxStatus,
    PlaceKind,
    ReplyBy,
    Role,
    TimerStatus,
)
from models.item import Item, ItemCounter, ItemEvent
from models.privacy import ConsentText, DashboardSession, Heartbeat
from models.reports import Digest, DigestFile
from models.routing import RoutingModel
from models.runtime import Inbox, Outbox, Timer
from models.setup import (
    ApiToken,
    CalendarOverride,
    DeadlinePolicy,
    Locality,
    Municipality,
    RoutingRule,
    Sector,
    Staff,
    StaffInvite,
)
from models.social import (
    Publish,
    ReplyStatus,
    SocialMonitor,
    SocialPost,
    SocialReply,
    SocialStatus,
)

__all__ = [
    "ActorKind",
    "ApiToken",
    "Appeal",
    "AppealOutcome",
    "Attachment",
    "CalendarOverride",
    "Channel",
    "ChannelBot",
    "ChannelCursor",
    "Citizen",
    "CitizenIdentity",
    "CompetentBody",
    "Consent",
    "ConsentText",
    "DashboardSession",
    "DayOffRule",
    "DeadlineClock",
    "DeadlinePolicy",
    "DialogState",
    "Digest",
    "DigestFile",
    "Heartbeat",
    "Inbox",
    "Item",
    "ItemCounter",
    "ItemEvent",
    "ItemKind",
    "ItemStatus",
    "Letter",
    "LetterDelivery",
    "LetterStatus",
    "Locality",
    "Municipality",
    "Outbox",
    "OutboxStatus",
    "PlaceKind",
    "Publish",
    "ReplyBy",
    "ReplyStatus",
    "Role",
    "RoutingModel",
    "RoutingRule",
    "Sector",
    "SocialMonitor",
    "SocialPost",
    "SocialReply",
    "SocialStatus",
    "Staff",
    "StaffCard",
    "StaffInvite",
    "Timer",
    "TimerStatus",
    "metadata",
]
