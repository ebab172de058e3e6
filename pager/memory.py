"""Keep a months-long process's memory flat."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
from typing import Any

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MMAP_THRESHOLD_BYTES = 128 * 1024


@functools.cache
def glibc(function: str) -> Any:
    """A function of glibc's allocator, or None where the C library has none. Looked up once:
    find_library runs ldconfig, not for the control loop to repeat after every quiet spell."""
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), function) if name else None
    except (OSError, AttributeError):
        return None


def keep_large_buffers_out_of_the_heap() -> bool:
    """Have glibc give every buffer over 128 KiB its own mapping, returned when freed.

    By default glibc raises this threshold each time a large block is freed, after which
    speech buffers (about 1 MB each, of every size) come from the heap and fragment it:
    measured, resident memory kept growing by about 10 MB per 1,000 calls after warm-up;
    with the fixed threshold it stays flat (BENCHMARKS.md). False, changing nothing, where
    libc is not glibc.
    """
    mallopt = glibc("mallopt")
    if mallopt is None or not mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES):
        log.debug("could not fix the malloc mmap threshold (not glibc?)")
        return False
    return True


QUIET_BEFORE_TRIM_S = 5.0  # nothing played for this long: a flood is over, not between calls


def give_back_free_memory() -> bool:
    """Return the free pages inside glibc's heaps to the system (malloc_trim).

    The threads that render speech and mix allocate and free in their own heaps; what is
    freed between blocks still in use stays mapped, so resident memory rose with every flood
    although Python's own objects did not (bench.memory: traced memory flat, glibc's free
    heap bytes up by about 50 MB over 600 calls). Trimming when idle gives that back; it is
    not the whole of the slope (BENCHMARKS.md, floods). False where libc is not glibc.
    """
    trim = glibc("malloc_trim")
    if trim is None:
        return False
    trim(0)
    return True
