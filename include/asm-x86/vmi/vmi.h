/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMI backend as the rest of the kernel sees it: the early probe that
 * setup_arch() calls. It compiles away when CONFIG_VMI is off.
 */
#ifndef _ASM_X86_VMI_VMI_H
#define _ASM_X86_VMI_VMI_H

#ifdef CONFIG_VMI
void vmi_init(void);
#else
static inline void vmi_init(void) { }
#endif

#endif /* _ASM_X86_VMI_VMI_H */
