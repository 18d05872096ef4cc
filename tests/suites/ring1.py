# SPDX-License-Identifier: GPL-2.0
"""The ring1 suite: the kernel at CPL 1 behind the ROM's ring-0 monitor.

Owns the boots on the RING=1 ROM (Documentation/virt/vmi/ring1.rst):
PAE and non-PAE, one and two CPUs, each running the VMI selftests (the
ring check vmi_ring among them: the kernel's CPL, user INTs, vm86
refused), the mm stress, the signal and SYSENTER programs (and the SMP
stress on two CPUs). The host checks, from outside the guest: the kernel's CPL as it
sampled it through the QEMU monitor (1 here, 0 on the control boots), the
monitor running every CPU, and no escape during the workload (the ROM is
read when the workload starts and when it ends); the escapes of the boot
itself are listed by symbol in every boot's log and in the test's line.
"""
import os

from harness.build import BUILD
from harness.case import FLAVOURS, guest
from harness.verdict import program_cmd, program_results, verdict
from suites.boots import X86_RESULT

PROGRAMS = ["vmi_status --expect active", "vmi_ring --expect-cpl 1", "vmi_mm_stress",
            "vmi_signals", "vmi_sysenter"]
CPL0_SKIP = ("vm86 refused (not tried at CPL 0)",)
# The kernel's x86 selftests at CPL 1: sigreturn_32 fails its 16-bit stack
# checks (no ESPFIX at CPL 1: Documentation/virt/vmi/ring1.rst).
X86_KNOWN_FAIL = {"sigreturn_32"}
SMP_STRESS = "vmi_smp_stress --seconds 5"


def cpl_problems(g, want):
    """The host's samples of the kernel's CPL must all say @want."""
    seen = g.cpl_samples
    if not seen:
        return ["the host never found the kernel running (no CPL sample)"]
    return [f"host-sampled kernel CPL {c} ({n} samples), not {want}"
            for c, n in seen.items() if c != want]


def escapes_by_symbol(g):
    line = [ln for ln in g.serial.splitlines() if ln.startswith("qemu-boot: escape at")]
    return "; ".join(ln.split(" at ", 1)[1] for ln in line) or "none"


def ring1_boot(flavour, smp):
    progs = PROGRAMS + ([SMP_STRESS] if smp > 1 else [])
    cmd = "echo @@VMI-HARNESS-SNAP workload; " + program_cmd(progs)
    g = guest(f"{flavour}-ring1-smp{smp}", flavour, "ring1", cmd=cmd, smp=smp, timeout=600,
              append="pci=nobios")
    problems = program_results(g.serial, progs) + cpl_problems(g, 1)
    if g.c("mon_cpus") != smp:
        problems.append(f"the monitor runs {g.c('mon_cpus')} CPU(s), not {smp}")
    if g.c("mon_panic_vec"):
        problems.append(f"the monitor stopped (vector {g.c('mon_panic_vec') & 0xff:#x})")
    at_start = g.c("snap.workload.mon_escapes")
    if g.values is None or "snap.workload.mon_escapes" not in g.values:
        problems.append("the ROM was not read when the workload started")
    elif g.c("mon_escapes") != at_start:
        problems.append(f"{g.c('mon_escapes') - at_start} escape(s) during the workload")
    if "Kernel/User page tables isolation: enabled" in g.serial:
        problems.append("PTI enabled at CPL 1")
    verdict(f"ring 1 {flavour} {smp} vCPU: CPL 1 as sampled "
            f"({g.cpl_samples.get(1, 0)} looks), {g.c('mon_gate_calls')} gate calls, "
            f"{g.c('mon_reflections')} reflections, 0 escapes in the workload "
            f"({at_start} at boot: {escapes_by_symbol(g)})", g, problems)


def ring1_x86_selftests(flavour):
    """The kernel's own 32-bit x86 selftests at CPL 1: hostile user code
    (sigreturn with odd segments, LDT changes, NT, single steps) must
    neither stop the monitor nor oops the kernel."""
    g = guest(f"{flavour}-ring1-x86-selftests", flavour, "ring1", append="pci=nobios",
              cmd="run-x86-selftests", timeout=900,
              extra_initrd=[os.path.join(BUILD, "x86-selftests.cpio")])
    results = dict(X86_RESULT.findall(g.serial))
    failed = sorted(k for k, v in results.items() if v != "pass")
    problems = cpl_problems(g, 1)
    if len(results) < 20:
        problems.append(f"only {len(results)} programs ran")
    if set(failed) - X86_KNOWN_FAIL:
        problems.append(f"failed at CPL 1: {sorted(set(failed) - X86_KNOWN_FAIL)}")
    if g.c("mon_panic_vec"):
        problems.append("the monitor stopped")
    verdict(f"ring 1 {flavour}: the kernel's x86 selftests, {len(results) - len(failed)}/"
            f"{len(results)} pass (known at CPL 1: {', '.join(sorted(X86_KNOWN_FAIL))}), "
            f"{g.c('mon_user_io')} user port accesses made by the monitor", g, problems)


def ring1_suite():
    for flavour in FLAVOURS:
        for smp in (1, 2):
            ring1_boot(flavour, smp)
    ring1_x86_selftests("pae")
    # Controls: the same sampling finds CPL 0 on the CPL-0 ROM and native.
    for rom_name, what in (("vmi", "the CPL-0 ROM"), (None, "native")):
        progs = ["vmi_status --expect " + ("active" if rom_name else "native"),
                 "vmi_ring --expect-cpl 0"]
        g = guest(f"pae-cpl0-{rom_name or 'native'}", "pae", rom_name,
                  cmd=program_cmd(progs), append="pci=nobios")
        problems = program_results(g.serial, progs, CPL0_SKIP) + cpl_problems(g, 0)
        if rom_name and g.c("mon_cpus"):
            problems.append("a monitor ran under the CPL-0 ROM")
        verdict(f"control: the host samples CPL 0 with {what} "
                f"({g.cpl_samples.get(0, 0)} looks)", g, problems)
