/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMI ROM: the 32-bit entry points.
 *
 * The guest calls these in flat 32-bit protected mode at CPL 0, through
 * whatever linear address the ROM is mapped at (the kernel direct map), so
 * every instruction here is position independent: the image finds itself
 * with call/pop, and symbol references are PC-relative (R_386_PC32) only.
 *
 * Calling convention (vmi-abi.md §3): regparm(3), arguments in EAX, EDX,
 * ECX, then the stack ([esp+4] on entry); the caller pops; plain ret.
 * EBX, ESI, EDI, EBP and ESP are preserved by every call. CPUID and the
 * interrupt-flag calls 29-32 preserve every register except EFLAGS and
 * their outputs. Each entry states its contract in a comment.
 *
 * Accounting: every entry first calls the vmi_enter_<kind> of its
 * transition kind (calltab.h, chosen when the ROM is built), which bumps
 * the call's u64 counter in the state block and charges the transition
 * model. The entries touch memory only through SS (state) and CS (image),
 * because calls 29-34 may run with user data segments loaded.
 *
 * Run-time state address = image base + (ext.state_phys - ext.rom_phys),
 * read from the image's own extension block.
 */
#include <vmi/abi.h>
#include "calltab.h"
#include "layout.h"		/* generated: rom/layout.c */

#ifndef VMI_ROM_AUDIT
#define VMI_ROM_AUDIT 0
#endif

#define EQU(nr, name) .equ VMI_CALL_##name, nr;
VMI_CALLS(EQU)

#define X86_EFLAGS_IF_MASK	0x00000200
#define X86_CR4_PGE_MASK	0x00000080

#define EXT_ROM_PHYS	(VMI_EXT_OFFSET + 4)
#define EXT_STATE_PHYS	(VMI_EXT_OFFSET + 8)

	.code32
	.section .text32, "ax"

/*
 * LOAD_STATE reg, tmp: reg = linear address of the state block.
 * Clobbers tmp and EFLAGS.
 */
.macro LOAD_STATE reg, tmp
	call	901f
901:	pop	\tmp
	mov	%cs:(rom_start - 901b + EXT_STATE_PHYS)(\tmp), \reg
	sub	%cs:(rom_start - 901b + EXT_ROM_PHYS)(\tmp), \reg
	lea	(rom_start - 901b)(\tmp, \reg), \reg
.endm

/*
 * ENTRY name, arg: define vmi_call_<name> and account the call. arg is
 * the flags/mode word the transition kind looks at (DEFER, LAZY).
 */
/* VMI_KIND_<name>: the call's transition kind (calltab.h), for ENTRY. */
#define KIND(nr, name, group, impl, tr) .equ VMI_KIND_##name, VMI_TR_##tr;
VMI_ROM_CALLS(KIND)

#ifndef VMI_ROM_RING
#define VMI_ROM_RING 0
#endif
#ifndef VMI_ROM_ACCOUNT
#define VMI_ROM_ACCOUNT 1
#endif

/* VMI_RING0_<name>: 1 if a RING=1 build runs the call at CPL 0. */
#define RING0_NO(nr, name, group, impl, tr) .set VMI_RING0_##name, 0;
VMI_ROM_CALLS(RING0_NO)
#define RING0_YES(name) .set VMI_RING0_##name, VMI_ROM_RING;
VMI_ROM_RING0_CALLS(RING0_YES)

/*
 * MON_CPU reg: reg = this CPU's struct vmi_mon_cpu (RING=1 builds), the
 * base of the real GDT; SGDT works at CPL 1 (the monitor keeps UMIP off).
 */
.macro MON_CPU reg
	sub	$8, %esp
	sgdt	2(%esp)
	mov	4(%esp), \reg
	add	$8, %esp
.endm

/*
 * GATE_CALL impl, stack: run impl at CPL 0 through the monitor's call
 * gate (gate.S: vmi_mon_gate) with this call's register arguments and its
 * first `stack` stack arguments (at most VMI_MON_GATE_PARAMS). EBX carries
 * impl's linear address and is restored.
 */
.macro GATE_CALL impl, stack
	push	%ebx
	.if \stack == 2
	pushl	12(%esp)
	pushl	12(%esp)
	.elseif \stack == 1
	pushl	$0
	pushl	12(%esp)
	.else
	pushl	$0
	pushl	$0
	.endif
	call	903f
903:	pop	%ebx
	lea	(\impl - 903b)(%ebx), %ebx
	lcall	$VMI_MON_GATE, $0
	pop	%ebx
.endm

/*
 * STATE_VIA_SS reg, tmp: reg = the state block as SS sees it. The state
 * is written through SS: a guest may jump to IRET on a stack segment with
 * a base (Linux's ESPFIX stack), so reg is rebased then. Reads go through
 * CS. Clobbers tmp and EFLAGS.
 */
.macro STATE_VIA_SS reg, tmp
	LOAD_STATE \reg, \tmp
	mov	%ss, \tmp
	cmp	%cs:VMI_ROM_STATE_KERNEL_SS(\reg), \tmp
	je	902f
	push	%eax
	call	vmi_ss_base
	sub	%eax, \reg
	pop	%eax
902:
.endm

/*
 * ENTER kind, slot, arg: account one call of that transition kind in
 * counters[slot]. The kind is known when the ROM is built: a NONE call
 * (the interrupt flag, the exits, the cached registers: most calls) is
 * counted inline, the others call their kind's vmi_enter_<kind>; nothing
 * is looked up per call. Preserves every register; clobbers EFLAGS
 * (never IF). An ACCOUNT=0 build (make bench's "ROM without accounting"
 * row) leaves it empty: no counter moves and no transition is modelled.
 */
.macro ENTER kind, slot, arg=$0
	.if !VMI_ROM_ACCOUNT
	.elseif \kind == VMI_TR_NONE
	push	%eax
	push	%ecx
	STATE_VIA_SS %ecx, %eax
	lock addl $1, %ss:VMI_ROM_STATE_COUNTERS+8*(\slot)(%ecx)
	lock adcl $0, %ss:VMI_ROM_STATE_COUNTERS+8*(\slot)+4(%ecx)
	pop	%ecx
	pop	%eax
	.else
	pushl	\arg
	pushl	$\slot
	.if \kind == VMI_TR_TRAP
	call	vmi_enter_trap
	.elseif \kind == VMI_TR_DEFER
	call	vmi_enter_defer
	.elseif \kind == VMI_TR_FLUSH
	call	vmi_enter_flush
	.elseif \kind == VMI_TR_LAZY
	call	vmi_enter_lazy
	.elseif \kind == VMI_TR_CPU
	call	vmi_enter_cpu
	.else
	.error	"unknown transition kind"
	.endif
	.endif
.endm

/*
 * ENTRY name, arg, stack: define vmi_call_<name> and account the call.
 * arg is the flags/mode word the transition kind looks at (DEFER, LAZY);
 * stack is how many stack arguments the call takes. In a RING=1 build a
 * call that needs CPL 0 crosses the monitor's gate here, and the body
 * that follows ENTRY (vmi_mon_<name>) runs at CPL 0.
 */
.macro ENTRY name, arg=$0, stack=0
	.p2align 4, 0xcc
	.globl	vmi_call_\name
	.type	vmi_call_\name, @function
vmi_call_\name:
	ENTER	VMI_KIND_\name, VMI_CALL_\name, \arg
	.if VMI_RING0_\name
	GATE_CALL vmi_mon_\name, \stack
	ret
vmi_mon_\name:
	.endif
.endm

.macro END name
	.size	vmi_call_\name, . - vmi_call_\name
.endm

/*
 * vmi_enter_<kind>(slot, arg), every kind but NONE: count one entry in
 * counters[slot] and charge the transition model for that kind. Both
 * arguments are on the stack and popped by us. Preserve every register;
 * clobber EFLAGS (never IF). They touch memory only through SS (state)
 * and CS (image).
 *
 * COUNT: ECX = the state block as SS sees it, EDX = arg, the slot's
 * counter bumped; EAX, ECX, EDX saved for .Ldone.
 */
.macro COUNT
	push	%eax
	push	%ecx
	push	%edx
	STATE_VIA_SS %ecx, %edx
	mov	16(%esp), %eax				/* slot */
	lock addl $1, %ss:VMI_ROM_STATE_COUNTERS(%ecx, %eax, 8)
	lock adcl $0, %ss:VMI_ROM_STATE_COUNTERS+4(%ecx, %eax, 8)
	mov	20(%esp), %edx				/* arg */
.endm

/*
 * PCPU_BASE: ECX = state block. Out: EAX = this CPU's entry in the per-CPU
 * array (vmi_pcpu_base inline: the hot entries save its call and saves).
 * Clobbers EDX and EFLAGS.
 */
.macro PCPU_BASE
	push	%ebx
	push	%ecx
	mov	$1, %eax
	cpuid
	shr	$24, %ebx
	pop	%ecx
	call	vmi_cpu_slot
	shl	$VMI_ROM_PCPU_SHIFT, %eax
	lea	VMI_ROM_PRIV_PCPU(%ecx, %eax), %eax
	pop	%ebx
.endm

	.p2align 4, 0xcc
vmi_enter_defer:
	COUNT
	/* Queued: DEFER flag inside this CPU's lazy MMU mode. */
	test	$VMI_PAGE_DEFER, %edx
	jz	.Ltrap
	PCPU_BASE					/* EAX = this CPU */
	cmpl	$VMI_LAZY_MMU_UPDATES, %ss:VMI_ROM_PCPU_LAZY_MODE(%eax)
	jne	.Ltrap
	lock incl %ss:VMI_ROM_PCPU_PENDING(%eax)
	lock incl %ss:VMI_ROM_PRIV_PENDING(%ecx)
	jmp	.Ldone

	.p2align 4, 0xcc
vmi_enter_cpu:
	COUNT
	/* Queued: CPU state inside this CPU's lazy CPU mode. */
	PCPU_BASE
	cmpl	$VMI_LAZY_CPU_STATE, %ss:VMI_ROM_PCPU_LAZY_MODE(%eax)
	jne	.Ltrap
	lock incl %ss:VMI_ROM_PCPU_PENDING(%eax)
	lock incl %ss:VMI_ROM_PRIV_PENDING(%ecx)
	jmp	.Ldone

	.p2align 4, 0xcc
vmi_enter_lazy:
	COUNT
	/*
	 * Record this CPU's mode; any change but entering MMU mode flushes
	 * this CPU's queue (MMU updates or CPU state): one exit if it is not
	 * empty.
	 */
	PCPU_BASE
	mov	20(%esp), %edx				/* the mode */
	mov	%edx, %ss:VMI_ROM_PCPU_LAZY_MODE(%eax)
	cmp	$VMI_LAZY_MMU_UPDATES, %edx
	je	.Ldone
	xor	%edx, %edx
	xchg	%edx, %ss:VMI_ROM_PCPU_PENDING(%eax)	/* implicitly locked */
	test	%edx, %edx
	jz	.Ldone
	lock subl %edx, %ss:VMI_ROM_PRIV_PENDING(%ecx)
	jmp	.Ltrap

	.p2align 4, 0xcc
vmi_enter_flush:
	COUNT
	/* The exit applies this CPU's queued updates too. */
	PCPU_BASE
	xor	%edx, %edx
	xchg	%edx, %ss:VMI_ROM_PCPU_PENDING(%eax)
	lock subl %edx, %ss:VMI_ROM_PRIV_PENDING(%ecx)
	jmp	.Ltrap

	.p2align 4, 0xcc
vmi_enter_trap:
	COUNT
.Ltrap:
	lock addl $1, %ss:VMI_ROM_STATE_COUNTERS+8*VMI_COUNTER_TRANSITIONS(%ecx)
	lock adcl $0, %ss:VMI_ROM_STATE_COUNTERS+8*VMI_COUNTER_TRANSITIONS+4(%ecx)
.Ldone:
	pop	%edx
	pop	%ecx
	pop	%eax
	ret	$8

/*
 * vmi_ss_base: out EAX = base of the current SS (a GDT selector; 0 for an
 * LDT one, which no kernel stack uses). Preserves every other register;
 * clobbers EFLAGS. The GDT is read through CS (flat, readable).
 */
	.p2align 4, 0xcc
vmi_ss_base:
	push	%edx
	sub	$8, %esp
	sgdt	2(%esp)				/* limit 2(%esp), base 4(%esp) */
	xor	%eax, %eax
	mov	%ss, %ax
	test	$4, %al
	jnz	1f
	and	$0xfff8, %eax
	add	4(%esp), %eax			/* the descriptor */
	movzbl	%cs:7(%eax), %edx		/* base 31:24 */
	shl	$8, %edx
	movb	%cs:4(%eax), %dl		/* base 23:16 */
	shl	$16, %edx
	movw	%cs:2(%eax), %dx		/* base 15:0 */
	mov	%edx, %eax
	jmp	2f
1:	xor	%eax, %eax
2:	add	$8, %esp
	pop	%edx
	ret

/*
 * vmi_cpu_slot: ECX = state block, EBX = an initial APIC ID (0-255).
 * Out: EAX = that CPU's slot in pcpu[] and ap[], handed out in order of
 * first use (APIC IDs may be sparse); once all VMI_ROM_MAX_CPUS are taken
 * a new CPU shares the last one and is counted in cpu_overflow.
 * Preserves every other register; clobbers EFLAGS (never IF). Touches
 * memory through SS only. Global: apic.c and the C helpers use it too.
 */
	.p2align 4, 0xcc
	.globl	vmi_cpu_slot
	.type	vmi_cpu_slot, @function
vmi_cpu_slot:
	movzbl	%ss:VMI_ROM_PRIV_CPU_SLOT(%ecx, %ebx), %eax
	test	%eax, %eax
	jz	1f
	dec	%eax
	ret
1:	mov	$1, %eax
	lock xadd %eax, %ss:VMI_ROM_PRIV_CPU_SLOTS_USED(%ecx)
	cmp	$VMI_ROM_MAX_CPUS, %eax
	jae	2f
	inc	%eax
	movb	%al, %ss:VMI_ROM_PRIV_CPU_SLOT(%ecx, %ebx)
	dec	%eax
	ret
2:	lock incl %ss:VMI_ROM_PRIV_CPU_OVERFLOW(%ecx)
	mov	$(VMI_ROM_MAX_CPUS - 1), %eax
	ret
	.size	vmi_cpu_slot, . - vmi_cpu_slot

/*
 * vmi_pcpu_base: ECX = state block. Out: EAX = this CPU's entry in the
 * per-CPU array (its slot, by the initial APIC ID from CPUID leaf 1).
 * Preserves every other register; clobbers EFLAGS (never IF). Touches
 * memory through SS only.
 */
	.p2align 4, 0xcc
	.globl	vmi_pcpu_base
	.type	vmi_pcpu_base, @function
vmi_pcpu_base:
	push	%ebx
	push	%ecx
	push	%edx
	mov	$1, %eax
	cpuid
	shr	$24, %ebx
	mov	4(%esp), %ecx
	call	vmi_cpu_slot
	shl	$VMI_ROM_PCPU_SHIFT, %eax
	lea	VMI_ROM_PRIV_PCPU(%ecx, %eax), %eax
	pop	%edx
	pop	%ecx
	pop	%ebx
	ret
	.size	vmi_pcpu_base, . - vmi_pcpu_base

/*
 * vmi_state_ptr (for the ROM's C files, romlib.h): out EAX = linear address
 * of the state block. Preserves everything else but EFLAGS.
 */
	.p2align 4, 0xcc
	.globl	vmi_state_ptr
	.type	vmi_state_ptr, @function
vmi_state_ptr:
	push	%edx
	LOAD_STATE %eax, %edx
	pop	%edx
	ret
	.size	vmi_state_ptr, . - vmi_state_ptr

/**** Fixed entry points (jumped to from 0x80 and 0x88) ****/

/* VMI_Init: no input. Out: EAX = 0. Records the (flat) SS it was called on. */
	.p2align 4, 0xcc
	.globl	vmi_init32
vmi_init32:
	ENTER	VMI_ROM_INIT_TRANSITION, VMI_COUNTER_INIT
#if VMI_ROM_RING
	mov	%cs, %eax			/* again, from ring 1: done already */
	test	$3, %eax
	jz	1f
	xor	%eax, %eax
	ret
1:
#endif
	LOAD_STATE %ecx, %edx			/* SS is flat here */
	mov	%ss, %eax
#if VMI_ROM_RING
	or	$1, %eax			/* the guest's SS at ring 1 */
#endif
	mov	%eax, %ss:VMI_ROM_STATE_KERNEL_SS(%ecx)
#if VMI_ROM_RING
	/*
	 * The monitor takes the CPU (monitor.c); the guest continues at
	 * CPL 1 with IOPL 1, on its own stack, past its call. If the monitor
	 * cannot take it, VMI_Init fails and the guest stays native.
	 */
	mov	$1, %eax			/* reload DS, ES, FS, GS */
	call	vmi_mon_init
	test	%eax, %eax
	jnz	1f
	pop	%ecx				/* the return address */
	mov	%esp, %edx
	mov	%ss, %eax
	or	$1, %eax
	push	%eax				/* SS */
	push	%edx				/* ESP */
	pushf
	andl	$~0x3000, (%esp)
	orl	$0x1000, (%esp)			/* EFLAGS: IOPL 1 */
	mov	%cs, %eax
	or	$1, %eax
	push	%eax				/* CS */
	push	%ecx				/* EIP */
	xor	%eax, %eax
	iret
1:	mov	$-1, %eax
	ret
#else
	xor	%eax, %eax
	ret
#endif

/*
 * GetRelocationInfo: EAX = call number. Out: EDX:EAX = struct
 * vmi_relocation_info: EAX = linear target (base + table offset), DL =
 * type, rest of EDX 0. Unknown numbers and NONE entries give 0:0.
 */
	.p2align 4, 0xcc
	.globl	vmi_get_reloc32
vmi_get_reloc32:
	ENTER	VMI_ROM_GET_RELOC_TRANSITION, VMI_COUNTER_GET_RELOC
	cmp	$VMI_CALL_COUNT, %eax
	jae	1f
	call	2f
2:	pop	%ecx
	movzbl	%cs:(vmi_rom_relocs - 2b + 4)(%ecx, %eax, 8), %edx
	test	%edx, %edx
	jz	1f
	mov	%cs:(vmi_rom_relocs - 2b)(%ecx, %eax, 8), %eax
	lea	(rom_start - 2b)(%ecx, %eax), %eax
	ret
1:	xor	%eax, %eax
	xor	%edx, %edx
	ret

/**** CPU information and control ****/

/* CPUID: EAX = leaf, ECX = sub-leaf. Out: EAX, EBX, ECX, EDX. */
ENTRY CPUID
	cpuid
	ret
END CPUID

/*
 * SetGDT / SetIDT: EAX = pointer to a 6-byte pseudo-descriptor. RING=1:
 * the monitor records the guest's tables and keeps the real ones
 * (monitor.c), and the Get calls answer from its records at CPL 1.
 */
ENTRY SetGDT
#if VMI_ROM_RING
	jmp	vmi_mon_set_gdt
#else
	lgdt	(%eax)
	ret
#endif
END SetGDT

ENTRY SetIDT
#if VMI_ROM_RING
	jmp	vmi_mon_set_idt
#else
	lidt	(%eax)
	ret
#endif
END SetIDT

/* SetLDT: EAX = GDT selector of the LDT (0: none). */
ENTRY SetLDT
#if VMI_ROM_RING
	jmp	vmi_mon_set_ldt
#else
	lldt	%ax
	ret
#endif
END SetLDT

/* SetTR: EAX = GDT selector of an available TSS. */
ENTRY SetTR
#if VMI_ROM_RING
	jmp	vmi_mon_set_tr
#else
	ltr	%ax
	ret
#endif
END SetTR

/* GetGDT / GetIDT: EAX = pointer to a 6-byte buffer. */
#if VMI_ROM_RING
/* GET_VIRTUAL_DT limit, base: the guest's pseudo-descriptor to (%eax). */
.macro GET_VIRTUAL_DT limit, base
	push	%edx
	MON_CPU	%edx
	push	%ecx
	mov	\limit(%edx), %ecx
	mov	%cx, (%eax)
	mov	\base(%edx), %ecx
	mov	%ecx, 2(%eax)
	pop	%ecx
	pop	%edx
.endm
#endif

ENTRY GetGDT
#if VMI_ROM_RING
	GET_VIRTUAL_DT VMI_MON_CPU_VGDT_LIMIT, VMI_MON_CPU_VGDT_BASE
#else
	sgdt	(%eax)
#endif
	ret
END GetGDT

ENTRY GetIDT
#if VMI_ROM_RING
	GET_VIRTUAL_DT VMI_MON_CPU_VIDT_LIMIT, VMI_MON_CPU_VIDT_BASE
#else
	sidt	(%eax)
#endif
	ret
END GetIDT

/* GetLDT / GetTR: out EAX = selector. */
ENTRY GetLDT
#if VMI_ROM_RING
	MON_CPU	%eax
	mov	VMI_MON_CPU_VLDT(%eax), %eax
#else
	xor	%eax, %eax
	sldt	%ax
#endif
	ret
END GetLDT

ENTRY GetTR
#if VMI_ROM_RING
	MON_CPU	%eax
	mov	VMI_MON_CPU_VTR(%eax), %eax
#else
	xor	%eax, %eax
	str	%ax
#endif
	ret
END GetTR

/*
 * Write{GDT,LDT,IDT}Entry: EAX = table base, EDX = index, ECX = low dword,
 * [esp+4] = high dword. The present bit is in the high dword: when the new
 * descriptor is present the low half goes first, otherwise the high half
 * goes first, so no half-written descriptor is ever present.
 */
.macro WRITE_DESC
	lea	(%eax, %edx, 8), %eax
	mov	4(%esp), %edx
	test	$0x8000, %edx
	jz	1f
	mov	%ecx, (%eax)
	mov	%edx, 4(%eax)
	ret
1:	mov	%edx, 4(%eax)
	mov	%ecx, (%eax)
	ret
.endm

ENTRY WriteGDTEntry, stack=1
#if VMI_ROM_RING
	jmp	vmi_mon_write_gdt		/* and the real GDT's copy */
#else
	WRITE_DESC
#endif
END WriteGDTEntry

ENTRY WriteLDTEntry
	WRITE_DESC
END WriteLDTEntry

ENTRY WriteIDTEntry, stack=1
#if VMI_ROM_RING
	jmp	vmi_mon_write_idt		/* and the real gate's DPL */
#else
	WRITE_DESC
#endif
END WriteIDTEntry

/*
 * UpdateKernelStack: EAX = stack segment, EDX = ESP0. The guest keeps its
 * own TSS; the ROM records the values (a monitor would read them lazily).
 */
ENTRY UpdateKernelStack
	push	%ebx
	LOAD_STATE %ecx, %ebx
	mov	%eax, %ss:VMI_ROM_PRIV_SS0(%ecx)
	mov	%edx, %ss:VMI_ROM_PRIV_ESP0(%ecx)
#if VMI_ROM_RING
	MON_CPU	%ecx				/* where reflections from ring 3 go */
	mov	%eax, %ss:VMI_MON_CPU_SS0(%ecx)
	mov	%edx, %ss:VMI_MON_CPU_ESP0(%ecx)
#endif
	pop	%ebx
	ret
END UpdateKernelStack

/*
 * SetCRn: EAX = value. GetCRn: out EAX. RING=1: the monitor writes the
 * register and keeps the guest's view, which the Get calls (and SetCR2,
 * CR2 being the guest's own) read and write at CPL 1.
 */
#if VMI_ROM_RING
.macro GET_CR field
	MON_CPU	%eax
	mov	\field(%eax), %eax
	ret
.endm

ENTRY SetCR0
	xor	%edx, %edx
	jmp	vmi_mon_set_cr
END SetCR0

ENTRY SetCR2
	push	%edx
	MON_CPU	%edx
	mov	%eax, VMI_MON_CPU_CR2(%edx)
	pop	%edx
	ret
END SetCR2

ENTRY SetCR3
	mov	$3, %edx
	jmp	vmi_mon_set_cr
END SetCR3

ENTRY SetCR4
	mov	$4, %edx
	jmp	vmi_mon_set_cr
END SetCR4

ENTRY GetCR0
	GET_CR	VMI_MON_CPU_CR0
END GetCR0

ENTRY GetCR2
	GET_CR	VMI_MON_CPU_CR2
END GetCR2

ENTRY GetCR3
	GET_CR	VMI_MON_CPU_CR3
END GetCR3

ENTRY GetCR4
	GET_CR	VMI_MON_CPU_CR4
END GetCR4
#else
ENTRY SetCR0
	mov	%eax, %cr0
	ret
END SetCR0

ENTRY SetCR2
	mov	%eax, %cr2
	ret
END SetCR2

ENTRY SetCR3
	mov	%eax, %cr3
#if VMI_ROM_AUDIT
	call	vmi_audit_cr3
#endif
	ret
END SetCR3

ENTRY SetCR4
	mov	%eax, %cr4
	ret
END SetCR4

ENTRY GetCR0
	mov	%cr0, %eax
	ret
END GetCR0

ENTRY GetCR2
	mov	%cr2, %eax
	ret
END GetCR2

ENTRY GetCR3
	mov	%cr3, %eax
	ret
END GetCR3

ENTRY GetCR4
	mov	%cr4, %eax
	ret
END GetCR4
#endif

#if VMI_ROM_RING
/*
 * WRMSR: EAX = low, EDX = high, ECX = MSR. RDMSR: ECX = MSR, out
 * EDX:EAX. Offered by RING=1 builds only: the monitor owns the SYSENTER
 * MSRs (the guest's values are virtual) and reads 0 from, or ignores, an
 * MSR the CPU refuses (counted in msr_faults).
 */
ENTRY WRMSR
	jmp	vmi_mon_wrmsr
END WRMSR

ENTRY RDMSR
	jmp	vmi_mon_rdmsr
END RDMSR
#endif

ENTRY WBINVD
	wbinvd
	ret
END WBINVD

/*
 * SetDR: EAX = register number (0-7; 4/5 alias 6/7), EDX = value.
 * GetDR: EAX = register number. Out: EAX = value.
 */
ENTRY SetDR
	and	$7, %eax
	cmp	$4, %eax
	jb	1f
	or	$2, %eax			/* 4 -> 6, 5 -> 7 */
1:	cmp	$0, %eax
	jne	1f
	mov	%edx, %db0
	ret
1:	cmp	$1, %eax
	jne	1f
	mov	%edx, %db1
	ret
1:	cmp	$2, %eax
	jne	1f
	mov	%edx, %db2
	ret
1:	cmp	$3, %eax
	jne	1f
	mov	%edx, %db3
	ret
1:	cmp	$6, %eax
	jne	1f
	mov	%edx, %db6
	ret
1:	mov	%edx, %db7
	ret
END SetDR

ENTRY GetDR
	and	$7, %eax
	cmp	$4, %eax
	jb	1f
	or	$2, %eax
1:	cmp	$0, %eax
	jne	1f
	mov	%db0, %eax
	ret
1:	cmp	$1, %eax
	jne	1f
	mov	%db1, %eax
	ret
1:	cmp	$2, %eax
	jne	1f
	mov	%db2, %eax
	ret
1:	cmp	$3, %eax
	jne	1f
	mov	%db3, %eax
	ret
1:	cmp	$6, %eax
	jne	1f
	mov	%db6, %eax
	ret
1:	mov	%db7, %eax
	ret
END GetDR

/* RDTSC: out EDX:EAX. */
ENTRY RDTSC
	rdtsc
	ret
END RDTSC

ENTRY CLTS
	clts
#if VMI_ROM_RING
	push	%edx				/* and the guest's view of CR0 */
	MON_CPU	%edx
	andl	$~8, VMI_MON_CPU_CR0(%edx)
	pop	%edx
#endif
	ret
END CLTS

/**** Interrupt flag: preserve everything but EFLAGS and the output ****/

/* The nop keeps a pending interrupt from being taken after ret. */
ENTRY EnableInterrupts
	sti
	nop
	ret
END EnableInterrupts

ENTRY DisableInterrupts
	cli
	ret
END DisableInterrupts

/* Out: EAX = 0x200 if interrupts are enabled, else 0. */
ENTRY GetInterruptMask
	pushf
	pop	%eax
	and	$X86_EFLAGS_IF_MASK, %eax
	ret
END GetInterruptMask

/* EAX = mask; only bit 9 (IF) matters. EAX is preserved. */
ENTRY SetInterruptMask
	test	$X86_EFLAGS_IF_MASK, %eax
	jz	1f
	sti
	nop
	ret
1:	cli
	ret
END SetInterruptMask

/**** Privilege transitions: do not return ****/

#ifndef VMI_ROM_XFER_JUMP
#define VMI_ROM_XFER_JUMP 0
#endif

/*
 * IRET: the native iret frame (EIP, CS, EFLAGS[, ESP, SS]) at [esp], or,
 * as a call target (default), above the return address of the guest's
 * call. The ROM runs on the guest's own GDT, so a return to a 16-bit
 * stack needs the guest's ESPFIX sequence as on hardware.
 *
 * As a call target it first checks a return to an outer ring as iret
 * would (xfer.c) and delivers a refused frame's fault at the call site.
 * The general registers are the guest's and must reach the iret or the
 * fault handler unchanged; DS/ES may be user segments, so flat ones (the
 * SS VMI_Init recorded) are loaded around the C check; on an ESPFIX
 * stack the frame's linear address adds the SS base.
 *
 * A return to an outer ring ends with VERW on the frame's SS (a user data
 * selector), right before the iret, as the kernel's CLEAR_CPU_BUFFERS
 * does before it calls us: the accounting and the check touch memory
 * after the kernel's VERW. VERW changes only ZF, which iret reloads.
 */
.macro VERW_IF_OUTER_RING
	testb	$3, 4(%esp)			/* CS of the frame */
	jz	901f
	verw	16(%esp)			/* SS of the frame */
901:
.endm

ENTRY IRET
#if VMI_ROM_RING
	/* The monitor irets (monitor.c: xfer); a refused frame faults here. */
	lcall	$VMI_MON_XFER, $0
	.globl	vmi_xfer_iret_ret
vmi_xfer_iret_ret:
	ud2
#elif VMI_ROM_XFER_JUMP
	VERW_IF_OUTER_RING
	iret
#else
	sub	$20, %esp			/* exception frame + lret target */
	push	%eax
	push	%ecx
	push	%edx
	push	%ds
	push	%es
	LOAD_STATE %ecx, %edx
	movzwl	%cs:VMI_ROM_STATE_KERNEL_SS(%ecx), %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%ss, %edx
	cmp	%dx, %ax
	mov	$0, %eax
	je	1f
	call	vmi_ss_base
1:	lea	44(%esp, %eax), %eax		/* the iret frame, linear */
	call	vmi_c_iret_check
	pop	%es
	pop	%ds
	test	%eax, %eax
	jnz	2f
	pop	%edx
	pop	%ecx
	pop	%eax
	lea	24(%esp), %esp			/* scratch and return address */
	VERW_IF_OUTER_RING
	iret
2:	push	%eax				/* deliver: EFLAGS of the gate */
	popf
	pop	%edx
	pop	%ecx
	pop	%eax
	lret					/* [esp] = error code, EIP, CS, EFLAGS */
#endif
END IRET

/*
 * SYSEXIT: EDX = user EIP, ECX = user ESP; enables interrupts. The
 * arithmetic flags are the user's (the guest restored them with popf
 * before), so the accounting keeps them. VERW on the kernel's SS (a
 * writable data selector) clears the CPU buffers after the accounting,
 * before the user's flags come back (it changes ZF).
 */
	.p2align 4, 0xcc
	.globl	vmi_call_SYSEXIT
	.type	vmi_call_SYSEXIT, @function
vmi_call_SYSEXIT:
#if VMI_ROM_RING
	/* SYSEXIT needs CPL 0: the monitor irets to ring 3 instead. */
	pushf
	ENTER	VMI_KIND_SYSEXIT, VMI_CALL_SYSEXIT
	popf
	lcall	$VMI_MON_XFER, $0
	.globl	vmi_xfer_sysexit_ret
vmi_xfer_sysexit_ret:
	ud2
#endif
	pushf
	ENTER	VMI_KIND_SYSEXIT, VMI_CALL_SYSEXIT
	push	%ss
	verw	(%esp)
	lea	4(%esp), %esp
	popf
#if !VMI_ROM_XFER_JUMP
	lea	4(%esp), %esp			/* the return address */
#endif
	sti
	sysexit
	.size	vmi_call_SYSEXIT, . - vmi_call_SYSEXIT

/**** Processor state ****/

/* Halt: enable interrupts and wait for one (sti; hlt is atomic). */
ENTRY Halt
#if VMI_ROM_RING
	jmp	vmi_mon_halt			/* gate.S */
#else
	sti
	hlt
	ret
#endif
END Halt

/*
 * Reboot: EAX = 0 soft / 1 hard; both do a full reset: the PIIX reset
 * control register (0xcf9), then the keyboard controller, then a triple
 * fault (empty IDT).
 */
ENTRY Reboot
	cli
	mov	$0x02, %al
	mov	$0xcf9, %dx
	outb	%al, %dx
	mov	$0x06, %al
	outb	%al, %dx
	mov	$0xfe, %al
	outb	%al, $0x64
	pushl	$0
	pushl	$0
	lidt	2(%esp)
	int3
1:	hlt
	jmp	1b
END Reboot

/* Shutdown: the virtual machine powers off (power.c); never returns. */
ENTRY Shutdown
#if VMI_ROM_AUDIT
	call	vmi_audit_final
#endif
	cli
	jmp	vmi_c_shutdown
END Shutdown

/**** MMU ****/

/*
 * AUDIT=1 builds tell the shadow audit (audit.c) about every MMU call
 * after doing its work; the C functions may clobber EAX, ECX and EDX,
 * which the calling convention lets these calls clobber too.
 */

/* SetPxE: EAX = entry, EDX = pointer, ECX = flags. */
ENTRY SetPxE, %ecx
	mov	%eax, (%edx)
#if VMI_ROM_AUDIT
	push	%ecx				/* flags */
	xchg	%eax, %edx			/* EAX = pointer, EDX = low */
	xor	%ecx, %ecx			/* high */
	call	vmi_audit_set
	add	$4, %esp
#endif
	ret
END SetPxE

/*
 * SetPxELong: EAX = entry low, EDX = entry high, ECX = pointer,
 * [esp+4] = flags. One 8-byte atomic store (cmpxchg8b loop), so no CPU
 * ever sees a torn, present entry.
 */
ENTRY SetPxELong, 4(%esp)
	push	%ebx
	push	%esi
	mov	%ecx, %esi
	mov	%eax, %ebx
	mov	%edx, %ecx
	mov	(%esi), %eax
	mov	4(%esi), %edx
1:	lock cmpxchg8b (%esi)
	jnz	1b
#if VMI_ROM_AUDIT
	pushl	12(%esp)			/* flags */
	mov	%esi, %eax
	mov	%ebx, %edx			/* ECX = high already */
	call	vmi_audit_set
	add	$4, %esp
#endif
	pop	%esi
	pop	%ebx
	ret
END SetPxELong

/*
 * UpdatePxE / UpdatePxELong: EAX = pointer, EDX = flags. Nothing to do
 * (memory already holds the entry), but for the audit.
 */
ENTRY UpdatePxE, %edx
#if VMI_ROM_AUDIT
	call	vmi_audit_update
#endif
	ret
END UpdatePxE

ENTRY UpdatePxELong, %edx
#if VMI_ROM_AUDIT
	call	vmi_audit_update
#endif
	ret
END UpdatePxELong

/* MachineToPhysical / PhysicalToMachine: identity (EAX in, EAX out). */
ENTRY MachineToPhysical
	ret
END MachineToPhysical

ENTRY PhysicalToMachine
	ret
END PhysicalToMachine

/*
 * AllocatePage (EAX = pfn, EDX = flags, ECX = clone pfn, [esp+4] = clone
 * start, [esp+8] = count) / ReleasePage (EAX = pfn, EDX = flags):
 * accounted only (no shadow page tables), but for the audit.
 */
ENTRY AllocatePage
#if VMI_ROM_AUDIT
	pushl	8(%esp)				/* count */
	pushl	8(%esp)				/* start */
	call	vmi_audit_alloc
	add	$8, %esp
#endif
	ret
END AllocatePage

ENTRY ReleasePage
#if VMI_ROM_AUDIT
	call	vmi_audit_release
#endif
	ret
END ReleasePage

/* InvalPage: EAX = linear address. */
ENTRY InvalPage
	invlpg	(%eax)
#if VMI_ROM_AUDIT
	call	vmi_audit_invlpg
#endif
	ret
END InvalPage

/*
 * FlushTLB: EAX = flags. VMI_FLUSH_TLB reloads CR3; VMI_FLUSH_GLOBAL also
 * toggles CR4.PGE (with interrupts off) to drop global entries.
 */
ENTRY FlushTLB
#if VMI_ROM_AUDIT
	push	%eax
	call	vmi_audit_flush
	pop	%eax
#endif
	test	$VMI_FLUSH_GLOBAL, %eax
	jz	1f
	mov	%cr4, %ecx
	test	$X86_CR4_PGE_MASK, %ecx
	jz	1f
	pushf
	cli
	mov	%ecx, %edx
	and	$~X86_CR4_PGE_MASK, %edx
	mov	%edx, %cr4
	mov	%ecx, %cr4
	popf
	ret
1:	mov	%cr3, %ecx
	mov	%ecx, %cr3
	ret
END FlushTLB

/*
 * SetLinearMapping: EAX = slot, EDX = linear start, ECX = pages,
 * [esp+4] = first pfn. Recorded for the calling CPU and in the any-CPU
 * copy; slots >= 4 are ignored (apic.c: vmi_c_set_linear_mapping).
 */
ENTRY SetLinearMapping, stack=1
	jmp	vmi_c_set_linear_mapping
END SetLinearMapping

/**** I/O ****/

/*
 * SetIOPLMask: EAX = IOPL << 12. Recorded, and made the IOPL of the
 * current EFLAGS, as the native set_iopl_mask does: the next iret to user
 * mode carries the guest's own frame, as on hardware.
 */
ENTRY SetIOPLMask
	and	$0x3000, %eax
	LOAD_STATE %ecx, %edx
	mov	%eax, %ss:VMI_ROM_PRIV_IOPL(%ecx)
#if VMI_ROM_RING
	/*
	 * At CPL 0 through the gate: the EFLAGS the gate restores (12(%esp),
	 * above the copied words) get the IOPL, never below 1, the guest's
	 * own interrupt flag needing it.
	 */
	cmp	$0x1000, %eax
	jae	1f
	mov	$0x1000, %eax
1:	andl	$~0x3000, 12(%esp)
	or	%eax, 12(%esp)
	ret
#endif
	pushf
	pop	%ecx
	and	$~0x3000, %ecx
	or	%eax, %ecx
	push	%ecx
	popf
	ret
END SetIOPLMask

ENTRY IODelay
	ret
END IODelay

/**** SMP ****/

/*
 * SetInitialAPState: EAX = linear pointer to struct vmi_ap_state (copied
 * during the call), EDX = APIC ID (apic.c).
 */
ENTRY SetInitialAPState
	jmp	vmi_c_set_initial_ap_state
END SetInitialAPState

/**** Local APIC (apic.c) ****/

/* APICWrite: EAX = register offset (low 12 bits), EDX = value. */
ENTRY APICWrite
	jmp	vmi_c_apic_write
END APICWrite

/* APICRead: EAX = register offset (low 12 bits). Out: EAX = value. */
ENTRY APICRead
	jmp	vmi_c_apic_read
END APICRead

/**** Timer ****/

/* GetCycleFrequency: out EDX:EAX = cycles (TSC ticks) per second. */
ENTRY GetCycleFrequency
	LOAD_STATE %ecx, %edx
	mov	%ss:VMI_ROM_PRIV_TSC_HZ(%ecx), %eax
	mov	%ss:VMI_ROM_PRIV_TSC_HZ+4(%ecx), %edx
	ret
END GetCycleFrequency

/*
 * GetCycleCounter: EAX = counter. Out: EDX:EAX. REAL and AVAILABLE are
 * the TSC (no time is ever stolen here), STOLEN and unknown ids are 0.
 */
ENTRY GetCycleCounter
	cmp	$VMI_CYCLES_STOLEN, %eax
	jae	1f
	rdtsc
	ret
1:	xor	%eax, %eax
	xor	%edx, %edx
	ret
END GetCycleCounter

/*
 * SetAlarm: EAX = flags, EDX:ECX = absolute expiry (cycles), [esp+4] /
 * [esp+8] = period low/high. CancelAlarm: EAX = flags. Out: EAX = 1 if
 * the alarm was armed. GetWallclockTime: out EDX:EAX = ns since the epoch.
 */
ENTRY SetAlarm, stack=2
	jmp	vmi_c_set_alarm
END SetAlarm

ENTRY CancelAlarm
	jmp	vmi_c_cancel_alarm
END CancelAlarm

ENTRY GetWallclockTime
	jmp	vmi_c_get_wallclock
END GetWallclockTime

/* WallclockUpdated: the RTC is never stepped behind the guest's back. */
ENTRY WallclockUpdated
	xor	%eax, %eax
	ret
END WallclockUpdated

/**** Lazy mode ****/

/*
 * SetLazyMode: EAX = mode (0 off, 1 MMU, 2 CPU). vmi_enter_lazy already set
 * this CPU's mode (and flushed its queue when leaving MMU mode); here the
 * global copy records the last mode set on any CPU.
 */
ENTRY SetLazyMode, %eax
	LOAD_STATE %ecx, %edx
	mov	%eax, %ss:VMI_ROM_STATE_LAZY_MODE(%ecx)
#if VMI_ROM_AUDIT
	call	vmi_audit_lazy
#endif
	ret
END SetLazyMode

	.section .note.GNU-stack, "", @progbits
