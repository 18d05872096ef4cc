// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the VMI ROM validator (arch/x86/kernel/vmi/rom_check.c).
 *
 *   test_rom_check [--rom-dir DIR] [--relocs OFFSET]
 *
 * Every image is handed to the validator in a heap buffer of exactly the
 * size passed as "avail", so that under AddressSanitizer any read past what
 * the caller allowed is a crash, not a silent pass.
 *
 * Part 1 builds a minimal valid API 3.0 image in memory (header, PCIR,
 * $PnP, strings, license "GPL v2", checksum in the last byte) and checks
 * that each defect on its own produces exactly its verdict. Part 2 checks
 * the relocation judgement. Part 3 (with --rom-dir) judges the real ROM,
 * its variant and every file of the mutation corpus (rom/tests/mutate)
 * against the table below; --relocs is the image offset of
 * vmi_rom_relocs (from nm vmi.elf), used to check the relocation table.
 *
 * Output: kselftest-style TAP, then "N passed, N failed"; exit 1 on failure.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rom_check.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define HOFF(field) offsetof(struct vmi_rom_header, field)

static unsigned int n_test, n_pass, n_fail;

static void result(int ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	n_test++;
	if (ok)
		n_pass++;
	else
		n_fail++;
	printf("%sok %u - ", ok ? "" : "not ", n_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* ---- a minimal valid VMI 3.0 image, built in memory ---- */

#define OFF_PCI		0x90	/* right after the 144-byte header */
#define OFF_PNP		0xB0
#define OFF_STR		0xD0
#define SPARE_SUM	0x7F	/* reserved header byte, like the real ROM */

#define MANUFACTURER	"linux-vmi"
#define PRODUCT		"VMI test ROM"

struct rom {
	u8 *b;
	u32 size;		/* rom_length * 512 */
	u16 lic, man, prod;	/* string offsets as built */
};

static void put16(u8 *p, u16 v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(u8 *p, u32 v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static u16 get16(const u8 *p)
{
	return p[0] | p[1] << 8;
}

static u32 get32(const u8 *p)
{
	return get16(p) | (u32)get16(p + 2) << 16;
}

/* Make the bytes of the image sum to 0 by adjusting the byte at @at. */
static void fix_sum_at(struct rom *r, u32 at)
{
	u8 sum = 0;
	u32 i;

	r->b[at] = 0;
	for (i = 0; i < r->size; i++)
		sum += r->b[i];
	r->b[at] = -sum;
}

/* The checksum byte is the image's last one, as the ROM's signer does. */
static void fix_sum(struct rom *r)
{
	fix_sum_at(r, r->size - 1);
}

static u16 put_str(struct rom *r, u32 off, const char *s)
{
	memcpy(r->b + off, s, strlen(s) + 1);
	return off;
}

static void set_offs(struct rom *r, size_t field, u16 off)
{
	put16(r->b + field, off);
}

static u8 *pnp(struct rom *r)
{
	return r->b + get16(r->b + HOFF(pnp_header_offs));
}

static u8 *pci(struct rom *r)
{
	return r->b + get16(r->b + HOFF(pci_header_offs));
}

#define PNP_MAN	offsetof(struct vmi_pnp_header, manufacturer_offset)
#define PNP_PROD offsetof(struct vmi_pnp_header, product_offset)

static void rom_build(struct rom *r, u8 blocks)
{
	u8 *b, *p;
	u32 off;

	r->size = (u32)blocks * VMI_ROM_BLOCK_SIZE;
	r->b = calloc(1, r->size ? r->size : 1);
	if (!r->b) {
		perror("calloc");
		exit(2);
	}
	b = r->b;

	/* Header. */
	put16(b + HOFF(rom_signature), VMI_ROM_SIGNATURE);
	b[HOFF(rom_length)] = blocks;
	b[HOFF(rom_entry)] = 0xCB;				/* lret */
	put32(b + HOFF(vrom_signature), VMI_SIGNATURE);
	b[HOFF(api_version_min)] = VMI_API_REV_MINOR;
	b[HOFF(api_version_maj)] = VMI_API_REV_MAJOR;
	put32(b + HOFF(virtual_top), 0);
	b[VMI_ROM_INIT_OFFSET] = 0xC3;				/* ret */
	b[VMI_ROM_GET_RELOC_OFFSET] = 0xC3;
	set_offs(r, HOFF(pci_header_offs), OFF_PCI);
	set_offs(r, HOFF(pnp_header_offs), OFF_PNP);

	/* PCIR. */
	p = b + OFF_PCI;
	memcpy(p, "PCIR", 4);
	put16(p + offsetof(struct vmi_pci_header, vendor_id), VMI_PCI_VENDOR_VMWARE);
	put16(p + offsetof(struct vmi_pci_header, device_id), VMI_PCI_DEVICE_VMI);
	put16(p + offsetof(struct vmi_pci_header, size), sizeof(struct vmi_pci_header));
	p[offsetof(struct vmi_pci_header, class_code)] = 0x05;
	p[offsetof(struct vmi_pci_header, subclass)] = 0x80;
	put16(p + offsetof(struct vmi_pci_header, chunks), blocks);
	p[offsetof(struct vmi_pci_header, rom_version_maj)] = 1;
	p[offsetof(struct vmi_pci_header, rom_version_min)] = 2;
	p[offsetof(struct vmi_pci_header, last_rom)] = 0x80;

	/* $PnP and the strings. */
	off = OFF_STR;
	r->lic = put_str(r, off, "GPL v2");
	off += sizeof("GPL v2");
	r->man = put_str(r, off, MANUFACTURER);
	off += sizeof(MANUFACTURER);
	r->prod = put_str(r, off, PRODUCT);
	set_offs(r, HOFF(license_offs), r->lic);

	p = b + OFF_PNP;
	memcpy(p, "$PnP", 4);
	p[offsetof(struct vmi_pnp_header, rev)] = 1;
	p[offsetof(struct vmi_pnp_header, size)] = 2;
	put16(p + PNP_MAN, r->man);
	put16(p + PNP_PROD, r->prod);

	fix_sum(r);
}

static void rom_free(struct rom *r)
{
	free(r->b);
	r->b = NULL;
}

/* A pointer into @buf, moved to the same offset in @img (NULL if past @len). */
static const char *rebase(const char *p, const u8 *buf, u32 avail,
			  const u8 *img, u32 len)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)buf;

	if ((uintptr_t)p < (uintptr_t)buf || off >= avail)
		return p;		/* a literal such as "UNKNOWN" */
	return off < len ? (const char *)img + off : NULL;
}

/*
 * Run the validator on the first @avail bytes of @img (@len bytes known;
 * bytes past @len read as 0xFF, like an empty option-ROM window), in a heap
 * buffer of exactly @avail bytes.
 */
static enum vmi_rom_verdict run_check(const u8 *img, u32 len, u32 avail,
				      struct vmi_rom_info *info)
{
	u8 *buf = malloc(avail ? avail : 1);
	enum vmi_rom_verdict v;

	if (!buf) {
		perror("malloc");
		exit(2);
	}
	memset(buf, 0xFF, avail);
	memcpy(buf, img, len < avail ? len : avail);
	v = vmi_rom_check(buf, avail, info);
	/* The pointers into the image must not outlive it: rebase them. */
	info->license = rebase(info->license, buf, avail, img, len);
	info->manufacturer = rebase(info->manufacturer, buf, avail, img, len);
	info->product = rebase(info->product, buf, avail, img, len);
	free(buf);
	return v;
}

static int same_str(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

/*
 * Judge @r with @avail bytes readable; pass if the verdict is @want and,
 * for BAD_OFFSET/UNTERMINATED, info.field is @field.
 */
static int expect_avail(struct rom *r, u32 avail, enum vmi_rom_verdict want,
			const char *field, const char *name)
{
	struct vmi_rom_info info;
	enum vmi_rom_verdict v = run_check(r->b, r->size, avail, &info);
	int ok = v == want;

	if (ok && field)
		ok = same_str(info.field, field);
	result(ok, "%s -> %s", name, vmi_rom_verdict_str(want));
	if (!ok)
		diag("got verdict %d (%s), field %s; want %d%s%s", v,
		     vmi_rom_verdict_str(v), info.field ? info.field : "(null)",
		     want, field ? ", field " : "", field ? field : "");
	return ok;
}

static int expect(struct rom *r, enum vmi_rom_verdict want, const char *field,
		  const char *name)
{
	return expect_avail(r, r->size, want, field, name);
}

/* Accepted (VMI_ROM_OK) with exactly @warnings set. */
static int expect_warn(struct rom *r, u32 warnings, const char *name)
{
	struct vmi_rom_info info;
	enum vmi_rom_verdict v = run_check(r->b, r->size, r->size, &info);
	int ok = v == VMI_ROM_OK && info.warnings == warnings;

	result(ok, "%s -> valid, warnings %#x", name, warnings);
	if (!ok)
		diag("got verdict %d (%s), warnings %#x", v,
		     vmi_rom_verdict_str(v), info.warnings);
	return ok;
}

/* ---- part 1: the header validator ---- */

static void test_valid(void)
{
	struct vmi_rom_info info;
	struct rom r;
	enum vmi_rom_verdict v;
	int ok;

	rom_build(&r, 1);
	expect(&r, VMI_ROM_OK, NULL, "valid 1-block image (avail == size)");

	v = run_check(r.b, r.size, r.size, &info);
	ok = v == VMI_ROM_OK && info.size == 512 &&
	     info.api_major == 3 && info.api_minor == 0 &&
	     info.rom_major == 1 && info.rom_minor == 2 &&
	     info.vendor_id == 0x15AD && info.device_id == 0x0801 &&
	     info.virtual_top == 0 && info.field == NULL &&
	     info.license == (char *)r.b + r.lic && same_str(info.license, "GPL v2") &&
	     info.manufacturer == (char *)r.b + r.man &&
	     same_str(info.manufacturer, MANUFACTURER) &&
	     info.product == (char *)r.b + r.prod && same_str(info.product, PRODUCT);
	result(ok, "valid image: info fields (size, versions, IDs, strings into the image)");
	if (!ok)
		diag("v=%d size=%u api=%u.%u rom=%u.%u id=%04x:%04x vt=%#x lic=%s man=%s prod=%s field=%s",
		     v, info.size, info.api_major, info.api_minor, info.rom_major,
		     info.rom_minor, info.vendor_id, info.device_id, info.virtual_top,
		     info.license, info.manufacturer, info.product,
		     info.field ? info.field : "(null)");

	v = run_check(r.b, r.size, 0x20000, &info);
	result(v == VMI_ROM_OK && info.size == 512,
	       "valid image in a larger window (avail 128 KiB, 0xFF after it): OK, size 512");

	/* Bytes past rom_length do not enter the checksum. */
	expect_avail(&r, r.size + 1, VMI_ROM_OK, NULL,
		     "valid image, avail one byte larger (0xFF past the end)");
	rom_free(&r);

	rom_build(&r, 2);
	v = run_check(r.b, r.size, r.size, &info);
	result(v == VMI_ROM_OK && info.size == 1024,
	       "valid 2-block image in an exactly-sized buffer: OK, size 1024");
	rom_free(&r);

	rom_build(&r, 255);
	v = run_check(r.b, r.size, r.size, &info);
	result(v == VMI_ROM_OK && info.size == 255 * 512,
	       "valid 255-block (largest) image: OK, size 130560");
	rom_free(&r);
}

static void test_signatures(void)
{
	struct rom r;

	rom_build(&r, 1);
	r.b[0] = 0x56;
	fix_sum(&r);
	expect(&r, VMI_ROM_NOT_ROM, NULL, "first signature byte 0x56");
	rom_free(&r);

	rom_build(&r, 1);
	r.b[0] = 0xAA;
	r.b[1] = 0x55;
	fix_sum(&r);
	expect(&r, VMI_ROM_NOT_ROM, NULL, "signature byte-swapped (AA 55)");
	rom_free(&r);

	rom_build(&r, 1);
	memcpy(r.b + HOFF(vrom_signature), "cVmX", 4);
	fix_sum(&r);
	expect(&r, VMI_ROM_NOT_VMI, NULL, "vrom_signature \"cVmX\" (an option ROM, not VMI)");
	rom_free(&r);

	rom_build(&r, 1);
	memcpy(r.b + HOFF(vrom_signature), "imVc", 4);
	fix_sum(&r);
	expect(&r, VMI_ROM_NOT_VMI, NULL, "vrom_signature byte-reversed");
	rom_free(&r);
}

static void test_length(void)
{
	struct rom r;

	rom_build(&r, 1);
	r.b[HOFF(rom_length)] = 0;
	fix_sum(&r);
	expect(&r, VMI_ROM_BAD_LENGTH, NULL, "rom_length 0 (zero length)");
	rom_free(&r);

	rom_build(&r, 2);
	expect_avail(&r, r.size - 1, VMI_ROM_BAD_LENGTH, NULL,
		     "2-block image, avail one byte short (length past avail)");
	rom_free(&r);

	rom_build(&r, 1);
	r.b[HOFF(rom_length)] = 255;
	fix_sum(&r);
	expect_avail(&r, r.size, VMI_ROM_BAD_LENGTH, NULL,
		     "rom_length 255 with 512 bytes available");
	rom_free(&r);

	rom_build(&r, 1);
	r.b[HOFF(rom_length)] = 2;
	fix_sum(&r);
	expect_avail(&r, 1023, VMI_ROM_BAD_LENGTH, NULL,
		     "rom_length 2 with 1023 bytes available");
	rom_free(&r);
}

static void test_checksum(void)
{
	struct rom r;

	rom_build(&r, 1);
	r.b[0x100] ^= 0x01;
	expect_warn(&r, VMI_ROM_WARN_CHECKSUM, "one byte changed, checksum not fixed");
	rom_free(&r);

	rom_build(&r, 1);
	r.b[r.size - 1] += 1;
	expect_warn(&r, VMI_ROM_WARN_CHECKSUM, "last (checksum) byte off by one");
	rom_free(&r);

	rom_build(&r, 2);
	r.b[r.size - 1] += 0x80;
	expect_warn(&r, VMI_ROM_WARN_CHECKSUM, "2-block image, bad sum in the second block");
	rom_free(&r);
}

static void test_version(void)
{
	static const struct { u8 maj, min; enum vmi_rom_verdict want; } cases[] = {
		{ 2, 0, VMI_ROM_BAD_VERSION },
		{ 4, 0, VMI_ROM_BAD_VERSION },
		{ 0, 0, VMI_ROM_BAD_VERSION },
		{ 255, 0, VMI_ROM_BAD_VERSION },
		{ 3, 1, VMI_ROM_OK },
		{ 3, 0x7F, VMI_ROM_OK },
		{ 3, 255, VMI_ROM_OK },
	};
	struct vmi_rom_info info;
	unsigned int i;
	struct rom r;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		enum vmi_rom_verdict v;
		int ok;

		rom_build(&r, 1);
		r.b[HOFF(api_version_maj)] = cases[i].maj;
		r.b[HOFF(api_version_min)] = cases[i].min;
		fix_sum(&r);
		v = run_check(r.b, r.size, r.size, &info);
		ok = v == cases[i].want && info.api_major == cases[i].maj &&
		     info.api_minor == cases[i].min;
		result(ok, "API %u.%u -> %s (info reports %u.%u)", cases[i].maj,
		       cases[i].min, vmi_rom_verdict_str(cases[i].want),
		       cases[i].maj, cases[i].min);
		if (!ok)
			diag("got %d (%s), info %u.%u", v, vmi_rom_verdict_str(v),
			     info.api_major, info.api_minor);
		rom_free(&r);
	}
}

/* Offsets in the header / $PnP that point outside the image. */
static void test_offsets(void)
{
	static const struct {
		const char *what;
		int in_pnp;		/* offset lives in the $PnP header */
		size_t field;
		const char *name;	/* info.field */
		u32 delta;		/* offset = size + delta (mod 64 KiB) */
	} cases[] = {
		{ "pci_header_offs", 0, HOFF(pci_header_offs), "pci_header_offs", 0 },
		{ "pci_header_offs", 0, HOFF(pci_header_offs), "pci_header_offs", 0x40 },
		{ "pci_header_offs", 0, HOFF(pci_header_offs), "pci_header_offs",
		  (u32)-(sizeof(struct vmi_pci_header) - 1) },
		{ "pci_header_offs", 0, HOFF(pci_header_offs), "pci_header_offs", 0xFFFF - 512 },
		{ "pnp_header_offs", 0, HOFF(pnp_header_offs), "pnp_header_offs", 0 },
		{ "pnp_header_offs", 0, HOFF(pnp_header_offs), "pnp_header_offs", 0x40 },
		{ "pnp_header_offs", 0, HOFF(pnp_header_offs), "pnp_header_offs",
		  (u32)-(sizeof(struct vmi_pnp_header) - 1) },
		{ "pnp_header_offs", 0, HOFF(pnp_header_offs), "pnp_header_offs", 0xFFFF - 512 },
		{ "license_offs", 0, HOFF(license_offs), "license string", 0 },
		{ "license_offs", 0, HOFF(license_offs), "license string", 0x100 },
		{ "license_offs", 0, HOFF(license_offs), "license string", 0xFFFF - 512 },
		{ "manufacturer_offset", 1, PNP_MAN, "manufacturer string", 0 },
		{ "manufacturer_offset", 1, PNP_MAN, "manufacturer string", 0xFFFF - 512 },
		{ "product_offset", 1, PNP_PROD, "product string", 0 },
		{ "product_offset", 1, PNP_PROD, "product string", 0x20 },
		{ "product_offset", 1, PNP_PROD, "product string", 0xFFFF - 512 },
	};
	unsigned int i;
	struct rom r;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u16 off;

		rom_build(&r, 1);
		off = (u16)(r.size + cases[i].delta);
		put16((cases[i].in_pnp ? pnp(&r) : r.b) + cases[i].field, off);
		fix_sum(&r);
		{
			char name[128];

			snprintf(name, sizeof(name), "%s = %#x (size %#x) past the end",
				 cases[i].what, off, r.size);
			expect(&r, VMI_ROM_BAD_OFFSET, cases[i].name, name);
		}
		rom_free(&r);
	}

	rom_build(&r, 1);
	set_offs(&r, HOFF(pci_header_offs), 0);
	fix_sum(&r);
	expect(&r, VMI_ROM_NO_PCI_HEADER, "pci_header_offs", "pci_header_offs = 0 (no PCI header)");
	rom_free(&r);

	/* Structures ending exactly at the last byte are fine. */
	rom_build(&r, 1);
	memcpy(r.b + r.size - sizeof(struct vmi_pci_header), r.b + OFF_PCI,
	       sizeof(struct vmi_pci_header));
	set_offs(&r, HOFF(pci_header_offs), r.size - sizeof(struct vmi_pci_header));
	fix_sum_at(&r, SPARE_SUM);
	expect(&r, VMI_ROM_OK, NULL, "PCIR ending at the image's last byte");
	rom_free(&r);

	rom_build(&r, 1);
	memcpy(r.b + r.size - sizeof(struct vmi_pnp_header), r.b + OFF_PNP,
	       sizeof(struct vmi_pnp_header));
	set_offs(&r, HOFF(pnp_header_offs), r.size - sizeof(struct vmi_pnp_header));
	fix_sum_at(&r, SPARE_SUM);
	expect(&r, VMI_ROM_OK, NULL, "$PnP header ending at the image's last byte");
	rom_free(&r);
}

/* A string at the very end of the image, with or without its NUL. */
static void test_strings(void)
{
	static const struct {
		const char *what, *field;
		int in_pnp;
		size_t off;
		const char *text;
	} cases[] = {
		{ "license", "license string", 0, HOFF(license_offs), "GPL v2" },
		{ "manufacturer", "manufacturer string", 1, PNP_MAN, MANUFACTURER },
		{ "product", "product string", 1, PNP_PROD, PRODUCT },
	};
	struct vmi_rom_info info;
	unsigned int i;
	struct rom r;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t n = strlen(cases[i].text);
		u8 *where;
		char name[128];
		enum vmi_rom_verdict v;
		const char *got;
		int ok;

		/* Terminated: the NUL is the image's last byte. */
		rom_build(&r, 1);
		where = cases[i].in_pnp ? pnp(&r) : r.b;
		put_str(&r, r.size - n - 1, cases[i].text);
		put16(where + cases[i].off, r.size - n - 1);
		fix_sum_at(&r, SPARE_SUM);
		v = run_check(r.b, r.size, r.size, &info);
		got = i == 0 ? info.license : i == 1 ? info.manufacturer : info.product;
		ok = v == VMI_ROM_OK && got == (char *)r.b + r.size - n - 1 &&
		     same_str(got, cases[i].text);
		result(ok, "%s string whose NUL is the image's last byte -> valid", cases[i].what);
		if (!ok)
			diag("got %d (%s), string %s", v, vmi_rom_verdict_str(v), got);
		rom_free(&r);

		/* Unterminated: the same text, its last character in the last byte. */
		rom_build(&r, 1);
		where = cases[i].in_pnp ? pnp(&r) : r.b;
		memcpy(r.b + r.size - n, cases[i].text, n);
		put16(where + cases[i].off, r.size - n);
		fix_sum_at(&r, SPARE_SUM);
		snprintf(name, sizeof(name), "%s string running to the end without a NUL",
			 cases[i].what);
		expect(&r, VMI_ROM_UNTERMINATED, cases[i].field, name);
		rom_free(&r);

		/* Unterminated, one character at the very last byte. */
		rom_build(&r, 1);
		where = cases[i].in_pnp ? pnp(&r) : r.b;
		r.b[r.size - 1] = 'G';
		put16(where + cases[i].off, r.size - 1);
		fix_sum_at(&r, SPARE_SUM);
		snprintf(name, sizeof(name), "%s offset = last byte, non-NUL", cases[i].what);
		expect(&r, VMI_ROM_UNTERMINATED, cases[i].field, name);
		rom_free(&r);
	}

	/* An empty manufacturer string in the last byte is a valid string. */
	rom_build(&r, 1);
	put16(pnp(&r) + PNP_MAN, r.size - 1);
	r.b[r.size - 1] = 0;
	fix_sum_at(&r, SPARE_SUM);
	{
		enum vmi_rom_verdict v = run_check(r.b, r.size, r.size, &info);

		result(v == VMI_ROM_OK && same_str(info.manufacturer, ""),
		       "empty manufacturer string in the last byte -> valid, \"\"");
	}
	rom_free(&r);

	/* Absent (offset 0) PnP strings and an absent $PnP header. */
	rom_build(&r, 1);
	put16(pnp(&r) + PNP_MAN, 0);
	fix_sum(&r);
	{
		enum vmi_rom_verdict v = run_check(r.b, r.size, r.size, &info);

		result(v == VMI_ROM_OK && same_str(info.manufacturer, "UNKNOWN") &&
		       same_str(info.product, PRODUCT),
		       "manufacturer_offset 0 -> valid, manufacturer \"UNKNOWN\"");
	}
	rom_free(&r);

	rom_build(&r, 1);
	set_offs(&r, HOFF(pnp_header_offs), 0);
	fix_sum(&r);
	{
		enum vmi_rom_verdict v = run_check(r.b, r.size, r.size, &info);

		result(v == VMI_ROM_OK && same_str(info.manufacturer, "UNKNOWN") &&
		       same_str(info.product, "UNKNOWN"),
		       "no $PnP header (offset 0) -> valid, manufacturer/product \"UNKNOWN\"");
	}
	rom_free(&r);
}

static void test_pci_id(void)
{
	struct rom r;

	rom_build(&r, 1);
	put16(pci(&r) + offsetof(struct vmi_pci_header, device_id), 0x0802);
	fix_sum(&r);
	expect_warn(&r, VMI_ROM_WARN_PCI_ID, "PCIR device 0x0802");
	rom_free(&r);

	rom_build(&r, 1);
	put16(pci(&r) + offsetof(struct vmi_pci_header, vendor_id), 0x15AE);
	fix_sum(&r);
	expect_warn(&r, VMI_ROM_WARN_PCI_ID, "PCIR vendor 0x15AE");
	rom_free(&r);

	rom_build(&r, 1);
	put16(pci(&r) + offsetof(struct vmi_pci_header, vendor_id), 0x0801);
	put16(pci(&r) + offsetof(struct vmi_pci_header, device_id), 0x15AD);
	fix_sum(&r);
	expect_warn(&r, VMI_ROM_WARN_PCI_ID, "PCIR vendor and device swapped");
	rom_free(&r);
}

static void test_license(void)
{
	static const struct { const char *lic; enum vmi_rom_verdict want; } cases[] = {
		{ "GPL", VMI_ROM_OK },
		{ "GPL v2", VMI_ROM_OK },
		{ "BSD", VMI_ROM_LICENSE },
		{ "GPL v3", VMI_ROM_LICENSE },
		{ "GPLv2", VMI_ROM_LICENSE },
		{ "GPL v2 ", VMI_ROM_LICENSE },
		{ "GP", VMI_ROM_LICENSE },
		{ "gpl", VMI_ROM_LICENSE },
		{ "", VMI_ROM_LICENSE },
	};
	unsigned int i;
	struct rom r;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char name[64];

		rom_build(&r, 1);
		/* Put it after the product string so lengths do not collide. */
		put_str(&r, 0x180, cases[i].lic);
		set_offs(&r, HOFF(license_offs), 0x180);
		fix_sum(&r);
		snprintf(name, sizeof(name), "license \"%s\"", cases[i].lic);
		expect(&r, cases[i].want, NULL, name);
		rom_free(&r);
	}

	rom_build(&r, 1);
	set_offs(&r, HOFF(license_offs), 0);
	fix_sum(&r);
	expect(&r, VMI_ROM_NO_LICENSE, NULL, "license_offs = 0 (no license)");
	rom_free(&r);
}

static void test_virtual_top(void)
{
	static const struct { u32 top; enum vmi_rom_verdict want; } cases[] = {
		{ 0, VMI_ROM_OK },
		{ 0xE0000000, VMI_ROM_OK },	/* the largest hole: 512 MiB */
		{ 0xF8000000, VMI_ROM_OK },
		{ 0xFC000000, VMI_ROM_OK },
		{ 0xFF000000, VMI_ROM_OK },
		{ 0xFFFFF000, VMI_ROM_OK },
		{ 0xFC000800, VMI_ROM_OK },	/* unaligned: the kernel rounds */
		{ 0xFF000001, VMI_ROM_OK },
		{ 0xFFFFFFFF, VMI_ROM_OK },
		{ 0x00001000, VMI_ROM_VIRTUAL_TOP },
		{ 0xDFFFF000, VMI_ROM_VIRTUAL_TOP },
		{ 0x80000000, VMI_ROM_VIRTUAL_TOP },
	};
	struct vmi_rom_info info;
	unsigned int i;
	struct rom r;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		enum vmi_rom_verdict v;
		int ok;

		rom_build(&r, 1);
		put32(r.b + HOFF(virtual_top), cases[i].top);
		fix_sum(&r);
		v = run_check(r.b, r.size, r.size, &info);
		ok = v == cases[i].want && info.virtual_top == cases[i].top;
		result(ok, "virtual_top 0x%08x -> %s", cases[i].top,
		       vmi_rom_verdict_str(cases[i].want));
		if (!ok)
			diag("got %d (%s), info.virtual_top %#x", v,
			     vmi_rom_verdict_str(v), info.virtual_top);
		rom_free(&r);
	}
}

/* Check order: with two defects, the earlier check names the verdict. */
static void test_order(void)
{
	struct rom r;

	rom_build(&r, 1);
	r.b[HOFF(api_version_maj)] = 2;		/* not re-balanced */
	expect(&r, VMI_ROM_BAD_VERSION, NULL, "bad version + bad checksum: the version refuses");
	rom_free(&r);

	rom_build(&r, 1);
	set_offs(&r, HOFF(license_offs), 0);
	put16(pci(&r) + offsetof(struct vmi_pci_header, device_id), 0x0802);
	put32(r.b + HOFF(virtual_top), 1);
	fix_sum(&r);
	expect(&r, VMI_ROM_NO_LICENSE, NULL, "no license + PCI ID + virtual_top: no license first");
	rom_free(&r);
}

/* Header cut short: the buffer ends inside the header. */
static void test_truncated(void)
{
	struct vmi_rom_info info;
	u32 avail, bad = 0, bad_avail = 0;
	enum vmi_rom_verdict v, want, bad_v = VMI_ROM_OK;
	struct rom r;

	rom_build(&r, 1);
	for (avail = 0; avail <= r.size; avail++) {
		if (avail < 3)
			want = VMI_ROM_NOT_ROM;
		else if (avail < VMI_ROM_HEADER_SIZE)
			want = VMI_ROM_NOT_VMI;
		else if (avail < r.size)
			want = VMI_ROM_BAD_LENGTH;
		else
			want = VMI_ROM_OK;
		v = run_check(r.b, r.size, avail, &info);
		if (v != want && !bad++) {
			bad_avail = avail;
			bad_v = v;
		}
	}
	result(!bad, "valid image cut at every avail 0..512 (exact buffers): "
	       "<3 NOT_ROM, <144 NOT_VMI, <512 BAD_LENGTH, 512 OK");
	if (bad)
		diag("%u mismatches, first at avail %u: got %d (%s)", bad, bad_avail,
		     bad_v, vmi_rom_verdict_str(bad_v));

	expect_avail(&r, VMI_ROM_HEADER_SIZE - 1, VMI_ROM_NOT_VMI, NULL,
		     "header one byte short of avail (avail 143)");
	expect_avail(&r, VMI_ROM_HEADER_SIZE, VMI_ROM_BAD_LENGTH, NULL,
		     "header exactly fills avail (avail 144, rom_length 1)");
	expect_avail(&r, 2, VMI_ROM_NOT_ROM, NULL, "avail 2 (55 AA only)");
	rom_free(&r);

	/* "55 AA" alone, and nothing at all. */
	{
		static const u8 sig[2] = { 0x55, 0xAA };

		v = run_check(sig, 0, 0, &info);
		result(v == VMI_ROM_NOT_ROM && info.size == 0 &&
		       same_str(info.manufacturer, "UNKNOWN") &&
		       same_str(info.product, "UNKNOWN"),
		       "avail 0 -> NOT_ROM, info reset (UNKNOWN strings)");
		v = run_check(sig, 2, 2, &info);
		result(v == VMI_ROM_NOT_ROM, "avail 2, bytes 55 AA -> NOT_ROM");
	}
}

/* ---- part 2: relocations ---- */

static int expect_reloc(unsigned int call, u8 type, u32 eip, u32 base,
			u32 size, enum vmi_reloc_verdict want, const char *name)
{
	enum vmi_reloc_verdict v = vmi_reloc_check(call, type, eip, base, size);

	result(v == want, "reloc %s -> %s", name, vmi_reloc_verdict_str(want));
	if (v != want)
		diag("call %u type %u eip %#x base %#x size %#x: got %d (%s)",
		     call, type, eip, base, size, v, vmi_reloc_verdict_str(v));
	return v == want;
}

static void test_reloc(void)
{
	const u32 base = 0xC00C0000, size = 0xC00;
	unsigned int call, bad;
	u32 t;

	expect_reloc(15, VMI_RELOCATION_NONE, 0, base, size, VMI_RELOC_OK,
		     "NONE with eip 0");
	expect_reloc(15, VMI_RELOCATION_NONE, 0xFFFFFFFF, base, size, VMI_RELOC_OK,
		     "NONE with eip 0xFFFFFFFF");
	expect_reloc(15, VMI_RELOCATION_NOP, 0x1234, base, size, VMI_RELOC_OK,
		     "NOP outside the image");
	expect_reloc(1000, VMI_RELOCATION_NOP, base, base, 0, VMI_RELOC_OK,
		     "NOP, unknown call, empty image");

	expect_reloc(15, VMI_RELOCATION_CALL_REL, base + 0x100, base, size,
		     VMI_RELOC_OK, "CALL inside");
	expect_reloc(15, VMI_RELOCATION_CALL_REL, base, base, size,
		     VMI_RELOC_OK, "CALL at the first byte");
	expect_reloc(15, VMI_RELOCATION_CALL_REL, base + size - 1, base, size,
		     VMI_RELOC_OK, "CALL at the last byte");
	expect_reloc(15, VMI_RELOCATION_CALL_REL, base + size, base, size,
		     VMI_RELOC_OUTSIDE, "CALL one past the end");
	expect_reloc(15, VMI_RELOCATION_CALL_REL, base - 1, base, size,
		     VMI_RELOC_OUTSIDE, "CALL one below the base");
	expect_reloc(15, VMI_RELOCATION_CALL_REL, base + size + 0x1000, base, size,
		     VMI_RELOC_OUTSIDE, "CALL at size + 0x1000 (the corpus value)");
	expect_reloc(15, VMI_RELOCATION_CALL_REL, 0, base, size,
		     VMI_RELOC_OUTSIDE, "CALL to 0");
	expect_reloc(15, VMI_RELOCATION_CALL_REL, base, base, 0,
		     VMI_RELOC_OUTSIDE, "CALL into an empty image");
	expect_reloc(15, VMI_RELOCATION_CALL_REL, 0x100, 0xFFFFF000, 0x2000,
		     VMI_RELOC_OUTSIDE, "CALL below a base whose end wraps 4 GiB");
	expect_reloc(15, VMI_RELOCATION_CALL_REL, 0xFFFFFFFF, 0xFFFFF000, 0x1000,
		     VMI_RELOC_OK, "CALL at the last byte of the address space");
	expect_reloc(33, VMI_RELOCATION_CALL_REL, base + 8, base, size,
		     VMI_RELOC_OK, "CALL for IRET (33)");

	expect_reloc(VMI_CALL_IRET, VMI_RELOCATION_JUMP_REL, base + 8, base, size,
		     VMI_RELOC_OK, "JUMP for IRET (33)");
	expect_reloc(VMI_CALL_SYSEXIT, VMI_RELOCATION_JUMP_REL, base + size - 1,
		     base, size, VMI_RELOC_OK, "JUMP for SYSEXIT (34) at the last byte");
	expect_reloc(VMI_CALL_IRET, VMI_RELOCATION_JUMP_REL, base + size, base, size,
		     VMI_RELOC_OUTSIDE, "JUMP for IRET one past the end");
	expect_reloc(VMI_CALL_SYSEXIT, VMI_RELOCATION_JUMP_REL, base - 1, base, size,
		     VMI_RELOC_OUTSIDE, "JUMP for SYSEXIT below the base");
	expect_reloc(15, VMI_RELOCATION_JUMP_REL, base + 8, base, size,
		     VMI_RELOC_JUMP_NOT_ALLOWED, "JUMP for SetCR0 (15)");
	expect_reloc(15, VMI_RELOCATION_JUMP_REL, 0, base, size,
		     VMI_RELOC_JUMP_NOT_ALLOWED, "JUMP for SetCR0 outside (not-allowed wins)");

	bad = 0;
	for (call = 0; call < 300; call++) {
		enum vmi_reloc_verdict want =
			call == 33 || call == 34 ? VMI_RELOC_OK : VMI_RELOC_JUMP_NOT_ALLOWED;

		if (vmi_reloc_check(call, VMI_RELOCATION_JUMP_REL, base + 8, base, size) != want)
			bad++;
	}
	result(!bad, "reloc JUMP for calls 0..299: allowed for 33 and 34 only");
	if (bad)
		diag("%u calls judged wrongly", bad);

	expect_reloc(15, 4, base + 8, base, size, VMI_RELOC_UNKNOWN_TYPE, "type 4");
	expect_reloc(15, 7, base + 8, base, size, VMI_RELOC_UNKNOWN_TYPE, "type 7");
	expect_reloc(15, 255, base + 8, base, size, VMI_RELOC_UNKNOWN_TYPE, "type 255");

	bad = 0;
	for (t = 4; t < 256; t++)
		if (vmi_reloc_check(33, t, base + 8, base, size) != VMI_RELOC_UNKNOWN_TYPE)
			bad++;
	result(!bad, "reloc types 4..255 all unknown (call 33, eip inside)");
}

/* ---- strings ---- */

static void test_names(void)
{
	enum vmi_rom_verdict v;
	enum vmi_reloc_verdict rv;
	unsigned int i, bad = 0;
	const char *seen[VMI_ROM_VIRTUAL_TOP + 1];

	for (v = VMI_ROM_OK; v <= VMI_ROM_VIRTUAL_TOP; v++) {
		const char *s = vmi_rom_verdict_str(v);

		seen[v] = s;
		if (!s || !strcmp(s, "unknown verdict"))
			bad++;
		for (i = 0; i < v; i++)
			if (s && seen[i] && !strcmp(s, seen[i]))
				bad++;
	}
	result(!bad && !strcmp(vmi_rom_verdict_str(VMI_ROM_VIRTUAL_TOP + 1), "unknown verdict"),
	       "vmi_rom_verdict_str: distinct text for every verdict, \"unknown verdict\" past the end");

	bad = 0;
	for (rv = VMI_RELOC_OK; rv <= VMI_RELOC_JUMP_NOT_ALLOWED; rv++)
		if (!vmi_reloc_verdict_str(rv) ||
		    !strcmp(vmi_reloc_verdict_str(rv), "unknown verdict"))
			bad++;
	result(!bad && !strcmp(vmi_reloc_verdict_str(VMI_RELOC_JUMP_NOT_ALLOWED + 1),
			       "unknown verdict"),
	       "vmi_reloc_verdict_str: text for every verdict");

	bad = 0;
	for (i = 0; i < VMI_CALL_COUNT; i++)
		if (!vmi_call_name(i) || !*vmi_call_name(i) ||
		    !strcmp(vmi_call_name(i), "unknown"))
			bad++;
	result(!bad && !strcmp(vmi_call_name(0), "CPUID") &&
	       !strcmp(vmi_call_name(15), "SetCR0") &&
	       !strcmp(vmi_call_name(33), "IRET") &&
	       !strcmp(vmi_call_name(34), "SYSEXIT") &&
	       !strcmp(vmi_call_name(73), "SetLazyMode") &&
	       !strcmp(vmi_call_name(74), "unknown") &&
	       !strcmp(vmi_call_name(~0u), "unknown"),
	       "vmi_call_name: all 74 named, 74 and ~0 \"unknown\"");
}

/* ---- part 3: the real ROM and the mutation corpus ---- */

#define RUNTIME_POST	"static image valid: defect applied by the ROM's init at POST"
#define RUNTIME_CALL	"static image valid: defect only visible after calling the ROM"

/* Entry 15 (SetCR0) of the relocation table is what the reloc-* files hit. */
#define RELOC_VICTIM	15
#define ROM_BASE	0xC00C0000u	/* PAGE_OFFSET + 0xC0000 */

static const struct corpus_case {
	const char *name;
	enum vmi_rom_verdict want;	/* static image */
	const char *field;
	const char *note;
	/* for reloc-*: what vmi_reloc_check says about entry 15 */
	int reloc;
	enum vmi_reloc_verdict reloc_want;
	/* for bad-checksum: the ext.test_flags bit and the verdict of the
	 * image after a simulated POST */
	u32 test_flag;
	enum vmi_rom_verdict post_want;
	u32 post_warn;
	/* for zero-length: a VMI header in the image's last 2 KiB block */
	int inner;
	enum vmi_rom_verdict inner_want;
} corpus[] = {
	{ .name = "bad-checksum", .want = VMI_ROM_OK, .note = RUNTIME_POST,
	  .test_flag = VMI_EXT_TEST_STALE_CHECKSUM, .post_want = VMI_ROM_OK,
	  .post_warn = VMI_ROM_WARN_CHECKSUM },
	{ .name = "zero-length", .want = VMI_ROM_NOT_VMI,
	  .note = "outer header not VMI; the scan meets the inner one",
	  .inner = 1, .inner_want = VMI_ROM_BAD_LENGTH },
	{ .name = "wrong-signature", .want = VMI_ROM_NOT_VMI },
	{ .name = "api-major-2", .want = VMI_ROM_BAD_VERSION },
	{ .name = "api-major-4", .want = VMI_ROM_BAD_VERSION },
	{ .name = "license-offset-past-end", .want = VMI_ROM_BAD_OFFSET,
	  .field = "license string" },
	{ .name = "pci-offset-past-end", .want = VMI_ROM_BAD_OFFSET,
	  .field = "pci_header_offs" },
	{ .name = "pnp-offset-past-end", .want = VMI_ROM_BAD_OFFSET,
	  .field = "pnp_header_offs" },
	{ .name = "string-offset-past-end", .want = VMI_ROM_BAD_OFFSET,
	  .field = "product string" },
	{ .name = "unterminated-string", .want = VMI_ROM_UNTERMINATED,
	  .field = "product string" },
	{ .name = "license-not-gpl", .want = VMI_ROM_LICENSE },
	{ .name = "pci-id-mismatch", .want = VMI_ROM_OK,
	  .note = "accepted with a warning, as the ABI says" },
	{ .name = "init-fails", .want = VMI_ROM_OK,
	  .note = RUNTIME_CALL " (VMI_Init returns -1)" },
	{ .name = "reloc-outside", .want = VMI_ROM_OK,
	  .note = RUNTIME_CALL " (GetRelocationInfo)",
	  .reloc = 1, .reloc_want = VMI_RELOC_OUTSIDE },
	{ .name = "reloc-unknown-type", .want = VMI_ROM_OK,
	  .note = RUNTIME_CALL " (GetRelocationInfo)",
	  .reloc = 1, .reloc_want = VMI_RELOC_UNKNOWN_TYPE },
	{ .name = "reloc-jump-on-call", .want = VMI_ROM_OK,
	  .note = RUNTIME_CALL " (GetRelocationInfo)",
	  .reloc = 1, .reloc_want = VMI_RELOC_JUMP_NOT_ALLOWED },
	{ .name = "virtual-top-absurd", .want = VMI_ROM_VIRTUAL_TOP },
	{ .name = "virtual-top-16m", .want = VMI_ROM_OK,
	  .note = "0xFF000000 is a valid hole" },
	{ .name = "state-unreserved", .want = VMI_ROM_OK,
	  .note = RUNTIME_CALL " (the state block's place, checked by probe.c)" },
	{ .name = "flushtlb-none", .want = VMI_ROM_OK,
	  .note = "FlushTLB answered NONE: a valid partial ROM" },
};

static u8 *read_file(const char *path, u32 *len)
{
	FILE *f = fopen(path, "rb");
	u8 *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n < 0x1000000 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc(n ? n : 1);
		if (buf && fread(buf, 1, n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = n;
	}
	fclose(f);
	return buf;
}

/*
 * What the ROM's 16-bit init does to the in-memory image (rom/README.md):
 * fill the extension block, apply test_flags, and unless STALE_CHECKSUM
 * re-balance the sum through byte 0x7F.
 */
static void simulate_post(u8 *img, u32 len)
{
	u8 *ext = img + VMI_EXT_OFFSET;
	u32 flags = get32(ext + offsetof(struct vmi_rom_ext, test_flags));
	u8 sum = 0;
	u32 i, size = img[HOFF(rom_length)] * VMI_ROM_BLOCK_SIZE;

	put32(ext + offsetof(struct vmi_rom_ext, magic), VMI_EXT_MAGIC);
	put32(ext + offsetof(struct vmi_rom_ext, rom_phys), 0xC0000);
	put32(ext + offsetof(struct vmi_rom_ext, state_phys), 0x9EC00);
	put32(ext + offsetof(struct vmi_rom_ext, state_size), 0x1000);
	if (!(flags & VMI_EXT_TEST_STALE_CHECKSUM)) {
		img[0x7F] = 0;
		for (i = 0; i < size && i < len; i++)
			sum += img[i];
		img[0x7F] = -sum;
	}
}

/* Check every relocation entry of @img, expecting OK except @victim. */
static int check_relocs(const u8 *img, u32 len, u32 relocs, int victim,
			enum vmi_reloc_verdict victim_want, unsigned int *n_bad)
{
	unsigned int call;

	*n_bad = 0;
	if (relocs + 8 * VMI_CALL_COUNT > len)
		return 0;
	for (call = 0; call < VMI_CALL_COUNT; call++) {
		const u8 *e = img + relocs + 8 * call;
		u8 type = e[4];
		u32 eip = type == VMI_RELOCATION_NONE ? 0 : ROM_BASE + get32(e);
		enum vmi_reloc_verdict want =
			(int)call == victim ? victim_want : VMI_RELOC_OK;

		if (vmi_reloc_check(call, type, eip, ROM_BASE, len) != want) {
			diag("relocation %u (%s): type %u offset %#x: got %s, want %s",
			     call, vmi_call_name(call), type, get32(e),
			     vmi_reloc_verdict_str(vmi_reloc_check(call, type, eip,
								   ROM_BASE, len)),
			     vmi_reloc_verdict_str(want));
			++*n_bad;
		}
	}
	return 1;
}

static void test_real_rom(const char *dir, long relocs)
{
	char path[4096];
	struct vmi_rom_info info;
	enum vmi_rom_verdict v;
	unsigned int nb;
	u32 len;
	u8 *img;

	snprintf(path, sizeof(path), "%s/vmi.rom", dir);
	img = read_file(path, &len);
	if (!img) {
		result(1, "real ROM %s # SKIP not built", path);
		return;
	}
	v = run_check(img, len, len, &info);
	result(v == VMI_ROM_OK && info.size == len && info.api_major == 3 &&
	       info.vendor_id == 0x15AD && info.device_id == 0x0801 &&
	       same_str(info.license, "GPL v2") &&
	       same_str(info.manufacturer, "linux-vmi") &&
	       same_str(info.product, "VMI ROM for QEMU"),
	       "real ROM vmi.rom (%u bytes) -> valid, GPL v2, linux-vmi / VMI ROM for QEMU",
	       len);
	if (v != VMI_ROM_OK)
		diag("got %d (%s) field %s", v, vmi_rom_verdict_str(v),
		     info.field ? info.field : "(null)");

	v = run_check(img, len, 0x20000, &info);
	result(v == VMI_ROM_OK && info.size == len,
	       "real ROM in the full 128 KiB option-ROM window -> valid");

	simulate_post(img, len);
	v = run_check(img, len, len, &info);
	result(v == VMI_ROM_OK, "real ROM after a simulated POST (ext filled, 0x7F re-balanced) -> valid");

	if (relocs < 0) {
		result(1, "real ROM relocation table # SKIP no --relocs offset");
	} else if (!check_relocs(img, len, relocs, -1, VMI_RELOC_OK, &nb)) {
		result(0, "real ROM relocation table at %#lx inside the image", relocs);
	} else {
		result(!nb, "real ROM: all %d relocations bind (table at %#lx)",
		       VMI_CALL_COUNT, relocs);
	}
	free(img);

	snprintf(path, sizeof(path), "%s/variant/vmi.rom", dir);
	img = read_file(path, &len);
	if (img) {
		v = run_check(img, len, len, &info);
		result(v == VMI_ROM_OK,
		       "variant ROM variant/vmi.rom (virtual_top %#x) -> valid",
		       info.virtual_top);
		free(img);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_corpus(const char *dir, long relocs)
{
	char path[4096], *names[256];
	int seen[ARRAY_SIZE(corpus)] = { 0 };
	unsigned int n = 0, i, k;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/corpus", dir);
	d = opendir(path);
	if (!d) {
		result(1, "mutation corpus %s # SKIP not generated", path);
		return;
	}
	while ((de = readdir(d)) && n < ARRAY_SIZE(names)) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "manifest.txt"))
			continue;
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);

	for (k = 0; k < n; k++) {
		const struct corpus_case *c = NULL;
		struct vmi_rom_info info;
		enum vmi_rom_verdict v;
		size_t nl = strlen(names[k]);
		u32 len;
		u8 *img;
		int ok;

		for (i = 0; i < ARRAY_SIZE(corpus); i++)
			if (nl == strlen(corpus[i].name) + 4 &&
			    !strncmp(names[k], corpus[i].name, nl - 4) &&
			    !strcmp(names[k] + nl - 4, ".rom"))
				c = &corpus[i];
		if (!c) {
			result(0, "corpus %s: in the table", names[k]);
			diag("no expectation for %s: add it to corpus[]", names[k]);
			free(names[k]);
			continue;
		}
		seen[c - corpus] = 1;
		snprintf(path, sizeof(path), "%s/corpus/%s", dir, names[k]);
		img = read_file(path, &len);
		if (!img) {
			result(0, "corpus %s: readable", c->name);
			free(names[k]);
			continue;
		}
		v = run_check(img, len, len, &info);
		ok = v == c->want && (!c->field || same_str(info.field, c->field));
		result(ok, "corpus %s -> %s%s%s%s", c->name, vmi_rom_verdict_str(c->want),
		       c->note ? " (" : "", c->note ? c->note : "", c->note ? ")" : "");
		if (!ok)
			diag("got %d (%s), field %s", v, vmi_rom_verdict_str(v),
			     info.field ? info.field : "(null)");

		if (c->reloc) {
			unsigned int nb;

			if (relocs < 0)
				result(1, "corpus %s: relocation %u # SKIP no --relocs offset",
				       c->name, RELOC_VICTIM);
			else
				result(check_relocs(img, len, relocs, RELOC_VICTIM,
						    c->reloc_want, &nb) && !nb,
				       "corpus %s: relocation %u (SetCR0) -> %s, the other %d bind",
				       c->name, RELOC_VICTIM,
				       vmi_reloc_verdict_str(c->reloc_want),
				       VMI_CALL_COUNT - 1);
		}
		if (c->inner) {
			/* rom/tests/mutate: outer image + one 2 KiB block */
			u32 at = len > 0x800 ? len - 0x800 : 0;

			v = at ? run_check(img + at, len - at, len - at, &info) :
				 VMI_ROM_NOT_ROM;
			result(v == c->inner_want && !(at & 0x7ff),
			       "corpus %s: header at %#x -> %s", c->name, at,
			       vmi_rom_verdict_str(c->inner_want));
		}
		if (c->test_flag) {
			u32 flags = get32(img + VMI_EXT_OFFSET +
					  offsetof(struct vmi_rom_ext, test_flags));

			simulate_post(img, len);
			v = run_check(img, len, len, &info);
			result(flags == c->test_flag && v == c->post_want &&
			       info.warnings == c->post_warn,
			       "corpus %s: test_flags %#x, after a simulated POST -> %s, warnings %#x",
			       c->name, c->test_flag, vmi_rom_verdict_str(c->post_want),
			       c->post_warn);
			if (flags != c->test_flag || v != c->post_want ||
			    info.warnings != c->post_warn)
				diag("test_flags %#x, got %d (%s)", flags, v,
				     vmi_rom_verdict_str(v));
		}
		free(img);
		free(names[k]);
	}
	for (i = 0; i < ARRAY_SIZE(corpus); i++)
		if (!seen[i])
			result(0, "corpus %s: file present", corpus[i].name);
}

int main(int argc, char **argv)
{
	const char *rom_dir = NULL;
	long relocs = -1;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rom-dir") && i + 1 < argc) {
			rom_dir = argv[++i];
		} else if (!strcmp(argv[i], "--relocs") && i + 1 < argc) {
			char *end;

			i++;
			if (*argv[i]) {
				relocs = strtol(argv[i], &end, 0);
				if (*end || relocs < 0) {
					fprintf(stderr, "bad --relocs %s\n", argv[i]);
					return 2;
				}
			}
		} else {
			fprintf(stderr, "usage: %s [--rom-dir DIR] [--relocs OFFSET]\n",
				argv[0]);
			return 2;
		}
	}

	printf("TAP version 13\n");
	test_valid();
	test_signatures();
	test_length();
	test_checksum();
	test_version();
	test_offsets();
	test_strings();
	test_pci_id();
	test_license();
	test_virtual_top();
	test_order();
	test_truncated();
	test_reloc();
	test_names();
	if (rom_dir) {
		test_real_rom(rom_dir, relocs);
		test_corpus(rom_dir, relocs);
	} else {
		result(1, "real ROM and mutation corpus # SKIP no --rom-dir");
	}

	printf("1..%u\n", n_test);
	printf("%u passed, %u failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
