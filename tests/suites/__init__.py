# SPDX-License-Identifier: GPL-2.0
"""make check's suites: what each boot runs and must show (guests.py) and
the host-side checks (host.py). scripts/run-tests lists them in order and
runs them with the tool in scripts/harness."""
