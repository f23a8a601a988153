"""The personal-data detector on its labelled set: `python -m bench.pii`.

Prints precision and recall per kind on the dev part (tuned on) and the held-out part (never
tuned on), for the detector and for a baseline of its patterns alone (no NER), and the latency
per text. A find counts when it overlaps a labelled span of the same kind, each labelled span
matched once («overlap»); «exact» also asks for the same boundaries. «leaks» counts texts where
some labelled character is left unmasked (by a span of any kind) — what staff would still see."""

import argparse
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.support import write_json
from workflows.privacy.mask import find
from workflows.privacy.names import preload
from workflows.privacy.spans import Kind, Span

HERE = Path(__file__).parent
PARTS = ("dev", "heldout")


@dataclass
class Text:
    id: str
    text: str
    gold: list[Span]


@dataclass
class Score:
    found: int = 0
    gold: int = 0
    hit_overlap: int = 0  # finds that overlap a labelled span of their kind
    gold_overlap: int = 0  # labelled spans some find of their kind overlaps
    exact: int = 0

    def figures(self) -> dict[str, float | None]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 3) if b else None

        return {
            "precision": ratio(self.hit_overlap, self.found),
            "recall": ratio(self.gold_overlap, self.gold),
            "exact_precision": ratio(self.exact, self.found),
            "exact_recall": ratio(self.exact, self.gold),
        }


@dataclass
class Result:
    scores: dict[Kind, Score] = field(default_factory=lambda: {k: Score() for k in Kind})
    leaks: int = 0
    with_pii: int = 0
    false_alarm_texts: int = 0  # texts with no personal data where something was masked
    clean: int = 0


def load(part: str) -> list[Text]:
    lines = (HERE / f"{part}.jsonl").read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines[1:]:  # the first line is the header that says how the part may be used
        r = json.loads(line)
        for s, e, _, t in r["spans"]:
            assert r["text"][s:e] == t, (r["id"], t)
        spans = [Span(s, e, Kind(k)) for s, e, k, _ in r["spans"]]
        out.append(Text(r["id"], r["text"], spans))
    return out


def score(texts: list[Text], detect: Callable[[str], list[Span]]) -> Result:
    res = Result()
    for t in texts:
        found = detect(t.text)
        for kind in Kind:
            f = [s for s in found if s.kind is kind]
            g = [s for s in t.gold if s.kind is kind]
            sc = res.scores[kind]
            sc.found += len(f)
            sc.gold += len(g)
            sc.hit_overlap += sum(any(_overlap(a, b) for b in g) for a in f)
            sc.gold_overlap += sum(any(_overlap(a, b) for a in f) for b in g)
            sc.exact += len({(s.start, s.end) for s in f} & {(s.start, s.end) for s in g})
        masked = {i for s in found for i in range(s.start, s.end)}
        if t.gold:
            res.with_pii += 1
            res.leaks += any(i not in masked for s in t.gold for i in range(s.start, s.end))
        else:
            res.clean += 1
            res.false_alarm_texts += bool(found)
    return res


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def latency(texts: list[Text]) -> dict[str, float]:
    """Milliseconds per text for the whole detector (the model loaded), each text uncached."""
    times = []
    for t in texts:
        t0 = time.perf_counter()
        find(t.text)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 2),
        "max_ms": round(times[-1], 2),
        "mean_chars": round(statistics.mean(len(t.text) for t in texts)),
    }


def _fmt(x: float | None) -> str:
    return "   —" if x is None else f"{x:.2f}"


def report(name: str, part: str, res: Result) -> dict[str, object]:
    print(f"\n{name} on {part}: {res.with_pii} texts with personal data, {res.clean} without")
    print(f"  {'kind':9} {'gold':>4} {'found':>5}   P     R    exact P  exact R")
    out: dict[str, object] = {}
    for kind, sc in res.scores.items():
        f = sc.figures()
        out[kind.value] = {"gold": sc.gold, "found": sc.found, **f}
        print(
            f"  {kind.value:9} {sc.gold:4} {sc.found:5}  {_fmt(f['precision'])}  "
            f"{_fmt(f['recall'])}   {_fmt(f['exact_precision'])}    {_fmt(f['exact_recall'])}"
        )
    print(
        f"  leaks (a labelled piece left visible): {res.leaks} of {res.with_pii} texts; "
        f"something masked in {res.false_alarm_texts} of {res.clean} texts without personal data"
    )
    out |= {"leaks": res.leaks, "with_pii": res.with_pii}
    out |= {"false_alarm_texts": res.false_alarm_texts, "clean": res.clean}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pii", description=__doc__)
    parser.add_argument("--errors", action="store_true", help="list the dev part's misses")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    preload()
    load_s = time.perf_counter() - t0
    figures: dict[str, object] = {"model_load_s": round(load_s, 2)}
    detectors: dict[str, Callable[[str], list[Span]]] = {
        "baseline (patterns only, no NER)": lambda text: find(text, names=False),
        "detector (patterns + natasha NER)": find,
    }
    for part in PARTS:
        texts = load(part)
        for name, detect in detectors.items():
            figures[f"{part}: {name}"] = report(name, part, score(texts, detect))
    every = [t for part in PARTS for t in load(part)]
    figures["latency"] = lat = latency(every)
    print(
        f"\nlatency per text ({len(every)} texts, {lat['mean_chars']} characters on average): "
        f"p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms, max {lat['max_ms']} ms; "
        f"model loaded once in {load_s:.2f} s"
    )
    if args.errors:
        _errors(load("dev"))
    write_json("pii", figures)
    return 0


def _errors(texts: list[Text]) -> None:
    """The dev part's misses and false finds (never the held-out part's: it is not tuned on)."""
    print("\ndev errors:")
    for t in texts:
        found = find(t.text)
        missed = [s for s in t.gold if not any(_overlap(s, f) and s.kind is f.kind for f in found)]
        wrong = [f for f in found if not any(_overlap(s, f) and s.kind is f.kind for s in t.gold)]
        for s in missed:
            print(f"  {t.id} MISSED {s.kind}: «{t.text[s.start : s.end]}» in {t.text[:90]!r}")
        for s in t.gold:
            near = [f for f in found if _overlap(s, f) and s.kind is f.kind and f != s]
            for f in near:
                print(
                    f"  {t.id} BOUNDS {s.kind}: «{t.text[f.start : f.end]}» for «{t.text[s.start : s.end]}»"
                )
        for s in wrong:
            print(f"  {t.id} FALSE  {s.kind}: «{t.text[s.start : s.end]}» in {t.text[:90]!r}")
