"""Driving the resident's /report flow through the fake server, as a resident would."""

from __future__ import annotations

import re

from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import Catalog
from tests.rig.server import FakeUser

CATALOG = Catalog.load(SUPPORTED_LANGUAGES, "zh")


def label(lang: str, key: str, **values: object) -> str:
    """A button label or text as the bot shows it in `lang`."""
    return CATALOG.t(lang, key, **values)


async def submit_report(user: FakeUser, *, lang: str = "zh", category: str = "elderly_alone",
                        description: str = "楼下张大爷腿肿得厉害，好几天没出门了",
                        subject: str | None = "张大爷，80岁左右",
                        address: str = "东门小区3栋502", area: str | None = "东门社区",
                        urgency: str = "soon", phone: str | None = None) -> str:
    """Go through every step and confirm; return the reference from the receipt."""
    await user.send("/report")
    await user.expect(_first_words(label(lang, "report.ask.category")))
    await user.press(label(lang, f"report.category.{category}"))
    await user.expect(_first_words(label(lang, "report.ask.description")))
    await user.send(description)
    await user.expect(_first_words(label(lang, "report.ask.subject")))
    if subject is None:
        await user.press(label(lang, "report.button.skip"))
    else:
        await user.send(subject)
    await user.expect(_first_words(label(lang, "report.ask.place")))
    await user.send(address)
    await user.expect(_first_words(label(lang, "report.ask.area")))
    await user.press(area or label(lang, "report.button.not_sure"))
    await user.expect(_first_words(label(lang, "report.ask.urgency")))
    await user.press(label(lang, f"report.urgency.{urgency}"))
    await user.expect(_first_words(label(lang, "report.ask.photos", max=3, count=0)))
    await user.press(label(lang, "report.button.skip"))
    await user.expect(_first_words(label(lang, "report.ask.contact")))
    if phone is None:
        await user.press(label(lang, "report.button.anonymous"))
    else:
        await user.send(phone)
    await user.expect(_first_words(label(lang, "report.summary.title")))
    await user.press(label(lang, "report.button.confirm"))
    receipt = await user.expect(r"R-\d{4}")
    found = re.search(r"R-\d{4}", receipt.plain)
    assert found is not None
    return found.group(0)


def _first_words(text: str) -> str:
    """A regex for the start of a catalog text, tags removed."""
    plain = re.sub(r"<[^>]+>", "", text).split("\n")[0]
    return re.escape(plain[:12])
