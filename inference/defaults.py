"""Defaults shared by the API, the command line, the service and the Ray engine (no imports: the CLI reads
them while building its parser)."""

# Windows per network call. On 2 cores, 4 to 32 ran at the same speed while peak memory grew with it (int8
# MiniLM, 128-token windows, whole process: 215 MB at 4, 247 MB at 8, 391 MB at 32); see docs/PERFORMANCE.md.
DEFAULT_BATCH_SIZE = 8
