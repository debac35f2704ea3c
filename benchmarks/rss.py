"""The process's resident memory now, for the benchmarks that report memory
(``resource.getrusage``'s ``ru_maxrss`` gives only the peak)."""

from __future__ import annotations

import os


def rss_bytes() -> float:
    """The current resident set size in bytes, from /proc (Linux); NaN elsewhere."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return float("nan")
