/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Assembler macros for the option-ROM structures the VMI ROM carries:
 * the 55 AA header with the VMI fields, the PCI data structure and the
 * $PnP expansion header. Each macro emits one structure at the current
 * location; the signer (signrom.c) fills the length fields and checksums.
 * Only head.S includes this, in 16-bit mode.
 */
#ifndef VMI_ROM_OPTIONROM_H
#define VMI_ROM_OPTIONROM_H

#ifndef __ASSEMBLER__
#error "optionrom.h is for assembly sources"
#endif

/*
 * VMI_ROM_HEADER start, init, virtual_top, license, pcir, pnp: the first
 * 0x20 bytes (struct vmi_rom_header up to the reserved area). init is the
 * 16-bit entry the BIOS far-calls at offset 3; the other labels are
 * turned into offsets from start.
 */
.macro VMI_ROM_HEADER start, init, virtual_top, license, pcir, pnp
	.word	VMI_ROM_SIGNATURE
	.byte	0				/* rom_length: signer */
	jmp	\init				/* 0x03: rom_entry */
	.org	\start + 0x08
	.long	VMI_SIGNATURE
	.byte	VMI_API_REV_MINOR
	.byte	VMI_API_REV_MAJOR
	.byte	0				/* jump_slots: unused */
	.byte	0
	.long	\virtual_top			/* 0x10 */
	.word	0
	.word	\license - \start		/* 0x16 */
	.word	\pcir - \start			/* 0x18 */
	.word	\pnp - \start			/* 0x1a */
	.long	0
.endm

/*
 * PCI_DATA vendor, device, class, subclass, progif, ver_maj, ver_min: a
 * 24-byte "PCIR" structure for an x86 image that is the last one.
 * Place it on a 4-byte boundary (SeaBIOS warns otherwise).
 */
.macro PCI_DATA vendor, device, class, subclass, progif, ver_maj, ver_min
	.ascii	"PCIR"
	.word	\vendor
	.word	\device
	.word	0				/* vital product data */
	.word	24				/* structure length */
	.byte	0				/* structure revision */
	.byte	\progif, \subclass, \class
	.word	0				/* image length: signer */
	.byte	\ver_min, \ver_maj		/* code revision */
	.byte	0				/* code type: x86 */
	.byte	0x80				/* last image */
	.word	0
.endm

/*
 * PNP_HEADER start, manufacturer, product: a 32-byte $PnP header with no
 * boot vectors (BCV/BEV 0), so SeaBIOS runs the init entry at scan time
 * and does not list the ROM as a boot device. Device type: memory
 * controller, other. Place it on a 16-byte boundary.
 */
.macro PNP_HEADER start, manufacturer, product
	.ascii	"$PnP"
	.byte	1				/* revision */
	.byte	2				/* length, 16-byte units */
	.word	0				/* next header */
	.byte	0
	.byte	0				/* checksum: signer */
	.long	0				/* device id */
	.word	\manufacturer - \start
	.word	\product - \start
	.byte	0x00, 0x80, 0x05		/* device type code */
	.byte	0				/* device indicators */
	.word	0				/* BCV */
	.word	0				/* disconnect vector */
	.word	0				/* BEV */
	.word	0
	.word	0				/* static resource info */
.endm

#endif /* VMI_ROM_OPTIONROM_H */
