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
#include "layout.h"		/* generated: rom/layout.c */
#include "optionrom.h"

#ifndef VMI_ROM_VIRTUAL_TOP
#define VMI_ROM_VIRTUAL_TOP	0
#endif
#ifndef VMI_ROM_STATE_KIB
#define VMI_ROM_STATE_KIB	16
#endif
#if VMI_ROM_STATE_KIB < 1 || VMI_ROM_STATE_KIB > 32
#error "STATE_KIB must be 1..32"
#endif

#define EXT_MAGIC	(VMI_EXT_OFFSET + 0)
#define EXT_ROM_PHYS	(VMI_EXT_OFFSET + 4)
#define EXT_STATE_PHYS	(VMI_EXT_OFFSET + 8)
#define EXT_STATE_SIZE	(VMI_EXT_OFFSET + 12)
#define EXT_TEST_FLAGS	(VMI_EXT_OFFSET + 16)
#define EXT_AUDIT_PHYS	(VMI_EXT_OFFSET + 20)
#define EXT_MONITOR_PHYS (VMI_EXT_OFFSET + 24)

#define BDA_SEG		0x40
#define BDA_MEM_KIB	0x13
#define DEBUGCON	0xe9
#define PIT_HZ		1193182
#define PIT_GATE	(PIT_HZ / 20)		/* 50 ms */

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
	.long	0				/* audit_phys: set at POST */
	.long	0				/* monitor_phys: set at POST */
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
 * passes PnP arguments in AX/BX/DX/ES:DI that we do not need. The steps
 * below share EBX = rom_phys, EDX = state_phys and ES = the state block's
 * segment; each says what else it takes and clobbers.
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

	call	take_state_block		/* EDX, ES */
	call	calibrate_tsc			/* GetCycleFrequency's answer */
	call	install_ap_trampoline		/* SetInitialAPState's code */
	call	publish_ext_block		/* where the guest finds it all */
#if VMI_ROM_AUDIT
	call	audit_post
#endif
	call	apply_test_flags		/* malformed-ROM corpus only */
	call	post_checksum			/* the image sums to 0 again */
	call	announce			/* the harness's debug-port line */

	pop	%es
	pop	%ds
	popal
	popfl
	lret

/*
 * Take the state block off the top of base memory (the BDA's size in KiB
 * goes down by STATE_KIB), zero it and stamp the state header.
 * Out: EDX = state_phys, ES = its segment. Clobbers EAX, CX, DI.
 */
take_state_block:
	mov	$BDA_SEG, %ax
	mov	%ax, %es
	mov	%es:BDA_MEM_KIB, %ax
	sub	$VMI_ROM_STATE_KIB, %ax
	mov	%ax, %es:BDA_MEM_KIB
	movzwl	%ax, %edx
	shl	$10, %edx			/* EDX = state_phys */

	mov	%edx, %eax
	shr	$4, %eax
	mov	%ax, %es
	xor	%di, %di
	xor	%ax, %ax
	mov	$(VMI_ROM_STATE_KIB * 512), %cx
	rep stosw
	movl	$VMI_STATE_MAGIC, %es:0
	movl	$VMI_STATE_VERSION, %es:4
	ret

/*
 * GetCycleFrequency's answer, measured once at POST: time a 50 ms PIT
 * channel 2 one-shot (mode 0, OUT2 read back in port 0x61 bit 5) with the
 * TSC, as Linux's
 * pit_calibrate_tsc does. Both ends are bracketed by TSC reads: the
 * start between the reads around the count's second byte, the end
 * between the last poll that saw OUT2 low and the one that saw it
 * high. Under TCG on a busy host the vCPU thread can be descheduled
 * for milliseconds inside a bracket, so up to 8 tries; a try whose
 * bracket widths add up to less than 1/1024 of the delta is taken at
 * once, otherwise the try with the narrowest brackets. The estimate is
 * the bracket midpoints' distance. tsc_hz = delta * PIT_HZ / PIT_GATE;
 * the 64/32 divisions are done in two steps. No PIT: tsc_hz = 0.
 *
 * One good try is not enough: under TCG the TSC and QEMU's virtual
 * clock (which drives the PIT) were seen to disagree by 5-8 % over a
 * whole 50 ms window at POST in about one boot out of three, with
 * narrow brackets. So the result is the median of three accepted
 * tries (up to 12 tries; with fewer accepted, the first accepted one;
 * with none, the narrowest).
 *
 * Frame (SS:BP): -4 best delta, -8 best width, -10 tries left,
 * -11 port 0x61 as found, -12 accepted tries, -16/-20/-24 their deltas.
 *
 * In: ES = the state block. Out: tsc_hz and tsc_khz in it. Keeps EBX,
 * EDX; clobbers EAX, ECX, ESI, EDI.
 */
calibrate_tsc:
	pushl	%ebx
	pushl	%edx
	push	%bp
	mov	%sp, %bp
	sub	$24, %sp
	movl	$0, -4(%bp)
	movl	$0xffffffff, -8(%bp)
	movw	$12, -10(%bp)
	movb	$0, -12(%bp)
	inb	$0x61, %al
	mov	%al, -11(%bp)
7:	mov	-11(%bp), %al
	and	$0xfc, %al
	or	$0x01, %al			/* gate 2 on, speaker off */
	outb	%al, $0x61
	mov	$0xb0, %al			/* ch2, lo/hi, mode 0, binary */
	outb	%al, $0x43
	mov	$(PIT_GATE & 0xff), %al
	outb	%al, $0x42
	rdtsc
	mov	%eax, %esi			/* ESI = before the start */
	mov	$(PIT_GATE >> 8), %al
	outb	%al, $0x42			/* counting starts */
	rdtsc
	mov	%eax, %edi			/* EDI = after the start */
	mov	%eax, %ebx			/* EBX = after the last low poll */
	mov	$0x10000000, %ecx		/* poll bound */
4:	inb	$0x61, %al
	test	$0x20, %al
	rdtsc					/* (keeps ZF) */
	jnz	5f
	mov	%eax, %ebx
	dec	%ecx
	jnz	4b
	jmp	8f				/* no PIT: next try */
5:	mov	%eax, %edx			/* EDX = after the high poll */
	sub	%ebx, %eax			/* end bracket */
	mov	%edi, %ecx
	sub	%esi, %ecx			/* start bracket */
	add	%ecx, %eax			/* EAX = total width */
	sub	%esi, %edx			/* outer distance */
	mov	%eax, %ecx
	shr	$1, %ecx
	sub	%ecx, %edx			/* EDX = midpoint distance */
	cmp	-8(%bp), %eax
	jae	6f
	mov	%eax, -8(%bp)
	mov	%edx, -4(%bp)
6:	mov	%edx, %ecx
	shr	$10, %ecx
	cmp	%ecx, %eax
	jae	8f				/* too wide: next try */
	movzbw	-12(%bp), %di
	shl	$2, %di
	neg	%di
	mov	%edx, -16(%bp, %di)		/* slot -16, -20, -24 */
	incb	-12(%bp)
	cmpb	$3, -12(%bp)
	je	9f
8:	decw	-10(%bp)
	jnz	7b
9:	mov	-11(%bp), %al
	outb	%al, $0x61			/* restore port 0x61 */
	mov	-4(%bp), %eax			/* none accepted: narrowest */
	cmpb	$0, -12(%bp)
	je	3f
	mov	-16(%bp), %eax			/* first accepted */
	cmpb	$3, -12(%bp)
	jne	3f
	mov	-20(%bp), %ebx			/* median of three */
	mov	-24(%bp), %ecx
	cmp	%eax, %ebx
	jbe	1f
	xchg	%eax, %ebx			/* EAX >= EBX */
1:	cmp	%ebx, %ecx
	jbe	2f
	xchg	%ebx, %ecx			/* EBX >= ECX */
2:	cmp	%eax, %ebx
	jbe	1f
	xchg	%eax, %ebx			/* EAX >= EBX */
1:	mov	%ebx, %eax			/* the median */
3:	mov	%bp, %sp
	pop	%bp
	mov	$PIT_HZ, %ecx
	mul	%ecx				/* EDX:EAX = delta * PIT_HZ */
	mov	$PIT_GATE, %ecx
	mov	%eax, %esi
	mov	%edx, %eax
	xor	%edx, %edx
	div	%ecx
	mov	%eax, %edi			/* quotient high */
	mov	%esi, %eax
	div	%ecx				/* quotient low */
	mov	%eax, %es:VMI_ROM_PRIV_TSC_HZ
	mov	%edi, %es:VMI_ROM_PRIV_TSC_HZ+4
	mov	$1000, %ecx
	mov	%eax, %esi
	mov	%edi, %eax
	xor	%edx, %edx
	div	%ecx
	mov	%esi, %eax
	div	%ecx
	mov	%eax, %es:VMI_ROM_PRIV_TSC_KHZ
	popl	%edx
	popl	%ebx
	ret

/*
 * AP trampoline (SetInitialAPState): the first 4 KiB boundary past
 * the state structures, then one more page for the temporary page
 * directory, both inside the stolen block; else ap_tramp stays 0.
 * The code is copied there and patched with its own address.
 *
 * In: EBX, EDX, ES as in init16. Also records state_phys. Clobbers EAX,
 * ECX, SI, EDI.
 */
install_ap_trampoline:
	mov	%edx, %es:VMI_ROM_PRIV_STATE_PHYS
	lea	(VMI_ROM_AP_TRAMP_MIN + 4095)(%edx), %edi
	and	$~4095, %edi			/* EDI = trampoline page */
	lea	8192(%edi), %eax
	lea	(VMI_ROM_STATE_KIB * 1024)(%edx), %ecx
	cmp	%ecx, %eax
	ja	1f
	mov	%edi, %es:VMI_ROM_PRIV_AP_TRAMP
	push	%es
	mov	%edi, %eax
	shr	$4, %eax
	mov	%ax, %es
	push	%edi
	mov	$(ap_tramp_start - rom_start), %si
	xor	%di, %di
	mov	$(ap_tramp_end - ap_tramp_start), %cx
	rep movsb
	pop	%edi
	lea	(tr_pm - ap_tramp_start)(%edi), %eax
	mov	%eax, %es:(tr_jump - ap_tramp_start)
	lea	(tr_gdt - ap_tramp_start)(%edi), %eax
	mov	%eax, %es:(tr_gdtr + 2 - ap_tramp_start)
	mov	%edx, %es:(tr_state - ap_tramp_start)
	lea	(ap_tail - rom_start)(%ebx), %eax
	mov	%eax, %es:(tr_tail - ap_tramp_start)
	pop	%es
1:	ret

/* Publish rom_phys, state_phys and the block's size in the extension block. */
publish_ext_block:
	movl	$VMI_EXT_MAGIC, EXT_MAGIC
	mov	%ebx, EXT_ROM_PHYS
	mov	%edx, EXT_STATE_PHYS
	movl	$(VMI_ROM_STATE_KIB * 1024), EXT_STATE_SIZE
#if VMI_ROM_RING
	lea	VMI_ROM_RING_OFFSET(%edx), %eax	/* the monitor's report */
	mov	%eax, EXT_MONITOR_PHYS
#endif
	ret

/*
 * Test flags, set only in ROMs of the malformed-ROM corpus: STATE_UNRESERVED
 * gives the state block's memory back to the BIOS (a ROM that leaves it
 * unreserved). Clobbers AX.
 */
apply_test_flags:
	testl	$VMI_EXT_TEST_STATE_UNRESERVED, EXT_TEST_FLAGS
	jz	4f
	push	%es
	mov	$BDA_SEG, %ax
	mov	%ax, %es
	addw	$VMI_ROM_STATE_KIB, %es:BDA_MEM_KIB
	pop	%es
4:	ret

/*
 * Re-checksum through the POST fix-up byte (not the signer's last byte, so
 * the image tail stays as built): the whole image sums to 0 again after
 * init16's writes. The corpus's STALE_CHECKSUM ROM skips it. Clobbers AL,
 * CX, SI.
 */
post_checksum:
	testl	$VMI_EXT_TEST_STALE_CHECKSUM, EXT_TEST_FLAGS
	jnz	3f
	movzbw	2, %cx				/* image length, 512-byte units */
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
3:	ret

/*
 * "vmi-rom: rom=0x%08x state=0x%08x size=0x%x\n" on the debug port, which
 * the harness reads to find the state block. In: EBX, EDX. Clobbers EAX,
 * EBP, CX, SI.
 */
announce:
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
	ret

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


#if VMI_ROM_AUDIT
/*
 * The audit store (audit.c): at POST, find the E820 RAM range that starts
 * at 1 MiB, take the last 4 MiB-aligned 4 MiB of it, hook INT 15h so
 * that every later E820 query sees that range end below the store, and
 * publish the report block (state + VMI_ROM_AUDIT_OFFSET). In: DS = the
 * image (writable), EDX = state_phys. Everything preserved. No room
 * (less than 16 MiB left) or no E820: no store, the report says so.
 */
#define SMAP		0x534d4150
#define AUDIT_BYTES	(4 << 20)
	.code16
audit_post:
	pushal
	push	%es
	mov	%edx, %eax
	shr	$4, %eax
	mov	%ax, %es			/* ES = the state block */
	movl	$VMI_AUDIT_MAGIC, %es:VMI_ROM_AUDIT_OFFSET
	lea	VMI_ROM_AUDIT_OFFSET(%edx), %eax
	mov	%eax, EXT_AUDIT_PHYS
	mov	$VMI_ROM_AUDIT_SCRATCH, %di
	xor	%ebx, %ebx
1:	mov	$0xe820, %eax
	mov	$20, %ecx
	mov	$SMAP, %edx
	int	$0x15
	jc	9f
	cmp	$SMAP, %eax
	jne	9f
	call	audit_low_ram
	je	3f
	test	%ebx, %ebx
	jnz	1b
	jmp	9f
3:	mov	%es:8(%di), %eax
	add	$0x100000, %eax
	and	$~(AUDIT_BYTES - 1), %eax
	sub	$AUDIT_BYTES, %eax
	cmp	$0x1000000, %eax
	jb	9f
	mov	%eax, (audit_store_base - rom_start)
	mov	%eax, %es:(VMI_ROM_AUDIT_OFFSET + 8)	/* store_phys */
	movl	$AUDIT_BYTES, %es:(VMI_ROM_AUDIT_OFFSET + 12)
	xor	%ax, %ax
	mov	%ax, %es
	mov	%es:(0x15 * 4), %eax
	mov	%eax, (audit_old_int15 - rom_start)
	mov	%cs, %ax
	shl	$16, %eax
	mov	$(audit_int15 - rom_start), %ax
	mov	%eax, %es:(0x15 * 4)
9:	pop	%es
	popal
	ret

/*
 * ZF set if the E820 entry at ES:DI is RAM starting at 1 MiB, under 4 GiB
 * (the range the store is taken from). Preserves every register.
 */
audit_low_ram:
	cmpl	$0x100000, %es:0(%di)
	jne	1f
	cmpl	$0, %es:4(%di)
	jne	1f
	cmpl	$0, %es:12(%di)
	jne	1f
	cmpl	$1, %es:16(%di)
1:	ret

/*
 * INT 15h after POST: E820 answers pass through the BIOS; the RAM range
 * at 1 MiB comes back ending where the audit store begins. The carry
 * flag the BIOS returned goes back in the caller's FLAGS.
 */
audit_int15:
	cmp	$0xe820, %eax
	jne	8f
	pushf
	lcall	*%cs:(audit_old_int15 - rom_start)
	jc	7f
	call	audit_low_ram
	jne	6f
	push	%eax
	mov	%cs:(audit_store_base - rom_start), %eax
	sub	$0x100000, %eax
	mov	%eax, %es:8(%di)
	movl	$0, %es:12(%di)
	pop	%eax
6:	push	%bp
	mov	%sp, %bp
	andw	$~1, 6(%bp)
	pop	%bp
	iret
7:	push	%bp
	mov	%sp, %bp
	orw	$1, 6(%bp)
	pop	%bp
	iret
8:	ljmp	*%cs:(audit_old_int15 - rom_start)

	.balign	4
audit_old_int15:
	.long	0
audit_store_base:
	.long	0
#endif

/*
 * AP trampoline, copied at POST to priv.ap_tramp (a 4 KiB-aligned page in
 * the stolen block) and entered by the STARTUP IPI that SetInitialAPState
 * sends (vector = that page). Real mode -> flat protected mode -> a
 * temporary page directory in the next page that maps the first 4 MiB
 * (2 MiB with PAE) both at 0 and at PAGE_OFFSET (the ROM's linear minus
 * physical address at the call) -> jump to ap_tail in the ROM image
 * through the PAGE_OFFSET alias -> the guest's EFER, CR3, CR4, CR0, CR2,
 * GDTR, IDTR, LDTR, SS:ESP, segments, general registers, then iret to
 * CS:EIP with EFLAGS. The temporary tables use 4 MiB pages (CR4.PSE) or,
 * when the AP state has CR4.PAE, a PDPT at page + 0xF00 with 2 MiB pages,
 * so the final CR4/CR3 switch never changes the paging mode under the
 * running code. No stack is used before the guest's. Offsets are relative
 * to ap_tramp_start; four fields are patched at POST (tr_jump, the GDT
 * base, tr_state, tr_tail).
 */
	.balign	16
ap_tramp_start:
	.code16
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	movzwl	%ax, %esi
	shl	$4, %esi			/* ESI = trampoline page */
	lgdtl	(tr_gdtr - ap_tramp_start)
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmpl	*(tr_jump - ap_tramp_start)
	.code32
tr_pm:
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	(tr_state - ap_tramp_start)(%esi), %ebp	/* state block */
	mov	$1, %eax
	cpuid
	shr	$24, %ebx
	movzbl	VMI_ROM_PRIV_CPU_SLOT(%ebp, %ebx), %ebx	/* slot + 1 */
	sub	$1, %ebx
	jc	tr_dead					/* no slot */
	shl	$VMI_ROM_AP_SHIFT, %ebx
	lea	VMI_ROM_PRIV_AP(%ebp, %ebx), %ebp	/* EBP = my slot */
	cmpl	$1, VMI_ROM_AP_VALID(%ebp)
	jne	tr_dead
	/* Temporary page tables. */
	lea	4096(%esi), %edi
	xor	%eax, %eax
	mov	$1024, %ecx
	rep stosl
	lea	4096(%esi), %edx		/* EDX = page directory */
	mov	VMI_ROM_AP_PAGE_OFFSET(%ebp), %ecx
	testl	$0x20, (VMI_ROM_AP_STATE + 0x0c)(%ebp)	/* state CR4.PAE */
	jnz	1f
	movl	$0x83, (%edx)			/* 4 MiB at 0 */
	mov	%ecx, %eax
	shr	$22, %eax
	movl	$0x83, (%edx, %eax, 4)		/* and at PAGE_OFFSET */
	mov	$0x10, %eax			/* CR4.PSE */
	jmp	2f
1:	lea	0xf00(%esi), %edi		/* PDPT */
	xor	%eax, %eax
	mov	$8, %ecx
	rep stosl
	mov	VMI_ROM_AP_PAGE_OFFSET(%ebp), %ecx
	lea	0x1(%edx), %eax
	mov	%eax, 0xf00(%esi)		/* PDPT[0] */
	mov	%ecx, %edi
	shr	$30, %edi
	mov	%eax, 0xf00(%esi, %edi, 8)	/* PDPT[PAGE_OFFSET >> 30] */
	movl	$0x83, (%edx)			/* 2 MiB at 0 */
	mov	%ecx, %edi
	shr	$21, %edi
	and	$511, %edi
	movl	$0x83, (%edx, %edi, 8)
	lea	0xf00(%esi), %edx		/* CR3 = PDPT */
	mov	$0x20, %eax			/* CR4.PAE */
2:	mov	%eax, %cr4
	mov	%edx, %cr3
	mov	%cr0, %eax
	or	$0x80000000, %eax
	mov	%eax, %cr0
	mov	(tr_tail - ap_tramp_start)(%esi), %eax
	add	%ecx, %eax			/* ap_tail, through the alias */
	add	%ecx, %ebp			/* slot, through the alias */
	jmp	*%eax
tr_dead:
	cli
	hlt
	jmp	tr_dead
	.balign	4
tr_state:
	.long	0				/* state_phys (patched) */
tr_tail:
	.long	0				/* ap_tail, physical (patched) */
tr_jump:
	.long	0				/* tr_pm, linear (patched) */
	.word	0x08
	.balign	8
tr_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff		/* 0x08: flat 32-bit code */
	.quad	0x00cf92000000ffff		/* 0x10: flat data */
tr_gdtr:
	.word	3 * 8 - 1
	.long	0				/* tr_gdt, linear (patched) */
ap_tramp_end:

/*
 * The rest of the AP start runs from the ROM image, not from the copied
 * page: once the guest's CR3 is loaded, the trampoline page in the stolen
 * block is an ordinary data page of the guest's direct map (NX on a PAE
 * guest with NX), while the guest keeps the image itself executable (it
 * calls into it). Entered at PAGE_OFFSET + physical, still on the
 * temporary tables, with EBP = this CPU's ap[] slot through the alias.
 */
	.code32
ap_tail:
	lea	VMI_ROM_AP_STATE(%ebp), %edi	/* EDI = struct vmi_ap_state */
	mov	0x10(%edi), %eax		/* EFER */
	mov	0x14(%edi), %edx
	mov	%eax, %ecx
	or	%edx, %ecx
	jz	3f
	mov	$0xc0000080, %ecx
	wrmsr
3:	mov	0x08(%edi), %eax
	mov	%eax, %cr3
	mov	0x0c(%edi), %eax
	mov	%eax, %cr4
	mov	0x00(%edi), %eax
	mov	%eax, %cr0
	mov	0x04(%edi), %eax
	mov	%eax, %cr2
	lgdt	0x4e(%edi)			/* gdtr_limit, gdtr_base */
	lidt	VMI_ROM_AP_IDT(%ebp)
	lldt	0x4c(%edi)
	movl	$2, VMI_ROM_AP_VALID(%ebp)	/* taken */
	mov	0x42(%edi), %ss
	mov	0x30(%edi), %esp
#if VMI_ROM_RING
	/*
	 * The monitor takes this CPU over as VMI_Init did the first one
	 * (monitor.c), on the guest's stack, and the guest starts at CPL 1:
	 * SS and CS with RPL 1, IOPL 1. A CPU the monitor has no room for
	 * stays halted.
	 */
	push	%edi
	xor	%eax, %eax			/* segments: loaded below */
	call	vmi_mon_init
	pop	%edi
	test	%eax, %eax
	jnz	ap_no_monitor
	movzwl	0x42(%edi), %eax
	or	$1, %eax
	push	%eax				/* SS */
	pushl	0x30(%edi)			/* ESP */
	mov	0x1c(%edi), %eax
	and	$~0x3000, %eax
	or	$0x1000, %eax
	push	%eax				/* EFLAGS */
	movzwl	0x40(%edi), %eax
	or	$1, %eax
	push	%eax				/* CS */
#else
	pushl	0x1c(%edi)			/* EFLAGS */
	movzwl	0x40(%edi), %eax
	push	%eax				/* CS */
#endif
	pushl	0x18(%edi)			/* EIP */
	pushl	0x38(%edi)			/* ESI */
	pushl	0x3c(%edi)			/* EDI */
	mov	0x46(%edi), %es
	mov	0x48(%edi), %fs
	mov	0x4a(%edi), %gs
	mov	0x20(%edi), %eax
	mov	0x24(%edi), %ebx
	mov	0x28(%edi), %ecx
	mov	0x2c(%edi), %edx
	mov	0x34(%edi), %ebp
	mov	0x44(%edi), %ds
	pop	%edi
	pop	%esi
	iret
#if VMI_ROM_RING
ap_no_monitor:
	cli
	hlt
	jmp	ap_no_monitor
#endif
	.code16

	.section .note.GNU-stack, "", @progbits
