"""Keep freed image memory in loading processes instead of returning it to the OS.

A training sample holds several full-size images at once (input and ground
truth, the stored bytes and the decoded arrays) and frees them all after the
crop. glibc's malloc then trims the top of its heap back to the OS (its
dynamic trim threshold is twice the largest freed block, less than what one
sample frees), so the next sample page-faults all that memory in again.
Measured on 512 x 512 raw-LMDB pairs (``LoadImageFromFile`` x 2): 548 minor
page faults and 1.4 ms per pair, against 4 faults and 0.3 ms with the
thresholds below - page faults cost more than reading and decoding.

:func:`retain_freed_memory` raises the trim threshold (and fixes the mmap
threshold, which setting any threshold turns from dynamic to fixed) with
``mallopt``, once per process; ``LoadImageFromFile`` calls it in each process
that loads images (DataLoader workers included). It does nothing outside
glibc, and nothing when the user set the thresholds in the environment
(``MALLOC_TRIM_THRESHOLD_``, ``MALLOC_MMAP_THRESHOLD_``, ``GLIBC_TUNABLES``).
The cost: a process keeps up to ``trim_threshold`` of freed memory mapped.
"""
import ctypes
import os
import platform

M_TRIM_THRESHOLD = -1  # mallopt parameter numbers, glibc's malloc.h
M_MMAP_THRESHOLD = -3
USER_SETTINGS = ('MALLOC_TRIM_THRESHOLD_', 'MALLOC_MMAP_THRESHOLD_', 'GLIBC_TUNABLES')

_done_in_pid = None


def retain_freed_memory(trim_threshold: int = 256 * 2**20,
                        mmap_threshold: int = 32 * 2**20) -> bool:
    """Set glibc's malloc trim/mmap thresholds, once per process.

    Args:
        trim_threshold: freed memory at the top of the heap kept for reuse.
        mmap_threshold: blocks at least this large are mmapped (and unmapped
            when freed); 32 MiB is glibc's own upper bound for its dynamic
            threshold, so images up to that size are served from the heap.

    Returns:
        Whether the thresholds are set in this process (False: not glibc, or
        left to the user's environment settings).
    """
    global _done_in_pid
    pid = os.getpid()
    if _done_in_pid == pid:
        return True
    if platform.system() != 'Linux' or platform.libc_ver()[0] != 'glibc' \
            or any(name in os.environ for name in USER_SETTINGS):
        return False
    try:
        libc = ctypes.CDLL(None)  # the C library this Python runs on
        ok = libc.mallopt(M_MMAP_THRESHOLD, int(mmap_threshold)) == 1 \
            and libc.mallopt(M_TRIM_THRESHOLD, int(trim_threshold)) == 1
    except (OSError, AttributeError):  # no mallopt: leave malloc as it is
        return False
    if ok:
        _done_in_pid = pid
    return ok
