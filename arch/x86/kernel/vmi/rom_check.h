/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMI ROM validator's interface.
 *
 * rom_check.c judges an image it is handed as (pointer, bytes available)
 * and never reads outside that range. It has no kernel dependencies, so
 * the same file is compiled into the kernel, into the host unit tests and
 * into the libFuzzer target. Nothing here allocates, prints or sleeps.
 */
#ifndef _VMI_ROM_CHECK_H
#define _VMI_ROM_CHECK_H

#ifdef __KERNEL__
#include <linux/stddef.h>
#else
#include <stddef.h>
#endif
#include <asm/vmi/abi.h>

/*
 * Lowest virtual_top the guest accepts (0 means no reservation). The ABI
 * sets no bound; this one is safety: a 3G/1G kernel must keep room below
 * the hole for its image, lowmem and the vmalloc area, and 512 MiB of the
 * 1 GiB kernel space is the most a reservation may take. VMware's monitor
 * reserved 64 MiB (0xFC000000).
 */
#define VMI_VIRTUAL_TOP_MIN	0xE0000000u

/*
 * Defects the ABI tolerates (the 2.6 guest warned and went on): reported
 * in vmi_rom_info.warnings, never a reason to refuse the ROM.
 */
#define VMI_ROM_WARN_CHECKSUM	0x1	/* bytes do not sum to 0 in memory */
#define VMI_ROM_WARN_PCI_ID	0x2	/* PCIR IDs are not 15AD:0801 */

enum vmi_rom_verdict {
	VMI_ROM_OK,
	VMI_ROM_NOT_ROM,	/* no 0xAA55 at this address */
	VMI_ROM_NOT_VMI,	/* an option ROM, but not a VMI one */
	VMI_ROM_BAD_LENGTH,
	VMI_ROM_BAD_VERSION,
	VMI_ROM_NO_PCI_HEADER,
	VMI_ROM_BAD_OFFSET,
	VMI_ROM_UNTERMINATED,
	VMI_ROM_NO_LICENSE,
	VMI_ROM_LICENSE,
	VMI_ROM_VIRTUAL_TOP,
};

struct vmi_rom_info {
	u32 size;			/* rom_length * 512 */
	u8 api_major;
	u8 api_minor;
	u8 rom_major;
	u8 rom_minor;
	u16 vendor_id;
	u16 device_id;
	u32 virtual_top;
	u32 warnings;			/* VMI_ROM_WARN_* */
	const char *license;		/* points into the image */
	const char *manufacturer;	/* into the image, or "UNKNOWN" */
	const char *product;		/* into the image, or "UNKNOWN" */
	const char *field;		/* the field a BAD_OFFSET/UNTERMINATED names */
};

enum vmi_reloc_verdict {
	VMI_RELOC_OK,
	VMI_RELOC_UNKNOWN_TYPE,
	VMI_RELOC_OUTSIDE,
	VMI_RELOC_JUMP_NOT_ALLOWED,
};

enum vmi_rom_verdict vmi_rom_check(const u8 *image, u32 avail,
				   struct vmi_rom_info *info);
const char *vmi_rom_verdict_str(enum vmi_rom_verdict verdict);

enum vmi_reloc_verdict vmi_reloc_check(unsigned int call, u8 type, u32 eip,
				       u32 rom_base, u32 rom_size);
const char *vmi_reloc_verdict_str(enum vmi_reloc_verdict verdict);
const char *vmi_call_name(unsigned int call);

#endif /* _VMI_ROM_CHECK_H */
