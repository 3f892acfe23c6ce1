"""Sets a Linux (6.12+, EEVDF) custom time slice on every thread of a process.

    python3 bench/diagnostics/sched-slice.py PID SLICE_NS

sched_setattr(2) with SCHED_OTHER and sched_runtime = SLICE_NS: a task asking for a slice
shorter than the default (1.4 ms on the project's VM) gets an earlier virtual deadline, so on
wake-up it preempts the task running on its CPU sooner. Node cannot make this call itself;
bench/servers/common.js runs this script on the server child when BENCH_SLICE_US is set.
Prints each thread's slice as read back with sched_getattr(2).
"""
import ctypes
import os
import struct
import sys

SYS_SCHED_SETATTR = 314  # x86_64
SYS_SCHED_GETATTR = 315
SCHED_ATTR_SIZE_VER0 = 48

libc = ctypes.CDLL(None, use_errno=True)
pid, slice_ns = int(sys.argv[1]), int(sys.argv[2])
for tid in sorted(int(t) for t in os.listdir(f'/proc/{pid}/task')):
    # struct sched_attr: size, policy, flags, nice, priority, runtime, deadline, period
    attr = ctypes.create_string_buffer(struct.pack('IIQiIQQQ', SCHED_ATTR_SIZE_VER0, 0, 0, 0, 0, slice_ns, 0, 0))
    if libc.syscall(SYS_SCHED_SETATTR, tid, attr, 0) != 0:
        sys.exit(f'sched_setattr({tid}): errno {ctypes.get_errno()}')
    out = ctypes.create_string_buffer(SCHED_ATTR_SIZE_VER0)
    libc.syscall(SYS_SCHED_GETATTR, tid, out, SCHED_ATTR_SIZE_VER0, 0)
    print(tid, 'slice_ns', struct.unpack('IIQiIQ', out.raw[:32])[5])
