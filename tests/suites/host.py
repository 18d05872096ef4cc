# SPDX-License-Identifier: GPL-2.0
"""make check's host suites: no Linux guest, only programs run on the host.

Owns the suites that examine builds rather than boot them: the harness's
own tests, the ROM's tests and its generated documentation tables, the
conformance suite against the ROM builds (the ring-1 one included) with two controls, the
validator's unit tests and fuzzing, the exported series (git am, subject,
body, Signed-off-by, checkpatch --strict), the x86_64 Xen PV comparison,
sparse and coccicheck. Programs that print TAP are folded in line by line.
"""
import os
import re

from harness import tap
from harness.build import BUILD, LOGS, TOP, rom, sh
from harness.verdict import TAP, report

CONF_SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$", re.M)
# checkpatch findings accepted per exported patch, each for a reason that is
# not ours to change: the X86_FEATURE_* table keeps the file's "( 8*32+ 5)"
# layout; the PVOP macros reuse their op argument as every PVOP macro in
# paravirt_types.h does; paravirt-lazy.c and paravirt-xxl-test.[ch] are
# covered by PARAVIRT_OPS's arch/*/kernel/paravirt* glob in MAINTAINERS.
# The inline page-table ops are macros (their native code is defined after
# paravirt.h) whose arguments appear once in each arm of a patched branch;
# pte_clear() and ptep_modify_prot_commit() keep the generic signature with
# an argument the native code has no use for, and x86_64's
# PV_XXL_OR_NATIVE() never takes the native arm; load_TLS() is such a macro
# too. The callee-save PVOP macros keep their empty extra-clobber argument
# (", ,") and the new outputs lists are asm operand lists, as the
# PVOP_*_CLOBBERS they extend. The VMI_CALLS(X) X-macro as for the files
# (Documentation/virt/vmi/testing.rst).
SERIES_ALLOW = [
    ("Add-synthetic-X86_FEATURE_PV_XXL", "SPACING"),
    ("Support-4-argument-and-64-bit-return", "MACRO_ARG_REUSE"),
    ("Run-the-page-table-ops-inline", "MACRO_ARG_REUSE"),
    ("Run-the-page-table-ops-inline", "MACRO_ARG_UNUSED"),
    ("Leave-no-extra-instruction", "MACRO_ARG_REUSE"),
    ("Leave-no-extra-instruction", "SPACING"),
    ("Leave-no-extra-instruction", "COMPLEX_MACRO"),
    ("Add-the-VMI-3.0-ABI-headers", "COMPLEX_MACRO"),
    ("Add-the-VMI-3.0-ABI-headers", "MACRO_ARG_REUSE"),
    ("Validate-a-VMI-option-ROM", "COMPLEX_MACRO"),
    ("Validate-a-VMI-option-ROM", "MACRO_ARG_UNUSED"),
    ("Provide-lazy-MMU-and-CPU-mode-helpers", "FILE_PATH_CHANGES"),
    ("Check-the-paravirt-call-sites", "FILE_PATH_CHANGES"),
]


def fold(prefix, cmd, log):
    """Run a program that prints TAP; its results become ours."""
    rc, out = sh(cmd, log)
    tap.fold(TAP, prefix, rc, out)


def harness_suite():
    fold("harness", "python3 tests/harness/test_harness.py", "harness.log")


def rom_suite():
    fold("rom", f"make -s -C rom test BUILD={BUILD}/rom/test", "rom-test.log")
    rc, out = sh("rom/tools/calltab-docs --check rom/README.md Documentation/virt/vmi/rom.rst",
                 "calltab-docs.log")
    report(rc == 0, "the call table and transition kinds in rom/README.md and rom.rst are the "
           "ones calltab.h makes", out[-2000:])


def conformance(rom_name, log):
    return sh(f"BUILD={BUILD}/rom/test rom/tests/conformance {rom(rom_name)}", log)


def conformance_suite():
    """The suite against the project ROM and its strict, jump and ring-1
    builds (the last runs the program at CPL 1), and two controls: a ROM with no virtual_top hole cannot reach the APIC
    without a linear-map slot (the suite must fail it), and a ROM that
    answers NONE for everything passes nothing but the header checks."""
    for name, rom_name in (("default", "vmi"), ("strict", "strict"), ("xfer=jump", "xfer-jump"),
                           ("RING=1", "ring1")):
        rc, out = conformance(rom_name, f"conformance-{rom_name}.log")
        tap.fold(TAP, f"conformance {name}", rc, out)
    rc, text = conformance("no-hole", "conformance-no-hole.log")
    failed = [line for line in text.splitlines() if line.startswith("not ok")]
    report(rc == 1 and any("APICRead/APICWrite" in line for line in failed),
           "negative control: conformance fails a ROM that cannot reach the APIC without "
           f"slot 3 ({len(failed)} failures)", text[-1500:])
    rc, text = conformance("none-all", "conformance-none-all.log")
    m = CONF_SUMMARY.search(text)
    passed, failed, skipped = (int(x or 0) for x in m.groups()) if m else (0, -1, 0)
    # Passes allowed: the build, and per boot the scan, header, VMI_Init,
    # two relocation lines and the plan (2 x 6).
    report(rc == 0 and failed == 0 and passed <= 13 and skipped >= 70,
           f"control: a ROM answering NONE everywhere gets skips, not passes "
           f"({passed} passed, {skipped} skipped)", text[-1500:])


def validator_suite():
    fold("validator", f"make -s -C tests/host test BUILD={BUILD}/host", "host-test.log")
    rc, out = sh(f"make -s -C tests/host fuzz BUILD={BUILD}/host", "fuzz.log")
    m = re.search(r"Done (\d+) runs", out)
    runs = int(m.group(1)) if m else 0
    report(rc == 0 and runs >= 100000,
           f"libFuzzer on the validator: {runs} executions, no crash", out[-2000:])


def exported_patches(out_dir):
    """The exported series' patches in order, cover letter excluded."""
    try:
        with open(os.path.join(out_dir, "series")) as f:
            return [n for n in (line.split("#")[0].strip() for line in f) if n]
    except OSError:
        return []


def series_suite():
    """make series: the complete series with a cover letter; applied with
    git am to a git tree of the base it gives exactly the tree make check
    builds; every patch signed and checkpatch --strict clean."""
    out_dir, repo = os.path.join(BUILD, "series"), os.path.join(BUILD, "series-git")
    rc, out = sh(f"scripts/export-series {out_dir}", "export-series.log")
    patches = exported_patches(out_dir) if rc == 0 else []
    try:
        with open(os.path.join(out_dir, "0000-cover-letter.patch")) as f:
            cover = f.read()
    except OSError:
        cover = ""
    report(rc == 0 and len(patches) > 30 and "***" not in cover and
           re.search(r"^ \d+ files changed", cover, re.M) is not None,
           f"make series: {len(patches)} patches and a cover letter with diffstat", out[-2000:])
    if patches:
        ident = "-c user.name=linux-vmi -c user.email=linux-vmi@users.noreply.invalid"
        files = " ".join(os.path.join(out_dir, p) for p in patches)
        rc, out = sh(f"cd {repo} && git checkout -q -f -B vmi-am base && git clean -q -fdx && "
                     f"git {ident} am -q {files} && git rev-list --count base..HEAD",
                     "series-git-am.log")
        applied = out.strip().splitlines()[-1] if rc == 0 and out.strip() else "0"
        report(rc == 0 and applied == str(len(patches)), "exported series applies with git am "
               f"to a git tree of the base ({applied} commits)", out[-2000:])
        if rc == 0:
            # File for file against the tree make check builds (prepare-tree's
            # and quilt's own state are not part of it).
            rc, out = sh(f"git -C {repo} --work-tree={BUILD}/linux status --porcelain "
                         "--untracked-files=all", "series-compare.log")
            differ = [line for line in out.splitlines() if line.strip() and
                      not re.search(r"^\?\? (\.vmi-(base|quilt)/?|\.pc/)", line)]
            report(rc == 0 and not differ, "git am of the exported series gives the tree "
                   "make check builds, file for file", "\n".join(differ[:40]) or out[-1500:])
    problems = []
    for p in patches:
        with open(os.path.join(out_dir, p)) as f:
            head = f.read().partition("\n---\n")[0]
        body = head.split("\n\n", 1)[-1]
        if not re.search(r"^Subject: \[PATCH[^\]]*\] \S.{10,}", head, re.M):
            problems.append(f"{p}: no subject line")
        if len([line for line in body.splitlines()
                if line.strip() and not line.startswith("Signed-off-by")]) < 2:
            problems.append(f"{p}: no body")
        if "Signed-off-by: linux-vmi <linux-vmi@users.noreply.invalid>" not in head:
            problems.append(f"{p}: no Signed-off-by of the project")
    report(bool(patches) and not problems,
           f"series: {len(patches)} patches, each with subject, body and Signed-off-by",
           "\n".join(problems))
    checkpatch_suite(out_dir, patches)


def checkpatch_suite(out_dir, patches):
    """checkpatch --strict on each exported patch (SERIES_ALLOW; a patch
    that only adds files may use the ABI's CamelCase names, and its
    directories are in MAINTAINERS through another patch) and on the
    project's own kernel files."""
    base = f"cd {BUILD}/linux && perl scripts/checkpatch.pl --no-tree --strict --terse " \
        "--show-types"
    out_all, failed = "", not patches
    for p in patches:
        with open(os.path.join(out_dir, p)) as f:
            text = f.read()
        ignore = [ign for key, ign in SERIES_ALLOW if key in p]
        diffs = re.findall(r"^--- (\S+)", text, re.M)
        if diffs and all(d == "/dev/null" for d in diffs):
            ignore += ["CAMELCASE", "FILE_PATH_CHANGES"]
        rc, out = sh(f"{base} {'--ignore ' + ','.join(ignore) if ignore else ''} "
                     f"{os.path.join(out_dir, p)}")
        out_all, failed = out_all + out, failed or rc != 0
    with open(os.path.join(LOGS, "checkpatch-series.log"), "w") as f:
        f.write(out_all)
    report(not failed, "checkpatch --strict clean on the exported series (allow-list in "
           "tests/suites/host.py)", out_all)
    # The ABI's CamelCase call names everywhere, and the X-macro idiom in
    # the two files built on it (Documentation/virt/vmi/testing.rst).
    xmacro = [os.path.join(TOP, f) for f in ("include/asm-x86/vmi/abi.h",
                                             "arch/x86/kernel/vmi/rom_check.c")]
    own = [os.path.join(TOP, d, f) for d in ("arch/x86/kernel/vmi", "include/asm-x86/vmi",
                                             "selftests/vmi")
           for f in sorted(os.listdir(os.path.join(TOP, d)))
           if f.endswith((".c", ".h")) and os.path.join(TOP, d, f) not in xmacro]
    rc1, out1 = sh(f"{base} -f --ignore CAMELCASE {' '.join(own)}", "checkpatch-files.log")
    rc2, out2 = sh(f"{base} -f --ignore CAMELCASE,COMPLEX_MACRO,MACRO_ARG_REUSE,"
                   f"MACRO_ARG_UNUSED {' '.join(xmacro)}", "checkpatch-xmacro.log")
    report(rc1 == 0 and rc2 == 0, "checkpatch --strict clean on the project's kernel files",
           out1 + out2)


def xenpv_suite():
    """x86_64 still builds with XEN_PV=y and patches its pv sites as the
    pristine tree does (scripts/check-xenpv, scripts/pvsites)."""
    fold("pvsites", "scripts/check-xenpv compare", "pvsites.log")


def static_suite():
    """sparse (C=2) and coccicheck over the VMI directory of the built tree."""
    kmake = f"make -C {BUILD}/linux O={BUILD}/obj-pae ARCH=i386"
    rc, out = sh(f"{kmake} CC='ccache gcc' C=2 arch/x86/kernel/vmi/", "sparse.log")
    checked = len(re.findall(r"^\s*CHECK\s+\S*arch/x86/kernel/vmi/", out, re.M))
    found = [line for line in out.splitlines() if re.search(r"\b(warning|error):", line)]
    # Ours: the VMI directory and the ABI headers. Warnings located in other
    # kernel headers are upstream's (6.12's per-CPU accessors, e.g.
    # get_cpu_gdt_rw(), warn for every caller, cpu/common.c included).
    ours = [line for line in found if re.search(r"arch/x86/(kernel|include/asm)/vmi/", line)]
    upstream = sorted(set(re.sub(r":\d+:\d+:", ":", line) for line in found if line not in ours))
    for line in upstream:
        print(f"# sparse, upstream header (not counted): {line}", flush=True)
    report(rc == 0 and checked >= 4 and not ours,
           f"sparse (make C=2) clean on arch/x86/kernel/vmi ({checked} files checked, "
           f"{len(upstream)} upstream-header warnings listed)", "\n".join(ours) or out[-1500:])
    rc, out = sh(f"{kmake} coccicheck MODE=report M=arch/x86/kernel/vmi", "coccicheck.log")
    runs = out.count("spatch ")
    findings = [line for line in out.splitlines() if re.match(r"^\S*vmi/\S+:\d+", line)]
    report(rc == 0 and runs > 10 and not findings,
           f"coccicheck MODE=report clean on arch/x86/kernel/vmi ({runs} semantic patches)",
           "\n".join(findings) or out[-1500:])
