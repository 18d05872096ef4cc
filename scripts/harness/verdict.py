# SPDX-License-Identifier: GPL-2.0
"""Verdicts on guest runs: what every boot must show, and the words for it.

Owns the one TAP stream of make check (TAP, report) and the rules shared
by every suite: a boot passes when the guest's exit status is 0, the
kernel's pv_xxl_check says pass, the guest's own kselftest TAP is complete
and all ok, the kernel printed no oops or warning, and every check the
suite adds holds. A check is (description, bool). Also the parsers of what
the guest prints between markers: a program's TAP section, the lazy
queue's statistics, pv_xxl_check's line.
"""
import re

from . import tap

TAP = tap.Writer(prefix="#   ", max_detail=40)
BAD_KERNEL_LINES = re.compile(
    r"(Oops|BUG:|WARNING:|Call Trace|Kernel panic|general protection|"
    r"Unknown kernel command line|Found insecure W\+X)")
FOUND = re.compile(r"vmi: Found linux-vmi VMI ROM for QEMU, API version 3\.0, "
                   r"ROM version \d+\.\d+, at (0x[0-9a-f]+)")
CPUS_UP = re.compile(r"^\[[ \d.]+\] smp: Brought up \d+ nodes?, (\d+) CPUs?$", re.M)
XXL_CHECK = re.compile(
    r"pv_xxl_check: mode=(?P<mode>\S+) xxl_slots=(?P<xxl_native>\d+)/(?P<xxl_total>\d+) "
    r"other_slots=(?P<other_native>\d+)/(?P<other_total>\d+) sites=(?P<sites>\d+) "
    r"gated=(?P<gated>\d+) inline=(?P<inline>\d+) call=(?P<call>\d+) nop=(?P<nop>\d+) "
    r"indirect=(?P<indirect>\d+) entry=(?P<entry_ok>\d+)/(?P<entry>\d+) bad=(?P<bad>\d+) "
    r"result=(?P<result>\w+)")


def report(ok, name, detail=""):
    TAP.report(ok, name, detail)


def complaint(serial):
    """The kernel's first oops or warning, with some context; None if none."""
    bad = BAD_KERNEL_LINES.search(serial)
    return None if not bad else \
        "kernel complained: ..." + serial[max(0, bad.start() - 80):bad.end() + 120] + "..."


def tail(serial, n=20):
    return "\n--- serial tail ---\n" + "\n".join(serial.splitlines()[-n:])


def wrong_cpl(guest):
    """The host's looks at the kernel that found it at another CPL than
    the boot's (1 on the RING=1 ROM, else 0); None if none did."""
    wrong = {c: n for c, n in guest.cpl_samples.items() if c != guest.expected_cpl}
    return None if not wrong else \
        f"host-sampled kernel CPL {wrong} (looks), expected {guest.expected_cpl}"


def verdict(name, guest, problems):
    """One TAP line: the run's status, the kernel's log, the kernel's CPL as
    the host sampled it, and the problems."""
    problems = list(problems)
    if guest.status != 0:
        problems.insert(0, f"guest exit status {guest.status}")
    if complaint(guest.serial):
        problems.append(complaint(guest.serial))
    if wrong_cpl(guest):
        problems.append(wrong_cpl(guest))
    report(not problems, name, "\n".join(problems) + tail(guest.serial) if problems else "")


def judge(name, guest, checks):
    """A boot running vmi_status: the common rules, then @checks."""
    xxl = xxl_check(guest.serial)
    problems = [] if xxl and xxl["result"] == "pass" else \
        ["pv_xxl_check line missing or not result=pass"]
    if not tap.complete(guest.serial):
        problems.append("guest selftest not all ok")
    verdict(name, guest, problems + [desc for desc, ok in checks if not ok])


def xxl_check(serial):
    """The kernel's pv_xxl_check line (CONFIG_PARAVIRT_XXL_TEST), or None."""
    m = XXL_CHECK.search(serial)
    return m and {k: v if k in ("mode", "result") else int(v) for k, v in m.groupdict().items()}


def xxl_expect(serial, mode):
    """What pv_xxl_check must say on a boot without a ROM. native: every
    pv_ops slot native, every site gated on X86_FEATURE_PV_XXL inline
    native code, the rest direct calls or NOPs. pv_xxl_test: the bit set,
    slots still native, no site inline, the entry hooks the pv code."""
    g = (xxl_check(serial) or {}).get
    checks = [
        (f"pv_xxl_check: mode={mode}", g("mode") == mode),
        ("pv_xxl_check: every pv_ops slot holds its native function",
         g("xxl_total", 0) > 40 and g("xxl_native") == g("xxl_total") and
         g("other_native") == g("other_total")),
        ("pv_xxl_check: no site left as an indirect call through pv_ops",
         g("sites", 0) > 100 and g("indirect") == 0 and g("bad") == 0),
        ("pv_xxl_check: entry_32.S hooks in the right form",
         g("entry", 0) >= 3 and g("entry_ok") == g("entry"))]
    if mode == "native":
        return checks + [("pv_xxl_check: every gated site is inline native code",
                          g("gated", 0) > 50 and g("inline") == g("gated")),
                         ("pv_xxl_check: every other site a direct call or NOPs",
                          g("inline", 0) + g("call", 0) + g("nop", 0) == g("sites"))]
    return checks + [("pv_xxl_check: no site inline, every site a direct call or NOPs",
                      g("gated", 0) > 50 and g("inline") == 0 and
                      g("call", 0) + g("nop", 0) == g("sites") and
                      g("call", 0) > g("gated", 0))]


def cpus_online(serial, smp):
    """(description, ok): the kernel brought up all the CPUs QEMU gave it."""
    m = CPUS_UP.search(serial)
    got = int(m.group(1)) if m else 0
    return (f"all {smp} CPU(s) online (kernel: {got})", got == smp)


def program_cmd(programs, after=""):
    """A guest command running each program between markers, then @after;
    its status is non-zero if any program failed."""
    parts = ["rc=0"] + [f"echo @@vmi-program-start {p.split()[0]}; {p}; r=$?; "
                        f"echo @@vmi-program-end {p.split()[0]} rc=$r; [ $r = 0 ] || rc=1"
                        for p in programs]
    return "; ".join(parts + ([after] if after else []) + ["exit $rc"])


def program_results(serial, programs, allowed_skips=()):
    """Problems with each program's TAP section: no plan, a short count, a
    failure, a skip whose reason is not in @allowed_skips, a non-zero exit."""
    problems = []
    for name in (p.split()[0] for p in programs):
        start = re.search(rf"^@@vmi-program-start {name}$", serial, re.M)
        end = re.search(rf"^@@vmi-program-end {name} rc=(\d+)$", serial, re.M)
        if not start or not end or end.start() < start.end():
            problems.append(f"{name}: did not run to the end")
            continue
        text = serial[start.end():end.start()]
        plan, results = tap.PLAN.search(text), tap.results(text)
        if not plan:
            problems.append(f"{name}: no TAP plan")
        elif len(results) != int(plan.group(1)):
            problems.append(f"{name}: {len(results)} results for a plan of {plan.group(1)}")
        problems += [f"{name}: not ok {desc}" for ok, desc, _ in results if ok is False]
        problems += [f"{name}: skipped {desc} # SKIP {why}" for ok, desc, why in results
                     if ok is None and why.strip() not in allowed_skips]
        if end.group(1) != "0":
            problems.append(f"{name}: exit status {end.group(1)}")
    return problems


def lazy_problems(serial, options):
    """The lazy modes were used (or not, with vmi=nolazy): by default the
    ROM deferred the updates, with vmi=batch the guest's batch took them;
    with vmi=verify every issued entry was found in memory; without
    vmi=stats nothing was counted."""
    m = re.search(r"^@@lazy\n(.*?)^@@end", serial, re.M | re.S)
    if not m:
        return ["no lazy-queue statistics in the guest output"]
    st = dict(re.findall(r"^(\w+): (\S+)", m.group(1), re.M))
    counted = [k for k in ("deferred", "queued", "issued") if st.get(k, "0") != "0"]
    if "stats" not in options:
        problems = [] if st.get("stats") == "off" and not counted else \
            [f"statistics counted without vmi=stats: {st}"]
        if "verify" in options and not int(st.get("verified", 0)):
            problems.append("vmi=verify checked no entry")
        return problems
    if "nolazy" in options:
        return [] if st.get("enabled") == "no" and not counted else \
            [f"vmi=nolazy but the lazy modes were used: {st}"]
    batch = "batch" in options
    line = "lazy MMU updates " + ("batched in the guest (vmi=batch)" if batch
                                  else "deferred by the ROM")
    problems = [] if line in serial and st.get("mode") == ("batch" if batch else "rom") else \
        [f"the kernel did not say '{line}' or its mode is {st.get('mode')}"]
    if not batch:
        # Each update goes to the ROM: nothing is queued, and the batch is
        # never issued.
        if st.get("enabled") != "yes" or not int(st.get("deferred", 0)) or \
                st.get("queued") != "0" or st.get("issued") != "0":
            problems.append(f"the ROM was not given the lazy updates: {st}")
        return problems
    if st.get("enabled") != "yes" or not int(st.get("queued", 0)) or \
            not int(st.get("flush_leave", 0)) or st.get("deferred") != "0":
        problems.append(f"the lazy queue was not used: {st}")
    if "verify" in options and not int(st.get("verified", 0)):
        problems.append("vmi=verify checked no entry")
    if "verify" in options and st.get("mismatches") != "0":
        problems.append(f"queue verification: {st.get('mismatches')} mismatches")
    return problems
