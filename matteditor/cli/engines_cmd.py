"""``matteditor engines``: which alpha estimators exist, are usable here, and on what."""

from __future__ import annotations

import argparse

from ..engines import all_engines, default_engine_name


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("engines", help="list alpha estimators, availability and devices",
                              description="List the alpha estimators this installation knows, "
                                          "whether each is usable here and on which devices.")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    engines = all_engines()
    rows = [("NAME", "AVAILABLE", "DEVICES", "DESCRIPTION")]
    for name in sorted(engines):
        cls = engines[name]
        ok = cls.available()
        info = cls.info()
        text = f"{info.description} [{info.note}]" if info.note else info.description
        rows.append((name, "yes" if ok else "no", ", ".join(info.devices), text))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r[:3], widths)) + "  " + r[3])
    print(f"\ndefault: {default_engine_name()}")
    return 0
