/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMI ROM, RING=1 builds: the ring-0 monitor's entry points.
 *
 * Owns every way into CPL 0 once VMI_Init has returned to the guest at
 * CPL 1 (Documentation/virt/vmi/ring1.rst):
 *  - vmi_mon_gate, the call gate (GDT entry VMI_MON_GATE_INDEX, DPL 1)
 *    through which a ROM call that needs CPL 0 runs its implementation;
 *  - vmi_mon_xfer_gate, the call gate of IRET and SYSEXIT, which never
 *    return to the caller;
 *  - the 256 stubs of the real IDT, and vmi_mon_sysenter, the real
 *    SYSENTER target; all of them save the interrupted state as a struct
 *    vmi_mon_frame and let vmi_mon_trap() (monitor.c) reflect it into the
 *    guest, emulate an escape, or stop the machine.
 *
 * Rules: the monitor runs with interrupts off, on this CPU's stack at the
 * end of its struct vmi_mon_cpu (TSS.ESP0); the one place it enables them
 * is the Halt call's sti;hlt, and an interrupt there is delivered to the
 * guest as if it had arrived at the Halt call's return (monitor.c). Every
 * address here is PC-relative, like the rest of the image.
 */
#include <vmi/abi.h>
#include "calltab.h"
#include "layout.h"

#ifndef VMI_ROM_RING
#define VMI_ROM_RING 0
#endif

#if VMI_ROM_RING
#define EXT_ROM_PHYS	(VMI_EXT_OFFSET + 4)
#define EXT_STATE_PHYS	(VMI_EXT_OFFSET + 8)

	.code32
	.section .text32, "ax"

/*
 * CLEAR_NT: EFLAGS.NT off. A call gate and SYSENTER keep the caller's NT
 * (interrupt gates clear it), and an iret made with NT set is a task
 * return: the monitor's own iret must never see it. The caller's flags,
 * NT included, are already saved where its return takes them from.
 */
.macro CLEAR_NT
	pushf
	andl	$~0x4000, (%esp)
	popf
.endm

/* LOAD_MON_SHARED reg, tmp: reg = struct vmi_mon_shared. Clobbers tmp. */
.macro LOAD_MON_SHARED reg, tmp
	call	901f
901:	pop	\tmp
	mov	%cs:(rom_start - 901b + EXT_STATE_PHYS)(\tmp), \reg
	sub	%cs:(rom_start - 901b + EXT_ROM_PHYS)(\tmp), \reg
	lea	(rom_start - 901b + VMI_ROM_RING_OFFSET)(\tmp, \reg), \reg
.endm

/*
 * The call gate. Ring-1 side (calls.S, GATE_CALL): EBX = linear address
 * of the implementation, EAX/EDX/ECX = the call's register arguments,
 * two stack words copied by the gate = its stack arguments. Here:
 * [esp] EIP, CS, arg1, arg2, ESP, SS. The implementation runs as if the
 * guest had called it at CPL 0, with interrupts off; the return drops the
 * copied words on both stacks as lret $8 would.
 */
	.p2align 4, 0xcc
	.globl	vmi_mon_gate
	.type	vmi_mon_gate, @function
vmi_mon_gate:
	pushf
	cli
	CLEAR_NT
	pushl	16(%esp)			/* arg2 */
	pushl	16(%esp)			/* arg1 */
	push	%ecx
	push	%edx
	LOAD_MON_SHARED %ecx, %edx
	lock addl $1, %ss:(%ecx)		/* gate_calls */
	lock adcl $0, %ss:4(%ecx)
	pop	%edx
	pop	%ecx
	call	*%ebx
	/*
	 * Back with iret, not popf + lret $8: the caller's IF must come back
	 * with the return itself, or an interrupt would be taken here, in
	 * the monitor. The gate's words become an iret frame in place:
	 * [EIP, CS, a1, a2, ESP, SS] -> [EIP, CS, EFLAGS, ESP + 8, SS].
	 * ECX is the calls' to clobber; EAX and EDX are their results.
	 */
	add	$8, %esp			/* [esp] EFLAGS, EIP, CS, a1, a2, ESP */
	push	%ecx
	mov	4(%esp), %ecx
	mov	%ecx, 20(%esp)			/* a2 <- EFLAGS */
	mov	12(%esp), %ecx
	mov	%ecx, 16(%esp)			/* a1 <- CS */
	mov	8(%esp), %ecx
	mov	%ecx, 12(%esp)			/* CS <- EIP */
	addl	$8, 24(%esp)			/* the copied words released */
	pop	%ecx
	add	$8, %esp
	iret
	.size	vmi_mon_gate, . - vmi_mon_gate

/*
 * The Halt call's body, run through the gate: an interrupt is taken at
 * vmi_mon_halt_resume and vmi_mon_trap() turns it into one that arrived
 * at the call's return (the guest's handler returns there).
 */
	.p2align 4, 0xcc
	.globl	vmi_mon_halt
	.type	vmi_mon_halt, @function
vmi_mon_halt:
	sti
	hlt
	.globl	vmi_mon_halt_resume
vmi_mon_halt_resume:
	cli
	ret
	.size	vmi_mon_halt, . - vmi_mon_halt

/*
 * The transfer gate (IRET, SYSEXIT; the return address tells which):
 * [esp] EIP, CS, ESP, SS of the ring-1 caller (the gate copies no words:
 * the caller may be at the very top of its stack). The caller's EFLAGS go
 * where an error code would be; monitor.c builds the frame to return to
 * at the top of the stack and we iret.
 */
	.p2align 4, 0xcc
	.globl	vmi_mon_xfer_gate
	.type	vmi_mon_xfer_gate, @function
vmi_mon_xfer_gate:
	pushf					/* err: the caller's EFLAGS */
	cli
	CLEAR_NT
	pushl	$0x200				/* vec: not a vector */
	jmp	vmi_mon_common
	.size	vmi_mon_xfer_gate, . - vmi_mon_xfer_gate

/*
 * SYSENTER from ring 3: ESP = this CPU's monitor stack top, IF off. No
 * frame was pushed: make one for vmi_mon_trap() (vec 0x201), which
 * bounces to the guest's SYSENTER target at ring 1.
 */
	.p2align 4, 0xcc
	.globl	vmi_mon_sysenter
	.type	vmi_mon_sysenter, @function
vmi_mon_sysenter:
	pushl	$0				/* SS, ESP, EFLAGS, CS, EIP */
	pushl	$0
	pushf
	CLEAR_NT
	pushl	$0
	pushl	$0
	pushl	$0				/* err */
	pushl	$0x201				/* vec */
	jmp	vmi_mon_common
	.globl	vmi_mon_sysenter_end
vmi_mon_sysenter_end:
	.size	vmi_mon_sysenter, . - vmi_mon_sysenter

/*
 * The IDT stubs, VMI_MON_STUB_SIZE bytes each: the vector (and a zero
 * error code where the CPU pushes none), then the common path.
 */
.macro STUB vec
	.p2align 4, 0xcc
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17)
	.else
	pushl	$0
	.endif
	pushl	$\vec
	jmp	vmi_mon_common
.endm

	.p2align 4, 0xcc
	.globl	vmi_mon_stubs
vmi_mon_stubs:
	.altmacro
	.set	vec, 0
	.rept	256
	STUB	%vec
	.set	vec, vec + 1
	.endr
	.noaltmacro
	/* A stub larger than VMI_MON_STUB_SIZE moves .org backwards here. */
	.org	vmi_mon_stubs + 256 * VMI_MON_STUB_SIZE, 0xcc
	.globl	vmi_mon_stubs_end
vmi_mon_stubs_end:

/*
 * The MSR accesses the monitor makes for the guest (monitor.c): ECX =
 * the MSR, EDX:EAX the value. A #GP at the instruction comes back with
 * ECX = ~0 (vmi_mon_trap skips the instruction), so the caller can tell.
 */
	.p2align 4, 0xcc
	.globl	vmi_mon_rdmsr_try
vmi_mon_rdmsr_try:
	.globl	vmi_mon_rdmsr_at
vmi_mon_rdmsr_at:
	rdmsr
	ret

	.p2align 4, 0xcc
	.globl	vmi_mon_wrmsr_try
vmi_mon_wrmsr_try:
	.globl	vmi_mon_wrmsr_at
vmi_mon_wrmsr_at:
	wrmsr
	ret

/*
 * The common path: save the interrupted state (struct vmi_mon_frame),
 * call vmi_mon_trap(frame) on flat monitor segments, restore, iret. A
 * non-zero return is the ESP to iret from instead (the Halt wake-up and
 * the transfers build their frame at the top of the stack). A segment
 * the guest invalidated meanwhile (set_thread_area, modify_ldt) faults
 * at its pop: vmi_mon_trap makes it a null selector, as Linux's own exit
 * path does.
 */
	.p2align 4, 0xcc
vmi_mon_common:
	push	%ds
	push	%es
	push	%fs
	push	%gs
	pushal
	mov	$VMI_MON_DS, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%esp, %eax
	call	vmi_mon_trap
	test	%eax, %eax
	jnz	1f
	popal
	.globl	vmi_mon_pop_segs
vmi_mon_pop_segs:
	pop	%gs
	pop	%fs
	pop	%es
	pop	%ds
	.globl	vmi_mon_pop_segs_end
vmi_mon_pop_segs_end:
	add	$8, %esp			/* vec, err */
	iret
1:	mov	%eax, 12(%esp)			/* pushal's ESP slot */
	popal
	.globl	vmi_mon_pop_segs2
vmi_mon_pop_segs2:
	pop	%gs
	pop	%fs
	pop	%es
	pop	%ds
	.globl	vmi_mon_pop_segs2_end
vmi_mon_pop_segs2_end:
	mov	-36(%esp), %esp			/* the new frame */
	iret

/* vmi_mon_say_fault: one line on the debug console; preserves registers. */
	.p2align 4, 0xcc
	.globl	vmi_mon_say_fault
vmi_mon_say_fault:
	push	%esi
	push	%eax
	push	%edx
	call	1f
1:	pop	%esi
	lea	(msg_fault - 1b)(%esi), %esi
	mov	$0xe9, %dx
2:	movb	%cs:(%esi), %al
	test	%al, %al
	jz	3f
	outb	%al, %dx
	inc	%esi
	jmp	2b
3:	pop	%edx
	pop	%eax
	pop	%esi
	ret
msg_fault:
	.asciz	"vmi-mon: fault in the monitor, machine stopped\n"
#endif /* VMI_ROM_RING */

	.section .note.GNU-stack, "", @progbits
