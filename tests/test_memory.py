"""The allocator setting that keeps the daemon's memory flat (measured in BENCHMARKS.md)."""

from __future__ import annotations

import platform

from pager.memory import keep_large_buffers_out_of_the_heap


def test_glibc_takes_the_fixed_mmap_threshold() -> None:
    assert keep_large_buffers_out_of_the_heap() is (platform.libc_ver()[0] == "glibc")
