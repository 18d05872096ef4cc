# SPDX-License-Identifier: GPL-2.0
"""The test tool of linux-vmi, shaped like the kernel's KUnit tool: boot
(one guest run and the ROM's state), qemu (command line, monitor), tap
(writer and reader), verdict (the rules every boot shares), build (the
prerequisites). Used by scripts/run-tests, qemu-boot, the benchmarks and
the ROM's tests; the suites themselves are in tests/suites."""
