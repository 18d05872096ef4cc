# SPDX-License-Identifier: GPL-2.0
"""One guest run: boot a kernel under QEMU, hand back what it did.

Owns the guest protocol and what the host reads of the ROM. run() appends
a cpio carrying the guest command to the initramfs, copies the serial
output to a log, reads the ROM's state block through the QEMU monitor when
the guest says it is done (the host reads guest memory itself, it does not
trust the guest's report) and returns a Guest: the status the guest sent
through isa-debug-exit, the serial text and the ROM's values.

Guest protocol (tests/guest/init): the guest prints "@@VMI-HARNESS-END
rc=N", waits for one line on the console, then writes N to isa-debug-exit;
QEMU exits with (N << 1) | 1. A guest that powers off or resets without
that, or is silent past the timeout, fails with a message saying which
(status 125, or 124 for the timeout). A line "@@VMI-HARNESS-SNAP TAG" makes
the host note when it arrived and read the ROM at once, without stopping
the guest: values "snap.TAG.host_ns" and "snap.TAG.NAME".

Values: every counter of the state block by call name (plus Init,
GetRelocationInfo, transitions), rom_phys and state_phys, the ROM-private
facts the SMP tests check (priv_*), an AUDIT=1 ROM's findings (audit_*)
and a RING=1 ROM's monitor (mon_*: crossings, escapes and the escape
log), all at the offsets the ROM's generated layout.json gives. Apart
from them, Guest.cpl_samples: the kernel's CPL as the host sampled it
(CPL -> how many looks found the kernel running there; halted CPUs, user
code and the ROM left out).
"""
import json
import os
import re
import select
import struct
import subprocess
import sys
import tempfile
import time

from . import qemu

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(TOP, "build")
ABI_HEADER = os.path.join(TOP, "include/asm-x86/vmi/abi.h")
END_RE = re.compile(rb"@@VMI-HARNESS-END rc=(\d+)")
SNAP_RE = re.compile(rb"@@VMI-HARNESS-SNAP ([\w.-]+)")
ROMLOG_RE = re.compile(r"vmi-rom: rom=0x([0-9a-f]+) state=0x([0-9a-f]+) size=0x([0-9a-f]+)")
STATE_MAGIC = 0x53494D56
AUDIT_MAGIC = 0x54445541
AUDIT_KINDS = ("divergences", "unannounced_updates", "unannounced_in_use", "wrong_type",
               "wrong_zeroed_or_clone", "released_while_referenced")
AUDIT_FIELDS = ("checks", "pages_compared", "pages_shadowed", "pages_max", "store_full",
                "pending_overflow", "suspects", "unreachable", "records")


class Guest:
    """What one run left: status, serial text (with the host's notes), the
    ROM's values (None when nothing was read)."""

    def __init__(self, status, serial, values, elapsed=0.0, notes=()):
        self.status, self.serial, self.values, self.elapsed = status, serial, values, elapsed
        self.notes = list(notes)
        self.cpl_samples = {}       # CPL -> looks that found the kernel running there
        self.expected_cpl = 0       # the CPL the kernel must run at (case.guest sets it)

    def c(self, name):
        """A ROM value, 0 when absent."""
        return (self.values or {}).get(name, 0)

    def says(self, pattern):
        return re.search(pattern, self.serial, re.M) is not None


def call_names():
    """Counter slot names, from the ABI header's X-macro (one source of truth)."""
    with open(ABI_HEADER) as f:
        names = {int(n): name for n, name in re.findall(r"X\((\d+), (\w+)\)", f.read())}
    count = len(names)
    names.update({count: "Init", count + 1: "GetRelocationInfo", count + 2: "transitions"})
    return names


def rom_layout(rom):
    """The state block's layout: layout.json beside the image (a copied or
    mutated image of this project's ROM uses the default build's); {} for
    another ROM."""
    for d in (os.path.dirname(os.path.abspath(rom)), os.path.join(BUILD, "rom")):
        try:
            with open(os.path.join(d, "layout.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            continue
    return {}


def _u32(blob, off, n=1):
    return struct.unpack_from(f"<{n}I", blob, off)


def decode_state(blob, layout):
    """{name: value} from a dump of the state block; None without the magic."""
    if _u32(blob, 0)[0] != STATE_MAGIC:
        return None
    out = {}
    for slot, name in call_names().items():
        off = layout.get("VMI_ROM_STATE_COUNTERS", 16) + 8 * slot
        if off + 8 <= len(blob):
            out[name] = struct.unpack_from("<Q", blob, off)[0]
    for decode in (decode_private, decode_audit, decode_monitor):
        try:
            out.update(decode(blob, layout))
        except (KeyError, struct.error):
            pass
    return out


def decode_private(blob, d):
    """APIC use before slot 3, per-CPU linear-map slots, SetInitialAPState
    slots with the INIT/STARTUP IPIs each AP got and the ROM's starts."""
    out = {"priv_apic_errors": _u32(blob, d["VMI_ROM_PRIV_APIC_ERRORS"])[0],
           "priv_cpu_overflow": _u32(blob, d["VMI_ROM_PRIV_CPU_OVERFLOW"])[0]}
    for cpu in range(d["VMI_ROM_MAX_CPUS"]):
        base = d["VMI_ROM_PRIV_PCPU"] + cpu * d["VMI_ROM_PCPU_SIZE"] + d["VMI_ROM_PCPU_LINEAR"]
        for slot in range(4):
            va, pages, _ = _u32(blob, base + d["VMI_ROM_LINEAR_SIZE"] * slot, 3)
            out[f"priv_cpu{cpu}_slot{slot}_pages"] = pages
            out[f"priv_cpu{cpu}_slot{slot}_va"] = va
        ap = d["VMI_ROM_PRIV_AP"] + (cpu << d["VMI_ROM_AP_SHIFT"])
        for field in ("valid", "ipis", "starts"):
            out[f"priv_ap{cpu}_{field}"] = _u32(blob, ap + d[f"VMI_ROM_AP_{field.upper()}"])[0]
    return out


def decode_audit(blob, layout):
    """An AUDIT=1 ROM's report (struct vmi_rom_audit_report); {} otherwise."""
    off = layout["VMI_ROM_AUDIT_OFFSET"]
    magic, active, store_phys, _ = _u32(blob, off, 4)
    if magic != AUDIT_MAGIC:
        return {}
    names = AUDIT_KINDS + AUDIT_FIELDS
    out = {f"audit_{k}": v for k, v in zip(names, _u32(blob, off + 16, len(names)))}
    return {"audit_active": active, "audit_store_phys": store_phys, **out}


MON_COUNTERS = (("gate_calls", "VMI_MON_GATE_CALLS", 8), ("reflections", "VMI_MON_REFLECTIONS", 8),
                ("xfers", "VMI_MON_XFERS", 8), ("sysenters", "VMI_MON_SYSENTERS", 8),
                ("escapes", "VMI_MON_ESCAPES", 4), ("user_io", "VMI_MON_USER_IO", 4),
                ("msr_faults", "VMI_MON_MSR_FAULTS", 4), ("panic_vec", "VMI_MON_PANIC_VEC", 4))


def decode_monitor(blob, d):
    """A RING=1 ROM's monitor (struct vmi_mon_shared): {} unless it runs
    a CPU."""
    base = d["VMI_ROM_RING_OFFSET"]
    if base + 512 > len(blob) or not _u32(blob, base + d["VMI_MON_CPUS"])[0]:
        return {}
    out = {"mon_cpus": _u32(blob, base + d["VMI_MON_CPUS"])[0]}
    for name, key, size in MON_COUNTERS:
        out[f"mon_{name}"] = struct.unpack_from("<Q" if size == 8 else "<I", blob,
                                                base + d[key])[0]
    sites = min(_u32(blob, base + d["VMI_MON_ESCAPE_SITES"])[0], d["VMI_MONITOR_ESCAPE_LOG"])
    for i in range(sites):
        eip, insn, count, action = _u32(blob, base + d["VMI_MON_LOG"] + 16 * i, 4)
        out.update({f"mon_escape{i}_eip": eip, f"mon_escape{i}_bytes": insn,
                    f"mon_escape{i}_count": count, f"mon_escape{i}_emulated": int(action == 1)})
    return out


def symbolize(system_map, addrs):
    """{address: "function+0xoff"} from a System.map; "?" where unknown."""
    syms = []
    try:
        with open(system_map) as f:
            for line in f:
                a, t, name = line.split()[:3]
                if t in "tTwW":
                    syms.append((int(a, 16), name))
    except (OSError, ValueError):
        pass
    syms.sort()
    out = {}
    for a in addrs:
        best = None
        for s_addr, name in syms:
            if s_addr > a:
                break
            best = (s_addr, name)
        out[a] = f"{best[1]}+{a - best[0]:#x}" if best and a - best[0] < 0x10000 else "?"
    return out


CPL_RE = re.compile(r"EIP=([0-9a-f]{8}) .*\bCPL=(\d)\b.*\bHLT=(\d)")


# Kernel text: from PAGE_OFFSET + 1 MiB up (below lie the option ROMs,
# the ROM's monitor among them, and the BIOS).
KERNEL_TEXT_MIN = 0xc0100000


# The kernel's line as it starts init: the CPL samples begin there.
USERSPACE_LINE = b"Run /init as init process"


def sample_cpl(monitor, samples):
    """One look at CPU 0 through the QEMU monitor: its CPL, counted in
    @samples when it runs kernel code (not halted, not in the ROM)."""
    mon = qemu.Monitor(monitor)
    try:
        m = CPL_RE.search(mon.command("info registers", timeout=5))
    except OSError:
        return
    finally:
        mon.close()
    if m and int(m.group(1), 16) >= KERNEL_TEXT_MIN and m.group(3) == "0":
        samples[int(m.group(2))] = samples.get(int(m.group(2)), 0) + 1


def read_state(monitor, romlog, work, rom):
    """The ROM's values, read from guest memory now; None if it published none."""
    try:
        with open(romlog) as f:
            m = ROMLOG_RE.search(f.read())
    except OSError:
        m = None
    if not m:
        return None
    state_phys, size = int(m.group(2), 16), int(m.group(3), 16)
    dump = os.path.join(work, "state.bin")
    mon = qemu.Monitor(monitor)
    mon.command(f'pmemsave {state_phys:#x} {size:#x} "{dump}"')
    mon.close()
    with open(dump, "rb") as f:
        values = decode_state(f.read(), rom_layout(rom))
    if values is not None:
        values.update(rom_phys=int(m.group(1), 16), state_phys=state_phys)
    return values


def cmd_cpio(work, guest_cmd):
    """A cpio with /etc/harness-cmd, appended to the initramfs for one run."""
    with open(os.path.join(work, "harness-cmd"), "w") as f:
        f.write(guest_cmd + "\n")
    with open(os.path.join(work, "cmd.list"), "w") as f:
        f.write(f"dir /etc 0755 0 0\nfile /etc/harness-cmd {work}/harness-cmd 0644 0 0\n")
    return subprocess.run([os.path.join(BUILD, "tools/gen_init_cpio"),
                           os.path.join(work, "cmd.list")],
                          check=True, stdout=subprocess.PIPE).stdout


def summary(values, system_map=None):
    """The host's account of the ROM, printed at the end of a run."""
    if values is None:
        return ["qemu-boot: ROM counters unavailable (no state published or read)"]
    lines = [f"qemu-boot: ROM at {values['rom_phys']:#x}, state at "
             f"{values['state_phys']:#x}; non-zero counters:"]
    lines += [f"  {k:<20} {v}" for k, v in values.items()
              if v and k in call_names().values()]
    audit = [f"{k[6:]} {v}" for k, v in values.items() if k.startswith("audit_")]
    if audit:
        lines.append("qemu-boot: shadow audit: " + ", ".join(audit))
    if "mon_cpus" in values:
        lines.append("qemu-boot: ring-0 monitor: " + ", ".join(
            f"{name.replace('_', ' ')} {values['mon_' + name]}"
            for name in ("cpus", "gate_calls", "reflections", "xfers", "sysenters",
                         "user_io", "msr_faults", "escapes")))
        sites = [i for i in range(16) if f"mon_escape{i}_eip" in values]
        names = symbolize(system_map, [values[f"mon_escape{i}_eip"] for i in sites]) \
            if system_map else {}
        for i in sites:
            eip = values[f"mon_escape{i}_eip"]
            lines.append(f"qemu-boot: escape at {eip:#010x} {names.get(eip, '?')} "
                         f"(bytes {values[f'mon_escape{i}_bytes']:08x}) x"
                         f"{values[f'mon_escape{i}_count']}, "
                         f"{'emulated' if values[f'mon_escape{i}_emulated'] else 'refused'}")
    return lines


def cpl_line(samples):
    """The kernel's CPL as the host sampled it (the most seen; all listed)."""
    if not samples:
        return "qemu-boot: host-sampled kernel CPL: none (no kernel sample)"
    seen = ", ".join(f"CPL {c}: {n}" for c, n in sorted(samples.items()))
    return (f"qemu-boot: host-sampled kernel CPL: {max(samples, key=samples.get)} "
            f"({seen} samples)")


def guest_status(rc, end_rc):
    """QEMU's exit code as the guest's status, and why when it is not one."""
    if rc > 0 and rc & 1:
        return rc >> 1, None
    if end_rc is not None:
        return 125, (f"qemu-boot: guest reported rc={end_rc} but did not exit through "
                     f"isa-debug-exit (qemu rc {rc})")
    return 125, f"qemu-boot: guest stopped without reporting a status (qemu rc {rc})"


def run(kernel, *, initrd=None, rom=None, pae=True, smp=1, mem="512M", append="",
        cmd=None, devices="minimal", timeout=300, log=None, quiet=True, qemu_args=(),
        icount=False, until_stop=False, extra_initrd=()):
    """Boot once. cmd=None: interactive on this terminal. until_stop: the
    command powers off or resets; QEMU holds the machine (-no-shutdown),
    the ROM is read then, and the status is 0 once it stopped."""
    initrd = initrd or os.path.join(BUILD, "initramfs.cpio")
    for path in (kernel, initrd) + ((rom,) if rom else ()):
        if not os.path.exists(path):
            raise FileNotFoundError(f"qemu-boot: {path} missing (make kernel, make rom)")
    with tempfile.TemporaryDirectory(prefix="vmi-boot-") as work:
        if cmd is not None:
            initrd = guest_initrd(work, [initrd, *extra_initrd], cmd)
        extra = ["-no-reboot"] + (["-no-shutdown"] if until_stop else [])
        if devices != "minimal":
            extra += ["-vga", "std", "-nic", "user,model=e1000"]
        if icount:
            # The wall clock would be the one input that differs between runs.
            extra += ["-icount", "shift=0,sleep=off", "-rtc", "base=2026-01-01T00:00:00,clock=vm"]
        argv = qemu.command(kernel, mem=mem, smp=smp, cpu="qemu32,+nx" if pae else "qemu32",
                            rom=rom, append="console=ttyS0 panic=-1 loglevel=7 " + append,
                            initrd=initrd, serial="mon:stdio" if cmd is None else "stdio",
                            debugcon=os.path.join(work, "debugcon.log"),
                            monitor=os.path.join(work, "monitor.sock"),
                            nodefaults=devices == "minimal", extra=extra + list(qemu_args))
        if cmd is None:
            print("qemu-boot: interactive; Ctrl-A X quits QEMU, 'poweroff' leaves the guest",
                  flush=True)
            rc = subprocess.call(argv)
            return Guest(0 if rc == 0 else guest_status(rc, None)[0], "", None)
        with open(log or os.devnull, "wb") as f:
            guest = watch(argv, work, rom, timeout, until_stop, quiet, f,
                          system_map=os.path.join(os.path.dirname(kernel), "../../../System.map"))
        if log:
            if os.path.exists(os.path.join(work, "debugcon.log")):
                os.replace(os.path.join(work, "debugcon.log"), log + ".debugcon")
    if not quiet:
        sys.stderr.write("\n".join(guest.notes) + "\n")
    return guest


def guest_initrd(work, parts, cmd):
    """The initramfs parts and the guest command, as one archive."""
    path = os.path.join(work, "initrd.cpio")
    with open(path, "wb") as out:
        for part in parts:
            with open(part, "rb") as f:
                out.write(f.read())
        out.write(cmd_cpio(work, cmd))
    return path


def watch(argv, work, rom, timeout, until_stop, quiet, log, system_map=None):
    """Run QEMU until the guest ends: its serial text, with the host's
    notes (the ROM's summary, how the run ended) after it, also written
    to @log as it arrives."""
    monitor, romlog = os.path.join(work, "monitor.sock"), os.path.join(work, "debugcon.log")
    start = time.time()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    out, partial, end_rc, values, snaps, why = bytearray(), b"", None, None, {}, None
    stopped, samples, next_sample = False, {}, start + 0.5
    while True:
        # From the start of userspace on: before VMI_Init the kernel runs
        # at CPL 0 under any ROM, and one early look would count that.
        if time.time() >= next_sample and end_rc is None and USERSPACE_LINE in out:
            sample_cpl(monitor, samples)
            next_sample = time.time() + 0.25
        remaining = timeout - (time.time() - start)
        if remaining <= 0:
            proc.kill()
            why = f"qemu-boot: guest did not finish within {timeout} s; killed"
            break
        if not select.select([proc.stdout], [], [], min(remaining, 0.25))[0]:
            if proc.poll() is not None:
                break
            if until_stop and machine_stopped(monitor):
                stopped, values = True, read_state(monitor, romlog, work, rom)
                try:
                    qemu.Monitor(monitor).command("quit")
                except OSError:
                    pass
                break
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        arrived = time.monotonic_ns()
        out += chunk
        log.write(chunk)
        log.flush()
        if not quiet:
            sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
        *lines, partial = (partial + chunk).split(b"\n")
        for line in lines:
            m = SNAP_RE.search(line)
            if m and m.group(1).decode() not in snaps:
                snaps[m.group(1).decode()] = (arrived, read_state(monitor, romlog, work, rom))
            m = END_RE.search(line)
            if m and end_rc is None:
                end_rc, values = int(m.group(1)), read_state(monitor, romlog, work, rom)
                try:
                    proc.stdin.write(b"\n")
                    proc.stdin.flush()
                except BrokenPipeError:
                    pass
    rc = proc.wait()
    if why:
        status = 124
    elif until_stop:
        status = 0 if stopped else 125
        why = "qemu-boot: machine " + ("stopped (powered off or reset)" if stopped
                                       else "did not stop")
    else:
        status, why = guest_status(rc, end_rc)
    notes = (summary(values, system_map) if rom else []) + [cpl_line(samples)] + \
        ([why] if why else []) + \
        [f"qemu-boot: guest exit status {status} after {time.time() - start:.1f} s"]

    for tag, (host_ns, snap) in snaps.items():
        values = dict(values or {}, **{f"snap.{tag}.host_ns": host_ns})
        values.update({f"snap.{tag}.{k}": v for k, v in (snap or {}).items()})
    log.write(("\n".join(notes) + "\n").encode())
    # The serial console ends lines with CR LF: the text as a file read in
    # text mode would give it.
    text = re.sub(r"\r\n?", "\n", out.decode(errors="replace"))
    g = Guest(status, text + "\n".join(notes) + "\n", values, time.time() - start, notes)
    g.cpl_samples = samples
    return g


def machine_stopped(monitor):
    """True once QEMU (-no-shutdown) holds the machine after a power-off or reset."""
    try:
        return "shutdown" in qemu.Monitor(monitor).command("info status")
    except OSError:
        return False
