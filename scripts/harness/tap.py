# SPDX-License-Identifier: GPL-2.0
"""TAP for every test program of linux-vmi: one writer, one reader.

Owns the format the project's test programs print and make check reads,
TAP 13 as kselftest writes it: "ok N - name", "not ok N - name", a skip
as "ok N - name # SKIP why", "# " diagnostics under a failure, a plan
"1..N" and, at the end, "N passed, N failed[, N skipped]". Writer numbers
and counts what it reports; results() and complete() read a stream back
(a guest's serial log, a sub-program's output); fold() reports a
sub-program's results again through a Writer, under a prefix, and fails
when its exit status disagrees with them.

Used by scripts/run-tests, scripts/pvsites, rom/tests/{run,conformance,
romcheck} and tests/harness; imported with scripts/ on sys.path.
"""
import re
import sys

# "ok 3 - name" as the project writes it; "ok 3 name" as kselftest does.
LINE = re.compile(r"^(not ok|ok) \d+(?: -)? (.*?)(?:\s+# SKIP\s*(.*))?$")
PLAN = re.compile(r"^1\.\.(\d+)$", re.M)


class Writer:
    """Prints one numbered TAP line per result and keeps the counts.
    detail (a string or lines) follows a failure, at most max_detail lines,
    each after prefix."""

    def __init__(self, out=None, prefix="# ", max_detail=40):
        self.out = out
        self.prefix = prefix
        self.max_detail = max_detail
        self.counts = {"passed": 0, "failed": 0, "skipped": 0}
        self.number = 0

    def _print(self, line):
        print(line, file=self.out or sys.stdout, flush=True)

    def report(self, ok, name, detail=""):
        """ok: True, False, or None for a skip (detail is then its reason)."""
        self.number += 1
        if ok is None:
            self.counts["skipped"] += 1
            self._print(f"ok {self.number} - {name} # SKIP {detail}".rstrip())
            return
        self.counts["passed" if ok else "failed"] += 1
        self._print(f"{'ok' if ok else 'not ok'} {self.number} - {name}")
        if not ok and detail:
            lines = detail.rstrip().splitlines() if isinstance(detail, str) else detail
            for d in list(lines)[:self.max_detail]:
                self._print(f"{self.prefix}{d}")

    @property
    def failed(self):
        return self.counts["failed"]

    def summary(self):
        line = f"{self.counts['passed']} passed, {self.counts['failed']} failed"
        if self.counts["skipped"]:
            line += f", {self.counts['skipped']} skipped"
        return line


def results(text):
    """[(ok, name, skip reason)] of a stream, in order; ok is None for a
    skip. Lines that are not results are ignored."""
    out = []
    for line in text.splitlines():
        m = LINE.match(line.rstrip())
        if m:
            out.append((None if m.group(3) is not None else m.group(1) == "ok",
                        m.group(2), m.group(3)))
    return out


def complete(text):
    """A whole passing run: a plan, as many results as it says, none
    failed (kselftest's own output on a guest's serial line)."""
    plan = PLAN.search(text)
    found = results(text)
    return bool(plan) and len(found) == int(plan.group(1)) and \
        all(ok is not False for ok, _, _ in found)


def fold(writer, prefix, rc, text):
    """Report a sub-program's results through writer, as "prefix: name";
    one failure more if it reported nothing or its exit status (rc, 0 when
    all passed) disagrees with its results."""
    found = results(text)
    for ok, name, why in found:
        writer.report(ok, f"{prefix}: {name}", why or "")
    failed = sum(ok is False for ok, _, _ in found)
    if not found or (rc != 0) != (failed != 0):
        writer.report(False, f"{prefix}: suite ran and its exit status matches its results",
                      text[-2000:])
