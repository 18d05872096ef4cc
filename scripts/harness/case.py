# SPDX-License-Identifier: GPL-2.0
"""A guest boot as a table entry: the Case, and the words its checks use.

Owns how a suite boots a kernel flavour with a ROM and judges it. A Case
names the boot (flavour, ROM, CPUs, command line, memory, the guest
command) and its checks, a function of the Guest that returns
(description, bool) pairs; run() boots it and verdict.judge() adds the
rules every boot shares, so adding a boot to a suite is adding a Case to
its table. ROMs are named as in build.ROMS ("vmi" the default), or given
as a path (the malformed-ROM corpus); each is booted as "vmi.rom", so that
every variant lands where QEMU puts the project's ROM.
"""
import os
import shutil
import tempfile

from . import boot, build
from .build import LOGS, is_pae, rom
from .verdict import FOUND, judge, verdict

FLAVOURS = ("pae", "nopae")     # the flavours every guest suite boots
ACTIVE = "vmi_status --expect active"


def guest(name, flavour, rom_name=None, *, cmd="vmi_status", timeout=240, **kw):
    """One boot of build/obj-FLAVOUR with a ROM (a build.ROMS name or a path)."""
    with tempfile.TemporaryDirectory(prefix="vmi-rom-") as tmp:
        image = None
        if rom_name:
            src = rom_name if os.sep in rom_name else rom(rom_name)
            image = os.path.join(tmp, "vmi.rom")
            shutil.copy(src, image)
            if os.path.exists(os.path.join(os.path.dirname(src), "layout.json")):
                shutil.copy(os.path.join(os.path.dirname(src), "layout.json"), tmp)
        try:
            g = boot.run(build.kernel(flavour), rom=image, pae=is_pae(flavour), cmd=cmd,
                         timeout=timeout, log=os.path.join(LOGS, f"{name}.log"), **kw)
        except FileNotFoundError as e:
            g = boot.Guest(127, str(e), None)
    # Only the RING=1 ROM runs the kernel at CPL 1 (verdict() checks it).
    g.expected_cpl = 1 if rom_name == "ring1" else 0
    print(f"# boot {name}: status {g.status}, {g.elapsed:.1f} s", flush=True)
    return g


class Case:
    """One boot and what it must show: checks(guest) -> [(description, ok)].
    The title may be a function of the guest (to show its numbers). A
    plain case runs something other than vmi_status alone (programs with
    their own TAP sections, a power-off): only its exit status, the
    kernel's log and its own checks decide."""

    def __init__(self, title, name, flavour, rom_name=None, checks=lambda g: [], plain=False,
                 **kw):
        self.title, self.name, self.flavour, self.rom = title, name, flavour, rom_name
        self.checks, self.plain, self.kw = checks, plain, kw

    def run(self):
        g = guest(self.name, self.flavour, self.rom, **self.kw)
        title = self.title(g) if callable(self.title) else self.title
        if self.plain:
            verdict(title, g, [desc for desc, ok in self.checks(g) if not ok])
        else:
            judge(title, g, self.checks(g))
        return g


def run_all(cases):
    for case in cases:
        case.run()


def none_of(g, calls, what):
    used = [f"{c}={g.c(c)}" for c in calls if g.c(c)]
    return (f"no {what} reached the ROM: " + ", ".join(used), not used)


def rom_read(g):
    return ("ROM counters read", g.values is not None)


def found(g):
    return ("identification line", FOUND.search(g.serial) is not None)


def says(g, line):
    return (f"kernel says '{line}'", g.says(line))
