#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Mutation check for the validator tests: build deliberately broken copies
# of rom_check.c (under $BUILD/mutants, never in the source tree) and make
# sure the unit tests fail on every one of them. With FUZZ_MUTANTS=1 (the
# default) two mutants are also run under the libFuzzer target, which must
# crash. Run through "make -C tests/host mutants"; prints TAP and
# "N passed, N failed" (a pass = the mutant was killed).

set -u
: "${BUILD:?}" "${VMI_DIR:?}" "${SRC:?}" "${ROM_BUILD:?}"
HOSTCC=${HOSTCC:-gcc}
CLANG=${CLANG:-clang}
CFLAGS=${CFLAGS:--std=gnu11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined -fno-sanitize-recover=all}
RELOCS=${RELOCS:-}
FUZZ_MUTANTS=${FUZZ_MUTANTS:-1}
OUT=$BUILD/mutants
FT='-Dfallthrough=__attribute__((__fallthrough__))'

# name | sed expression applied to a copy of rom_check.c
MUTANTS=(
	'no-checksum|s/if (sum)/if (0 \&\& sum)/'
	'length-past-avail|s/size > avail)/size > avail + 512)/'
	'header-vs-avail|s/avail < VMI_ROM_HEADER_SIZE/avail < 12/'
	'version-lt-only|s/hdr->api_version_maj != VMI_API_REV_MAJOR/hdr->api_version_maj < VMI_API_REV_MAJOR/'
	'minor-checked|s/if (hdr->api_version_maj != VMI_API_REV_MAJOR)/if (hdr->api_version_maj != VMI_API_REV_MAJOR || hdr->api_version_min)/'
	'pci-bound-ge|s/(u32)pci + sizeof(struct vmi_pci_header) > size/(u32)pci + sizeof(struct vmi_pci_header) >= size/'
	'pci-bound-gone|s/(u32)pci + sizeof(struct vmi_pci_header) > size/0/'
	'pnp-bound-ge|s/(u32)pnp + sizeof(struct vmi_pnp_header) > size/(u32)pnp + sizeof(struct vmi_pnp_header) >= size/'
	'pnp-bound-gone|s/(u32)pnp + sizeof(struct vmi_pnp_header) > size/0/'
	'string-offset-gt|s/offs >= size/offs > size/'
	'string-scan-short|s/for (i = offs; i < size; i++)/for (i = offs; i + 1 < size; i++)/'
	'unterminated-as-offset|s/return -VMI_ROM_UNTERMINATED;/return -VMI_ROM_BAD_OFFSET;/'
	'wrong-field-name|s/info->field = "product string";/info->field = "manufacturer string";/'
	'no-license-ok|s/return VMI_ROM_NO_LICENSE;/return VMI_ROM_OK;/'
	'no-pci-id|s/info->vendor_id != VMI_PCI_VENDOR_VMWARE ||/0 \&\&/'
	'license-prefix|s/return \*a == \*b;/return !*b;/'
	'vtop-min-le|s/info->virtual_top < VMI_VIRTUAL_TOP_MIN/info->virtual_top <= VMI_VIRTUAL_TOP_MIN/'
	'vtop-min-gone|s/info->virtual_top \&\& info->virtual_top < VMI_VIRTUAL_TOP_MIN/0/'
	'reloc-end-gt|s/eip - rom_base >= rom_size/eip - rom_base > rom_size/'
	'reloc-no-below|s/eip < rom_base || //'
	'jump-no-sysexit|s/call != VMI_CALL_SYSEXIT/call != VMI_CALL_IRET/'
	'jump-any-call|s/if (call != VMI_CALL_IRET \&\& call != VMI_CALL_SYSEXIT)/if ((void)call, 0)/'
	'nop-unknown|/case VMI_RELOCATION_NOP:/d'
	'unknown-type-ok|s/return VMI_RELOC_UNKNOWN_TYPE;/return VMI_RELOC_OK;/'
)

# Under the fuzzer: mutants that must make it crash within FUZZ_MUTANT_RUNS.
FUZZ_LIST=(length-past-avail license-prefix)
FUZZ_MUTANT_RUNS=${FUZZ_MUTANT_RUNS:-200000}

n=0 pass=0 fail=0
report() {	# ok? name
	n=$((n + 1))
	if [ "$1" = 1 ]; then
		pass=$((pass + 1)); echo "ok $n - $2"
	else
		fail=$((fail + 1)); echo "not ok $n - $2"
	fi
}

mkdir -p "$OUT"
echo "TAP version 13"
for m in "${MUTANTS[@]}"; do
	name=${m%%|*} expr=${m#*|}
	dir=$OUT/$name
	mkdir -p "$dir"
	sed -e "$expr" "$VMI_DIR/rom_check.c" > "$dir/rom_check.c"
	if cmp -s "$VMI_DIR/rom_check.c" "$dir/rom_check.c"; then
		report 0 "mutant $name: the edit applies (sed changed nothing)"
		continue
	fi
	# rom_check.h is found through -I$VMI_DIR: the copy includes "rom_check.h".
	if ! $HOSTCC $CFLAGS -include stddef.h -I"$BUILD/include" -I"$VMI_DIR" "$FT" \
		-o "$dir/test_rom_check" "$SRC/test_rom_check.c" "$dir/rom_check.c" \
		> "$dir/build.log" 2>&1; then
		report 0 "mutant $name: builds (see $dir/build.log)"
		continue
	fi
	"$dir/test_rom_check" --rom-dir "$ROM_BUILD" --relocs "$RELOCS" \
		> "$dir/test.log" 2>&1
	rc=$?
	killed_by=$(grep -m3 '^not ok' "$dir/test.log" | sed 's/^not ok [0-9]* - //' | paste -sd';')
	[ -z "$killed_by" ] && grep -q 'ERROR: AddressSanitizer' "$dir/test.log" && killed_by='AddressSanitizer'
	if [ $rc -ne 0 ]; then
		report 1 "mutant $name killed by unit tests (${killed_by:-exit $rc})"
	else
		report 0 "mutant $name survived the unit tests"
	fi
done

if [ "$FUZZ_MUTANTS" = 1 ]; then
	for name in "${FUZZ_LIST[@]}"; do
		dir=$OUT/$name
		[ -f "$dir/rom_check.c" ] || continue
		if ! $CLANG -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
			-fno-sanitize-recover=all -include stddef.h -I"$BUILD/include" \
			-I"$VMI_DIR" "$FT" -o "$dir/fuzz_rom_check" \
			"$SRC/fuzz_rom_check.c" "$dir/rom_check.c" > "$dir/fuzz-build.log" 2>&1; then
			report 0 "mutant $name: fuzzer builds (see $dir/fuzz-build.log)"
			continue
		fi
		rm -rf "$dir/fuzz-corpus" "$dir/artifacts"
		mkdir -p "$dir/fuzz-corpus" "$dir/artifacts"
		"$dir/fuzz_rom_check" -runs="$FUZZ_MUTANT_RUNS" -max_total_time=60 \
			-artifact_prefix="$dir/artifacts/" "$dir/fuzz-corpus" \
			"$BUILD/fuzz-seeds" > "$dir/fuzz.log" 2>&1
		rc=$?
		how=$(grep -m1 -oE 'ERROR: [A-Za-z]+: [a-z-]+|invariant failed: .*|SUMMARY: .*' "$dir/fuzz.log")
		if [ $rc -ne 0 ]; then
			report 1 "mutant $name killed by the fuzzer ($how)"
		else
			report 0 "mutant $name survived $FUZZ_MUTANT_RUNS fuzz runs"
		fi
	done
fi

echo "1..$n"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
