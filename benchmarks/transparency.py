"""Information-flow's transparency test on a labelled set: see-through or opaque, and its SAD.

    nice -n 10 .venv/bin/python benchmarks/transparency.py --no-sad         # accuracy only (~1 min)
    nice -n 10 .venv/bin/python benchmarks/transparency.py --cache /tmp/transparency-sad.json
    .venv/bin/python benchmarks/transparency.py --sad-crops 40 --no-full-sad --synthetic 30

The test (:func:`matteditor.solvers.infoflow.trimming.looks_see_through`) drops the
known-to-unknown flow when the unknown band looks see-through.  The labelled set:

* eval-dev's cases labelled in ``benchmarks/transparency_labels.tsv`` (see-through:
  glass, water, smoke, veils; opaque: hair, fur, fluff, feathers, lace, nets, plain
  edges; names and one line of why, no data), read from ``../shared/eval-dev``
  (``--data``; skipped with a message when absent);
* synthetic composites of each kind (``benchmarks/transparency_cases.py``), ``--synthetic N``
  see-through and N opaque (hair, nets, solid edges in equal parts).

It prints each rule's confusion matrix (the old: the paper's histogram overlap under
``histogram_threshold``; the new: the share of the band a nearby foreground colour
explains, under ``transparency_threshold``) per subset and on eval-dev's two halves
(each set's cases sorted by name: first half, second half), a sweep of the new rule's
threshold, and the ground truth's share of broad mid alphas per class (a check of
the labels).  Unless ``--no-sad``, information-flow solves every labelled full-size
photo (``--no-full-sad`` skips them: 11 minutes here) and ``--sad-crops N`` crops with
the flow forced on and forced off, and prints the SAD of each rule's decision beside
both; ``--weak W`` also solves the flow at weight W (instead of the default 0.05) where
the new rule might fire, and adds rows whose decisions weaken the flow to W instead of
dropping it.  ``--cache FILE`` keeps those SADs (JSON, keyed by case and settings) so
that a rerun solves nothing twice.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from matteditor.imageio import load_image, load_mask, load_trimap  # noqa: E402
from matteditor.metrics import sad  # noqa: E402
from matteditor.solvers.infoflow import InfoFlowSession, InfoFlowSettings  # noqa: E402
from matteditor.solvers.infoflow.trimming import (  # noqa: E402
    foreground_explained_share, transparency_score)
from transparency_cases import OPAQUE_KINDS, synthetic_case  # noqa: E402

LABELS = REPO / "benchmarks" / "transparency_labels.tsv"
#: ``--weak`` solves the weakened flow where the new score is under this (the sweep's rows up to it)
WEAK_UP_TO = 0.1
SWEEP = (0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.1, 0.12)


class Case:
    """One labelled case; ``load()`` gives (image, trimap, alpha)."""

    def __init__(self, group: str, name: str, see_through: bool, loader) -> None:
        self.group, self.name, self.see_through, self.load = group, name, see_through, loader


def eval_dev_cases(data: Path, labels: Path) -> list[Case]:
    def loader(folder: Path, name: str):
        def load():
            image = load_image(folder / f"{name}_image.png")
            return (image, load_trimap(folder / f"{name}_trimap.png", image.shape[:2]),
                    load_mask(folder / f"{name}_alpha.png", image.shape[:2]))
        return load

    with labels.open(newline="") as f:
        rows = list(csv.DictReader((ln for ln in f if not ln.startswith("#")), delimiter="\t"))
    return [Case(f"eval-dev {r['set']}", r["name"], r["class"] == "see-through",
                 loader(data / r["set"], r["name"]))
            for r in rows if r["class"] != "excluded"]


def synthetic_cases(count: int, seed: int) -> list[Case]:
    kinds = [("see-through", True)] * count + [
        (OPAQUE_KINDS[i % len(OPAQUE_KINDS)], False) for i in range(count)]
    cases = []
    for i, (kind, see_through) in enumerate(kinds):
        def load(i=i, kind=kind):
            return synthetic_case(np.random.default_rng([seed, i]), kind)
        cases.append(Case(f"synthetic {'see-through' if see_through else 'opaque'}",
                          f"{kind}-{i}", see_through, load))
    return cases


def broad_mid_share(alpha: np.ndarray, trimap: np.ndarray) -> float:
    """Ground truth: share of the band's 0.1 < alpha < 0.9 pixels whose 7x7 window is all such."""
    mid = ((alpha > 0.1) & (alpha < 0.9)).astype(np.uint8)
    inside = mid & (trimap == 128)
    return float((cv2.erode(mid, np.ones((7, 7), np.uint8)) & inside).sum() / max(1, inside.sum()))


def score_cases(cases: list[Case], margin: int) -> dict[str, dict]:
    out = {}
    for case in cases:
        image, trimap, alpha = case.load()
        out[case.name] = {"old": transparency_score(image, trimap, margin),
                          "new": foreground_explained_share(image, trimap, margin),
                          "broad": broad_mid_share(alpha, trimap)}
    return out


def confusion(cases: list[Case], fires: dict[str, bool]) -> tuple[int, int, int, int]:
    """(see-through flagged, see-through missed, opaque flagged, opaque passed)."""
    tp = sum(fires[c.name] for c in cases if c.see_through)
    fp = sum(fires[c.name] for c in cases if not c.see_through)
    n_s = sum(c.see_through for c in cases)
    return tp, n_s - tp, fp, len(cases) - n_s - fp


def balanced(tp: int, fn: int, fp: int, tn: int) -> float:
    parts = [x / (x + y) for x, y in ((tp, fn), (tn, fp)) if x + y]
    return sum(parts) / max(1, len(parts))


def halves(cases: list[Case]) -> list[tuple[str, list[Case]]]:
    """eval-dev's cases split by name within each set: first half, second half."""
    first, second = [], []
    for group in sorted({c.group for c in cases if c.group.startswith("eval-dev")}):
        ordered = sorted((c for c in cases if c.group == group), key=lambda c: c.name)
        first += ordered[:len(ordered) // 2]
        second += ordered[len(ordered) // 2:]
    return [("eval-dev, first half by name", first), ("eval-dev, second half by name", second)]


def accuracy_tables(cases: list[Case], scores: dict, settings: InfoFlowSettings) -> None:
    rules = {"old (histogram < %.3g)" % settings.histogram_threshold:
             {n: s["old"] < settings.histogram_threshold for n, s in scores.items()},
             "new (explained < %.3g)" % settings.transparency_threshold:
             {n: s["new"] < settings.transparency_threshold for n, s in scores.items()}}
    groups = [(g, [c for c in cases if c.group == g])
              for g in dict.fromkeys(c.group for c in cases)]
    evald = [c for c in cases if c.group.startswith("eval-dev")]
    groups += [("eval-dev, all", evald)] + halves(cases) + [("all", cases)]
    print("\n## Confusion: see-through flagged / missed, opaque flagged / passed\n")
    print("| cases | n (see-through / opaque) | rule | flagged | missed | opaque flagged "
          "| passed | accuracy | balanced |")
    print("|---|---|---|---|---|---|---|---|---|")
    for title, part in groups:
        if not part:
            continue
        n_s = sum(c.see_through for c in part)
        for rule, fires in rules.items():
            tp, fn, fp, tn = confusion(part, fires)
            print(f"| {title} | {n_s} / {len(part) - n_s} | {rule} | {tp} | {fn} | {fp} | {tn} | "
                  f"{(tp + tn) / len(part):.3f} | {balanced(tp, fn, fp, tn):.3f} |")
    print("\n## Ground truth's broad mid-alpha share of the band (median), a check of the labels\n")
    for title, part in groups[:-4]:
        for kind, flag in (("see-through", True), ("opaque", False)):
            values = [scores[c.name]["broad"] for c in part if c.see_through == flag]
            if values:
                name = title if title.endswith(kind) else f"{title}, {kind}"
                print(f"- {name}: {np.median(values):.3f} ({len(values)} cases)")


def solve_sads(cases: list[Case], cache_path: Path | None, weak: float | None = None,
               weak_cases: frozenset[str] = frozenset()) -> dict[str, dict]:
    """Per case, information-flow's SAD with the known-to-unknown flow forced on ("on"),
    off ("off") and, for ``weak_cases``, at weight ``weak`` ("weak W")."""
    cache = json.loads(cache_path.read_text()) if cache_path and cache_path.exists() else {}
    base = InfoFlowSettings(transparency_test=False)
    variants = {"on": base, "off": InfoFlowSettings(ku_weight=0.0)}
    if weak is not None:
        variants[f"weak {weak:g}"] = replace(base, ku_weight=weak)
    out = {}
    for case in cases:
        key = f"{case.group}/{case.name}/" + json.dumps(asdict(base), sort_keys=True)
        record = cache.setdefault(key, {})
        todo = [label for label in variants if label not in record
                and (not label.startswith("weak") or case.name in weak_cases)]
        if todo:
            image, trimap, alpha = case.load()
            for label in todo:
                start = time.perf_counter()
                session = InfoFlowSession(variants[label])
                session.set_image(image)
                record[label] = sad(session.solve(trimap), alpha, trimap)
                record[label + "_seconds"] = time.perf_counter() - start
            if cache_path:
                cache_path.write_text(json.dumps(cache, indent=0))
            print(f"  solved {case.group} {case.name}: "
                  + ", ".join(f"{label} {record[label]:.2f}" for label in todo),
                  file=sys.stderr, flush=True)
        out[case.name] = record
    return out


def _half_groups(cases: list[Case]) -> list[tuple[str, list[Case]]]:
    """Per eval-dev set: all its cases, its first and its second half by name."""
    out = []
    for group in ("eval-dev full", "eval-dev crop"):
        ordered = sorted((c for c in cases if c.group == group), key=lambda c: c.name)
        half = len(ordered) // 2
        out += [(group, ordered), (f"{group}, first half", ordered[:half]),
                (f"{group}, second half", ordered[half:])]
    return [(title, part) for title, part in out if part]


def _decided(part: list[Case], sads: dict, fires: dict, action: str = "off") -> float:
    """Mean SAD when the flow is as ``action`` ("off" or "weak W") where ``fires``, else on."""
    return float(np.mean([sads[c.name][action if fires[c.name] else "on"] for c in part]))


def sad_tables(cases: list[Case], scores: dict, sads: dict, settings: InfoFlowSettings,
               weak: str | None) -> None:
    old_fire = {n: s["old"] < settings.histogram_threshold for n, s in scores.items()}
    new_fire = {n: s["new"] < settings.transparency_threshold for n, s in scores.items()}
    full = [c for c in cases if c.group == "eval-dev full" and c.name in sads]
    extra = f" new rule, {weak} |" if weak else ""
    if full:
        print("\n## Full-size photos: information-flow's SAD with the flow on, off, and as each "
              "rule decides\n")
        print("| photo | kind | old score | new score | flow on | flow off | old rule | new rule |"
              + extra)
        print("|---" * (8 + bool(weak)) + "|")
        for c in full:
            s, r = scores[c.name], sads[c.name]
            pick = lambda fire, action="off": r[action] if fire[c.name] else r["on"]  # noqa: E731
            print(f"| {c.name} | {'see-through' if c.see_through else 'opaque'} | "
                  f"{s['old']:.3f}{' fires' if old_fire[c.name] else ''} | "
                  f"{s['new']:.3f}{' fires' if new_fire[c.name] else ''} | {r['on']:.2f} | "
                  f"{r['off']:.2f} | {pick(old_fire):.2f} | {pick(new_fire):.2f} |"
                  + (f" {pick(new_fire, weak):.2f} |" if weak else ""))
    print("\n## Mean SAD (flow on / off / old rule / new rule / the better of on and off)\n")
    print("| cases | n | on | off | old rule | new rule | best |" + extra)
    print("|---" * (7 + bool(weak)) + "|")
    solved = [c for c in cases if c.name in sads]
    for title, part in _half_groups(solved):
        for kind, members in (("", part), (" see-through", [c for c in part if c.see_through]),
                              (" opaque", [c for c in part if not c.see_through])):
            if not members:
                continue
            on = np.array([sads[c.name]["on"] for c in members])
            off = np.array([sads[c.name]["off"] for c in members])
            print(f"| {title}{kind} | {len(members)} | {on.mean():.3f} | {off.mean():.3f} | "
                  f"{_decided(members, sads, old_fire):.3f} | "
                  f"{_decided(members, sads, new_fire):.3f} | {np.minimum(on, off).mean():.3f} |"
                  + (f" {_decided(members, sads, new_fire, weak):.3f} |" if weak else ""))


def sweep(cases: list[Case], scores: dict, sads: dict | None,
          settings: InfoFlowSettings, weak: str | None) -> None:
    """Balanced accuracy on eval-dev's halves and, where solved, the mean SAD of the
    decisions on each half of each set, per threshold of the new rule (its flow dropped,
    and weakened with ``--weak``); the old rule first."""
    (_, first), (_, second) = halves(cases)
    parts = [] if not sads else [(t, p) for t, p in _half_groups(
        [c for c in cases if c.name in sads]) if "half" in t]
    print("\n## The new rule's threshold on eval-dev's halves: balanced accuracy, and the mean "
          "SAD of its decisions\n")
    print("| rule | accuracy, first half | second half | fires |"
          + "".join(f" SAD {t} |" for t, _ in parts))
    print("|---" * (4 + len(parts)) + "|")
    evald = [c for c in cases if c.group.startswith("eval-dev")]
    old = {n: s["old"] < settings.histogram_threshold for n, s in scores.items()}
    rules = [("old", old, "off")]
    for t in SWEEP:
        fires = {n: s["new"] < t for n, s in scores.items()}
        rules.append((f"new < {t:.3f}", fires, "off"))
        if weak and sads and t <= WEAK_UP_TO:
            rules.append((f"new < {t:.3f}, {weak}", fires, weak))
    for label, fires, action in rules:
        print(f"| {label} | {balanced(*confusion(first, fires)):.3f} | "
              f"{balanced(*confusion(second, fires)):.3f} | {sum(fires[c.name] for c in evald)} |"
              + "".join(f" {_decided(p, sads, fires, action):.3f} |" for _, p in parts))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "eval-dev")
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--synthetic", type=int, default=60, help="synthetic cases of each kind")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threshold", type=float, help="the new rule's threshold (default: settings')")
    ap.add_argument("--no-sad", action="store_true", help="accuracy only, no solves")
    ap.add_argument("--sad-crops", type=int, default=158, help="labelled crops to solve")
    ap.add_argument("--no-full-sad", action="store_true", help="solve no full-size photo")
    ap.add_argument("--cache", type=Path, help="JSON file of solved SADs, read and extended")
    ap.add_argument("--weak", type=float, help="also solve with the known-to-unknown weight W "
                    "where the new rule might fire, and show its decisions weakening the flow "
                    "to W instead of dropping it")
    args = ap.parse_args(argv)
    settings = InfoFlowSettings()
    if args.threshold is not None:
        settings = replace(settings, transparency_threshold=args.threshold)
    cases = synthetic_cases(args.synthetic, args.seed)
    if (args.data / "index.tsv").is_file():
        cases = eval_dev_cases(args.data, args.labels) + cases
    else:
        print(f"no eval-dev at {args.data}: synthetic cases only")
    start = time.perf_counter()
    scores = score_cases(cases, settings.search_margin)
    print(f"{len(cases)} cases scored in {time.perf_counter() - start:.0f} s; "
          f"margin {settings.search_margin} px")
    accuracy_tables(cases, scores, settings)
    sads, weak = None, None if args.weak is None else f"weak {args.weak:g}"
    if not args.no_sad and any(c.group.startswith("eval-dev") for c in cases):
        crops = [c for c in cases if c.group == "eval-dev crop"]
        if args.sad_crops < len(crops):
            step = len(crops) / max(1, args.sad_crops)
            crops = [crops[int(i * step)] for i in range(args.sad_crops)]
        full = [] if args.no_full_sad else [c for c in cases if c.group == "eval-dev full"]
        weak_cases = frozenset(n for n, s in scores.items()
                               if s["new"] < max(WEAK_UP_TO, settings.transparency_threshold))
        sads = solve_sads(full + crops, args.cache, args.weak, weak_cases)
        sad_tables(cases, scores, sads, settings, weak)
    if any(c.group.startswith("eval-dev") for c in cases):
        sweep(cases, scores, sads, settings, weak)
    return 0


if __name__ == "__main__":
    sys.exit(main())
