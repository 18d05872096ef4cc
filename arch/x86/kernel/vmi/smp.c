// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU ROM registrations and AP start-up through SetInitialAPState.
 *
 * Owns two things:
 *
 *  - The linear-map slots that describe mappings every CPU shares: slot 0,
 *    the lowmem direct map, and slot 3, the local APIC page (abi.h). The
 *    ROM keeps SetLinearMapping state per CPU, so a slot registered on the
 *    boot CPU through vmi_linear_map_all() is recorded here and registered
 *    again by every AP as the first thing it does, before start_secondary.
 *
 *  - Waking an AP. With SetInitialAPState bound, the APIC driver's
 *    wakeup_secondary_cpu() callback hands the ROM the state that the
 *    real-mode trampoline and startup_32_smp would have built: paging on
 *    with swapper_pg_dir, the boot CPU's CR4 and EFER, the AP's own GDT
 *    and per-CPU segment, the idle task's stack, interrupts off; then it
 *    sends INIT and STARTUP through the ROM's APICWrite, as a guest of
 *    VMware's monitor did (the monitor started the AP in the recorded
 *    state on STARTUP; the project ROM by default starts it at once and
 *    drops the IPIs). The AP begins in vmi_ap_entry (smp_entry.S). If it
 *    never comes, the hotplug core times out as it would for a dead CPU.
 *
 * Rules:
 *  - SetInitialAPState and APICWrite are bound by bind.c from
 *    vmi_smp_table, only when the ROM answers CALL_REL for both (the
 *    IPIs must reach the ROM, whatever vmi=noapic says about the
 *    kernel's own APIC accesses) and vmi=nosmp is not given; otherwise
 *    the native INIT/SIPI path is left alone and APs register nothing.
 *  - The AP state is exactly what do_boot_cpu() left for startup_32_smp
 *    (initial_stack, early_gdt_descr, initial_code), so the two paths
 *    cannot disagree about what an AP starts with.
 *  - Nothing on the AP path is __init: CPU hotplug wakes APs at run time.
 */
#define pr_fmt(fmt) "vmi: " fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/memblock.h>
#include <linux/printk.h>
#include <linux/smp.h>
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/realmode.h>
#include <asm/segment.h>
#include <asm/tlbflush.h>

#include "vmi.h"

struct vmi_linear_map {
	u32 va;
	u32 pages;		/* 0: slot not registered for all CPUs */
	u32 pfn;
};

/* Written on the boot CPU during init, read by every AP as it starts. */
static struct vmi_linear_map vmi_linear_all[VMI_LINEAR_MAP_SLOTS] __read_mostly;

/*
 * True when SetLinearMapping reaches the ROM or is a declared no-op, i.e.
 * when the ROM either heard where a slot points or does not need to know.
 */
bool vmi_linear_map_usable(void)
{
	u8 type = vmi_rom.reloc[VMI_CALL_SetLinearMapping].type;

	return vmi_active && (type == VMI_RELOCATION_CALL_REL ||
			      type == VMI_RELOCATION_NOP);
}

static void vmi_linear_map_this_cpu(unsigned int slot,
				    const struct vmi_linear_map *m)
{
	if (vmi_rom_has(SetLinearMapping))
		vmi_rom_call(SetLinearMapping, slot, m->va, m->pages, m->pfn);
}

/**
 * vmi_linear_map_all - declare a linear-map slot for every CPU
 * @slot: VMI_LINEAR_MAP_SLOT_*
 * @va: linear start
 * @pages: page count
 * @pfn: first page frame
 *
 * Registers the slot on the calling CPU now and records it, so that every
 * AP that vmi_ap_entry starts registers it too. Call on the boot CPU,
 * before the APs are started.
 */
void vmi_linear_map_all(unsigned int slot, unsigned long va,
			unsigned long pages, unsigned long pfn)
{
	struct vmi_linear_map *m;

	if (WARN_ON_ONCE(slot >= VMI_LINEAR_MAP_SLOTS))
		return;
	m = &vmi_linear_all[slot];
	m->va = va;
	m->pfn = pfn;
	WRITE_ONCE(m->pages, pages);
	vmi_linear_map_this_cpu(slot, m);
}

#ifdef CONFIG_SMP

/* The ROM's AP start-up calls, bound by bind.c from vmi_smp_table. */
struct vmi_smp_calls {
	vmi_SetInitialAPState_fn *set_initial_ap_state;
	vmi_APICWrite_fn *apic_write;
};

static struct vmi_smp_calls vmi_smp __ro_after_init;

/* INIT, then STARTUP, to @apicid through the ROM (never the hardware). */
static void vmi_send_init_startup(u32 apicid, unsigned long start_eip)
{
	vmi_smp.apic_write(APIC_ICR2, SET_XAPIC_DEST_FIELD(apicid));
	vmi_smp.apic_write(APIC_ICR, APIC_INT_LEVELTRIG | APIC_INT_ASSERT |
			  APIC_DM_INIT);
	vmi_smp.apic_write(APIC_ICR2, SET_XAPIC_DEST_FIELD(apicid));
	vmi_smp.apic_write(APIC_ICR, APIC_DM_STARTUP | (start_eip >> 12));
}

/* Called only from vmi_ap_entry, before anything else runs on the AP. */
asmlinkage __visible void notrace vmi_ap_start(void)
{
	unsigned int slot;

	for (slot = 0; slot < VMI_LINEAR_MAP_SLOTS; slot++) {
		const struct vmi_linear_map *m = &vmi_linear_all[slot];

		if (READ_ONCE(m->pages))
			vmi_linear_map_this_cpu(slot, m);
	}
}

/*
 * apic->wakeup_secondary_cpu(): do_boot_cpu() has set initial_stack,
 * early_gdt_descr and initial_code for this AP just before calling us.
 * @start_eip (the real-mode trampoline) is only the STARTUP vector, which
 * a VMI monitor ignores: it starts the AP straight into paged protected
 * mode in the state handed over.
 */
static int vmi_wakeup_secondary_cpu(u32 apicid, unsigned long start_eip)
{
	struct vmi_ap_state ap = {
		.cr0		= CR0_STATE,
		.cr3		= __pa(swapper_pg_dir),
		.cr4		= mmu_cr4_features,
		.eip		= (unsigned long)vmi_ap_entry,
		.eflags		= 0,
		.ebx		= initial_code,
		.esp		= initial_stack,
		.cs		= __KERNEL_CS,
		.ss		= __KERNEL_DS,
		.ds		= __USER_DS,
		.es		= __USER_DS,
		.fs		= __KERNEL_PERCPU,
		.gs		= 0,
		.ldtr		= 0,
		.gdtr_limit	= early_gdt_descr.size,
		.gdtr_base	= early_gdt_descr.address,
	};
	struct desc_ptr idt;
	u64 efer = 0;

	/* startup_32_smp turns on EFER.NX when paging is PAE; copy ours. */
	if ((mmu_cr4_features & X86_CR4_PAE) && boot_cpu_has(X86_FEATURE_NX) &&
	    !rdmsrl_safe(MSR_EFER, &efer))
		ap.efer = efer;

	store_idt(&idt);
	ap.idtr_base = idt.address;
	ap.idtr_limit = idt.size;

	vmi_smp.set_initial_ap_state(&ap, apicid);
	vmi_send_init_startup(apicid, start_eip);
	return 0;
}

/* Whether APs can be started through the ROM; says why not if not. */
static bool vmi_smp_usable(void)
{
	if (vmi_options & VMI_OPT_NOSMP) {
		pr_info("SMP: vmi=nosmp, APs started with INIT/SIPI\n");
		return false;
	}
	if (!vmi_rom_has(SetInitialAPState)) {
		pr_info("SMP: ROM has no SetInitialAPState, APs started with INIT/SIPI\n");
		return false;
	}
	if (!vmi_rom_has(APICWrite)) {
		pr_info("SMP: ROM has no APICWrite for INIT/STARTUP, APs started with INIT/SIPI\n");
		return false;
	}
	return true;
}

static const struct vmi_binding vmi_smp_bindings[] = {
	VMI_HOOK(vmi_smp.set_initial_ap_state, SetInitialAPState,
		 .skip_opts = VMI_OPT_NOSMP),
	VMI_HOOK(vmi_smp.apic_write, APICWrite, .skip_opts = VMI_OPT_NOSMP),
};

const struct vmi_binding_table vmi_smp_table = {
	.name = "smp",
	.bindings = vmi_smp_bindings,
	.count = ARRAY_SIZE(vmi_smp_bindings),
	.usable = vmi_smp_usable,
};

void __init vmi_smp_init(void)
{
	if (vmi_table_bound(&vmi_smp_table))
		apic_update_callback(wakeup_secondary_cpu,
				     vmi_wakeup_secondary_cpu);
}

#else /* !CONFIG_SMP */

void __init vmi_smp_init(void)
{
}

#endif /* CONFIG_SMP */
