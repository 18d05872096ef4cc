# SPDX-License-Identifier: GPL-2.0
"""The programs and audit suites: the VMI selftests and the stress under load.

Owns the boots that run the guest programs (mm, signals, SYSENTER, SMP
stress) native and on the ROM, lazy and eager, and under the shadow-audit
ROM, with what the host checks around them: PTI, highmem and HIGHPTE, the
lazy queue's statistics, the audit's findings, and the audit's negative
controls.
"""
import os
import re

from harness.case import FLAVOURS, Case, guest, is_pae, run_all
from harness.verdict import lazy_problems, program_cmd, program_results, report, verdict

PTI_ON = "Kernel/User page tables isolation: enabled"
PTI_VMI = "vmi: PTI: ROM image"


# --- the VMI selftests and the mm and SMP stress --------------------------
#
# Each program prints its own kselftest TAP between markers: a plan, that
# many results, all ok (a SKIP fails here) and exit 0. Under the ROM they
# run lazy (the ROM deferring the updates; on one CPU the guest's batch,
# vmi=batch, with vmi=verify re-checking every issued batch) and eager
# (vmi=nolazy), with the lazy statistics (vmi=stats) and, on one CPU,
# without them (then none may be counted); the SMP stress runs 5 s, 120 s
# in the soak run on nopae (the DEBUG_VM + lockdep flavour), or
# VMI_SMP_STRESS_SECONDS.

GUEST_PROGRAMS = ["vmi_mm_stress", "vmi_signals", "vmi_sysenter"]
SMP_STRESS = "vmi_smp_stress --seconds 5"
SOAK_SECONDS = int(os.environ.get("VMI_SMP_STRESS_SECONDS", "120"))
# Enough RAM for highmem (lowmem ends below 896 MiB), so that HIGHPTE (the
# nopae flavour) has somewhere to put user page tables.
HIGHMEM_MEM = "1536M"
THP_ENABLE = "echo always > /sys/kernel/mm/transparent_hugepage/enabled; "
# The shadow audit (ROM AUDIT=1): every count of a finding must be 0.
# (pending_overflow is not a finding: deferred updates past the ROM's
# per-CPU list are applied early, which the ABI allows.)
AUDIT_ZERO = ("divergences", "unannounced_updates", "unannounced_in_use", "wrong_type",
              "wrong_zeroed_or_clone", "released_while_referenced", "store_full",
              "suspects", "unreachable")


def audit_problems(values):
    values = values or {}
    if values.get("audit_active") != 1:
        return ["the shadow audit was not active"]
    problems = [f"audit: {k} {values.get('audit_' + k)}" for k in AUDIT_ZERO
                if values.get("audit_" + k, 1) != 0]
    if not values.get("audit_checks") or not values.get("audit_pages_compared"):
        problems.append("the audit made no check")
    return problems


def programs(flavour, rom_name, smp, options="", soak=False, mem="512M"):
    """The guest programs on one boot, and what the host checks around them."""
    audit, pae = rom_name == "audit", is_pae(flavour)
    progs = ["vmi_status --expect " + ("active" if rom_name else "native")] + \
        [p + " --thp" if audit and pae and p == "vmi_mm_stress" else p for p in GUEST_PROGRAMS] + \
        ([f"vmi_smp_stress --seconds {SOAK_SECONDS}" if soak else SMP_STRESS] if smp > 1 else [])
    mode = ("rom" if rom_name else "native") + (" audit" if audit else "") + \
        (f" {options}" if options else "") + (f" soak {SOAK_SECONDS} s" if soak else "")
    after = ["echo @@lazy; cat /sys/kernel/debug/vmi/lazy; echo @@end"] if rom_name else []
    after += ["grep HighTotal /proc/meminfo"] if mem != "512M" else []
    after += ["cat /sys/kernel/debug/vmi/audit; grep -E '^thp_(fault_alloc|split_pmd) ' "
              "/proc/vmstat"] if audit else []
    # THP is off by default below 512 MiB of RAM (hugepage_init()).
    cmd = (THP_ENABLE if audit and pae else "") + program_cmd(progs, "; ".join(after))

    def problems(g):
        found = program_results(g.serial, progs)
        if pae:   # the PAE configs have PTI, which stays on under the ROM
            found += ["PTI not enabled"] if PTI_ON not in g.serial else []
            if (PTI_VMI in g.serial) != bool(rom_name):
                found.append("the ROM is not mapped for PTI" if rom_name else
                             "a native boot maps a ROM for PTI")
        if mem != "512M":
            high = re.search(r"^HighTotal: +(\d+) kB", g.serial, re.M)
            if not high or int(high.group(1)) == 0:
                found.append(f"no highmem with {mem} of RAM ({high and high.group(0)})")
            if flavour.startswith("nopae") and \
                    ("HIGHPTE: user page tables kept in low memory" in g.serial) != bool(rom_name):
                found.append("user page tables not kept low under the ROM (HIGHPTE)" if rom_name
                             else "a native boot claims to keep user page tables low")
        if audit:
            found += audit_problems(g.values)
            thp = dict(re.findall(r"^(thp_fault_alloc|thp_split_pmd) (\d+)\r?$", g.serial, re.M))
            if pae and int(thp.get("thp_fault_alloc", 0)) == 0:
                found.append(f"no transparent huge page was used ({thp})")
        if rom_name:
            found += lazy_problems(g.serial, options)
            if g.values is None:
                found.append("ROM counters not read by the host")
            elif g.c("Init") != 1 or g.c("FlushTLB") == 0:
                found.append(f"ROM counters do not show a bound, working ROM (Init "
                             f"{g.c('Init')}, FlushTLB {g.c('FlushTLB')})")
        elif "vmi: Found" in g.serial:
            found.append("native boot found a ROM")
        if "ignoring unknown option" in g.serial:
            found.append(f"the kernel did not know an option in '{options}'")
        return [(p, False) for p in found]
    return Case(f"guest programs {flavour} {mode} {smp} vCPU: " +
                ", ".join(p.split()[0] for p in progs[1:]),
                f"{flavour}-{mode.replace(' ', '-').replace('=', '-')}-smp{smp}-programs",
                flavour, rom_name, problems, plain=True, append=f"pci=nobios {options}".strip(),
                smp=smp, timeout=600, cmd=cmd, mem=mem)


# flavour, ROM, vCPUs, options, soak, memory. nopae native: HIGHPTE with
# highmem, user page tables up there; under the audit, every table must
# stay reachable.
PROGRAM_BOOTS = [(f, rom_name, smp, opts, f == "nopae" and soak,
                  HIGHMEM_MEM if f == "nopae" and highmem else "512M")
                 for f in FLAVOURS for rom_name, smp, opts, soak, highmem in (
                     (None, 1, "", False, True), (None, 2, "", False, False),
                     ("vmi", 1, "vmi=batch,verify", False, False),
                     ("vmi", 2, "vmi=stats", True, False),
                     ("vmi", 2, "vmi=nolazy,stats", False, False))]
# vmi=batch (the guest's own batch, issued at the flush points) is checked
# against the shadows too.
AUDIT_BOOTS = [(f, "audit", smp, opts, False, HIGHMEM_MEM if f == "nopae" else "512M")
               for f in FLAVOURS for smp, opts in ((1, "vmi=stats"), (2, "vmi=stats"),
                                                   (2, "vmi=stats,batch"))]
AUDIT_RECORD = re.compile(r"^record \d+: (\w+) pfn (0x[0-9a-f]+|0) entry (\d+) at \d+: "
                          r"believed (0x[0-9a-f]+|0) memory (0x[0-9a-f]+|0)\r?$", re.M)


def programs_suite():
    run_all([programs(*b) for b in PROGRAM_BOOTS])


def audit_suite():
    """The guest's MMU notifications against a ROM that shadows them."""
    run_all([programs(*b) for b in AUDIT_BOOTS])
    # Review finding 4: without pmd_update (vmi=drop-pmd-update, a
    # CONFIG_VMI_DEBUG aid) a THP fork shows as a huge pmd whose write bit
    # the ROM still believes in.
    prog = "vmi_mm_stress --thp --iterations 2"
    g = guest("pae-audit-drop-pmd-update", "pae", "audit",
              append="pci=nobios vmi=drop-pmd-update",
              cmd=THP_ENABLE + program_cmd([prog], "cat /sys/kernel/debug/vmi/audit"))
    huge_rw = [r for r in AUDIT_RECORD.findall(g.serial) if r[0] == "divergences" and
               int(r[3], 16) & 0x80 and (int(r[3], 16) ^ int(r[4], 16)) & 0x2]
    problems = program_results(g.serial, [prog])
    if g.c("audit_divergences") < 1 or not huge_rw:
        problems.append(f"the audit did not see the unannounced huge pmd changes (divergences "
                        f"{g.c('audit_divergences')}, huge-pmd write-bit records {len(huge_rw)})")
    if "ignoring unknown option" in g.serial:
        problems.append("the kernel does not know vmi=drop-pmd-update (CONFIG_VMI_DEBUG?)")
    verdict(f"negative control: THP fork without pmd_update counted by the audit "
            f"({g.c('audit_divergences')} divergence(s), {len(huge_rw)} on a huge pmd's "
            "write bit)", g, problems)
    # Review finding 9: with 32 CPUs kmap_local spans two PAE page tables,
    # and page_table_kmap_check() copies into a new one, announced ZEROED.
    # (Non-PAE spans a 4 MiB boundary only from 60 CPUs on.)
    g = guest("pae-audit-kmap", "pae", "audit", cmd="cat /sys/kernel/debug/vmi/identity")
    m = re.search(r"^kmap_local: (0x[0-9a-f]+)-(0x[0-9a-f]+), (\d+) page table", g.serial, re.M)
    tables = int(m.group(3)) if m else 0
    verdict(f"audit pae: kmap_local over {tables} page tables, copied at boot with no false "
            f"ZEROED claim ({g.c('audit_wrong_zeroed_or_clone')})", g, audit_problems(g.values) +
            ([f"kmap_local lies in {tables} page table(s): the copy did not run"]
             if tables < 2 else []))
    # The audit must be able to fail: a pte changed behind the ROM's back.
    g = guest("pae-audit-selftest", "pae", "audit", cmd="cat /sys/kernel/debug/vmi/audit_selftest;"
              " cat /sys/kernel/debug/vmi/audit")
    report(g.status == 0 and g.says("notified-change-not-counted: pass") and
           g.says("dropped-notification-counted: pass") and g.c("audit_divergences") >= 1,
           f"negative control: the audit counts a deliberately dropped notification (host sees "
           f"{g.c('audit_divergences')} divergence(s)), and not a notified change",
           "\n".join(g.serial.splitlines()[-30:]))
