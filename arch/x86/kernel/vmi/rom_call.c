// SPDX-License-Identifier: GPL-2.0
/*
 * The ROM's call targets, and the MMU calls with their deferral state.
 *
 * Owns vmi_call_target[] and two per-CPU records: whether the ROM is in
 * lazy MMU mode (what SetLazyMode last said), and whether it may hold
 * updates sent with VMI_PAGE_DEFER that no flush point (InvalPage,
 * FlushTLB, SetCR3, leaving lazy MMU mode) has applied yet. See
 * rom_call.h for the rules.
 */
#include <linux/cache.h>
#include <linux/percpu.h>

#include "rom_call.h"

unsigned long vmi_call_target[VMI_CALL_COUNT] __ro_after_init;

/* The ROM may hold DEFER updates no flush point has applied yet. */
DEFINE_PER_CPU(bool, vmi_rom_deferred);
/* The last SetLazyMode this CPU sent was VMI_LAZY_MMU_UPDATES. */
DEFINE_PER_CPU(bool, vmi_rom_lazy_mmu);
#ifdef CONFIG_VMI_DEBUG
/* The last SetLazyMode this CPU sent, for lazy.c's self-test. */
DEFINE_PER_CPU(u32, vmi_rom_lazy_mode);
#endif

void vmi_rom_invlpg(unsigned long va)
{
	this_cpu_write(vmi_rom_deferred, false);
	vmi_rom_call(InvalPage, va);
}

void vmi_rom_set_cr3(unsigned long cr3)
{
	this_cpu_write(vmi_rom_deferred, false);
	vmi_rom_call(SetCR3, cr3);
}

void vmi_rom_flush_tlb(bool global)
{
	this_cpu_write(vmi_rom_deferred, false);
	vmi_rom_call(FlushTLB, VMI_FLUSH_TLB | (global ? VMI_FLUSH_GLOBAL : 0));
}

void vmi_rom_set_lazy_mode(u32 mode)
{
	vmi_rom_call(SetLazyMode, mode);
	if (mode != VMI_LAZY_MMU_UPDATES)
		this_cpu_write(vmi_rom_deferred, false);
	this_cpu_write(vmi_rom_lazy_mmu, mode == VMI_LAZY_MMU_UPDATES);
#ifdef CONFIG_VMI_DEBUG
	this_cpu_write(vmi_rom_lazy_mode, mode);
#endif
}
