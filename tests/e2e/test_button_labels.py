"""Button labels are plain text: a name with & or < reads as typed, never as &amp; or &lt;."""

from __future__ import annotations

from tests.conftest import BotProcess
from tests.rig.server import FakeUser


async def test_a_community_named_with_ampersand_reads_as_typed_on_its_button(
        bot: BotProcess, coordinator: FakeUser) -> None:
    await coordinator.send("/start")
    await coordinator.expect("管理员")
    await coordinator.send("/areas")
    await coordinator.expect("社区列表")
    await coordinator.press("➕ 添加社区")
    await coordinator.expect("请写下社区名称")
    await coordinator.send("R&D <新村>")
    await coordinator.expect("已保存")
    await coordinator.send("/areas")
    listing = await coordinator.expect("社区列表")
    labels = [str(button.get("text", "")) for row in
              (listing.reply_markup or {}).get("inline_keyboard", []) for button in row]
    assert "改名：R&D <新村>" in labels, labels
    assert not any("&amp;" in text or "&lt;" in text for text in labels), labels
    assert "• R&D <新村>" in listing.plain  # the message itself is HTML, escaped and read back
