# SPDX-License-Identifier: GPL-2.0
"""QEMU's execution log as exact instruction counts.

Owns reading `-d exec,nochain,in_asm` through a FIFO while a guest runs:
in_asm gives each translated block's instruction count once, exec (with
nochain every run goes through the logged path) each run of a block, so
count x runs is the guest instructions retired per block. `-dfilter`
keeps the log to the address ranges asked for.

With a marker address, the runs are split in segments: every run of the
block at the marker starts the next one (segment 0 is before the first),
so a guest program calling a marker function around its measured windows
gets exact counts per window. Used by scripts/profile-native (whole boots,
per function) and scripts/bench (instructions inside the ROM per window).
"""
import collections
import os
import re
import tempfile
import threading

TRACE = re.compile(rb"^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/")
INSN = re.compile(rb"^0x([0-9a-f]+):  ")


class ExecLog:
    """Start before the boot (qemu_args() for its command line), finish()
    after it; then runs[(segment, pc)] and size[pc] are filled."""

    def __init__(self, ranges=None, marker=None):
        self.ranges, self.marker = ranges, marker
        self.runs, self.size, self.segments = collections.Counter(), {}, 0
        self.dir = tempfile.mkdtemp(prefix="vmi-execlog-")
        self.fifo = os.path.join(self.dir, "qemu.log")
        os.mkfifo(self.fifo)
        self.reader = threading.Thread(target=self._read)
        self.reader.start()

    def qemu_args(self):
        filt = ",".join(f"{lo:#x}..{hi - 1:#x}" for lo, hi in self.ranges or ())
        return ["-d", "exec,nochain,in_asm", "-D", self.fifo] + \
            (["-dfilter", filt] if filt else [])

    def _read(self):
        block, segment = None, 0
        with open(self.fifo, "rb") as f:
            for line in f:
                m = TRACE.match(line)
                if m:
                    pc = int(m.group(1), 16)
                    if pc == self.marker:
                        segment += 1
                    else:
                        self.runs[(segment, pc)] += 1
                    continue
                if line.startswith(b"IN:"):
                    block = []
                elif block is not None:
                    m = INSN.match(line)
                    if m:
                        block.append(int(m.group(1), 16))
                    elif block:
                        self.size[block[0]] = len(block)
                        block = None
        self.segments = segment + 1

    def finish(self):
        try:
            # If QEMU never opened the log, the reader still waits in open().
            os.close(os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
        self.reader.join()
        os.unlink(self.fifo)
        os.rmdir(self.dir)
        return self

    def per_segment(self, keep=lambda pc: True):
        """Instructions per segment, of the blocks whose start @keep accepts."""
        out = collections.Counter()
        for (segment, pc), n in self.runs.items():
            if keep(pc):
                out[segment] += n * self.size.get(pc, 0)
        return out

    def per_block(self):
        """Instructions per block start, all segments together."""
        out = collections.Counter()
        for (_, pc), n in self.runs.items():
            out[pc] += n * self.size.get(pc, 0)
        return out
