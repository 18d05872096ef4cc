# SPDX-License-Identifier: GPL-2.0
#
# linux-vmi entry points. Logic lives in scripts/; build output in build/.
#
#   make run      build everything needed, boot the VMI kernel with our ROM
#                 into a busybox shell (a scripted demo without a terminal)
#   make check [T=suite,glob*] [LIST=1]
#                 every test: ROM, validator, series, guest boots; T= runs
#                 the named suites only (and builds what they need), LIST=1
#                 lists the suites
#   make kernel   unpack linux-source-6.12, apply patches/series, install
#                 the project's files, build the PAE and non-PAE kernels
#   make rom      build the VMI ROM (build/rom/vmi.rom)
#   make series   the complete series (git format-patch, cover letter,
#                 quilt series file) in build/series
#   make series-bisect [BISECT='--from N --to M --configs "pae nopae x86_64"']
#                 build each patch of that series on its own (hours)
#   make bench    benchmark (not part of make check): workloads native, VMI
#                 eager, VMI lazy, VMI lazy at ring 1 (the RING=1 ROM) and
#                 on the ROM without its accounting (ACCOUNT=0) under -icount; build/bench/bench.md and
#                 bench.png; scripts/bench --table prints the last table
#   make bench-native  benchmark (not part of make check): guest instructions
#                 per operation, XXL=n vs XXL=y without ROM, under -icount
#   make bench-distro [DISTRO=686-pae|686]  bench-native's workloads on
#                 Debian's config carried to 6.12, CONFIG_VMI=n vs =y (two
#                 distribution builds, then ten boots; not part of make check)
#   make check-xenpv   x86_64 Xen PV: pv sites patched as in the pristine tree
#   make distro [DISTRO=686-pae|686]  Debian bookworm's i386 config carried
#                 to 6.12 with CONFIG_VMI=y: only VMI's options differ, it
#                 builds, boots native and on the ROM (1 and 2 CPUs, 2 GiB)
#   make conformance [ROM=file]  the VMI 3.0 conformance suite (no Linux)
#                 against a ROM image (default: the project ROM)
#   make boot [ROM=path|none] [PAE=0|1] [SMP=n] [MEM=512M] [APPEND='...']
#             [GUEST_CMD='...'] [DEVICES=minimal|e1000] [TIMEOUT=s] [AUDIT=1]
#             [RING=1]
#             AUDIT=1: the ROM built with its shadow audit (build/rom-audit);
#             the audit's findings are printed at the end. RING=1: the ROM
#             with its ring-0 monitor (build/rom-ring1), the kernel at CPL 1;
#             the monitor's crossings and escapes are printed at the end.
#             Every boot ends with the kernel's CPL as the host sampled it.

TOP := $(abspath .)
BUILD := $(TOP)/build

AUDIT ?= 0
RING ?= 0
ROM ?= $(if $(filter 1,$(AUDIT)),$(BUILD)/rom-audit/vmi.rom,$(if $(filter 1,$(RING)),$(BUILD)/rom-ring1/vmi.rom,$(BUILD)/rom/vmi.rom))
PAE ?= 1
SMP ?= 1
MEM ?= 512M
APPEND ?=
DEVICES ?= minimal
TIMEOUT ?= 300
GUEST_CMD ?= cat /sys/kernel/debug/vmi/status; vmi_status
FLAVOUR := $(if $(filter 0,$(PAE)),nopae,pae)
FLAVOURS ?= pae nopae

.PHONY: all deps tree kernel kernel-% rom initramfs boot run check bench series clean help \
	bench-native bench-distro check-xenpv conformance distro series-bisect

all: kernel rom initramfs

help:
	@sed -n '3,32p' Makefile

deps:
	@scripts/deps

tree: deps
	@scripts/prepare-tree

kernel: tree
	@for f in $(FLAVOURS); do scripts/build-kernel $$f || exit 1; done

kernel-%: tree
	@scripts/build-kernel $*

# AUDIT=0 RING=0 for the default ROM: command-line options reach sub-makes too.
rom:
	@$(MAKE) -s -C rom BUILD=$(BUILD)/rom AUDIT=0 RING=0
	@if [ "$(AUDIT)" = 1 ]; then $(MAKE) -s -C rom BUILD=$(BUILD)/rom-audit AUDIT=1 RING=0; fi
	@if [ "$(RING)" = 1 ]; then $(MAKE) -s -C rom BUILD=$(BUILD)/rom-ring1 RING=1 AUDIT=0; fi

initramfs: tree
	@scripts/mkinitramfs

boot: kernel-$(FLAVOUR) rom initramfs
	@scripts/qemu-boot --kernel $(BUILD)/obj-$(FLAVOUR)/arch/x86/boot/bzImage \
		--initrd $(BUILD)/initramfs.cpio --rom '$(ROM)' --pae $(PAE) \
		--smp $(SMP) --mem $(MEM) --devices $(DEVICES) \
		--timeout $(TIMEOUT) --append '$(APPEND)' \
		--cmd '$(GUEST_CMD)' --log $(BUILD)/boot-$(FLAVOUR).log

run: kernel-$(FLAVOUR) rom initramfs
	@if [ -t 0 ] && [ -t 1 ]; then \
		scripts/qemu-boot --kernel $(BUILD)/obj-$(FLAVOUR)/arch/x86/boot/bzImage \
			--initrd $(BUILD)/initramfs.cpio --rom '$(ROM)' --pae $(PAE) \
			--smp $(SMP) --mem $(MEM) --devices $(DEVICES) --append '$(APPEND)'; \
	else \
		echo "make run: no terminal, running the scripted demo"; \
		scripts/qemu-boot --kernel $(BUILD)/obj-$(FLAVOUR)/arch/x86/boot/bzImage \
			--initrd $(BUILD)/initramfs.cpio --rom '$(ROM)' --pae $(PAE) \
			--smp $(SMP) --mem $(MEM) --devices $(DEVICES) --append '$(APPEND)' \
			--cmd "$$(cat tests/guest/demo)" --timeout $(TIMEOUT); \
	fi

# Both benchmarks run PAE and non-PAE unless told otherwise (one ?= only:
# a second one would never take effect).
BENCH_FLAVOURS ?= pae nopae
BENCH_ARGS ?=
bench: deps rom initramfs $(addprefix kernel-,$(BENCH_FLAVOURS))
	@$(MAKE) -s -C rom BUILD=$(BUILD)/rom-ring1 RING=1 AUDIT=0
	@$(MAKE) -s -C rom BUILD=$(BUILD)/rom-noacct ACCOUNT=0
	@scripts/bench --flavours '$(BENCH_FLAVOURS)' $(BENCH_ARGS)

series: deps
	@scripts/export-series

BISECT ?=
series-bisect: series
	@scripts/series-bisect $(BISECT)

bench-native: deps initramfs $(foreach f,$(BENCH_FLAVOURS),kernel-$(f) kernel-$(f)-native)
	@scripts/bench-native --flavours '$(BENCH_FLAVOURS)'

conformance: deps rom
	@BUILD=$(BUILD)/rom rom/tests/conformance '$(ROM)'

check-xenpv: tree
	@scripts/check-xenpv

# Debian's own i386 config with CONFIG_VMI=y (too slow for make check).
DISTRO ?= 686-pae
distro: tree rom initramfs
	@scripts/run-tests --distro $(DISTRO)

bench-distro: tree initramfs
	@scripts/distro-kernel $(DISTRO) --reference
	@scripts/bench-native --distro $(DISTRO)

check: deps
	@scripts/run-tests $(if $(T),--only '$(T)') $(if $(filter 1,$(LIST)),--list)

clean:
	rm -rf $(BUILD)
