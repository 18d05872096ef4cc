// SPDX-License-Identifier: GPL-2.0
/*
 * Binding the ROM's calls into pv_ops.
 *
 * Owns the relocation table: every call number is queried once through
 * VMI_GetRelocationInfo and checked (type known, target inside the ROM,
 * JUMP only for IRET and SYSEXIT) before anything is bound; one bad answer
 * refuses the whole ROM. Binding then walks a table of pv_ops slots: a
 * CALL_REL answer points the slot (or its wrapper) at the ROM, NOP installs
 * paravirt_nop, NONE leaves the native op. The alternatives pass that runs
 * later turns every patched call site into a direct call to whatever the
 * slot holds, or into NOPs for paravirt_nop.
 *
 * Only slots that exist in the 6.12 i386 pv_ops without PARAVIRT_XXL are
 * bound here: io_delay and the TLB flushes.
 */
#define pr_fmt(fmt) "vmi: " fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <asm/paravirt.h>

#include "vmi.h"

/*
 * VMI_GetRelocationInfo returns struct vmi_relocation_info in EDX:EAX; a
 * regparm C prototype with a u64 result matches that exactly.
 */
typedef u64 (*vmi_get_reloc_fn)(u32 call);

static struct vmi_relocation_info __init vmi_get_reloc(u32 call)
{
	vmi_get_reloc_fn get_reloc;
	struct vmi_relocation_info rel;
	u64 raw;

	get_reloc = (vmi_get_reloc_fn)(vmi_rom.image + VMI_ROM_GET_RELOC_OFFSET);
	raw = get_reloc(call);

	rel.eip = lower_32_bits(raw);
	rel.type = upper_32_bits(raw) & 0xff;
	rel.reserved[0] = 0;
	rel.reserved[1] = 0;
	rel.reserved[2] = 0;
	return rel;
}

int __init vmi_query_relocations(void)
{
	u32 base = (u32)(unsigned long)vmi_rom.image;
	unsigned int call;

	for (call = 0; call < VMI_CALL_COUNT; call++) {
		struct vmi_relocation_info rel = vmi_get_reloc(call);
		enum vmi_reloc_verdict verdict;

		verdict = vmi_reloc_check(call, rel.type, rel.eip, base,
					  vmi_rom.info.size);
		if (verdict != VMI_RELOC_OK) {
			pr_warn("ROM at %#lx rejected: relocation for %s (type %u, target %#x): %s\n",
				vmi_rom.phys, vmi_call_name(call), rel.type,
				rel.eip, vmi_reloc_verdict_str(verdict));
			snprintf(vmi_native_reason, sizeof(vmi_native_reason),
				 "ROM rejected: %s", vmi_reloc_verdict_str(verdict));
			return -EINVAL;
		}
		vmi_rom.reloc[call] = rel;
		vmi_rom.relocs_by_type[rel.type]++;
	}
	return 0;
}

static void (*vmi_flush_tlb_raw)(u32 flags) __ro_after_init;

static void vmi_flush_tlb_user(void)
{
	vmi_flush_tlb_raw(VMI_FLUSH_TLB);
}

static void vmi_flush_tlb_kernel(void)
{
	vmi_flush_tlb_raw(VMI_FLUSH_TLB | VMI_FLUSH_GLOBAL);
}

/*
 * One pv_ops slot fed by one VMI call. @wrapper, when set, adapts the
 * slot's C prototype to the call's registers; otherwise the ROM address
 * goes into the slot directly. @raw receives the ROM address a wrapper
 * calls through.
 */
struct vmi_binding {
	const char *slot_name;
	void **slot;
	unsigned int call;
	void *wrapper;
	void **raw;
	unsigned long skip_opts;
};

static const struct vmi_binding vmi_bindings[] __initconst = {
	{
		.slot_name = "cpu.io_delay",
		.slot = (void **)&pv_ops.cpu.io_delay,
		.call = VMI_CALL_IODelay,
	}, {
		.slot_name = "mmu.flush_tlb_user",
		.slot = (void **)&pv_ops.mmu.flush_tlb_user,
		.call = VMI_CALL_FlushTLB,
		.wrapper = vmi_flush_tlb_user,
		.raw = (void **)&vmi_flush_tlb_raw,
		.skip_opts = VMI_OPT_NOMM,
	}, {
		.slot_name = "mmu.flush_tlb_kernel",
		.slot = (void **)&pv_ops.mmu.flush_tlb_kernel,
		.call = VMI_CALL_FlushTLB,
		.wrapper = vmi_flush_tlb_kernel,
		.raw = (void **)&vmi_flush_tlb_raw,
		.skip_opts = VMI_OPT_NOMM,
	}, {
		.slot_name = "mmu.flush_tlb_one_user",
		.slot = (void **)&pv_ops.mmu.flush_tlb_one_user,
		.call = VMI_CALL_InvalPage,
		.skip_opts = VMI_OPT_NOMM,
	},
};

void __init vmi_bind(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vmi_bindings); i++) {
		const struct vmi_binding *b = &vmi_bindings[i];
		const struct vmi_relocation_info *rel = &vmi_rom.reloc[b->call];

		if (vmi_options & b->skip_opts)
			continue;

		switch (rel->type) {
		case VMI_RELOCATION_CALL_REL:
			if (b->raw)
				*b->raw = (void *)(unsigned long)rel->eip;
			*b->slot = b->wrapper ?: (void *)(unsigned long)rel->eip;
			vmi_rom.bound++;
			break;
		case VMI_RELOCATION_NOP:
			if (!b->wrapper)
				*b->slot = paravirt_nop;
			break;
		default:
			pr_debug("keeping native %s\n", b->slot_name);
			break;
		}
	}

	vmi_apic_init();
	vmi_smp_init();
}
