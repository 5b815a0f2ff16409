"""Defaults shared by the API, the command line, the service and the Ray engine: how many onnxruntime threads
and how many windows per network call (standard library only: the CLI may read them while building its parser).
"""
from __future__ import annotations

import os

MIN_WINDOWS_PER_CALL = 4


def default_threads() -> int:
    """The cores this process may use (containers often allow fewer than os.cpu_count())."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def windows_per_call(threads: int) -> int:
    """Windows per network call: one per thread, at least 4.

    Measured with the int8 MiniLM (128-token windows, 92 articles, whole process; docs/PERFORMANCE.md): on 2
    cores 4 and 8 windows ran at the same speed, peak RSS 220 and 251 MB; on 16 cores 4, 8, 16 and 32 windows
    took 3.45, 2.96, 2.49 and 2.48 s, peak RSS 206, 238, 284 and 399 MB.

    >>> windows_per_call(2), windows_per_call(16)
    (4, 16)
    """
    return max(MIN_WINDOWS_PER_CALL, threads)


def threads_and_windows(threads: int | None = None, windows: int | None = None) -> tuple[int, int]:
    """The onnxruntime threads and the windows per network call a tagger runs with: those given, else the
    usable cores and `windows_per_call` of the threads. The one place either default is worked out.

    >>> threads_and_windows(1), threads_and_windows(6), threads_and_windows(6, 2)
    ((1, 4), (6, 6), (6, 2))
    """
    threads = threads or default_threads()
    return threads, windows or windows_per_call(threads)
