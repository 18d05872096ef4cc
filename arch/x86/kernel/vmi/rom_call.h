/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one way the backend calls the ROM from C.
 *
 * Owns vmi_call_target[], the CALL_REL target of every call (0 when the
 * ROM answered anything else), filled by bind.c before any binding, and
 * read-only after init. Each call is typed once, in <asm/vmi/abi.h>
 * (vmi_<Call>_fn):
 *  - vmi_rom_call(Call, args...) makes the call;
 *  - vmi_rom_fn(Call) is its typed address, for a hook kept in a variable
 *    (and NULL when the ROM does not offer it);
 *  - vmi_rom_has(Call) says whether the ROM offers it as CALL_REL.
 *
 * The MMU calls that may carry VMI_PAGE_DEFER (SetPxE(Long),
 * UpdatePxE(Long)) and the flush points that end a deferral (InvalPage,
 * FlushTLB, SetCR3, SetLazyMode) go through the vmi_rom_*() functions
 * below, the only callers of those calls: they keep, per CPU, whether the
 * ROM is in lazy MMU mode (vmi_rom_lazy_mmu, which says whether an update
 * may be deferred) and whether it may still hold deferred updates
 * (vmi_rom_deferred, which the lazy queue's explicit flush reads). Both
 * are written after the call they describe and read with preemption on:
 * a task moved to another CPU in between finds the flag of the new CPU,
 * and a context switch is a flush point (see lazy.c).
 * mmu.c and lazy.c both issue through them; neither reaches into the other
 * for it.
 *
 * Rules: no cast of a ROM address to a function type anywhere else; CPUID,
 * IRET and SYSEXIT, which are not C functions, are called from assembly
 * (cpu.c's CPUID wrapper, exit.S).
 */
#ifndef _VMI_ROM_CALL_H
#define _VMI_ROM_CALL_H

#include <linux/compiler.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/types.h>
#include <asm/vmi/abi.h>

extern unsigned long vmi_call_target[VMI_CALL_COUNT];

#define vmi_rom_fn(call)						\
	((vmi_##call##_fn *)vmi_call_target[VMI_CALL_##call])
#define vmi_rom_call(call, ...)	vmi_rom_fn(call)(__VA_ARGS__)
#define vmi_rom_has(call)	(vmi_call_target[VMI_CALL_##call] != 0)

/* The MMU operations the ROM is given, at once or from the lazy queue. */
enum vmi_mmu_op {
	VMI_MMU_SET,		/* SetPxE(Long) */
	VMI_MMU_UPDATE,		/* UpdatePxE(Long) */
	VMI_MMU_INVLPG,		/* InvalPage */
};

DECLARE_PER_CPU(bool, vmi_rom_deferred);
DECLARE_PER_CPU(bool, vmi_rom_lazy_mmu);
#ifdef CONFIG_VMI_DEBUG
DECLARE_PER_CPU(u32, vmi_rom_lazy_mode);
#endif

/*
 * An update may carry VMI_PAGE_DEFER: this CPU's ROM is in lazy MMU mode,
 * whose end applies it, and this is not an interrupt (whose updates the
 * interrupted section's end must not wait for). An update of an address
 * space that is not loaded may be deferred too: leaving lazy mode applies
 * every deferred update, not only those of the loaded address space.
 */
static __always_inline bool vmi_rom_may_defer(void)
{
	return this_cpu_read(vmi_rom_lazy_mmu) && !in_interrupt();
}

/*
 * Inline: every page-table update makes one of these, and an out-of-line
 * call would cost as many instructions as the rest of the guest's path.
 */
static __always_inline void vmi_rom_mmu_update(enum vmi_mmu_op op, void *ptr,
					       u64 val, u32 flags)
{
#ifdef CONFIG_X86_PAE
	if (op == VMI_MMU_SET)
		vmi_rom_call(SetPxELong, val, ptr, flags);
	else
		vmi_rom_call(UpdatePxELong, ptr, flags);
#else
	if (op == VMI_MMU_SET)
		vmi_rom_call(SetPxE, (u32)val, ptr, flags);
	else
		vmi_rom_call(UpdatePxE, ptr, flags);
#endif
	if (flags & VMI_PAGE_DEFER)
		this_cpu_write(vmi_rom_deferred, true);
}

void vmi_rom_invlpg(unsigned long va);
void vmi_rom_set_cr3(unsigned long cr3);
void vmi_rom_flush_tlb(bool global);
void vmi_rom_set_lazy_mode(u32 mode);

#endif /* _VMI_ROM_CALL_H */
