# SPDX-License-Identifier: GPL-2.0
"""QEMU for every harness program: one command line, one monitor client.

Owns how the project starts qemu-system-i386 (TCG, no display, the
isa-debug-exit device at 0xf4 through which a guest hands back its exit
status as (status << 1) | 1, the debug console at 0xe9 into a file where
the ROM writes where it put its state) and how it talks to the human
monitor on a Unix socket. scripts/qemu-boot boots kernels with it; the
ROM's tests (rom/tests/romlib.py, rom/tests/run) boot their multiboot
test programs with it. QEMU= in the environment names another binary.
"""
import os
import socket
import time

QEMU = os.environ.get("QEMU", "qemu-system-i386")
DEBUG_EXIT_PORT = 0xf4


def command(kernel, *, mem="128", smp=1, cpu=None, rom=None, append="", initrd=None,
            serial="stdio", debugcon=None, monitor=None, nodefaults=True, extra=()):
    """The qemu-system-i386 command line for one guest. debugcon: a file
    for port 0xe9; monitor: a Unix socket path for the human monitor (else
    none); rom: an option ROM image (None: no ROM)."""
    cmd = [QEMU, "-accel", "tcg", "-M", "pc", "-display", "none", "-m", str(mem),
           "-smp", str(smp), "-serial", serial,
           "-monitor", f"unix:{monitor},server,nowait" if monitor else "none",
           "-device", f"isa-debug-exit,iobase={DEBUG_EXIT_PORT:#x},iosize=0x04",
           "-kernel", kernel]
    if nodefaults:
        cmd.insert(1, "-nodefaults")
    if cpu:
        cmd += ["-cpu", cpu]
    if debugcon:
        cmd += ["-debugcon", f"file:{debugcon}"]
    if initrd:
        cmd += ["-initrd", initrd]
    if append:
        cmd += ["-append", append]
    if rom:
        cmd += ["-option-rom", os.path.abspath(rom)]
    return cmd + list(extra)


class Monitor:
    """The human monitor on a Unix socket: command() sends one line and
    returns what QEMU answered up to its next prompt."""

    def __init__(self, path):
        self.path = path
        self.sock = None

    def command(self, cmd, timeout=20):
        if self.sock is None:
            deadline = time.time() + 5
            while True:
                try:
                    self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    self.sock.connect(self.path)
                    break
                except OSError:
                    self.sock.close()
                    if time.time() > deadline:
                        raise
                    time.sleep(0.1)
            self._read_prompt(timeout)
        self.sock.sendall(cmd.encode() + b"\n")
        return self._read_prompt(timeout)

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _read_prompt(self, timeout):
        data = b""
        self.sock.settimeout(timeout)
        while not data.endswith(b"(qemu) "):
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.decode(errors="replace")
