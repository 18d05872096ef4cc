# SPDX-License-Identifier: GPL-2.0
"""The smp suite: AP start-up and the local APIC through the ROM.

Owns the boots with more than one CPU whose checks follow from whether the
APIC and AP start-up go through the ROM: the default, strict, NONE_GROUPS
ROMs and vmi=nosmp/noapic, sparse APIC IDs, CPU hotplug, and the negative
control that the same checks fail when an AP stays down.
"""
import re

from harness.case import ACTIVE, FLAVOURS, Case, guest, run_all, says
from harness.verdict import report


# --- SMP and the local APIC through the ROM ------------------------------
#
# APICRead/APICWrite through the APIC driver's callbacks, AP start-up
# through SetInitialAPState, judged on the ROM's counters and its private
# state (priv_*: APIC use before slot 3, each CPU's own linear-map slots,
# the SetInitialAPState slot each AP took, its IPIs and starts).

SMP_REPORT = ('echo "@@smp online=$(cat /sys/devices/system/cpu/online) '
              'cpuinfo=$(grep -c ^processor /proc/cpuinfo)"')
SMP_CMD = f"{ACTIVE}; rc=$?; {SMP_REPORT}; exit $rc"
SMP_HOTPLUG_CMD = (f"{ACTIVE}; rc=$?; echo 0 > /sys/devices/system/cpu/cpu1/online || rc=1; "
                   'echo "@@smp offline=$(cat /sys/devices/system/cpu/online)"; '
                   f"echo 1 > /sys/devices/system/cpu/cpu1/online || rc=1; {SMP_REPORT}; "
                   "exit $rc")
SMP_LINE = re.compile(r"^@@smp online=(\S+) cpuinfo=(\d+)", re.M)
APIC_BOUND = "vmi: APIC: read() replaced with"
SMP_BOUND = "vmi: APIC: wakeup_secondary_cpu() replaced with vmi_wakeup_secondary_cpu()"


def smp_online(g, ncpus):
    m = SMP_LINE.search(g.serial)
    want = "0" if ncpus == 1 else f"0-{ncpus - 1}"
    return [(f"all {ncpus} CPUs online (online={m.group(1) if m else '?'}, want {want})",
             m is not None and m.group(1) == want),
            (f"/proc/cpuinfo lists {ncpus} CPUs", m is not None and int(m.group(2)) == ncpus)]


def smp_checks(g, ncpus, apic_rom=True, smp_rom=True, ipis=False):
    """What a boot with @ncpus must show, by whether the APIC and AP
    start-up go through the ROM; ipis: each AP's INIT/STARTUP and one wake."""
    aps, c, va = range(1, ncpus), g.c, g.c("priv_cpu0_slot3_va")
    checks = [("ROM counters read by the host", g.values is not None)] + smp_online(g, ncpus)
    if smp_rom:
        checks += [(f"SetInitialAPState called {ncpus - 1} times (ROM: "
                    f"{c('SetInitialAPState')})", c("SetInitialAPState") == ncpus - 1),
                   ("kernel bound wakeup_secondary_cpu", SMP_BOUND in g.serial)]
    else:
        checks += [(f"SetInitialAPState never called (ROM: {c('SetInitialAPState')})",
                    c("SetInitialAPState") == 0),
                   ("wakeup_secondary_cpu left native", SMP_BOUND not in g.serial)]
    reads, writes = c("APICRead"), c("APICWrite")
    if apic_rom:
        checks += [(f"APICRead and APICWrite used (ROM: {reads} reads, {writes} writes)",
                    reads > 0 and writes > 0),
                   ("kernel bound the APIC callbacks", APIC_BOUND in g.serial)]
    else:
        # Accessors native; only the AP start-up IPIs (ICR2 and ICR, INIT
        # and STARTUP) may still go through APICWrite.
        starts = 2 * sum(c(f"priv_ap{cpu}_ipis") for cpu in aps) if smp_rom else 0
        checks += [(f"APICRead never called, APICWrite only for the {starts} AP start-up "
                    f"writes (ROM: {reads} reads, {writes} writes)",
                    g.values is not None and reads == 0 and writes == starts),
                   ("APIC callbacks left native", APIC_BOUND not in g.serial)]
    checks += [("no APIC call reached the ROM before slot 3 (apic_errors 0)",
                g.values is not None and c("priv_apic_errors") == 0),
               ("boot CPU registered the APIC page (slot 3)",
                c("priv_cpu0_slot3_pages") == 1 and va != 0)]
    for cpu in aps:
        if smp_rom:
            checks += [(f"AP {cpu} took its SetInitialAPState slot", c(f"priv_ap{cpu}_valid") == 2),
                       (f"AP {cpu} registered slot 3 (APIC) itself",
                        c(f"priv_cpu{cpu}_slot3_pages") == 1 and
                        c(f"priv_cpu{cpu}_slot3_va") == va),
                       (f"AP {cpu} registered slot 0 (direct map) itself",
                        c(f"priv_cpu{cpu}_slot0_pages") > 0 and
                        c(f"priv_cpu{cpu}_slot0_va") == c("priv_cpu0_slot0_va"))]
        else:
            checks.append((f"AP {cpu} never saw a SetInitialAPState slot",
                           c(f"priv_ap{cpu}_valid") == 0))
        if ipis:
            checks += [(f"AP {cpu}: the guest sent INIT and STARTUP through APICWrite (ROM saw "
                        f"{c(f'priv_ap{cpu}_ipis')})", c(f"priv_ap{cpu}_ipis") >= 2),
                       (f"AP {cpu}: woken by the ROM once (starts {c(f'priv_ap{cpu}_starts')})",
                        c(f"priv_ap{cpu}_starts") == 1)]
    return checks


def smp_case(title, name, flavour, rom_name, ncpus, append="", lines=(), more=lambda g: [],
             cmd=SMP_CMD, **how):
    return Case(title, name, flavour, rom_name,
                lambda g: smp_checks(g, ncpus, **how) + [says(g, l) for l in lines] + more(g),
                append=f"pci=nobios {append}".strip(), smp=ncpus, cmd=cmd)


def smp_cases():
    cases = [smp_case(f"boot {f} -smp {n} on the strict ROM: APs on STARTUP, APIC through the "
                      "ROM's own mapping, LVTT programmed by the guest",
                      f"{f}-strict-smp{n}", f, "strict", n, ipis=True, more=lambda g: [
                          ("the ROM mapped the APIC itself (no slot-3 shortcut), no error",
                           g.c("priv_apic_errors") == 0 and g.c("APICRead") > 0)])
             for f in FLAVOURS for n in (1, 2)]
    for f in FLAVOURS:
        cases += [smp_case(lambda g, f=f, n=n: f"boot {f} -smp {n}: APs started by "
                           f"SetInitialAPState, APIC through the ROM ({g.c('APICRead')} "
                           f"reads, {g.c('APICWrite')} writes)",
                           f"{f}-smp-rom-{n}", f, "vmi", n, ipis=True) for n in (2, 4)]
        cases += [
            smp_case(f"boot {f} -smp 2 vmi=nosmp: APs started natively, none through the ROM",
                     f"{f}-smp-nosmp", f, "vmi", 2, "vmi=nosmp", smp_rom=False,
                     lines=["vmi: SMP: vmi=nosmp, APs started with INIT/SIPI"]),
            smp_case(f"boot {f} -smp 2 vmi=noapic: APIC counters 0, APs still through the ROM",
                     f"{f}-smp-noapic", f, "vmi", 2, "vmi=noapic", apic_rom=False,
                     lines=["vmi: APIC: vmi=noapic, local APIC accessed natively"]),
            smp_case(f"boot {f} -smp 2, ROM with NONE_GROUPS=smp: APs native, the rest "
                     "through the ROM", f"{f}-smp-none-smp", f, "none-smp", 2, smp_rom=False,
                     lines=["vmi: SMP: ROM has no SetInitialAPState"]),
            smp_case(f"boot {f} -smp 2, ROM with NONE_GROUPS=apic: local APIC and AP start-up "
                     "native, the rest through the ROM", f"{f}-smp-none-apic", f, "none-apic", 2,
                     apic_rom=False, smp_rom=False,
                     lines=["vmi: SMP: ROM has no APICWrite for INIT/STARTUP"])]
    # Sparse APIC IDs (two sockets of five cores: 0-4, 8, 9): a ROM slot each.
    cases.append(Case(
        "boot nopae with 7 CPUs, APIC IDs 0-4, 8, 9: one ROM slot each, all online",
        "nopae-smp-sparse-apic", "nopae", "vmi", lambda g: smp_online(g, 7) + [
            (f"SetInitialAPState called 6 times (ROM: {g.c('SetInitialAPState')})",
             g.c("SetInitialAPState") == 6),
            (f"no CPU shared a ROM slot (cpu_overflow {g.c('priv_cpu_overflow')})",
             g.values is not None and g.c("priv_cpu_overflow") == 0)] +
        [(f"AP slot {s}: woken by the ROM once", g.c(f"priv_ap{s}_starts") == 1)
         for s in range(1, 7)],
        append="pci=nobios", smp=7, cmd=SMP_CMD,
        qemu_args=["-smp", "7,sockets=2,cores=5,maxcpus=10"]))
    # Offline and online again: a run-time wake-up goes through the ROM too.
    cases.append(Case(
        "boot pae -smp 2, cpu1 offline then online: re-woken through SetInitialAPState",
        "pae-smp-hotplug", "pae", "vmi", lambda g: [
            c for c in smp_checks(g, 2) if not c[0].startswith("SetInitialAPState called")] + [
            ("cpu1 went offline", g.says(r"^@@smp offline=0\r?$")),
            (f"SetInitialAPState called twice, boot and re-online (ROM: "
             f"{g.c('SetInitialAPState')})", g.c("SetInitialAPState") == 2)],
        append="pci=nobios", smp=2, cmd=SMP_HOTPLUG_CMD))
    return cases


def smp_suite():
    run_all(smp_cases())
    # Negative control: the same checks must fail when an AP stays down.
    g = guest("pae-smp-negative", "pae", "vmi", append="pci=nobios maxcpus=1", smp=2,
              cmd=SMP_CMD)
    failed = [d for d, ok in smp_checks(g, 2) if not ok]
    report(any(d.startswith("all 2 CPUs online") for d in failed) and
           any(d.startswith("SetInitialAPState called") for d in failed),
           "negative control: with maxcpus=1 the SMP checks report the missing AP",
           "checks that failed: " + "; ".join(failed))
