"""Defaults shared by the API, the command line, the service and the Ray engine (no imports: the CLI reads
them while building its parser)."""

MIN_WINDOWS_PER_CALL = 4


def windows_per_call(threads: int) -> int:
    """Windows per network call: one per thread, at least 4.

    Measured with the int8 MiniLM (128-token windows, 92 articles, whole process; docs/PERFORMANCE.md): on 2
    cores 4 and 8 windows ran at the same speed, peak RSS 220 and 251 MB; on 16 cores 4, 8, 16 and 32 windows
    took 3.45, 2.96, 2.49 and 2.48 s, peak RSS 206, 238, 284 and 399 MB.

    >>> windows_per_call(2), windows_per_call(16)
    (4, 16)
    """
    return max(MIN_WINDOWS_PER_CALL, threads)
