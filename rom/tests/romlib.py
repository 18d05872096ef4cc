# SPDX-License-Identifier: GPL-2.0
"""Shared helpers for the VMI ROM host tests: the image, its ELF symbols
and the ROM call table (calltab.h), read from the sources rather than
repeated here."""

import os
import re
import struct
import subprocess
import sys
import tempfile

ROM_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ABI_H = os.path.join(ROM_DIR, '..', 'include', 'asm-x86', 'vmi', 'abi.h')
CALLTAB_H = os.path.join(ROM_DIR, 'calltab.h')

sys.path.insert(0, os.path.join(ROM_DIR, '..', 'scripts'))
from harness import qemu  # noqa: E402

KINDS = {'NONE': 0, 'TRAP': 1, 'DEFER': 2, 'FLUSH': 3, 'LAZY': 4, 'CPU': 5}


def _defines(path):
    """Numeric #defines of a header (simple literal values only)."""
    out = {}
    for m in re.finditer(r'^#define\s+(\w+)\s+(0x[0-9a-fA-F]+|\d+)\b',
                         open(path).read(), re.M):
        out[m.group(1)] = int(m.group(2), 0)
    return out


ABI = _defines(ABI_H)
ROMDEF = _defines(CALLTAB_H)


def calltab(xfer='call', ring=False):
    """[(nr, name, group, reloc type, kind)] from VMI_ROM_CALLS in calltab.h.
    xfer: how the ROM was built to answer IRET/SYSEXIT (XFER=call|jump);
    ring: a RING=1 build (the RING calls are offered)."""
    text = open(CALLTAB_H).read()
    rows = re.findall(r'X\((\d+),\s*(\w+),\s*(\w+),\s*(IMPL|XFER|NONE|RING),\s*(\w+)\)',
                      text)
    reloc_type = {'NONE': 0, 'IMPL': 1, 'XFER': 2 if xfer == 'jump' else 1,
                  'RING': 1 if ring else 0}
    calls = [(int(n), name, g, reloc_type[impl], KINDS[k])
             for n, name, g, impl, k in rows]
    assert [c[0] for c in calls] == list(range(len(calls))), 'calltab order'
    return calls


def groups():
    """{name: bit} from VMI_ROM_GROUPS."""
    text = open(CALLTAB_H).read()
    return {g: int(b) for g, b in re.findall(r'G\((\w+),\s*(\d+)\)', text)}


def none_mask(spec):
    """Bit mask for a NONE_GROUPS string such as 'mmu,timer'."""
    table = groups()
    mask = 0
    for g in filter(None, (spec or '').split(',')):
        if g == 'all':
            mask |= (1 << len(table)) - 1
        elif g in table:
            mask |= 1 << table[g]
        else:
            raise ValueError('unknown group %r' % g)
    return mask


def symbols(elf):
    """{name: (value, size)} from nm -S."""
    out = {}
    res = subprocess.run(['nm', '-S', elf], check=True,
                         capture_output=True, text=True).stdout
    for line in res.splitlines():
        f = line.split()
        if len(f) == 4:
            out[f[3]] = (int(f[0], 16), int(f[1], 16))
        elif len(f) == 3:
            out[f[2]] = (int(f[0], 16), 0)
    return out


def relocations(elf):
    """[(offset, type)] of the relocations kept by ld --emit-relocs."""
    res = subprocess.run(['readelf', '-rW', elf], check=True,
                         capture_output=True, text=True).stdout
    out = []
    for line in res.splitlines():
        m = re.match(r'^([0-9a-f]{8})\s+[0-9a-f]+\s+(R_386_\w+)', line)
        if m:
            out.append((int(m.group(1), 16), m.group(2)))
    return out


def input_sections(mapfile, name):
    """[(start, size)] of the input sections called name in a link map."""
    out = []
    text = open(mapfile).read()
    for m in re.finditer(r'^ %s\s*\n?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s'
                         % re.escape(name), text, re.M):
        out.append((int(m.group(1), 16), int(m.group(2), 16)))
    return out


def checksum(img):
    return sum(img) & 0xff


def u16(img, off):
    return struct.unpack_from('<H', img, off)[0]


def u32(img, off):
    return struct.unpack_from('<I', img, off)[0]


def cstring(img, off):
    """The NUL-terminated string at off, or None if it runs off the end."""
    if off >= len(img):
        return None
    end = img.find(b'\0', off)
    return None if end < 0 else img[off:end].decode('latin-1')


def qemu_boot(kernel, rom, append='', devices='nodefaults', smp=1, extra=(),
              timeout=120):
    """Boot a multiboot test program next to rom under TCG, serial on
    stdout (scripts/harness/qemu.py's command line). Returns (status,
    serial lines, debugcon text); status is QEMU's exit code or
    'timeout'."""
    with tempfile.TemporaryDirectory() as tmp:
        dcon = os.path.join(tmp, 'debugcon')
        cmd = qemu.command(kernel, rom=rom, append=append, smp=smp, debugcon=dcon,
                           nodefaults=devices == 'nodefaults',
                           extra=(['-net', 'nic,model=e1000'] if devices == 'e1000' else [])
                           + list(extra))
        try:
            r = subprocess.run(cmd, capture_output=True, text=True,
                               timeout=timeout)
            status, out = r.returncode, r.stdout
        except subprocess.TimeoutExpired as e:
            status = 'timeout'
            out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or '')
        dc = open(dcon).read() if os.path.exists(dcon) else ''
    return status, out.splitlines(), dc
