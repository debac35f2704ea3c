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
    networks = []
    for name in sorted(engines):
        cls = engines[name]
        ok = cls.available()
        info = cls.info()
        text = f"{info.description} [{info.note}]" if info.note else info.description
        state = "yes" if ok else "no"
        if info.model:
            if ok:
                networks.append(name)
            else:
                state = "download"
        rows.append((name, state, ", ".join(info.devices), text))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r[:3], widths)) + "  " + r[3])
    print(f"\ndefault: {default_engine_name()}")
    if networks:
        print(f"pretrained networks installed: {', '.join(networks)}; pick one with "
              f"--engine {networks[0]} (the default stays {default_engine_name()})")
    else:
        print("pretrained networks ('download' above): matteditor models fetch NAME, "
              "then --engine NAME")
    return 0
