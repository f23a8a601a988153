"""What the learned-routing tests share: the test setup with a `routing:` table, texts of two
sectors that no keyword rule of that setup matches, and a tiny model saved as a version."""

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from models import RoutingModel
from models.settings import get_settings
from tests.fixtures import TEST_SETUP
from workflows.core.tx import committing
from workflows.routing import store, weekly
from workflows.routing.model import TextModel
from workflows.routing.store import OWN, NewVersion, do_save_version


def with_routing(
    auto_at: float | None = 0.6, own_from: int = 40, categories: str = "", base: str = TEST_SETUP
) -> str:
    """TEST_SETUP whose `routing:` is a mapping: the same rules, and the model's settings."""
    head = "routing:\n" + (f"  auto_at: {auto_at}\n" if auto_at is not None else "")
    head += f"  own_from: {own_from}\n" + categories + "  rules:\n"
    return base.replace("routing:\n", head)


# Neither «вода», «водопровод», «дорога» nor «яма» (the setup's keyword rules) occurs here.
ZHKH = [
    "сосульки на крыше дома",
    "не убран снег во дворе дома",
    "протекает крыша в подъезде",
    "в подъезде грязно, не моют полы",
    "сломан лифт в подъезде",
    "не работает домофон в подъезде",
    "на крыше дома висят сосульки",
    "во дворе дома не вывозят снег",
    "в подвале дома сыро и грязно",
    "течёт крыша над квартирой",
]
ROADS = [
    "не работает светофор на перекрёстке",
    "стёрлась разметка на перекрёстке",
    "разбит асфальт на проезжей части",
    "нет дорожного знака у перекрёстка",
    "светофор на перекрёстке не горит",
    "на проезжей части провал асфальта",
    "сбит дорожный знак на перекрёстке",
    "машины паркуются на тротуаре у перекрёстка",
    "нужна разметка пешеходного перехода",
    "асфальт на проезжей части в трещинах",
]


def tiny_model() -> TextModel:
    texts = ZHKH * 2 + ROADS * 2
    return TextModel.train(texts, ["zhkh"] * (2 * len(ZHKH)) + ["roads"] * (2 * len(ROADS)))


@pytest.fixture
def routing_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """MCU_ROUTING_DIR in this test's folder, nothing loaded or settled from before."""
    root = tmp_path / "routing"
    monkeypatch.setenv("MCU_ROUTING_DIR", str(root))
    get_settings.cache_clear()
    store.forget_loaded()
    weekly.forget_settled()
    yield root
    get_settings.cache_clear()
    store.forget_loaded()
    weekly.forget_settled()


async def save_own(
    sm: async_sessionmaker[AsyncSession],
    muni: int,
    model: TextModel,
    now: datetime,
    *,
    threshold: float | None = 0.5,
) -> RoutingModel:
    """The model as the municipality's active own version."""
    async with sm() as s, committing(s):
        return await do_save_version(
            s,
            municipality_id=muni,
            owner_code="testmo",
            new=NewVersion(model, OWN, 40, {"threshold": threshold}, active=True),
            now=now,
        )
