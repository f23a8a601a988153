"""The bots a setup names: secrets only by reference (never in the file), resolved from the
environment or a file; municipalities naming the same bot share it; the environment's bot runs
unless a setup names the same one; a bot whose secret is missing is named, the rest run."""

import pytest
from sqlmodel import select

from models import Channel, ChannelBot
from models.settings import Settings
from tests.fixtures import TEST_SETUP
from tests.logscan import record
from workflows.core.errors import Invalid
from workflows.setup.apply import check_apply_setup, parse_setup
from workflows.setup.bots import get_bot_specs, resolve_secret


def with_channels(setup: str, channels: str, code: str = "testmo", prefix: str = "ТСТ") -> str:
    text = setup.replace("code: testmo", f"code: {code}").replace("ТСТ", prefix)
    return text + "\nchannels:\n" + channels


VK = "  vk: {group_id: 501, token: 'env:T_VK_TOKEN'}\n"
TG = "  telegram: {token: 'env:T_TG_TOKEN'}\n"


def test_a_secret_in_the_file_itself_is_refused_without_echoing_it():
    leaked = "  telegram: {token: '123456:AAF-real-token'}\n"
    with pytest.raises(Invalid) as err:
        parse_setup(with_channels(TEST_SETUP, leaked))
    assert "env:ИМЯ_ПЕРЕМЕННОЙ или file:/путь" in err.value.reason
    assert "AAF-real-token" not in err.value.reason
    callback = "  vk: {group_id: 501, token: 'env:X', callback: true}\n"
    with pytest.raises(Invalid, match="secret и confirmation"):
        parse_setup(with_channels(TEST_SETUP, callback))
    with pytest.raises(Invalid, match="group_id"):
        parse_setup(with_channels(TEST_SETUP, "  vk: {group_id: -5, token: 'env:X'}\n"))


def test_references_resolve_from_the_environment_or_a_file(monkeypatch, tmp_path):
    monkeypatch.setenv("T_SECRET", "  value-1  ")
    assert resolve_secret("env:T_SECRET", what="x").get_secret_value() == "value-1"
    path = tmp_path / "token"
    path.write_text("value-2\nignored\n")
    assert resolve_secret(f"file:{path}", what="x").get_secret_value() == "value-2"
    monkeypatch.delenv("T_MISSING", raising=False)
    for ref, message in (
        ("env:T_MISSING", "T_MISSING не задана"),
        (f"file:{tmp_path}/absent", "не прочитан"),
        ("plain", "env:ИМЯ или file:/путь"),
    ):
        with pytest.raises(Invalid, match=message):
            resolve_secret(ref, what="x")
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(Invalid, match="пуст"):
        resolve_secret(f"file:{tmp_path}/empty", what="x")


async def test_municipalities_naming_one_bot_share_it(sm, clock, monkeypatch):
    monkeypatch.setenv("T_VK_TOKEN", "vk-token")
    monkeypatch.setenv("T_TG_TOKEN", "1:tg-token")
    async with sm() as s:
        a = await check_apply_setup(s, text=with_channels(TEST_SETUP, VK + TG), clock=clock)
        b = await check_apply_setup(
            s, text=with_channels(TEST_SETUP, VK, "second", "ВТР"), clock=clock
        )
    assert not a.warnings and a.counts["каналов создано"] == 2
    settings = Settings.model_validate({"MCU_ENV": "test"})
    async with sm() as s:
        specs, problems = await get_bot_specs(s, settings)
    assert problems == []
    vk = [x for x in specs if x.channel is Channel.vk]
    assert len(vk) == 1 and vk[0].group_id == 501
    assert set(vk[0].municipality_codes) == {"testmo", "second"}
    assert vk[0].token.get_secret_value() == "vk-token"
    [tg] = [x for x in specs if x.channel is Channel.telegram]
    assert tg.municipality_codes == ("testmo",)
    assert b.municipality_id != a.municipality_id

    # The file no longer names Telegram: that bot is switched off, VK stays.
    async with sm() as s:
        again = await check_apply_setup(s, text=with_channels(TEST_SETUP, VK), clock=clock)
        rows = list(await s.exec(select(ChannelBot).order_by(ChannelBot.id)))
    assert again.counts["каналов отключено"] == 1
    assert [(r.channel, r.active) for r in rows] == [
        (Channel.telegram, False),
        (Channel.vk, True),
        (Channel.vk, True),
    ]
    assert all("tg-token" not in str(r.config) and "vk-token" not in str(r.config) for r in rows)


async def test_a_missing_secret_is_named_and_the_other_bots_run(sm, clock, monkeypatch):
    monkeypatch.delenv("T_VK_TOKEN", raising=False)
    monkeypatch.setenv("T_TG_TOKEN", "1:tg-token")
    async with sm() as s:
        report = await check_apply_setup(s, text=with_channels(TEST_SETUP, VK + TG), clock=clock)
    assert any("T_VK_TOKEN не задана" in w for w in report.warnings), report.warnings
    env = Settings.model_validate(
        {"MCU_ENV": "test", "VK_TOKEN": "env-vk", "VK_GROUP_ID": 777, "TELEGRAM_TOKEN": "2:x"}
    )
    async with sm() as s:
        specs, problems = await get_bot_specs(s, env)
    assert len(problems) == 1 and "T_VK_TOKEN" in problems[0]
    keys = sorted(x.key for x in specs)
    assert keys == ["tg:env", "tg:env:T_TG_TOKEN", "vk:777"], "the environment's bots run too"

    same = env.model_copy(update={"telegram_token": env.telegram_token.__class__("1:tg-token")})
    async with sm() as s:
        specs, _ = await get_bot_specs(s, same)
    assert [x.key for x in specs if x.channel is Channel.telegram] == ["tg:env:T_TG_TOKEN"], (
        "the environment naming a setup's bot again is that one bot"
    )


def test_an_invite_names_the_municipality_s_own_bot(tmp_path):
    """`mcu invite` links to the bot the municipality's setup names (its `username`)."""
    import os
    import subprocess

    from tests.test_embedded import ROOT

    setup = (ROOT / "setup" / "bezhta.yaml").read_text() + (
        '\nchannels:\n  telegram: {token: "env:T4_TG", username: "bezhta_own_bot"}\n'
    )
    (tmp_path / "setup.yaml").write_text(setup)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "VK_", "DATABASE_URL", "REDIS_URL", "T4_"))
    }
    env.update(DATABASE_URL=f"sqlite:///{tmp_path}/mcu.db", TELEGRAM_BOT_USERNAME="env_bot")
    outputs = [
        subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
        for cmd in (
            ["mcu", "migrate"],
            ["mcu", "setup", "apply", str(tmp_path / "setup.yaml")],
            ["mcu", "invite", "water", "--municipality", "bezhta"],
        )
    ]
    for out in outputs:
        record("mcu-cli", out.stderr)  # their log lines (stdout is what they answer)
    assert "T4_TG не задана" in outputs[1].stdout, "the missing secret is a warning"
    assert "https://t.me/bezhta_own_bot?start=" in outputs[2].stdout


async def test_production_holds_setup_bots_secrets_to_the_environment_s_rule(
    sm, clock, monkeypatch
):
    """A setup bot's webhook or callback secret must be as strong as TELEGRAM_WEBHOOK_SECRET in
    production: a weak one names that bot (never the value) and the bot does not run."""
    monkeypatch.setenv("T_VK_TOKEN", "vk-token")
    monkeypatch.setenv("T_VK_SECRET", "short-vk")
    monkeypatch.setenv("T_TG_TOKEN", "1:tg-token")
    monkeypatch.setenv("T_TG_SECRET", "Zq4v-8KbWm2rT9yLx6Hc3NfJd7Pa5EsU")
    vk = (
        "  vk: {group_id: 501, token: 'env:T_VK_TOKEN', callback: true,"
        " secret: 'env:T_VK_SECRET', confirmation: 'abc123'}\n"
    )
    tg = "  telegram: {token: 'env:T_TG_TOKEN', webhook_secret: 'env:T_TG_SECRET'}\n"
    async with sm() as s:
        await check_apply_setup(s, text=with_channels(TEST_SETUP, vk + tg), clock=clock)
    test = Settings.model_validate({"MCU_ENV": "test"})
    production = test.model_copy(update={"env": "production"})
    async with sm() as s:
        relaxed, none = await get_bot_specs(s, test)
        strict, problems = await get_bot_specs(s, production)
    assert none == [] and sorted(x.channel for x in relaxed) == [Channel.telegram, Channel.vk]
    assert [x.channel for x in strict] == [Channel.telegram], "the strong one runs"
    [line] = problems
    assert "vk (testmo): secret (env:T_VK_SECRET): слишком короткий секрет" in line
    assert "short-vk" not in line
