// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the VMI ROM validator (arch/x86/kernel/vmi/rom_check.c).
 *
 * Each input is judged three ways, every time from a heap buffer of exactly
 * the size passed as "avail" so that AddressSanitizer reports any read past
 * it:
 *   1. as is (avail = input size);
 *   2. with the checksum forced right (the byte at rom_length * 512 - 1
 *      adjusted), so that mutations get past the checksum and reach the
 *      structure checks, which random bytes almost never would;
 *   3. for (2), again with avail cut to exactly rom_length * 512, which must
 *      not change a verdict that got past the length check.
 * A valid verdict must satisfy the invariants below (abort() otherwise).
 * vmi_reloc_check() is compared with a 64-bit reference model on values
 * taken from the input's last 13 bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rom_check.h"

#define HOFF(field) offsetof(struct vmi_rom_header, field)

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "invariant failed: %s (%s:%d)\n",	\
				#cond, __FILE__, __LINE__);		\
			abort();					\
		}							\
	} while (0)

static u16 get16(const u8 *p)
{
	return p[0] | p[1] << 8;
}

static u32 get32(const u8 *p)
{
	return get16(p) | (u32)get16(p + 2) << 16;
}

/* @s points into [img, img + size) and its NUL is inside it too. */
static int in_image(const char *s, const u8 *img, u32 size)
{
	uintptr_t off = (uintptr_t)s - (uintptr_t)img;

	if ((uintptr_t)s < (uintptr_t)img || off >= size)
		return 0;
	return memchr(s, 0, size - off) != NULL;
}

static void check_valid(const u8 *img, u32 avail, const struct vmi_rom_info *info)
{
	u32 i, pci;
	u8 sum = 0;

	CHECK(info->size == (u32)img[HOFF(rom_length)] * VMI_ROM_BLOCK_SIZE);
	CHECK(info->size >= VMI_ROM_HEADER_SIZE && info->size <= avail);
	CHECK(get16(img) == VMI_ROM_SIGNATURE);
	CHECK(get32(img + HOFF(vrom_signature)) == VMI_SIGNATURE);
	for (i = 0; i < info->size; i++)
		sum += img[i];
	CHECK(sum == 0);
	CHECK(info->api_major == VMI_API_REV_MAJOR);
	CHECK(info->api_minor == img[HOFF(api_version_min)]);

	pci = get16(img + HOFF(pci_header_offs));
	CHECK(pci && pci + sizeof(struct vmi_pci_header) <= info->size);
	CHECK(info->vendor_id == VMI_PCI_VENDOR_VMWARE);
	CHECK(info->device_id == VMI_PCI_DEVICE_VMI);
	CHECK(get16(img + pci + offsetof(struct vmi_pci_header, vendor_id)) ==
	      VMI_PCI_VENDOR_VMWARE);

	CHECK(in_image(info->license, img, info->size));
	CHECK(!strcmp(info->license, "GPL") || !strcmp(info->license, "GPL v2"));
	CHECK(info->license == (const char *)img + get16(img + HOFF(license_offs)));
	CHECK(in_image(info->manufacturer, img, info->size) ||
	      !strcmp(info->manufacturer, "UNKNOWN"));
	CHECK(in_image(info->product, img, info->size) ||
	      !strcmp(info->product, "UNKNOWN"));
	CHECK(info->field == NULL);

	CHECK(info->virtual_top == get32(img + HOFF(virtual_top)));
	CHECK(info->virtual_top == 0 ||
	      (!(info->virtual_top & 0xfff) && info->virtual_top >= VMI_VIRTUAL_TOP_MIN));
}

static enum vmi_rom_verdict judge(const u8 *data, u32 len, struct vmi_rom_info *info)
{
	u8 *buf = malloc(len ? len : 1);
	enum vmi_rom_verdict v;

	if (!buf)
		abort();
	memcpy(buf, data, len);
	v = vmi_rom_check(buf, len, info);
	CHECK((unsigned int)v <= VMI_ROM_VIRTUAL_TOP);
	CHECK(vmi_rom_verdict_str(v) != NULL &&
	      strcmp(vmi_rom_verdict_str(v), "unknown verdict"));
	if (v == VMI_ROM_BAD_OFFSET || v == VMI_ROM_UNTERMINATED ||
	    v == VMI_ROM_NO_PCI_HEADER)
		CHECK(info->field != NULL);
	if (v == VMI_ROM_OK)
		check_valid(buf, len, info);
	/* The verdicts that need the header to be there. */
	if (v >= VMI_ROM_BAD_LENGTH)
		CHECK(len >= VMI_ROM_HEADER_SIZE);
	if (v >= VMI_ROM_BAD_VERSION)
		CHECK(info->size <= len);
	free(buf);
	return v;
}

static void fuzz_reloc(const u8 *d)
{
	unsigned int call = get16(d);
	u8 type = d[2];
	u32 eip = get32(d + 3), base = get32(d + 7), size;
	enum vmi_reloc_verdict v, want;

	/* Mostly small images near eip, sometimes anything. */
	size = d[11] & 0x80 ? get16(d + 11) : get32(d + 3) - get32(d + 7) + (d[12] & 0x3) - 1;
	if (type > 3)
		want = VMI_RELOC_UNKNOWN_TYPE;
	else if (type == VMI_RELOCATION_NONE || type == VMI_RELOCATION_NOP)
		want = VMI_RELOC_OK;
	else if (type == VMI_RELOCATION_JUMP_REL && call != 33 && call != 34)
		want = VMI_RELOC_JUMP_NOT_ALLOWED;
	else if ((uint64_t)eip >= base && (uint64_t)eip < (uint64_t)base + size)
		want = VMI_RELOC_OK;
	else
		want = VMI_RELOC_OUTSIDE;
	v = vmi_reloc_check(call, type, eip, base, size);
	if (v != want) {
		fprintf(stderr, "reloc call %u type %u eip %#x base %#x size %#x: got %d want %d\n",
			call, type, eip, base, size, v, want);
		abort();
	}
	CHECK(vmi_reloc_verdict_str(v) != NULL);
	CHECK(vmi_call_name(call) != NULL);
	CHECK(!strcmp(vmi_call_name(call), "unknown") == (call >= VMI_CALL_COUNT));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct vmi_rom_info info, info2;
	enum vmi_rom_verdict v, v2;
	u32 len, size;
	u8 *fixed;

	if (n > 0x40000)
		return 0;
	len = n;

	judge(data, len, &info);

	if (len >= 13)
		fuzz_reloc(data + len - 13);

	/* 2: the same image with a correct checksum. */
	if (len < VMI_ROM_HEADER_SIZE)
		return 0;
	size = (u32)data[HOFF(rom_length)] * VMI_ROM_BLOCK_SIZE;
	if (!size || size > len)
		return 0;
	fixed = malloc(len);
	if (!fixed)
		abort();
	memcpy(fixed, data, len);
	{
		u8 sum = 0;
		u32 i;

		fixed[size - 1] = 0;
		for (i = 0; i < size; i++)
			sum += fixed[i];
		fixed[size - 1] = -sum;
	}
	v = judge(fixed, len, &info);

	/* 3: bytes past rom_length must not matter once the length is good. */
	if (v != VMI_ROM_NOT_ROM && v != VMI_ROM_NOT_VMI && v != VMI_ROM_BAD_LENGTH) {
		v2 = judge(fixed, size, &info2);
		if (v2 != v) {
			fprintf(stderr, "verdict %d with avail %u, %d with avail %u\n",
				v, len, v2, size);
			abort();
		}
		CHECK(!(info.warnings & VMI_ROM_WARN_CHECKSUM));	/* we fixed it */
	}
	free(fixed);
	return 0;
}
