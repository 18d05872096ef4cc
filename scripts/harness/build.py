# SPDX-License-Identifier: GPL-2.0
"""What make check builds before it tests: the tree, kernels, ROMs, initramfs.

Owns the prerequisites and their paths. need(what) builds one prerequisite
the first time a suite asks for it, reports whether it built as a test of
its own, and remembers the answer: "tree" (the base with the series
applied by quilt), a kernel flavour, "xenpv-build" (x86_64 Xen PV, for the
pv-site comparison), "rom" (every ROM build in ROMS, and the malformed-ROM
corpus) and "initramfs". Kernels are built one at a time: two at once
(each make -j2) were slower on 2 cores (1,802 s against 1,748 s for the
five cold builds, 2026-12-06).
"""
import os
import re
import subprocess
import time

from .boot import BUILD, TOP
from .verdict import report

LOGS = os.path.join(BUILD, "test-logs")
KERNELS = ("pae", "nopae", "pae-native", "nopae-native")
GUEST = KERNELS + ("rom", "initramfs")
# The ROM builds the suites boot or examine: name -> make options. The
# default ROM lives in build/rom, every other in build/rom-NAME.
ROMS = {"vmi": "", "none-mmu": "NONE_GROUPS=mmu", "none-timer": "NONE_GROUPS=timer",
        "none-all": "NONE_GROUPS=all", "none-smp": "NONE_GROUPS=smp",
        "none-apic": "NONE_GROUPS=apic", "strict": "STRICT=1", "xfer-jump": "XFER=jump",
        "no-hole": "VIRTUAL_TOP=0", "audit": "AUDIT=1", "ring1": "RING=1"}
BUILDS = {f: (f"scripts/build-kernel {f}", f"kernel {f} configures (every fragment "
              "value kept) and builds") for f in KERNELS}
BUILDS["xenpv-build"] = ("scripts/check-xenpv build", "x86_64 XEN_PV=y vmlinux builds from "
                         "the patched tree (and the pristine one when its sites are not "
                         "recorded)")
BUILDS["initramfs"] = ("scripts/mkinitramfs", "initramfs builds (busybox, harness, selftests)")
kernel_version = "unknown"
built = {}


def is_pae(kernel):
    """pae, pae-native, debian-686-pae(-novmi): a PAE kernel (booted with NX)."""
    return kernel.startswith("pae") or "-pae" in kernel


def xxl_off(kernel):
    """The same config without PARAVIRT_XXL: pae -> pae-native; Debian's
    debian-FLAVOUR -> debian-FLAVOUR-novmi (scripts/distro-kernel)."""
    return f"{kernel}-novmi" if kernel.startswith("debian-") else f"{kernel}-native"


# The command line of every benchmark and profile boot, beside its own
# words: the crypto self-tests of a kernel with CRYPTO_MANAGER tests on
# (Debian's configs) run in kernel threads for the first seconds after
# boot and took half the CPU through every measured window (the user loop
# took 12.0 million instructions per iteration instead of 6.0). Their work
# is the same with and without XXL and not what the benchmark measures.
BENCH_APPEND = "cryptomgr.notests=1"


def sh(cmd, log=None):
    """Run a shell command in the checkout: (status, output), output kept in LOGS/log."""
    p = subprocess.run(cmd, shell=True, cwd=TOP, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if log:
        with open(os.path.join(LOGS, log), "w") as f:
            f.write(p.stdout)
    return p.returncode, p.stdout


def step(name, cmd, log):
    start = time.time()
    rc, out = sh(cmd, log)
    print(f"# {name}: {'done' if rc == 0 else 'FAILED'} in {time.time() - start:.0f} s",
          flush=True)
    return rc == 0, out


def rom(name="vmi"):
    return os.path.join(BUILD, "rom" if name == "vmi" else f"rom-{name}", "vmi.rom")


def kernel(flavour):
    return os.path.join(BUILD, f"obj-{flavour}", "arch/x86/boot/bzImage")


def need(what):
    """Build one prerequisite once; True if it is there."""
    if what not in built:
        built[what] = _build(what)
    return built[what]


def _build(what):
    global kernel_version
    if what == "tree":
        ok, out = step("prepare tree", "scripts/prepare-tree", "prepare-tree.log")
        m = re.search(r"base linux-source-6.12 (\S+) \(kernel (\S+)\)", out)
        if m:
            kernel_version = m.group(2)
            print(f"# base: Debian linux-source-6.12 {m.group(1)}, kernel {m.group(2)}",
                  flush=True)
        report(ok, "series applies to linux-source-6.12 with no fuzz", out[-2000:])
        return ok
    if what == "rom":
        ok, out = step("build ROM and corpus", f"make -s -C rom BUILD={BUILD}/rom && "
                       f"rom/tests/mutate {BUILD}/rom", "rom-build.log")
        report(ok, "ROM and malformed-ROM corpus build", out[-2000:])
        for name, opts in ROMS.items():
            if opts:
                ok_one, out = step(f"build ROM {opts}", f"make -s -C rom BUILD="
                                   f"{os.path.dirname(rom(name))} {opts}", f"rom-{name}.log")
                report(ok_one, f"ROM with {opts} builds", out[-2000:])
                ok = ok and ok_one
        return ok
    if what in BUILDS:
        cmd, test = BUILDS[what]
        ok, out = step(f"build {what}", cmd, f"build-{what}.log") if need("tree") \
            else (False, "no tree")
        report(ok, test, out[-3000:])
        return ok
    raise ValueError(what)
