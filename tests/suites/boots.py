# SPDX-License-Identifier: GPL-2.0
"""The boot, partial, power, x86-selftests and corpus suites.

Owns the boots that show the guest finds, binds or refuses a ROM: each
flavour active on the ROM and native without it (vmi=off, pv_xxl_test),
the binding with groups left out (vmi=nomm, vmi=noirq, ROMs answering NONE
for a group), power-off and reboot through the ROM, the kernel's x86
selftests run three ways with one pass set, and each malformed ROM of the
corpus refused or tolerated as the ABI says.
"""
import os
import re

from harness import build
from harness.build import BUILD, LOGS
from harness.case import ACTIVE, FLAVOURS, Case, found, guest, is_pae, none_of, rom_read, \
    run_all, says
from harness.verdict import FOUND, cpus_online, report, xxl_check, xxl_expect

CORPUS = os.path.join(BUILD, "rom", "corpus")


# --- boot: each flavour active, native, vmi=off, pv_xxl_test, SMP --------

# Active on the ROM: flavour, CPUs, the ROM build ("xfer-jump": IRET and
# SYSEXIT as jump targets), QEMU's devices (e1000 puts iPXE's ROM first).
ACTIVE_BOOTS = [("pae", 1, "vmi", "minimal"), ("nopae", 1, "vmi", "minimal"),
                ("pae", 2, "vmi", "minimal"), ("pae", 2, "xfer-jump", "minimal"),
                ("nopae", 2, "xfer-jump", "minimal"), ("nopae", 4, "vmi", "minimal"),
                ("nopae", 1, "vmi", "e1000")]
# Native on each flavour: name, ROM, command line, vmi_status's reason, the
# kernel's line, CPUs, what pv_xxl_check must say (None: not checked),
# whether the ROM must be left untouched (VMI_Init never called).
NATIVE_BOOTS = [
    ("no-rom-smp1", None, "", "no VMI ROM found", r"vmi: no VMI ROM found, running native",
     1, "native", False),
    ("no-rom-smp2", None, "", "no VMI ROM found", r"vmi: no VMI ROM found, running native",
     2, "native", False),
    ("pv_xxl_test", None, "pv_xxl_test", "no VMI ROM found",
     r"paravirt: pv_xxl_test: routing XXL call sites through pv_ops", 1, "pv_xxl_test", False),
    ("vmi-off", "vmi", "vmi=off", "disabled on the command line",
     r"vmi: disabled on the command line \(vmi=off\)", 1, None, True)]


def active(flavour, smp=1, rom_name="vmi", devices="minimal"):
    name = f"{flavour}-rom{'' if rom_name == 'vmi' else '-' + rom_name}-smp{smp}-{devices}"

    def checks(g):
        m, xxl = FOUND.search(g.serial), xxl_check(g.serial) or {}
        return [
            ("identification line present", m is not None),
            ("ROM counters read by the host", g.values is not None),
            ("VMI_Init called exactly once", g.c("Init") == 1),
            ("every call's relocation queried", g.c("GetRelocationInfo") >= 74),
            ("bound ops used: FlushTLB and InvalPage counted",
             g.c("FlushTLB") > 0 and g.c("InvalPage") > 0),
            ("ROM address in the kernel line matches the host's view",
             m is not None and g.values is not None and int(m.group(1), 16) == g.c("rom_phys")),
            ("banner names the backend: 'Booting paravirtualized kernel on vmi'",
             "Booting paravirtualized kernel on vmi" in g.serial),
            ("version string names the base and the flavour",
             f"Linux version {build.kernel_version}-vmi-{flavour} " in g.serial),
            ("BIOS window left NX (pci=nobios)", "PCI BIOS area is rw and x" not in g.serial),
            ("pv_xxl_check: the bound ops are in pv_ops and no site is an indirect call",
             xxl.get("other_native", 99) < xxl.get("other_total", 0) and
             xxl.get("indirect") == 0),
            cpus_online(g.serial, smp)]
    # pci=nobios: the PCI BIOS code would make the whole 640K-1M window
    # executable; without it only the VMI exemption keeps the ROM callable.
    return Case(f"boot {name}: VMI active, userspace reached", name, flavour, rom_name,
                checks, append="pci=nobios", smp=smp, devices=devices,
                cmd=f"{ACTIVE} --min-bound 4")


def native(flavour, name, rom_name, append, reason, line, smp=1, xxl_mode=None,
           untouched=False):
    def checks(g):
        return [says(g, line), ("no identification line", "vmi: Found" not in g.serial),
                ("banner: 'Booting paravirtualized kernel on bare hardware'",
                 "Booting paravirtualized kernel on bare hardware" in g.serial),
                cpus_online(g.serial, smp)] + \
            ([("ROM never initialised", g.c("Init") == 0)] if untouched else []) + \
            (xxl_expect(g.serial, xxl_mode) if xxl_mode else [])
    return Case(f"boot {flavour} {name}: native, userspace reached", f"{flavour}-{name}",
                flavour, rom_name, checks, append=append, smp=smp,
                cmd=f"vmi_status --expect native --reason '{reason}'")


def boot_cases():
    return [native(f, *b) for f in FLAVOURS for b in NATIVE_BOOTS] + \
        [active(*b) for b in ACTIVE_BOOTS]


def boot_suite():
    run_all(boot_cases())


# --- partial: vmi=nomm, vmi=noirq, ROMs without whole groups -------------

# SetLinearMapping is not here: slot 3 (the APIC page) is registered for
# the ROM's APIC and alarm code even with vmi=nomm; nor is SetLazyMode:
# lazy CPU mode (context switches) stays bound.
MMU_CALLS = ("SetCR3", "SetPxE", "SetPxELong", "UpdatePxE", "UpdatePxELong",
             "AllocatePage", "ReleasePage", "InvalPage", "FlushTLB")
IRQ_CALLS = ("EnableInterrupts", "DisableInterrupts", "GetInterruptMask",
             "SetInterruptMask", "IRET", "SYSEXIT")
ROM_SETUP = ("Init", "GetRelocationInfo", "transitions", "rom_phys", "state_phys")


def partial_cases():
    cases = [
        Case("boot pae vmi=bogus,nomm: unknown word warned, MMU group left native",
             "pae-rom-nomm-bogus", "pae", "vmi", lambda g: [
                 ("warning for the unknown word",
                  "vmi: ignoring unknown option vmi=bogus" in g.serial),
                 found(g), rom_read(g), none_of(g, MMU_CALLS, "MMU call"),
                 ("the rest is bound: interrupt and descriptor calls counted",
                  g.c("DisableInterrupts") > 0 and g.c("WriteIDTEntry") > 0)],
             append="vmi=bogus,nomm", cmd=ACTIVE),
        Case("boot pae vmi=noirq: interrupt flag and exit paths left native",
             "pae-rom-noirq", "pae", "vmi", lambda g: [
                 rom_read(g), none_of(g, IRQ_CALLS, "interrupt-flag or exit call"),
                 ("the MMU group still bound", g.c("SetPxELong") > 0)],
             append="pci=nobios vmi=noirq", smp=2, cmd=ACTIVE)]
    group_checks = {
        "mmu": lambda g: [none_of(g, MMU_CALLS, "MMU call"),
                          ("CPU and interrupt calls still bound",
                           g.c("DisableInterrupts") > 0 and g.c("IRET") > 0)],
        "timer": lambda g: [],
        "all": lambda g: [("no op bound", g.says(r"; 0 ops bound")),
                          ("only Init and the relocation queries reached the ROM",
                           g.values is not None and not [k for k, v in g.values.items()
                                                         if v and k not in ROM_SETUP])]}
    for group, more in group_checks.items():
        for f in FLAVOURS:
            cases.append(Case(
                f"boot {f}-rom-none-{group}: partial ROM (NONE for {group}), userspace reached",
                f"{f}-rom-none-{group}", f, f"none-{group}",
                lambda g, more=more: [found(g), rom_read(g)] + more(g),
                append="pci=nobios", smp=2, cmd=ACTIVE))
    return cases


def partial_suite():
    run_all(partial_cases())


def power_cases():
    """poweroff and reboot go through the ROM's Shutdown and Reboot."""
    return [Case(f"{f} {how} -f: the machine goes away through the ROM's {call}",
                 f"{f}-{how}", f, "vmi", lambda g, call=call, other=other, line=line: [
                     (f"a '{line}' line", line in g.serial),
                     (f"{call} counter is {g.c(call)}, not 1", g.c(call) == 1),
                     (f"{other} was not called", g.c(other) == 0)],
                 plain=True, append="pci=nobios", cmd=f"{how} -f", until_stop=True, timeout=120)
            for f in FLAVOURS
            for how, call, other, line in (("poweroff", "Shutdown", "Reboot", "reboot: Power down"),
                                           ("reboot", "Reboot", "Shutdown",
                                            "reboot: Restarting system"))]


def power_suite():
    run_all(power_cases())


# --- the kernel's x86 selftests, and which calls they reach --------------

X86_RESULT = re.compile(r"^x86-selftest: (\S+) (pass|fail)", re.M)
# Calls our ROM offers that the standard workload (boot, vmi_status, the
# kernel's x86 selftests, one CPU) cannot reach, and why. Every other call
# the ROM offers must show a non-zero ROM counter after that workload.
UNREACHABLE = {
    "GetGDT": "6.12 has no pv op for SGDT (store_gdt is native only)",
    "GetIDT": "6.12 has no pv op for SIDT",
    "GetLDT": "6.12 has no pv op for SLDT",
    "GetTR": "store_tr runs only in the page-fault oops dump and on resume",
    "GetCR4": "6.12 reads CR4 from its per-CPU shadow; there is no read_cr4 op",
    "SetCR2": "write_cr2 runs only when an NMI clobbered CR2, and on resume",
    "WriteLDTEntry": "6.12 fills new LDTs in memory before installing them",
    "RDTSC": "6.12 has no pv op for RDTSC",
    "CLTS": "6.12 has no clts op (the FPU no longer uses CR0.TS)",
    "SetInterruptMask": "6.12 has no restore_fl op: local_irq_restore() is "
                        "a conditional irq_enable",
    "SetIOPLMask": "6.12 emulates iopl(3) with the I/O bitmap: EFLAGS.IOPL never changes",
    "WBINVD": "called only for cache-attribute changes on CPUs without CLFLUSH",
    "MachineToPhysical": "identity in this ROM; Linux has no caller",
    "PhysicalToMachine": "identity in this ROM; Linux has no caller",
    "Reboot": "ends the machine: the reboot test covers it",
    "Shutdown": "ends the machine: the power-off test covers it",
    "WallclockUpdated": "never called (neither was it by the 2.6 guest)",
    "SetInitialAPState": "needs a second CPU: the SMP boots cover it",
}


def call_coverage(flavour, g):
    import sys
    sys.path.insert(0, os.path.join(build.TOP, "rom/tests"))
    import romlib
    offered = [name for _, name, _, reloc, _ in romlib.calltab() if reloc]
    unreachable = dict(UNREACHABLE)
    other, fmt = (("SetPxE", "UpdatePxE"), "non-PAE") if is_pae(flavour) else \
        (("SetPxELong", "UpdatePxELong"), "PAE")
    unreachable.update({c: f"{fmt} entry format; this kernel is not" for c in other})
    with open(os.path.join(LOGS, f"{flavour}-call-coverage.txt"), "w") as f:
        f.writelines(f"{c:<20} {g.c(c):>10}  {unreachable.get(c, '')}\n" for c in offered)
    zero = [c for c in offered if c not in unreachable and g.c(c) == 0]
    n_unreachable = len([c for c in offered if c in unreachable])
    report(g.values is not None and not zero,
           f"{flavour}: every reachable call the ROM offers was used "
           f"({len(offered) - n_unreachable} calls; {n_unreachable} listed unreachable)",
           "never called: " + ", ".join(zero) if g.values else "no ROM counters")


def x86_selftests_suite():
    """One pass set for every way of running the same kernel: without
    PARAVIRT_XXL (-native), with XXL and no ROM, with XXL under the ROM."""
    for flavour in FLAVOURS:
        runs = (("xxl-off", f"{flavour}-native", None), ("xxl-on", flavour, None),
                ("vmi", flavour, "vmi"))
        results, problems = {}, []
        for mode, kflavour, rom_name in runs:
            g = guest(f"{flavour}-x86-selftests-{mode}", kflavour, rom_name,
                      append="pci=nobios", cmd="run-x86-selftests", timeout=900,
                      extra_initrd=[os.path.join(BUILD, "x86-selftests.cpio")])
            results[mode] = dict(X86_RESULT.findall(g.serial))
            if mode == "vmi":
                call_coverage(flavour, g)
            problems += [f"{mode}: guest status {g.status}"] if g.status else []
            if len(results[mode]) < 20:
                problems.append(f"{mode}: only {len(results[mode])} programs ran")
        passed = {m: sorted(k for k, v in r.items() if v == "pass") for m, r in results.items()}
        with open(os.path.join(LOGS, f"{flavour}-x86-selftests.txt"), "w") as f:
            for mode, r in results.items():
                f.write(f"{mode} pass: {' '.join(passed[mode])}\n{mode} fail: "
                        f"{' '.join(sorted(set(r) - set(passed[mode])))}\n")
        ref = passed["xxl-off"]
        problems += [f"pass sets differ, xxl-off vs {m}: only xxl-off: {sorted(set(ref) - set(p))}"
                     f", only {m}: {sorted(set(p) - set(ref))}"
                     for m, p in passed.items() if p != ref]
        report(not problems, f"x86 selftests {flavour}: same pass set for xxl-off, xxl-on, vmi "
               f"({len(ref)}/{len(results['xxl-off'])} pass)", "\n".join(problems))


# --- the malformed-ROM corpus --------------------------------------------

# Refused: name -> (vmi_status's reason, the kernel's line).
CORPUS_REFUSED = {
    "zero-length": ("ROM length is zero", r"rejected: ROM length is zero"),
    "wrong-signature": ("no VMI ROM found", r"vmi: no VMI ROM found, running native"),
    "api-major-2": ("unsupported API major", r"rejected: unsupported API major version 2\.0"),
    "api-major-4": ("unsupported API major", r"rejected: unsupported API major version 4\.0"),
    "license-offset-past-end": ("offset points outside", r"rejected: offset points outside "
                                r"the ROM image \(license string\)"),
    "pci-offset-past-end": ("offset points outside", r"rejected: offset points outside the "
                            r"ROM image \(pci_header_offs\)"),
    "pnp-offset-past-end": ("offset points outside", r"rejected: offset points outside the "
                            r"ROM image \(pnp_header_offs\)"),
    "string-offset-past-end": ("offset points outside", r"rejected: offset points outside "
                               r"the ROM image \(product string\)"),
    "unterminated-string": ("string not terminated", r"rejected: string not terminated inside "
                            r"the ROM image \(\w+ string\)"),
    "license-not-gpl": ("license is not GPL", r"rejected: license is not GPL"),
    "init-fails": ("VMI_Init failed", r"vmi: VMI_Init failed \(returned 0x[0-9a-f]+\)"),
    "reloc-outside": ("target outside", r"rejected: relocation for SetCR0 \(type 1, target "
                      r"0x[0-9a-f]+\): target outside the ROM image"),
    "virtual-top-absurd": ("virtual_top", r"rejected: virtual_top cannot be honoured \(0x1000\)"),
}
# Defects the VMI 3.0 ABI tolerates (the 2.6 guest warned and went on):
# the ROM is used, with the warning; a bad relocation leaves that call native.
CORPUS_TOLERATED = {
    "bad-checksum": r"vmi: ROM at 0x[0-9a-f]+ does not sum to 0 in memory \(the BIOS checked "
                    r"it at load\), using it",
    "pci-id-mismatch": r"vmi: ROM at 0x[0-9a-f]+ from unknown manufacturer \(PCI ID "
                       r"[0-9a-f]{4}:[0-9a-f]{4}\), using it",
    "reloc-unknown-type": r"vmi: Unknown relocation type 7 for SetCR0 \(unknown relocation "
                          r"type\): kept native",
    "reloc-jump-on-call": r"vmi: Unknown relocation type 2 for SetCR0 \(JUMP relocation on a "
                          r"call that returns\): kept native",
    "flushtlb-none": r"vmi: Found linux-vmi VMI ROM for QEMU.*relocations: \d+ call, 0 jump, "
                     r"0 nop, \d+ none",
    "state-unreserved": r"vmi: ROM state block 0x[0-9a-f]+-0x[0-9a-f]+ lies in base memory the "
                        r"BIOS did not take \(it ends at 0x[0-9a-f]+\): reserved, counters not "
                        r"used",
}


def tolerated(flavour, name):
    # A state block the kernel will not use has no counters: the guest
    # checks the identity instead of the call table.
    cmd = "vmi_status && grep -qx 'counters: no' /sys/kernel/debug/vmi/identity" \
        if name == "state-unreserved" else ACTIVE
    reloc = name.startswith("reloc")

    def checks(g):
        return [says(g, CORPUS_TOLERATED[name]), found(g), rom_read(g),
                ("SetCR0 never reached the ROM", g.c("SetCR0") == 0) if reloc else
                ("interrupt calls reach the ROM", g.c("DisableInterrupts") > 0)] + \
            ([("FlushTLB never reached the ROM, InvalPage did (lazy self-test: invalidations "
               "sent to the ROM, not collapsed)", g.c("FlushTLB") == 0 and g.c("InvalPage") > 0 and
               "invlpg-unbatched-without-vmi-batch: pass" in g.serial)]
             if name == "flushtlb-none" else [])
    return Case(f"boot {flavour} corpus {name}: tolerated as the ABI says, VMI active",
                f"{flavour}-corpus-{name}", flavour, os.path.join(CORPUS, f"{name}.rom"),
                checks, cmd=cmd)


def corpus_suite():
    """Each malformed ROM refused (native, with its reason) or tolerated."""
    cases = [Case("boot pae with virtual_top 0xff000000: reservation honoured, VMI active",
                  "pae-virtual-top-16m", "pae", os.path.join(CORPUS, "virtual-top-16m.rom"),
                  lambda g: [("reservation line", "Reserving virtual address space above "
                              "0xff000000" in g.serial), found(g)], cmd=ACTIVE)]
    try:
        with open(os.path.join(CORPUS, "manifest.txt")) as f:
            names = [n.strip() for n in f if n.strip() and n.strip() != "virtual-top-16m"]
    except OSError:
        names = []
        report(False, "malformed-ROM corpus manifest present")
    for flavour in FLAVOURS:
        for name in names:
            if name in CORPUS_TOLERATED:
                cases.append(tolerated(flavour, name))
            elif name in CORPUS_REFUSED:
                reason, line = CORPUS_REFUSED[name]
                cases.append(native(flavour, f"corpus-{name}", os.path.join(CORPUS, f"{name}.rom"),
                                    "", reason, line))
            else:
                report(False, f"corpus {name}: has an expectation in tests/suites/boots.py")
    run_all(cases)
    missing = (set(CORPUS_REFUSED) | set(CORPUS_TOLERATED)) - set(names) - {"virtual-top-16m"}
    report(not missing, "every expected malformed ROM was built", " ".join(sorted(missing)))
