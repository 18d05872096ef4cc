#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The harness's own tests: run-tests, scripts/harness and calltab-docs on saved
serial logs, TAP streams and state dumps, with no kernel and no QEMU.

Owns: that the verdicts the harness hands out follow from what a guest
printed (a failed guest test, a kernel warning, a missing plan each fail a
boot), that sub-suites are folded line by line with their exit status,
that T= selects the suites it names, that a dump of the ROM's state block
is decoded at the offsets the ROM's own layout.json gives, and that the
documentation's transition kinds are parsed from calltab.h.

Fixtures in data/ are real outputs of make check (a PAE boot on the ROM, a
timer boot, the conformance suite), saved as they were. Prints TAP; run by
make check's "harness" suite (needs build/rom/layout.json).
"""
import importlib.machinery
import importlib.util
import io
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(HERE, "data")


def load(path, name):
    loader = importlib.machinery.SourceFileLoader(name, os.path.join(TOP, path))
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


sys.path[:0] = [os.path.join(TOP, "scripts"), os.path.join(TOP, "tests")]
from harness import boot, build, execlog, tap, verdict  # noqa: E402
from suites import boots, programs, smp, timer  # noqa: E402

run_tests = load("scripts/run-tests", "run_tests")
calltab_docs = load("rom/tools/calltab-docs", "calltab_docs")


def fixture(name):
    with open(os.path.join(DATA, name)) as f:
        return f.read()


class Reports:
    """Capture what run-tests reports, with fresh counters."""

    def __enter__(self):
        self.out = io.StringIO()
        self.saved = verdict.TAP
        verdict.TAP = tap.Writer(out=self.out, prefix="#   ")
        return self

    def __exit__(self, *exc):
        self.lines = self.out.getvalue().splitlines()
        self.counts = dict(verdict.TAP.counts)
        verdict.TAP = self.saved


def judge(name, status, serial, checks):
    verdict.judge(name, boot.Guest(status, serial, None), checks)


def fold(prefix, rc, text):
    tap.fold(verdict.TAP, prefix, rc, text)


class RunTests(unittest.TestCase):
    def test_saved_boot_passes(self):
        serial = fixture("serial-pae-rom-smp1.log")
        with Reports() as r:
            judge("saved boot", 0, serial, [("a true check", True)])
        self.assertEqual(r.counts["passed"], 1, r.lines)
        self.assertEqual(r.lines[0], "ok 1 - saved boot")

    def test_failed_guest_test_fails_the_boot(self):
        serial = fixture("serial-pae-rom-smp1.log").replace(
            "ok 6 fork + exec + wait", "not ok 6 fork + exec + wait")
        self.assertFalse(tap.complete(serial))
        with Reports() as r:
            judge("broken boot", 0, serial, [])
        self.assertEqual(r.counts["failed"], 1)
        self.assertIn("guest selftest not all ok", "\n".join(r.lines))

    def test_missing_result_or_plan_fails(self):
        serial = fixture("serial-pae-rom-smp1.log")
        self.assertTrue(tap.complete(serial))
        self.assertFalse(tap.complete(serial.replace("ok 8 4 threads", "8 threads")))
        self.assertFalse(tap.complete(serial.replace("1..8\n", "")))

    def test_kernel_warning_fails_the_boot(self):
        serial = fixture("serial-pae-rom-smp1.log")
        self.assertIsNone(verdict.BAD_KERNEL_LINES.search(serial))
        bad = serial.replace("TAP version 13", "WARNING: CPU: 0 PID: 1 at mm/x.c:1\nTAP version 13")
        with Reports() as r:
            judge("warned boot", 0, bad, [])
        self.assertEqual(r.counts["failed"], 1)
        self.assertIn("kernel complained", "\n".join(r.lines))

    def test_exit_status_and_checks_count(self):
        serial = fixture("serial-pae-rom-smp1.log")
        with Reports() as r:
            judge("status 3", 3, serial, [])
            judge("false check", 0, serial, [("the counter is 1", False)])
        self.assertEqual(r.counts, {"passed": 0, "failed": 2, "skipped": 0})
        self.assertIn("#   the counter is 1", r.lines)

    def test_cpus_online(self):
        serial = fixture("serial-pae-rom-smp1.log")
        self.assertTrue(verdict.cpus_online(serial, 1)[1])
        # a 2-CPU boot whose kernel found one CPU (an MP table without the
        # AP, as without ACPI here) must fail
        self.assertFalse(verdict.cpus_online(serial, 2)[1])
        self.assertFalse(verdict.cpus_online("no smp line", 1)[1])

    def test_pv_xxl_check_line(self):
        check = verdict.xxl_check(fixture("serial-pae-rom-smp1.log"))
        self.assertIsNotNone(check)
        self.assertEqual(check["result"], "pass")
        self.assertGreater(check["sites"], 100)

    def test_lazy_queue_verdict(self):
        def lazy(**st):
            return "@@lazy\n" + "".join(f"{k}: {v}\n" for k, v in st.items()) + "@@end\n"
        # vmi=batch: the kernel's line, entries queued and issued at leave
        batch_line = "vmi: lazy MMU updates batched in the guest (vmi=batch)\n"
        batched = lazy(stats="on", enabled="yes", mode="batch", deferred=0, queued=900,
                       issued=700, flush_leave=40)
        self.assertEqual(verdict.lazy_problems(batch_line + batched, "vmi=stats,batch"), [])
        self.assertTrue(verdict.lazy_problems(batched, "vmi=stats,batch"))
        # default: the ROM defers every update, the batch is never used
        rom_line = "vmi: lazy MMU updates deferred by the ROM\n"
        rom = lazy(stats="on", enabled="yes", mode="rom", deferred=700, queued=0, issued=0)
        self.assertEqual(verdict.lazy_problems(rom_line + rom, "vmi=stats"), [])
        self.assertTrue(verdict.lazy_problems(rom, "vmi=stats"))
        self.assertTrue(verdict.lazy_problems(rom_line + batched, "vmi=stats"))
        self.assertTrue(verdict.lazy_problems(batch_line + rom, "vmi=stats,batch"))
        # nothing counted without vmi=stats; nothing used with vmi=nolazy
        self.assertTrue(verdict.lazy_problems(rom_line + rom, ""))
        self.assertEqual(verdict.lazy_problems(lazy(stats="off", enabled="yes", deferred=0,
                                                    queued=0, issued=0), ""), [])
        self.assertTrue(verdict.lazy_problems(rom_line + rom, "vmi=nolazy,stats"))
        self.assertTrue(verdict.lazy_problems("no section", "vmi=stats"))

    def test_fold_conformance_stream(self):
        tap = fixture("conformance-default.tap")
        oks = len(re.findall(r"^ok \d+ - (?!.*# SKIP)", tap, re.M))
        skips = len(re.findall(r"^ok \d+ - .*# SKIP", tap, re.M))
        with Reports() as r:
            fold("conformance", 0, tap)
        self.assertEqual(r.counts, {"passed": oks, "failed": 0, "skipped": skips})
        self.assertGreater(oks, 100)
        self.assertTrue(all(l.startswith("ok ") for l in r.lines))

    def test_fold_exit_status_must_agree(self):
        tap = fixture("conformance-default.tap")
        with Reports() as r:
            fold("conformance", 1, tap)
        self.assertEqual(r.counts["failed"], 1)
        self.assertTrue(any(l.startswith("not ok") and "exit status matches" in l
                            for l in r.lines), r.lines[-3:])
        with Reports() as r:
            fold("empty", 0, "no TAP here\n")
        self.assertEqual(r.counts["failed"], 1)

    def test_fold_keeps_a_failure(self):
        tap = fixture("conformance-default.tap").replace("ok 5 - ", "not ok 5 - ", 1)
        with Reports() as r:
            fold("conformance", 1, tap)
        self.assertEqual(r.counts["failed"], 1)
        self.assertTrue(any(l.startswith("not ok") for l in r.lines))

    def test_timer_numbers(self):
        idle, sleeps = timer.timer_numbers(fixture("serial-timer-pae-rom.log"))
        self.assertIn("mono_ns", idle)
        self.assertEqual(sorted(sleeps), [10000000, 100000000, 1000000000])
        self.assertEqual(sleeps[10000000]["early"], 0)

    def test_suite_selection(self):
        names = lambda p: [s[0] for s in run_tests.selected(p)]
        self.assertEqual(names(""), [s[0] for s in run_tests.SUITES])
        self.assertEqual(names("timer"), ["timer"])
        self.assertEqual(names("conf*, rom"), ["rom", "conformance"])
        self.assertEqual(names("nosuch"), [])
        self.assertEqual(len(set(names(""))), len(run_tests.SUITES))
        for name, _, needs, run in run_tests.SUITES:
            self.assertTrue(callable(run), name)
            self.assertTrue(set(needs) <= set(run_tests.GUEST) | {"tree", "xenpv-build"}, name)


class Tables(unittest.TestCase):
    """The declarative boots: each a unique log, a known ROM, checks that
    pass on a saved boot and fail when one fact in it changes."""

    def cases(self):
        return boots.boot_cases() + boots.partial_cases() + smp.smp_cases() + \
            boots.power_cases() + [programs.programs(*b) for b in
                                   programs.PROGRAM_BOOTS + programs.AUDIT_BOOTS]

    def test_names_and_roms(self):
        names = [c.name for c in self.cases()]
        self.assertGreater(len(names), 40)
        self.assertEqual(len(names), len(set(names)), "two boots would share a log")
        for c in self.cases():
            self.assertTrue(c.rom is None or c.rom in build.ROMS, c.name)
            self.assertIn(c.flavour, build.KERNELS, c.name)

    def test_active_case_on_a_saved_boot(self):
        case = [c for c in boots.boot_cases() if c.name == "pae-rom-smp1-minimal"][0]
        values = {"Init": 1, "GetRelocationInfo": 74, "FlushTLB": 9, "InvalPage": 9,
                  "rom_phys": 0xc0000}
        saved, build.kernel_version = build.kernel_version, "6.12.118"
        try:
            ok = lambda v: [d for d, good in case.checks(
                boot.Guest(0, fixture("serial-pae-rom-smp1.log"), v)) if not good]
            self.assertEqual(ok(values), [])
            self.assertEqual(ok(dict(values, Init=2)), ["VMI_Init called exactly once"])
            self.assertEqual(len(ok(dict(values, rom_phys=0xd0000))), 1)
            self.assertEqual(len(ok(None)), 5)
        finally:
            build.kernel_version = saved


class Tap(unittest.TestCase):
    tap = tap

    def test_kselftest_and_project_lines(self):
        found = self.tap.results(fixture("serial-pae-rom-smp1.log"))
        self.assertEqual(len(found), 8)
        self.assertEqual(found[0], (True, "status readable: active", None))
        self.assertEqual(self.tap.results("ok 4 - a name # SKIP NONE\nnot ok 5 - b\n"),
                         [(None, "a name", "NONE"), (False, "b", None)])
        self.assertEqual(self.tap.results("# ok 1 - a diagnostic\nok - no number\n"), [])

    def test_writer_counts_and_summary(self):
        out = io.StringIO()
        w = self.tap.Writer(out=out)
        w.report(True, "a")
        w.report(None, "b", "why")
        w.report(False, "c", "line 1\nline 2")
        self.assertEqual(out.getvalue().splitlines(),
                         ["ok 1 - a", "ok 2 - b # SKIP why", "not ok 3 - c", "# line 1", "# line 2"])
        self.assertEqual(w.summary(), "1 passed, 1 failed, 1 skipped")

    def test_program_results(self):
        section = ("@@vmi-program-start prog\nTAP version 13\n1..2\nok 1 one\n"
                   "ok 2 two # SKIP no debug build\n@@vmi-program-end prog rc=0\n")
        self.assertEqual(verdict.program_results(section, ["prog"], ("no debug build",)), [])
        self.assertEqual(verdict.program_results(section, ["prog"]),
                         ["prog: skipped two # SKIP no debug build"])
        self.assertIn("prog: 1 results for a plan of 2", verdict.program_results(
            section.replace("ok 2 two # SKIP no debug build\n", ""), ["prog"]))
        self.assertEqual(verdict.program_results(section.replace("rc=0", "rc=1"), ["prog"],
                                                   ("no debug build",)),
                         ["prog: exit status 1"])


class QemuBoot(unittest.TestCase):
    def setUp(self):
        path = os.path.join(TOP, "build", "rom", "layout.json")
        with open(path) as f:
            self.layout = json.load(f)

    def dump(self):
        """A state block as the ROM would leave it, built from layout.json."""
        d = self.layout
        blob = bytearray(d["VMI_ROM_AP_TRAMP_MIN"] + 64)
        struct.pack_into("<4I", blob, 0, boot.STATE_MAGIC, 1, 0, 0)
        names = boot.call_names()
        for slot in names:
            struct.pack_into("<Q", blob, d["VMI_ROM_STATE_COUNTERS"] + 8 * slot, 1000 + slot)
        struct.pack_into("<I", blob, d["VMI_ROM_PRIV_APIC_ERRORS"], 7)
        cpu1 = d["VMI_ROM_PRIV_PCPU"] + d["VMI_ROM_PCPU_SIZE"] + d["VMI_ROM_PCPU_LINEAR"]
        struct.pack_into("<3I", blob, cpu1 + 3 * d["VMI_ROM_LINEAR_SIZE"], 0xffa00000, 1, 0xfee00)
        ap2 = d["VMI_ROM_PRIV_AP"] + (2 << d["VMI_ROM_AP_SHIFT"])
        struct.pack_into("<I", blob, ap2 + d["VMI_ROM_AP_STARTS"], 1)
        struct.pack_into("<I", blob, ap2 + d["VMI_ROM_AP_IPIS"], 2)
        return bytes(blob), names

    def test_decode_state_at_the_generated_offsets(self):
        blob, names = self.dump()
        state = boot.decode_state(blob, self.layout)
        self.assertEqual(len(names), 77)
        self.assertEqual(state["CPUID"], 1000)
        self.assertEqual(state["SetLazyMode"], 1073)
        self.assertEqual(state["transitions"], 1076)
        p = state
        self.assertEqual(p["priv_apic_errors"], 7)
        self.assertEqual(p["priv_cpu1_slot3_va"], 0xffa00000)
        self.assertEqual(p["priv_cpu1_slot3_pages"], 1)
        self.assertEqual(p["priv_cpu0_slot3_pages"], 0)
        self.assertEqual((p["priv_ap2_starts"], p["priv_ap2_ipis"]), (1, 2))

    def test_monitor_report_and_escapes_by_symbol(self):
        d = self.layout
        blob, _ = self.dump()
        blob = bytearray(blob) + bytearray(d["VMI_ROM_RING_OFFSET"] + 512 - len(blob))
        base = d["VMI_ROM_RING_OFFSET"]
        self.assertNotIn("mon_cpus", boot.decode_state(bytes(blob), d))  # no CPU: no monitor
        struct.pack_into("<I", blob, base + d["VMI_MON_CPUS"], 2)
        struct.pack_into("<Q", blob, base + d["VMI_MON_GATE_CALLS"], 12345)
        struct.pack_into("<I", blob, base + d["VMI_MON_ESCAPES"], 3)
        struct.pack_into("<I", blob, base + d["VMI_MON_ESCAPE_SITES"], 1)
        struct.pack_into("<4I", blob, base + d["VMI_MON_LOG"], 0xc1000010, 0x25e0200f, 3, 1)
        v = boot.decode_state(bytes(blob), d)
        self.assertEqual((v["mon_cpus"], v["mon_gate_calls"], v["mon_escapes"]), (2, 12345, 3))
        self.assertEqual(v["mon_escape0_eip"], 0xc1000010)
        self.assertNotIn("mon_escape1_eip", v)
        with tempfile.NamedTemporaryFile("w", suffix=".map") as m:
            m.write("c1000000 T setup_arch\nc1000100 T other\n")
            m.flush()
            lines = boot.summary(dict(v, rom_phys=0xc0000, state_phys=0x9c000), m.name)
        self.assertIn("qemu-boot: escape at 0xc1000010 setup_arch+0x10 (bytes 25e0200f) x3, "
                      "emulated", lines)

    def test_cpl_line_and_verdict(self):
        self.assertEqual(boot.cpl_line({1: 5, 0: 1}),
                         "qemu-boot: host-sampled kernel CPL: 1 (CPL 0: 1, CPL 1: 5 samples)")
        g = boot.Guest(0, "", None)
        g.cpl_samples = {1: 4}
        self.assertIn("expected 0", verdict.wrong_cpl(g))
        g.expected_cpl = 1
        self.assertIsNone(verdict.wrong_cpl(g))

    def test_not_a_state_block(self):
        blob, _ = self.dump()
        self.assertIsNone(boot.decode_state(b"\0" * 16 + blob[16:], self.layout))

    def test_layout_beside_the_rom(self):
        rom = os.path.join(TOP, "build", "rom", "vmi.rom")
        self.assertEqual(boot.rom_layout(rom), self.layout)

    def test_harness_markers(self):
        serial = fixture("serial-pae-rom-smp1.log").encode()
        self.assertEqual(boot.END_RE.search(serial).group(1), b"0")
        self.assertIsNone(boot.SNAP_RE.search(serial))


class Watch(unittest.TestCase):
    """boot.watch() against a stand-in for QEMU (a Python program): the
    guest protocol, CR LF lines, the status mapping and the timeout."""

    def watch(self, program, timeout=20):
        with tempfile.TemporaryDirectory() as work:
            return boot.watch([sys.executable, "-c", program], work, None, timeout, False,
                              True, io.BytesIO())

    def test_end_marker_and_status(self):
        g = self.watch("import sys\n"
                       "sys.stdout.write('[    0.1] smp: Brought up 1 node, 1 CPU\\r\\n'"
                       "                 '@@VMI-HARNESS-END rc=3\\r\\n'); sys.stdout.flush()\n"
                       "sys.stdin.readline(); sys.exit(7)")
        self.assertEqual(g.status, 3)
        self.assertNotIn("\r", g.serial)
        self.assertTrue(verdict.cpus_online(g.serial, 1)[1])
        self.assertIn("qemu-boot: guest exit status 3", g.notes[-1])

    def test_no_status_and_timeout(self):
        g = self.watch("print('booting')")
        self.assertEqual(g.status, 125)
        self.assertIn("without reporting a status", "\n".join(g.notes))
        g = self.watch("import time; time.sleep(30)", timeout=1)
        self.assertEqual(g.status, 124)
        self.assertIn("did not finish within 1 s", g.serial)


class ExecLog(unittest.TestCase):
    """execlog against a QEMU-shaped log written into its FIFO: block
    lengths from in_asm, runs from exec, segments split at the marker."""

    LOG = ("IN: \n0x00001000:  push %eax\n0x00001001:  pop %eax\n\n"
           "Trace 0: 0x1 [00000000/00001000/00000000/ff000000] \n"
           "IN: \n0x00002000:  ret\n\n"
           "Trace 0: 0x2 [00000000/00002000/00000000/ff000000] \n"
           "Trace 0: 0x2 [00000000/00002000/00000000/ff000000] \n"
           "Trace 0: 0x1 [00000000/00001000/00000000/ff000000] \n"
           "Trace 0: 0x2 [00000000/00002000/00000000/ff000000] \n")

    def test_blocks_and_segments(self):
        log = execlog.ExecLog([(0x1000, 0x3000)], marker=0x2000)
        self.assertIn("0x1000..0x2fff", log.qemu_args())
        with open(log.fifo, "w") as f:
            f.write(self.LOG)
        log.finish()
        # Block 0x1000 (2 instructions) ran once before the first mark and
        # once between the second and the third.
        self.assertEqual(dict(log.per_segment()), {0: 2, 2: 2})
        self.assertEqual(log.segments, 4)
        whole = execlog.ExecLog()
        with open(whole.fifo, "w") as f:
            f.write(self.LOG)
        whole.finish()
        self.assertEqual(dict(whole.per_block()), {0x1000: 4, 0x2000: 3})


class CalltabDocs(unittest.TestCase):
    def test_every_call_has_one_kind(self):
        kinds = [k for k, _ in calltab_docs.kinds()]
        self.assertEqual(kinds, ["NONE", "TRAP", "DEFER", "FLUSH", "CPU", "LAZY"])
        listed = [c for k in kinds for c in calltab_docs.calls_of(k)]
        calls = [name for _, name, _, _, _ in calltab_docs.calls()]
        self.assertEqual(len(calls), 74)
        self.assertEqual(sorted(listed), sorted(calls + ["VMI_Init", "GetRelocationInfo"]))

    def test_table_covers_every_call(self):
        rows = calltab_docs.table().splitlines()[2:]
        covered = set()
        for row in rows:
            num = row.split("|")[1].strip()
            if "-" in num:
                a, b = map(int, num.split("-"))
                covered |= set(range(a, b + 1))
            else:
                covered |= {int(n) for n in num.split(",")}
        self.assertEqual(covered, set(range(74)))


class BisectCC(unittest.TestCase):
    """scripts/bisect-cc reuses an object only when the code gcc sees is the
    same: a header change under a false #if hits, a real change misses, an
    .incbin is always compiled."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.env = dict(os.environ, BISECT_CC_CACHE=os.path.join(self.dir.name, "cache"))
        os.mkdir(self.env["BISECT_CC_CACHE"])

    def write(self, name, text):
        with open(os.path.join(self.dir.name, name), "w") as f:
            f.write(text)

    def compile(self):
        """Compile a.c as kbuild would; return (exit status, calls log)."""
        rc = subprocess.call([os.path.join(TOP, "scripts/bisect-cc"), "gcc",
                              "-Wp,-MMD,.a.o.d", "-c", "-o", "a.o", "a.c"],
                             cwd=self.dir.name, env=self.env, stderr=subprocess.DEVNULL)
        with open(os.path.join(self.env["BISECT_CC_CACHE"], "calls")) as f:
            return rc, f.read()

    def test_reuse_only_for_the_same_code(self):
        self.write("a.c", '#include "h.h"\nint y(void) { return x(); }\n')
        self.write("h.h", "#if 0\nold\n#endif\nint x(void);\n")
        self.assertEqual(self.compile(), (0, "m"))
        self.write("h.h", "#if 0\nold\nnew\n\n#endif\nint x(void);\n")
        self.assertEqual(self.compile(), (0, "mh"))
        with open(os.path.join(self.dir.name, ".a.o.d")) as f:
            self.assertIn("h.h", f.read())
        self.write("h.h", "#if 0\n#endif\nint x(int);\n")
        self.assertNotEqual(self.compile()[0], 0)
        self.write("h.h", "#if 0\n#endif\nlong x(void);\n")
        self.assertEqual(self.compile(), (0, "mhm"))

    def test_incbin_is_always_compiled(self):
        self.write("blob", "data")
        self.write("a.c", 'asm(".incbin \\"blob\\"");\n')
        self.assertEqual(self.compile(), (0, "p"))
        self.assertEqual(self.compile(), (0, "pp"))


class TAPResult(unittest.TestResult):
    """One TAP line per test, as make check folds it."""

    def __init__(self):
        super().__init__()
        self.n = 0

    def line(self, ok, test, detail=""):
        self.n += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} - {test.id().split('.', 1)[1]}")
        for d in detail.rstrip().splitlines()[-15:]:
            print(f"# {d}")

    def addSuccess(self, test):
        super().addSuccess(test)
        self.line(True, test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.line(False, test, self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self.line(False, test, self._exc_info_to_string(err, test))


if __name__ == "__main__":
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    print(f"TAP version 13\n1..{suite.countTestCases()}")
    result = TAPResult()
    suite.run(result)
    sys.exit(0 if result.wasSuccessful() else 1)
