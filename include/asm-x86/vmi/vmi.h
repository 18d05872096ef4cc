/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMI backend as the rest of the kernel sees it: the early probe that
 * setup_arch() calls, and whether the kernel runs through a VMI ROM. Both
 * compile away when CONFIG_VMI is off.
 */
#ifndef _ASM_X86_VMI_VMI_H
#define _ASM_X86_VMI_VMI_H

#include <linux/types.h>

#ifdef CONFIG_VMI
void vmi_init(void);
bool vmi_is_active(void);
#else
static inline void vmi_init(void) { }
static inline bool vmi_is_active(void) { return false; }
#endif

#endif /* _ASM_X86_VMI_VMI_H */
