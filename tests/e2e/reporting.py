"""Driving the resident's /report flow through the fake server, as a resident would."""

from __future__ import annotations

import re

from tests.rig.server import BotMessage, FakeUser
from tests.use_cases import catalog

CATALOG = catalog()


def label(lang: str, key: str, **values: object) -> str:
    """A button label or text as the bot shows it in `lang`."""
    return CATALOG.t(lang, key, **values)


async def submit_report(user: FakeUser, *, lang: str = "zh", category: str = "elderly_alone",
                        description: str = "楼下张大爷腿肿得厉害，好几天没出门了",
                        subject: str | None = "张大爷，80岁左右",
                        address: str = "东门小区3栋502", area: str | None = "东门社区",
                        urgency: str = "soon", phone: str | None = None,
                        timeout: float = 10.0) -> str:
    """Go through every step and confirm; return the reference from the receipt.

    Buttons are pressed on the question that carries them (as a person taps the message in
    front of them), so a late copy of an earlier question never answers a later one.
    """
    summary = await report_to_summary(user, lang=lang, category=category,
                                      description=description, subject=subject,
                                      address=address, area=area, urgency=urgency, phone=phone,
                                      timeout=timeout)
    return await confirm_summary(user, summary, lang=lang, timeout=timeout)


async def report_to_summary(user: FakeUser, *, lang: str = "zh",
                            category: str = "elderly_alone",
                            description: str = "楼下张大爷腿肿得厉害，好几天没出门了",
                            subject: str | None = "张大爷，80岁左右",
                            address: str = "东门小区3栋502", area: str | None = "东门社区",
                            urgency: str = "soon", phone: str | None = None,
                            timeout: float = 10.0) -> BotMessage:
    """Go through every step up to the summary, not confirmed yet; return the summary."""
    async def ask(key: str, **values: object) -> BotMessage:
        return await user.expect(_first_words(label(lang, key, **values)), timeout=timeout)

    await user.send("/report")
    question = await ask("report.ask.category")
    await user.press(label(lang, f"report.category.{category}"), in_message=question,
                     timeout=timeout)
    await ask("report.ask.description", minutes=5)
    await user.send(description)
    question = await ask("report.ask.subject")
    if subject is None:
        await user.press(label(lang, "report.button.skip"), in_message=question,
                         timeout=timeout)
    else:
        await user.send(subject)
    await ask("report.ask.place")
    await user.send(address)
    question = await ask("report.ask.area")
    await user.press(area or label(lang, "report.button.not_sure"), in_message=question,
                     timeout=timeout)
    question = await ask("report.ask.urgency")
    await user.press(label(lang, f"report.urgency.{urgency}"), in_message=question,
                     timeout=timeout)
    question = await ask("report.ask.photos", max=3, count=0)
    await user.press(label(lang, "report.button.skip"), in_message=question, timeout=timeout)
    await ask("report.ask.contact")
    if phone is None:
        await user.press(label(lang, "report.button.anonymous"), timeout=timeout)
    else:
        await user.send(phone)
    return await ask("report.summary.title")


async def confirm_summary(user: FakeUser, summary: BotMessage, *, lang: str = "zh",
                          timeout: float = 10.0) -> str:
    """Press Confirm on the summary; return the reference from the receipt."""
    await user.press(label(lang, "report.button.confirm"), in_message=summary, timeout=timeout)
    receipt = await user.expect(r"R-\d{4}", timeout=timeout)
    found = re.search(r"R-\d{4}", receipt.plain)
    assert found is not None
    return found.group(0)


def _first_words(text: str) -> str:
    """A regex for the start of a catalog text, tags removed."""
    plain = re.sub(r"<[^>]+>", "", text).split("\n")[0]
    return re.escape(plain[:12])
