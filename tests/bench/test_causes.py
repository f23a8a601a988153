"""The causes bench on the real trace: it times the grouping and finds the week's roof icicles."""

import pytest

from bench.causes import main
from bench.spb_replay import DATA

pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"trace not found at {DATA}")


def test_the_trace_week_roofs_are_about_snow_and_icicles(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--texts", "500"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("500 texts: first fit ")
    assert "a request for a week already grouped reads it kept: " in out
    roofs = out[out.index("category «Кровля»") :].split("\n")
    assert "70 items, same on a second run: True" in roofs[0]
    first = roofs[1].split()
    assert int(first[0]) >= 20 and "сосульки" in roofs[1] and "снег" in roofs[1]
    assert out.count("same on a second run: True") == 3
