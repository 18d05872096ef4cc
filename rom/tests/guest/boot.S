/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test guest for the VMI ROM: multiboot entry, interrupt stubs and the
 * assembly thunks that call ROM entry points with known register values.
 * The guest is linked at 1 MiB and runs flat at CPL 0 (CPL 3 only inside
 * the SYSEXIT test).
 */
#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00000003

	.section .multiboot, "a"
	.balign	4
	.long	MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.text
	.globl	_start
_start:
	mov	$stack_top, %esp
	push	%ebx				/* multiboot info */
	push	%eax				/* magic */
	call	guest_main
	push	%eax
	call	guest_exit
1:	cli
	hlt
	jmp	1b

/* void load_segments(void): reload CS/DS/ES/FS/GS/SS after lgdt. */
	.globl	load_segments
load_segments:
	ljmp	$0x08, $1f
1:	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %fs
	mov	%eax, %gs
	mov	%eax, %ss
	ret

/*
 * XFER_GO: enter the ROM's IRET or SYSEXIT the way its relocation says:
 * a jump (JUMP_REL) or a call (CALL_REL, xfer_call set by guest.c).
 * Neither returns.
 */
.macro XFER_GO
	cmpl	$0, xfer_call
	je	9f
	call	*inv_fn
9:	jmp	*inv_fn
.endm

/**** Exceptions: vector (and error code) then the C reporter ****/
.macro EXC vec
	.p2align 3
exc_\vec:
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17)
	.else
	pushl	$0
	.endif
	pushl	$\vec
	jmp	exc_common
.endm

	.p2align 4
exc_common:
	cmpl	$0, %ss:fault_expected
	jne	fault_catch
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	push	%esp
	call	guest_exception			/* does not return */
1:	hlt
	jmp	1b

	.altmacro
.macro EXC_ALL from=0, to=31
	EXC %from
	.if \to-\from
	EXC_ALL %(from+1), \to
	.endif
.endm
	EXC_ALL

.macro EXC_PTR vec
	.long	exc_\vec
.endm
.macro EXC_PTRS from=0, to=31
	EXC_PTR %from
	.if \to-\from
	EXC_PTRS %(from+1), \to
	.endif
.endm
	.section .rodata
	.globl	exc_table
exc_table:
	EXC_PTRS
	.noaltmacro
	.text

/* IRQ0 (PIT) on vector 0x20: count, note the TSC, EOI. */
	.globl	irq0_stub
irq0_stub:
	push	%eax
	push	%edx
	lock incl %ss:ticks
	rdtsc
	mov	%eax, %ss:irq0_tsc
	mov	%edx, %ss:irq0_tsc+4
	mov	$0x20, %al
	outb	%al, $0x20
	pop	%edx
	pop	%eax
	iret

/*
 * Local APIC timer (LVTT) on vector 0x40: count, note the TSC, EOI
 * through the APIC page at its non-identity address (apic_eoi).
 */
	.globl	lvtt_stub
lvtt_stub:
	push	%eax
	push	%edx
	lock incl %ss:lvtt_count
	rdtsc
	mov	%eax, %ss:lvtt_tsc
	mov	%edx, %ss:lvtt_tsc+4
	mov	%ss:apic_eoi, %eax
	movl	$0, %ss:(%eax)
	pop	%edx
	pop	%eax
	iret

/* Vector 0x81, installed through WriteIDTEntry. */
	.globl	int81_stub
int81_stub:
	lock incl int81_count
	iret

/*
 * AP entry for the SetInitialAPState test: the ROM's trampoline irets
 * here with the state the BSP gave. Record what the AP runs with, count,
 * and halt for good.
 */
	.globl	ap_entry
ap_entry:
	mov	%ebx, ap_ebx
	mov	%esi, ap_esi
	mov	%edi, ap_edi
	mov	%esp, ap_esp
	mov	%cr3, %eax
	mov	%eax, ap_cr3
	sgdt	ap_gdtr
	sidt	ap_idtr
	xor	%eax, %eax
	mov	%cs, %ax
	mov	%eax, ap_cs
	mov	%ss, %ax
	mov	%eax, ap_ss
	mov	%fs, %ax
	mov	%eax, ap_fs
	pushf
	popl	ap_eflags
	/* One ROM call from the AP: per-CPU state must land in pcpu[1]. */
	mov	ap_call_arg, %eax
	mov	ap_call_fn, %ecx
	test	%ecx, %ecx
	jz	2f
	call	*%ecx
2:	lock incl ap_count
1:	cli
	hlt
	jmp	1b

/**** Calling the ROM ****/

/*
 * void vmi_invoke(u32 fn, struct vregs *io, u32 stack1, u32 stack2)
 * io->eax/edx/ecx are the inputs; EBX/ESI/EDI/EBP are loaded with
 * canaries; two stack words follow the return address. Afterwards io
 * holds every register, EFLAGS and ESP as the callee left them.
 */
	.globl	vmi_invoke
vmi_invoke:
	push	%ebp
	push	%ebx
	push	%esi
	push	%edi
	mov	20(%esp), %eax
	mov	%eax, inv_fn
	mov	24(%esp), %eax
	mov	%eax, inv_io
	pushl	32(%esp)
	pushl	32(%esp)
	mov	%esp, inv_esp
	mov	inv_io, %edi
	mov	0(%edi), %eax
	mov	4(%edi), %edx
	mov	8(%edi), %ecx
	mov	$0x11111111, %ebx
	mov	$0x22222222, %esi
	mov	$0x33333333, %edi
	mov	$0x44444444, %ebp
	call	*inv_fn
	mov	%edi, inv_tmp
	mov	inv_io, %edi
	mov	%eax, 0(%edi)
	mov	%edx, 4(%edi)
	mov	%ecx, 8(%edi)
	mov	%ebx, 12(%edi)
	mov	%esi, 16(%edi)
	mov	inv_tmp, %eax
	mov	%eax, 20(%edi)
	mov	%ebp, 24(%edi)
	pushf
	popl	28(%edi)
	mov	%esp, 32(%edi)
	mov	inv_esp, %eax
	mov	%eax, 36(%edi)
	mov	inv_esp, %esp
	add	$8, %esp
	pop	%edi
	pop	%esi
	pop	%ebx
	pop	%ebp
	ret

/*
 * int call_iret(u32 fn, u32 eflags, struct vregs *io): jump to the ROM's
 * IRET with a same-privilege frame (EIP = 1f, CS, eflags) at [esp].
 * Returns 1 when control comes back through the frame; io gets the
 * registers at the landing point.
 */
	.globl	call_iret
call_iret:
	push	%ebp
	push	%ebx
	push	%esi
	push	%edi
	mov	20(%esp), %eax
	mov	%eax, inv_fn
	mov	28(%esp), %eax
	mov	%eax, inv_io
	mov	24(%esp), %eax
	mov	%esp, inv_esp
	push	%eax				/* EFLAGS */
	pushl	%cs
	pushl	$1f
	mov	$0x11111111, %ebx
	mov	$0x22222222, %esi
	mov	$0x33333333, %edi
	mov	$0x44444444, %ebp
	XFER_GO
1:	mov	%edi, inv_tmp
	mov	inv_io, %edi
	mov	%ebx, 12(%edi)
	mov	%esi, 16(%edi)
	mov	inv_tmp, %eax
	mov	%eax, 20(%edi)
	mov	%ebp, 24(%edi)
	pushf
	popl	28(%edi)
	mov	%esp, 32(%edi)
	mov	inv_esp, %eax
	mov	%eax, 36(%edi)
	mov	inv_esp, %esp
	mov	$1, %eax
2:	pop	%edi
	pop	%esi
	pop	%ebx
	pop	%ebp
	ret

/*
 * int call_sysexit(u32 fn): enter user mode through the ROM's SYSEXIT at
 * user_entry on user_stack_top; user code comes back with int $0x80,
 * whose handler resumes at user_back. Returns 1 on the way back.
 */
	.globl	call_sysexit
call_sysexit:
	pushl	$user_entry			/* call_sysexit_to(fn, user_entry) */
	pushl	8(%esp)
	call	call_sysexit_to
	add	$8, %esp
	ret

/*
 * int call_sysexit_to(u32 fn, u32 user_eip): the same, to another ring-3
 * entry (whatever brings it back must return through inv_esp).
 */
	.globl	call_sysexit_to
call_sysexit_to:
	push	%ebp
	push	%ebx
	push	%esi
	push	%edi
	mov	20(%esp), %eax
	mov	%eax, inv_fn
	mov	%esp, inv_esp
	mov	24(%esp), %edx
	mov	$user_stack_top, %ecx
	/* CF PF AF ZF SF OF set: the user's flags, which SYSEXIT keeps */
	cmpl	$0, xfer_call
	je	1f
	pushl	$0x8d7
	popf
	call	*inv_fn
1:	pushl	$0x8d7
	popf
	jmp	*inv_fn

/*
 * int try_fault(void (*fn)(void)): call fn expecting a fault: 2 with
 * fault_vec & co. recorded (fault_catch), 0 if fn returned.
 */
	.globl	try_fault
try_fault:
	push	%ebp
	push	%ebx
	push	%esi
	push	%edi
	mov	%esp, inv_esp
	movl	$1, fault_expected
	call	*20(%esp)
	movl	$0, fault_expected
	xor	%eax, %eax
	pop	%edi
	pop	%esi
	pop	%ebx
	pop	%ebp
	ret

/*
 * int call_iret_user(u32 fn, u32 eflags): the same trip through the ROM's
 * IRET with a ring-3 frame (EIP, CS 0x1b, @eflags, ESP, SS 0x23) at [esp].
 */
	.globl	call_iret_user
call_iret_user:
	push	%ebp
	push	%ebx
	push	%esi
	push	%edi
	mov	20(%esp), %eax
	mov	%eax, inv_fn
	mov	24(%esp), %ecx
	mov	%esp, inv_esp
	pushl	$0x23
	pushl	$user_stack_top
	push	%ecx
	pushl	$0x1b
	pushl	$user_entry
	XFER_GO

/*
 * int call_iret_bad(u32 fn, u32 cs, u32 ss): the ROM's IRET with a ring-3
 * frame that iret must refuse. Expects a fault (fault_expected): returns
 * 2 with fault_vec, fault_err, fault_eip, fault_cs and fault_esp (the
 * stack just above the exception frame) recorded, and iret_frame_at the
 * frame's address; 1 if the frame was taken after all (int $0x80 back).
 */
	.globl	call_iret_bad
call_iret_bad:
	push	%ebp
	push	%ebx
	push	%esi
	push	%edi
	mov	20(%esp), %eax
	mov	%eax, inv_fn
	mov	%esp, inv_esp
	mov	28(%esp), %eax
	push	%eax				/* SS */
	pushl	$user_stack_top
	pushl	$0x202
	mov	36(%esp), %eax			/* cs: 24 + 3 pushes */
	push	%eax				/* CS */
	pushl	$user_entry
	mov	%esp, iret_frame_at
	movl	$1, fault_expected
	cmpl	$0, xfer_call
	je	1f
	/* CALL_REL means "call rel32": guest.c patches the offset in. */
	.globl	iret_call_site
iret_call_site:
	.byte	0xe8
	.long	0
1:	jmp	*inv_fn

fault_catch:
	/* [esp] vector, error, EIP, CS, EFLAGS; then the faulting stack. */
	movl	$0, %ss:fault_expected
	mov	%eax, %ss:fault_tmp
	mov	0(%esp), %eax
	mov	%eax, %ss:fault_vec
	mov	4(%esp), %eax
	mov	%eax, %ss:fault_err
	mov	8(%esp), %eax
	mov	%eax, %ss:fault_eip
	mov	12(%esp), %eax
	mov	%eax, %ss:fault_cs
	lea	20(%esp), %eax
	mov	%eax, %ss:fault_esp
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	inv_esp, %esp
	mov	$2, %eax
	pop	%edi
	pop	%esi
	pop	%ebx
	pop	%ebp
	ret

	.globl	int80_stub
int80_stub:
	/* Interrupt gate, DPL 3: frame EIP, CS, EFLAGS, ESP, SS. */
	mov	%eax, user_eax
	mov	4(%esp), %eax
	mov	%eax, user_cs
	mov	8(%esp), %eax
	mov	%eax, user_eflags
	mov	16(%esp), %eax
	mov	%eax, user_ss
	mov	inv_esp, %esp
	mov	$1, %eax
user_back:
	pop	%edi
	pop	%esi
	pop	%ebx
	pop	%ebp
	ret

/* Ring-3 code: report back with a marker in EAX. */
	.globl	user_entry
user_entry:
	mov	$0x5a5a1234, %eax
	int	$0x80
1:	jmp	1b

	.bss
	.balign	16
	.globl	inv_fn, inv_io, inv_esp, inv_tmp
inv_fn:	.long	0
inv_io:	.long	0
inv_esp: .long	0
inv_tmp: .long	0
	.globl	xfer_call, fault_expected, fault_vec, fault_err, fault_eip
	.globl	fault_cs, fault_esp, iret_frame_at
xfer_call:	.long	0
fault_expected:	.long	0
fault_tmp:	.long	0
fault_vec:	.long	0
fault_err:	.long	0
fault_eip:	.long	0
fault_cs:	.long	0
fault_esp:	.long	0
iret_frame_at:	.long	0
	.globl	ap_ebx, ap_esi, ap_edi, ap_esp, ap_cr3, ap_cs, ap_ss, ap_fs
	.globl	ap_eflags, ap_count, ap_gdtr, ap_idtr
ap_ebx:	.long	0
ap_esi:	.long	0
ap_edi:	.long	0
ap_esp:	.long	0
ap_cr3:	.long	0
ap_cs:	.long	0
ap_ss:	.long	0
ap_fs:	.long	0
ap_eflags: .long 0
ap_count: .long	0
	.globl	ap_call_fn, ap_call_arg
ap_call_fn: .long 0
ap_call_arg: .long 0
ap_gdtr: .space	8
ap_idtr: .space	8
	.globl	user_eax, user_cs, user_eflags, user_ss
user_eax:	.long	0
user_cs:	.long	0
user_eflags:	.long	0
user_ss:	.long	0
	.balign	4096
	.space	16384
	.globl	stack_top
stack_top:
	.space	4096
	.globl	user_stack_top
user_stack_top:
	.space	4096
	.globl	ap_stack_top
ap_stack_top:
	.space	4096
	.globl	tss_stack_top
tss_stack_top:

	.section .note.GNU-stack, "", @progbits
