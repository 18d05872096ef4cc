// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC through the ROM: APICRead and APICWrite.
 *
 * Owns two things:
 *
 *  - Telling the ROM where the APIC page is, as a hint. The ROM runs in the
 *    guest's address space, where the APIC is mapped only at the kernel's
 *    FIX_APIC_BASE fixmap, so that linear address goes into linear-map
 *    slot 3 (VMI_LINEAR_MAP_SLOT_APIC) on every CPU, even with vmi=noapic
 *    (the ROM's LVTT alarms and AP start-up use the APIC too). A monitor
 *    reaches the APIC without it (VMware's did; the 2.6 guest never
 *    registered it), so nothing here depends on the slot. The frame given
 *    is the architectural default, since the firmware tables that may
 *    move the APIC are parsed later.
 *
 *  - Routing every local APIC register access of the kernel through the
 *    ROM. In 6.12 all accessors are callbacks of the APIC driver, changed
 *    with apic_update_callback(), which also re-applies them if another
 *    driver is installed later: read and write go straight to the ROM
 *    (their C prototypes are the calls' register conventions), and the
 *    callbacks whose native versions touch the MMIO page directly (EOI,
 *    the IPI senders, waiting for ICR idle) are rebuilt on top of
 *    APICWrite/APICRead. IPIs to a CPU set use physical destinations,
 *    one ICR write per CPU, so they do not depend on the driver's logical
 *    ID layout; the all/all-but-self/self shorthands stay shorthands.
 *
 * Rules:
 *  - The two calls are bound by bind.c from vmi_apic_table, only when
 *    the ROM answers CALL_REL for both, the CPU has a local APIC, and
 *    vmi=noapic is not given. Otherwise every accessor stays native.
 *  - wait_icr_idle has no override slot in struct apic_override: it is
 *    set in the driver directly and would be lost if a different APIC
 *    driver (bigsmp, more than 8 CPUs) were installed later. The ROM
 *    handles at most 8 CPUs, so that driver is never used with it.
 */
#define pr_fmt(fmt) "vmi: " fmt

#include <linux/cpumask.h>
#include <linux/init.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/smp.h>
#include <linux/static_call.h>
#include <asm/apic.h>
#include <asm/apicdef.h>
#include <asm/irq_vectors.h>
#include <asm/processor.h>
#include <asm/smp.h>

#include "vmi.h"

/* The ROM's APIC calls, bound by bind.c from vmi_apic_table. */
struct vmi_apic_calls {
	vmi_APICRead_fn *read;
	vmi_APICWrite_fn *write;
};

static struct vmi_apic_calls vmi_apic __ro_after_init;

static void vmi_apic_eoi(void)
{
	vmi_apic.write(APIC_EOI, APIC_EOI_ACK);
}

static void vmi_apic_wait_icr_idle(void)
{
	while (vmi_apic.read(APIC_ICR) & APIC_ICR_BUSY)
		cpu_relax();
}

/*
 * One IPI. @shortcut is APIC_DEST_SELF/ALLINC/ALLBUT, or 0 to send to
 * @apicid (physical). As natively, an NMI waits for the ICR with a
 * timeout, so a wedged APIC cannot hang a panic that stops the others.
 */
static void vmi_apic_send(u32 shortcut, u32 apicid, int vector)
{
	u32 icr = shortcut;
	unsigned long flags;

	if (vector == NMI_VECTOR)
		icr |= APIC_DM_NMI;
	else
		icr |= APIC_DM_FIXED | vector;

	local_irq_save(flags);
	if (vector == NMI_VECTOR)
		safe_apic_wait_icr_idle();
	else
		vmi_apic_wait_icr_idle();
	if (!shortcut) {
		vmi_apic.write(APIC_ICR2, SET_XAPIC_DEST_FIELD(apicid));
		icr |= APIC_DEST_PHYSICAL;
	}
	vmi_apic.write(APIC_ICR, icr);
	local_irq_restore(flags);
}

static void vmi_send_IPI(int cpu, int vector)
{
	vmi_apic_send(0, per_cpu(x86_cpu_to_apicid, cpu), vector);
}

static void vmi_send_IPI_mask(const struct cpumask *mask, int vector)
{
	unsigned int cpu;

	for_each_cpu(cpu, mask)
		vmi_send_IPI(cpu, vector);
}

static void vmi_send_IPI_mask_allbutself(const struct cpumask *mask,
					 int vector)
{
	unsigned int cpu, self = get_cpu();

	for_each_cpu(cpu, mask) {
		if (cpu != self)
			vmi_send_IPI(cpu, vector);
	}
	put_cpu();
}

static void vmi_send_IPI_allbutself(int vector)
{
	vmi_apic_send(APIC_DEST_ALLBUT, 0, vector);
}

static void vmi_send_IPI_all(int vector)
{
	vmi_apic_send(APIC_DEST_ALLINC, 0, vector);
}

static void vmi_send_IPI_self(int vector)
{
	vmi_apic_send(APIC_DEST_SELF, 0, vector);
}

/* Whether the APIC calls can be bound; says why not if not. */
static bool vmi_apic_usable(void)
{
	if (vmi_options & VMI_OPT_NOAPIC) {
		pr_info("APIC: vmi=noapic, local APIC accessed natively\n");
		return false;
	}
	if (!vmi_rom_has(APICRead) || !vmi_rom_has(APICWrite)) {
		pr_info("APIC: ROM does not offer APICRead and APICWrite, local APIC accessed natively\n");
		return false;
	}
	/* Too early for boot_cpu_has(): the probe runs before CPU setup. */
	if (!(cpuid_edx(1) & BIT(X86_FEATURE_APIC & 31))) {
		pr_info("APIC: no local APIC\n");
		return false;
	}
	return true;
}

static const struct vmi_binding vmi_apic_bindings[] = {
	VMI_HOOK(vmi_apic.read, APICRead, .skip_opts = VMI_OPT_NOAPIC),
	VMI_HOOK(vmi_apic.write, APICWrite, .skip_opts = VMI_OPT_NOAPIC),
};

const struct vmi_binding_table vmi_apic_table = {
	.name = "apic",
	.bindings = vmi_apic_bindings,
	.count = ARRAY_SIZE(vmi_apic_bindings),
	.usable = vmi_apic_usable,
};

void __init vmi_apic_init(void)
{
	if (vmi_linear_map_usable())
		vmi_linear_map_all(VMI_LINEAR_MAP_SLOT_APIC, APIC_BASE, 1,
				   APIC_DEFAULT_PHYS_BASE >> PAGE_SHIFT);

	if (!vmi_table_bound(&vmi_apic_table))
		return;

	apic_update_callback(read, vmi_apic.read);
	apic_update_callback(write, vmi_apic.write);
	apic_update_callback(eoi, vmi_apic_eoi);
	apic_update_callback(send_IPI, vmi_send_IPI);
	apic_update_callback(send_IPI_mask, vmi_send_IPI_mask);
	apic_update_callback(send_IPI_mask_allbutself,
			     vmi_send_IPI_mask_allbutself);
	apic_update_callback(send_IPI_allbutself, vmi_send_IPI_allbutself);
	apic_update_callback(send_IPI_all, vmi_send_IPI_all);
	apic_update_callback(send_IPI_self, vmi_send_IPI_self);

	apic->wait_icr_idle = vmi_apic_wait_icr_idle;
	static_call_update(apic_call_wait_icr_idle, vmi_apic_wait_icr_idle);
}
