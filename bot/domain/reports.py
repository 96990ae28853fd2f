"""Reports (求助线索): categories, urgency, lifecycle and the checks on what a resident types."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.lengths import shorten

DESCRIPTION_MIN = 5
DESCRIPTION_MAX = 2000
SUBJECT_MAX = 200
ADDRESS_MIN = 2
ADDRESS_MAX = 500
AREA_TEXT_MAX = 64
MAX_PHOTOS = 3
VOICE_MAX_SECONDS = 300  # a voice note for the description: five minutes at most
REFERENCE_PREFIX = "R-"


class Category(StrEnum):
    """What is wrong, as the resident chooses it."""

    HEALTH = "health"
    ELDERLY_ALONE = "elderly_alone"
    CHILD = "child"
    DISABILITY = "disability"
    MONEY_FOOD = "money_food"
    HOUSING = "housing"
    LONELINESS = "loneliness"
    SAFETY = "safety"
    OTHER = "other"


class Urgency(StrEnum):
    """How soon help is needed."""

    DANGER = "danger"
    SOON = "soon"
    NOT_URGENT = "not_urgent"


class Status(StrEnum):
    """Where a report is in its life: new → acknowledged → resolved | referred | closed."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    REFERRED = "referred"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        """Still needs someone's work."""
        return self in (Status.NEW, Status.ACKNOWLEDGED)


def reference(report_id: int) -> str:
    """The short reference told to the reporter, e.g. R-0042."""
    return f"{REFERENCE_PREFIX}{report_id:04d}"


_REF_RE = re.compile(r"^\s*[Rr]\s*-?\s*(\d{1,9})\s*$")


def parse_reference(text: str) -> int | None:
    """The report id in a typed reference ('R-0042', 'r42', '42'), or None."""
    match = _REF_RE.match(text) or re.match(r"^\s*(\d{1,9})\s*$", text)
    return int(match.group(1)) if match else None


class Problem(StrEnum):
    """Why a typed answer was not accepted (each has a text in the catalogs)."""

    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    BAD_PHONE = "bad_phone"


def check_description(text: str) -> Problem | None:
    """A description must say enough and not be a novel."""
    return check_length(text, DESCRIPTION_MIN, DESCRIPTION_MAX)


def check_voice(seconds: int) -> Problem | None:
    """A voice note said instead of a typed description must not run on for ever."""
    return Problem.TOO_LONG if seconds > VOICE_MAX_SECONDS else None


def check_length(text: str, minimum: int, maximum: int) -> Problem | None:
    """A free-text answer within bounds (after trimming)."""
    size = len(text.strip())
    if size < minimum:
        return Problem.TOO_SHORT
    if size > maximum:
        return Problem.TOO_LONG
    return None


_PHONE_STRIP = re.compile(r"[\s\-().]")


def normalise_phone(text: str) -> str | None:
    """A phone number as digits with an optional leading +, or None if it is not one.

    Chinese mobiles have 11 digits, landlines 7–12 with area code, and international numbers
    up to 15 (E.164); anything from 5 digits (short service numbers) to 15 is accepted.
    """
    # As typed with a Chinese keyboard in full-width mode too (１３８…, ＋８６, （０７５５）),
    # read as the rest of the product reads full-width digits (NFKC).
    candidate = _PHONE_STRIP.sub("", unicodedata.normalize("NFKC", text).strip())
    plus = candidate.startswith("+")
    digits = candidate[1:] if plus else candidate
    if not digits.isascii() or not digits.isdigit() or not 5 <= len(digits) <= 15:
        return None
    return ("+" if plus else "") + digits


@dataclass
class Draft:
    """A report being written; stored as JSON at every step."""

    category: Category | None = None
    description: str | None = None
    # What is wrong may be said in a voice note instead of typed: its Telegram file id and
    # length (a draft has the typed description or the voice, never both); `voice_audio`
    # when it came as an audio file rather than a voice note (Telegram sends it back only as
    # the kind it is).
    voice_file_id: str | None = None
    voice_seconds: int | None = None
    voice_audio: bool = False
    subject: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    area_id: int | None = None
    area_text: str | None = None
    urgency: Urgency | None = None
    photos: list[str] = field(default_factory=list)
    # The album (Telegram's media group) the last photo came in, and whether the reporter was
    # told its photos beyond the limit were left out: an album arrives as one message a photo.
    album: str | None = None
    album_told: bool = False
    phone: str | None = None
    anonymous: bool | None = None
    editing: bool = False  # True while changing one field from the summary
    # The reporter said this is not the report they sent a few minutes ago.
    not_a_repeat: bool = False
    area_page: int = 0  # the page of communities last shown: a resumed question reopens there

    def to_data(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "category": self.category.value if self.category else None,
            "description": self.description, "subject": self.subject,
            "voice_file_id": self.voice_file_id, "voice_seconds": self.voice_seconds,
            "voice_audio": self.voice_audio,
            "address": self.address, "latitude": self.latitude, "longitude": self.longitude,
            "area_id": self.area_id, "area_text": self.area_text,
            "urgency": self.urgency.value if self.urgency else None,
            "photos": list(self.photos), "album": self.album, "album_told": self.album_told,
            "phone": self.phone, "anonymous": self.anonymous,
            "editing": self.editing, "not_a_repeat": self.not_a_repeat,
            "area_page": self.area_page,
        }

    @classmethod
    def from_data(cls, data: dict[str, object]) -> Draft:
        """Rebuild from stored JSON (unknown or damaged values become unanswered)."""
        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) else None

        def number(key: str) -> float | None:
            value = data.get(key)
            return float(value) if isinstance(value, int | float) else None

        category = text("category")
        urgency = text("urgency")
        photos = data.get("photos")
        area_id = data.get("area_id")
        anonymous = data.get("anonymous")
        seconds = data.get("voice_seconds")
        page = data.get("area_page")
        return cls(
            category=Category(category) if category in set(Category) else None,
            description=text("description"), subject=text("subject"), address=text("address"),
            voice_file_id=text("voice_file_id"),
            voice_seconds=seconds if isinstance(seconds, int) else None,
            voice_audio=data.get("voice_audio") is True,
            latitude=number("latitude"), longitude=number("longitude"),
            area_id=area_id if isinstance(area_id, int) else None, area_text=text("area_text"),
            urgency=Urgency(urgency) if urgency in set(Urgency) else None,
            photos=[p for p in photos if isinstance(p, str)] if isinstance(photos, list) else [],
            album=text("album"), album_told=data.get("album_told") is True,
            phone=text("phone"),
            anonymous=anonymous if isinstance(anonymous, bool) else None,
            editing=data.get("editing") is True,
            not_a_repeat=data.get("not_a_repeat") is True,
            area_page=page if isinstance(page, int) and not isinstance(page, bool) else 0,
        )

    @property
    def described(self) -> bool:
        """What is wrong has been told: typed, or said in a voice note."""
        return self.description is not None or self.voice_file_id is not None

    def say_typed(self, text: str) -> None:
        """The description is typed (a voice said before is replaced)."""
        self.description, self.voice_file_id, self.voice_seconds = text, None, None
        self.voice_audio = False

    def say_voice(self, file_id: str, seconds: int, *, audio: bool = False) -> None:
        """The description is said in a voice note, or an audio file when `audio` (a text
        typed before is replaced)."""
        self.description, self.voice_file_id, self.voice_seconds = None, file_id, seconds
        self.voice_audio = audio

    @property
    def has_place(self) -> bool:
        """A location or an address has been given."""
        return self.address is not None or self.latitude is not None

    def complete(self) -> bool:
        """Everything required is answered, so the report can be confirmed."""
        return (self.category is not None and self.described
                and self.has_place and self.urgency is not None and self.anonymous is not None)


@dataclass(frozen=True)
class Report:
    """A confirmed report."""

    id: int
    reporter_id: int
    category: Category
    description: str
    subject: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    area_id: int | None
    area_text: str | None
    urgency: Urgency
    photos: tuple[str, ...]
    phone: str | None
    anonymous: bool
    status: Status
    taken_by: int | None
    taken_at: datetime | None
    escalation_level: int
    created_at: datetime
    updated_at: datetime
    # A voice note said instead of typing (description is then ""): its Telegram file id
    # (None once erased or anonymised) and its length in seconds (kept for the record);
    # `voice_audio` when it came as an audio file, which goes out only as one.
    voice_file_id: str | None = None
    voice_seconds: int | None = None
    voice_audio: bool = False
    # When it last went back to waiting for a worker (given back, its worker off duty,
    # reopened with nobody to hold it); None if it has waited only since it was created.
    waiting_since: datetime | None = None

    @property
    def ref(self) -> str:
        """The short reference, e.g. R-0042."""
        return reference(self.id)

    @property
    def waiting_from(self) -> datetime:
        """Since when an untaken report has waited (its escalation is counted from here)."""
        return self.waiting_since or self.created_at


@dataclass(frozen=True)
class Event:
    """One change in a report's history."""

    report_id: int
    at: datetime
    actor_id: int | None
    kind: str
    status: Status | None
    detail: str


def excerpt(text: str, limit: int = 40) -> str:
    """The first words of a text, on one line, for lists."""
    flat = " ".join(text.split())
    return shorten(flat, limit)


RATE_WINDOW = timedelta(hours=1)


def over_rate_limit(recent_count: int, limit: int) -> bool:
    """Whether one more confirmed report would exceed the hourly limit."""
    return recent_count >= limit


# What the untaken-report card may show to every worker of a community: runs of 5 or more
# digits (phones, ids), e-mail addresses and flat or room numbers are masked; the full text
# goes only to the worker who takes the case and to coordinators.
_MASKS = (
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    re.compile(r"(?:\d[\s-]?){4,}\d"),
    re.compile(r"\d+\s*(?:栋|幢|座|号楼|单元|楼|层|室|房|号房)(?:\s*\d+\s*(?:室|房|号|层)?)*"),
    re.compile(r"(?i)\b(?:room|flat|apt\.?|apartment|unit|rm\.?)\s*#?\s*\d+[a-z]?\b"),
    re.compile(r"\b\d+[A-Za-z]?\s*[-/]\s*\d{2,}\b"),
)
CARD_EXCERPT = 40


def mask_contacts(text: str) -> str:
    """The text with phone-like digit runs, e-mail addresses and flat numbers masked."""
    for pattern in _MASKS:
        text = pattern.sub("•••", text)
    return text


def masked_excerpt(text: str, limit: int = CARD_EXCERPT) -> str:
    """A short excerpt for people who only need to know that help is wanted, masked."""
    return excerpt(mask_contacts(" ".join(text.split())), limit)


REPEAT_WINDOW = timedelta(minutes=10)


def looks_repeated(draft: Draft, previous: Report | None, now: datetime) -> bool:
    """Whether a draft is probably the report its author confirmed a few minutes ago: same
    category and community within REPEAT_WINDOW (a resident who did not see the receipt and
    started again). The person is asked; nothing is decided for them."""
    if previous is None or draft.not_a_repeat:
        return False
    if now - previous.created_at > REPEAT_WINDOW:
        return False
    same_area = (previous.area_id == draft.area_id
                 and (draft.area_id is not None or previous.area_text == draft.area_text))
    return previous.category == draft.category and same_area
