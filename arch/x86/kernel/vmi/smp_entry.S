/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where an AP started through SetInitialAPState begins (see smp.c).
 *
 * The ROM enters with the state vmi_wakeup_secondary_cpu() built: paging
 * on, this CPU's GDT, flat kernel CS/SS, user DS/ES, the per-CPU FS, the
 * idle task's stack, interrupts off, and in EBX the entry the boot code
 * chose (initial_code, start_secondary). The AP first registers its own
 * linear-map slots, then, as in startup_32_smp, calls the entry; a return
 * from it halts.
 */
#include <linux/linkage.h>

	.text
SYM_CODE_START(vmi_ap_entry)
	call	vmi_ap_start
	call	*%ebx
1:	hlt
	jmp	1b
SYM_CODE_END(vmi_ap_entry)
