"""Learning from the operator's decisions: a word of dismissed posts lowers a new post's score,
within its caps, named in the reasons; automatic acceptances teach nothing; too few decisions
teach nothing; what automatic acceptance would have scored on the stored decisions."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from models import SocialPost, SocialStatus
from models.db import make_engine, make_sessionmaker
from models.migrate import upgrade_head_async
from tests.workflows.incidents.test_candidates import Record
from workflows.core.clock import FakeClock
from workflows.incidents.candidates import check_store_seen, get_vocabulary
from workflows.incidents.learning import (
    CAP,
    CAP_TOTAL,
    CAP_UP,
    MIN_COUNT,
    Learned,
    get_acceptance,
    get_learned,
    learn,
)
from workflows.incidents.matching import Signal, is_candidate, score
from workflows.incidents.vocabulary import Vocabulary
from workflows.setup.apply import check_apply_setup

VOCABULARY = Vocabulary(
    localities=("Бежта", "Тлядал"),
    sectors={"zhkh": ("вода", "водопровод", "труба"), "roads": ("дорога", "яма")},
)
ACCEPTED = [
    "В Бежте прорвало водопровод, воды нет",
    "В Тлядале яма на дороге, машины ломаются",
    "Воды нет третий день, трубу не чинят",
    "Дорогу размыло, проехать невозможно",
    "Труба лопнула у школы, вода по улице",
    "Опять нет воды в Бежте",
    "Яма на дороге у мечети, никто не засыпает",
    "Водопровод не починили, носим воду",
]
DISMISSED = [
    "Магазин «Барс»: трубы и краны для водопровода, нет очередей",
    "Магазин у дороги: щебень, доставка, нет выходных",
    "Новый магазин в Бежте: трубы, вода в бутылках, нет наценки",
]
NEW = "В магазине у дороги нет воды в кулере, трубы ржавые"


def decisions() -> list[tuple[str, bool]]:
    return [(t, True) for t in ACCEPTED] + [(t, False) for t in DISMISSED]


def test_a_word_of_dismissed_posts_lowers_a_new_post_and_is_named() -> None:
    learned = learn(decisions())
    assert learned.weights["магазин"] < 0
    before, after = score(NEW, VOCABULARY), score(NEW, VOCABULARY, learned)
    assert after.score < before.score
    named = {r.word: r.weight for r in after.reasons if r.signal is Signal.learned}
    assert named["магазин"] == learned.weights["магазин"]
    assert before.score - after.score <= CAP_TOTAL + 1e-9, "never more than the total cap"


def test_without_learning_the_score_is_what_it_was() -> None:
    plain = score(NEW, VOCABULARY)
    assert score(NEW, VOCABULARY, None) == plain
    assert score(NEW, VOCABULARY, Learned()) == plain
    assert not plain.of(Signal.learned)


def test_weights_are_capped_and_need_enough_decisions() -> None:
    many = decisions() + [(f"Магазин номер {i}: скидки, трубы", False) for i in range(40)]
    learned = learn(many)
    assert all(-CAP <= w <= CAP_UP for w in learned.weights.values())
    assert learned.weights["магазин"] == -CAP
    assert "кулер" not in learned.weights  # never decided on
    rare = learn([*decisions(), ("Ржавые трубы в подвале", False)])
    assert "ржавый" not in rare.weights, f"seen in fewer than {MIN_COUNT} decisions"
    assert learn(decisions()[:5]).weights == {}, "too few decisions teach nothing"
    assert learn([(t, True) for t in ACCEPTED * 3]).weights == {}, "nothing dismissed"


def test_learning_never_makes_a_candidate_of_a_post_without_problem_words() -> None:
    learned = Learned(weights={"закат": 0.05})
    match = score("Красивый закат над Бежтой", VOCABULARY, learned)
    assert match.of(Signal.learned) == ["закат"] and not is_candidate(match, 0.1)


BEZHTA = (Path(__file__).parents[3] / "setup" / "bezhta.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("auto", [False, True])
async def test_stored_decisions_teach_the_score_but_automatic_ones_do_not(
    sqlite_url: str, auto: bool
) -> None:
    await upgrade_head_async(sqlite_url)
    engine = make_engine(sqlite_url)
    clock = FakeClock(datetime(2026, 12, 2, 7, 0, tzinfo=UTC))
    try:
        sm = make_sessionmaker(engine)
        async with sm() as s:
            mid = (await check_apply_setup(s, text=BEZHTA, clock=clock)).municipality_id
        async with sm() as s:
            for i, (text, ok) in enumerate([*decisions(), ("Сегодня шёл снег", False)]):
                status = SocialStatus.accepted if ok else SocialStatus.dismissed
                s.add(post(mid, i, text, status, 0.9 if ok else 0.7, auto=auto and ok))
            s.add(post(mid, 99, "Нет воды", SocialStatus.candidate, 0.9, auto=False))
            await s.commit()
        async with sm() as s:
            learned = await get_learned(s, municipality_id=mid)
            report = await get_acceptance(s, municipality_id=mid, thresholds=[0.6, 0.8])
            other = await get_learned(s, municipality_id=mid + 1)
        assert other.weights == {} and other.accepted == 0
        if auto:  # only the dismissals are the operator's: nothing to tell them from
            assert learned.weights == {} and learned.accepted == 0
            assert (report.accepted, report.dismissed) == (0, 4)
        else:
            assert learned.weights["магазин"] < 0 and learned.accepted == len(ACCEPTED)
            assert (report.accepted, report.dismissed) == (len(ACCEPTED), 4)
            at6, at8 = report.rows
            assert (at6.accepted, at6.dismissed, at6.precision) == (8, 4, round(8 / 12, 3))
            assert (at8.accepted, at8.dismissed, at8.precision) == (8, 0, 1.0)
            assert not at6.enough, "12 decisions are too few to judge"
            async with sm() as s:
                vocabulary = await get_vocabulary(s, municipality_id=mid)
                seen = [Record("Газета", -5, 500, None, clock.now(), NEW)]
                await check_store_seen(
                    s,
                    municipality_id=mid,
                    seen=seen,
                    vocabulary=vocabulary,
                    threshold=0.5,
                    clock=clock,
                    learned=learned,
                )
                stored = (await s.exec(select(SocialPost).where(SocialPost.post_id == 500))).one()
            weight = learned.weights["магазин"]
            assert {"signal": "learned", "word": "магазин", "weight": weight} in stored.reasons
    finally:
        await engine.dispose()


def post(
    mid: int, i: int, text: str, status: SocialStatus, value: float, *, auto: bool
) -> SocialPost:
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    return SocialPost(
        municipality_id=mid,
        owner_id=-5,
        post_id=i + 1,
        source="Газета",
        posted_at=now,
        text=text,
        link=f"https://example.org/{i}",
        score=value,
        status=status,
        auto=auto,
        decided_at=None if status is SocialStatus.candidate else now,
        created_at=now,
    )
