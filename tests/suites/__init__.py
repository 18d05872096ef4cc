# SPDX-License-Identifier: GPL-2.0
"""make check's suites, one concern per file: boots.py (the ROM found,
bound or refused), smp.py, programs.py (selftests, stress, shadow audit),
timer.py and host.py (checks without a guest). scripts/run-tests lists
them in order and runs them with the tool in scripts/harness."""
