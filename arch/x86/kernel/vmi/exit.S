/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exit paths' way into a ROM that offers IRET and SYSEXIT as call
 * targets (CALL_REL).
 *
 * The entry code jumps to pv_ops.cpu.iret and pv_ops.cpu.irq_enable_sysexit
 * with the return frame (or the SYSEXIT registers) in place. A CALL_REL
 * routine wants a "call rel32" whose return address names the call site:
 * that is how a ROM reports an iret that refuses the user's frame (it
 * delivers the fault at the call instruction). Each stub below is that
 * call; bind.c writes the ROM's target into its rel32 before the
 * alternatives pass points the exit sites here, and the die notifier in
 * cpu.c sends a fault reported at vmi_iret_call to native_iret's
 * exception-table fixup. Neither call returns.
 */
#include <linux/linkage.h>

/* Entry text: with PTI these run on the user page tables. */
	.section .entry.text, "ax"
SYM_CODE_START(vmi_iret_call)
	.byte	0xe8			/* call rel32, target set by bind.c */
	.long	0
	ud2
SYM_CODE_END(vmi_iret_call)

SYM_CODE_START(vmi_sysexit_call)
	.byte	0xe8
	.long	0
	ud2
SYM_CODE_END(vmi_sysexit_call)
