/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMI option ROM: header, identification structures and the 16-bit init.
 *
 * Layout (offsets from the image start; the image is linked at 0):
 *   0x00  option-ROM header: 55 AA, length (signer), init jump at 3
 *   0x08  VMI header: "cVmi", API 3.0, virtual_top, license/PCIR/$PnP
 *   0x20  project extension block (struct vmi_rom_ext), filled at POST
 *   0x80  VMI_Init jump point, 0x88 GetRelocationInfo jump point
 *   0x90  PCIR, $PnP, strings, then the 16-bit init code
 * followed by the 32-bit calls (calls.S) and the tables (reloc.c). The
 * last byte of the signed image is the signer's checksum byte; the init
 * code re-balances the sum after patching the image through a separate
 * byte in the reserved header area (VMI_ROM_POST_CSUM_OFFSET, 0x7f).
 *
 * The 16-bit init runs once at POST, in real mode, far-called by SeaBIOS
 * while the shadow area is still writable. It steals VMI_ROM_STATE_KIB KiB
 * of base memory (BDA 0x40:0x13) for the run-time state, records where it
 * is in the extension block, applies the test flags and re-checksums the
 * image. Register contract: everything preserved, returns with lret.
 */
#include <vmi/abi.h>
#include "calltab.h"
#include "optionrom.h"

#ifndef VMI_ROM_VIRTUAL_TOP
#define VMI_ROM_VIRTUAL_TOP	0
#endif
#ifndef VMI_ROM_STATE_KIB
#define VMI_ROM_STATE_KIB	4
#endif
#if VMI_ROM_STATE_KIB < 1 || VMI_ROM_STATE_KIB > 32
#error "STATE_KIB must be 1..32"
#endif

#define EXT_MAGIC	(VMI_EXT_OFFSET + 0)
#define EXT_ROM_PHYS	(VMI_EXT_OFFSET + 4)
#define EXT_STATE_PHYS	(VMI_EXT_OFFSET + 8)
#define EXT_STATE_SIZE	(VMI_EXT_OFFSET + 12)
#define EXT_TEST_FLAGS	(VMI_EXT_OFFSET + 16)

#define BDA_SEG		0x40
#define BDA_MEM_KIB	0x13
#define DEBUGCON	0xe9

	.section .header, "ax"
	.code16
	.globl	rom_start
rom_start:
	VMI_ROM_HEADER rom_start, init16, VMI_ROM_VIRTUAL_TOP, license, pcir, pnp

	.org	VMI_EXT_OFFSET			/* struct vmi_rom_ext */
	.long	0				/* magic: set at POST */
	.long	0				/* rom_phys */
	.long	0				/* state_phys */
	.long	0				/* state_size */
	.globl	vmi_rom_test_flags
vmi_rom_test_flags:
	.long	0				/* test_flags: set by mutate */
	.org	VMI_ROM_POST_CSUM_OFFSET
	.byte	0				/* POST checksum fix-up byte */

	/* 32-bit jump points; the guest calls them in protected mode. */
	.code32
	.org	VMI_ROM_INIT_OFFSET
	jmp	vmi_init32
	.org	VMI_ROM_GET_RELOC_OFFSET, 0xcc
	jmp	vmi_get_reloc32
	.org	VMI_ROM_HEADER_SIZE, 0xcc
	.code16

	.balign	4
pcir:	PCI_DATA VMI_PCI_VENDOR_VMWARE, VMI_PCI_DEVICE_VMI, 0x05, 0x80, 0x00, 1, 0
	.balign	16
pnp:	PNP_HEADER rom_start, manufacturer, product

license:
	.asciz	"GPL v2"
manufacturer:
	.asciz	"linux-vmi"
product:
	.asciz	"VMI ROM for QEMU"
msg_rom:
	.asciz	"vmi-rom: rom=0x"
msg_state:
	.asciz	" state=0x"
msg_size:
	.asciz	" size=0x"

/*
 * 16-bit init. In: CS = image segment (far call to CS:0003). The BIOS
 * passes PnP arguments in AX/BX/DX/ES:DI that we do not need.
 */
init16:
	pushfl
	pushal
	push	%ds
	push	%es
	cld

	mov	%cs, %ax
	mov	%ax, %ds			/* DS = the image (writable now) */
	movzwl	%ax, %ebx
	shl	$4, %ebx			/* EBX = rom_phys */

	/* Take the state block off the top of base memory. */
	mov	$BDA_SEG, %ax
	mov	%ax, %es
	mov	%es:BDA_MEM_KIB, %ax
	sub	$VMI_ROM_STATE_KIB, %ax
	mov	%ax, %es:BDA_MEM_KIB
	movzwl	%ax, %edx
	shl	$10, %edx			/* EDX = state_phys */

	/* Zero it and stamp the state header. */
	mov	%edx, %eax
	shr	$4, %eax
	mov	%ax, %es
	xor	%di, %di
	xor	%ax, %ax
	mov	$(VMI_ROM_STATE_KIB * 512), %cx
	rep stosw
	movl	$VMI_STATE_MAGIC, %es:0
	movl	$VMI_STATE_VERSION, %es:4

	/* Publish it in the extension block. */
	movl	$VMI_EXT_MAGIC, EXT_MAGIC
	mov	%ebx, EXT_ROM_PHYS
	mov	%edx, EXT_STATE_PHYS
	movl	$(VMI_ROM_STATE_KIB * 1024), EXT_STATE_SIZE

	/* Test flags (malformed-ROM corpus only). */
	movzbw	2, %cx				/* image length, 512-byte units */
	testl	$VMI_EXT_TEST_STALE_CHECKSUM, EXT_TEST_FLAGS
	jnz	3f

	/*
	 * Re-checksum through the POST fix-up byte (not the signer's last
	 * byte, so the image tail stays as built): whole image sums to 0.
	 */
	shl	$9, %cx				/* CX = image length in bytes */
	movb	$0, VMI_ROM_POST_CSUM_OFFSET
	xor	%si, %si
	xor	%al, %al
2:	add	(%si), %al
	inc	%si
	cmp	%cx, %si
	jb	2b
	neg	%al
	mov	%al, VMI_ROM_POST_CSUM_OFFSET
3:
	/* vmi-rom: rom=0x%08x state=0x%08x size=0x%x\n on the debug port. */
	mov	$msg_rom - rom_start, %si
	call	puts16
	mov	%ebx, %eax
	mov	$8, %cx
	call	puthex16
	mov	$msg_state - rom_start, %si
	call	puts16
	mov	%edx, %eax
	mov	$8, %cx
	call	puthex16
	mov	$msg_size - rom_start, %si
	call	puts16
	mov	EXT_STATE_SIZE, %eax
	mov	$1, %cx
	call	puthex16
	mov	$'\n', %al
	outb	%al, $DEBUGCON

	pop	%es
	pop	%ds
	popal
	popfl
	lret

/* Print the NUL-terminated string at DS:SI. Clobbers AL, SI. */
puts16:
	lodsb
	test	%al, %al
	jz	1f
	outb	%al, $DEBUGCON
	jmp	puts16
1:	ret

/*
 * Print EAX in lowercase hex with at least CX digits (1..8).
 * Clobbers EAX, CX, flags.
 */
puthex16:
	push	%ebp
	push	%di
	mov	%eax, %ebp
	mov	$8, %di				/* digits left */
1:	rol	$4, %ebp
	mov	%ebp, %eax
	and	$0xf, %al
	jnz	2f
	cmp	%cx, %di			/* leading zero: skip if allowed */
	jbe	2f
	dec	%di
	jmp	1b
2:	mov	$8, %cx				/* from now on print every digit */
	cmp	$10, %al
	jb	3f
	add	$('a' - '0' - 10), %al
3:	add	$'0', %al
	outb	%al, $DEBUGCON
	dec	%di
	jnz	1b
	pop	%di
	pop	%ebp
	ret

	.section .note.GNU-stack, "", @progbits
