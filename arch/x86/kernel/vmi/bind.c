// SPDX-License-Identifier: GPL-2.0
/*
 * Binding the ROM's calls into pv_ops.
 *
 * Owns the relocation table and the binding engine. Every call number is
 * queried once through VMI_GetRelocationInfo and checked before anything
 * is bound: a target outside the ROM (and below virtual_top) refuses the
 * whole ROM, an answer the ABI calls invalid for that call leaves the call
 * native.
 *
 * Binding then walks the tables of the concern files (cpu.c, mmu.c,
 * lazy.c, apic.c, smp.c, time.c), declared with vmi.h's binding macros,
 * and is the only code that binds a slot or counts it: per slot, CALL_REL
 * points the slot (or its wrapper) at the ROM, NOP installs paravirt_nop
 * where the slot returns nothing, NONE leaves the native op, a vmi=
 * option keeps a whole group native. The APIC, SMP and timer
 * tables bind hook variables, all of a table or none, and their groups
 * hand them to the kernel from vmi_*_init(). IRET and SYSEXIT take every
 * form the ABI allows: JUMP_REL puts the ROM address in the slot, CALL_REL
 * a stub of exit.S whose "call rel32" is pointed at the ROM, NOP and NONE
 * keep the native instruction. Because it all happens at the top of
 * setup_arch(), the alternatives pass that runs later turns every patched
 * call site into a direct call to whatever the slot holds (NOPs for
 * paravirt_nop), and the exit paths into direct jumps.
 *
 * X86_FEATURE_PV_XXL is set when at least one PARAVIRT_XXL slot reaches
 * the ROM: without it the XXL sites are patched back to native code.
 */
#define pr_fmt(fmt) "vmi: " fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/string.h>
#include <asm/cpufeature.h>
#include <asm/paravirt.h>
#include <asm/text-patching.h>

#include "vmi.h"

/* VMI_GetRelocationInfo returns struct vmi_relocation_info in EDX:EAX. */
static struct vmi_relocation_info __init vmi_get_reloc(u32 call)
{
	vmi_GetRelocationInfo_fn *get_reloc;
	struct vmi_relocation_info rel;
	u64 raw;

	get_reloc = (void *)(vmi_rom.image + VMI_ROM_GET_RELOC_OFFSET);
	raw = get_reloc(call);

	rel.eip = lower_32_bits(raw);
	rel.type = upper_32_bits(raw) & 0xff;
	rel.reserved[0] = 0;
	rel.reserved[1] = 0;
	rel.reserved[2] = 0;
	return rel;
}

/*
 * What the ABI lets a guest do with each answer: a target outside the
 * image is refused (memory safety), unless it lies in the hypervisor's
 * own area above virtual_top; an unknown type, or JUMP_REL for a call that
 * returns, leaves that one call native with the 2.6 guest's warning.
 */
int __init vmi_query_relocations(void)
{
	u32 base = (u32)(unsigned long)vmi_rom.image;
	u32 top = vmi_rom.info.virtual_top;
	unsigned int call;

	for (call = 0; call < VMI_CALL_COUNT; call++) {
		struct vmi_relocation_info rel = vmi_get_reloc(call);
		enum vmi_reloc_verdict verdict;

		verdict = vmi_reloc_check(call, rel.type, rel.eip, base,
					  vmi_rom.info.size);
		if (verdict == VMI_RELOC_OUTSIDE && top && rel.eip >= top)
			verdict = VMI_RELOC_OK;
		if (verdict == VMI_RELOC_UNKNOWN_TYPE ||
		    verdict == VMI_RELOC_JUMP_NOT_ALLOWED) {
			pr_warn("Unknown relocation type %u for %s (%s): kept native\n",
				rel.type, vmi_call_name(call),
				vmi_reloc_verdict_str(verdict));
			rel.type = VMI_RELOCATION_NONE;
			rel.eip = 0;
		} else if (verdict != VMI_RELOC_OK) {
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

/* In binding order: a table's usable() may ask about an earlier one. */
static const struct vmi_binding_table *const vmi_tables[] = {
	&vmi_cpu_table,
	&vmi_mmu_table,
	&vmi_lazy_table,
#ifdef CONFIG_X86_LOCAL_APIC
	&vmi_apic_table,
#endif
#ifdef CONFIG_SMP
	&vmi_smp_table,
#endif
	&vmi_clock_table,
#ifdef CONFIG_X86_LOCAL_APIC
	&vmi_alarm_table,
#endif
};

#define VMI_MAX_BINDINGS	64
static u8 vmi_outcomes[ARRAY_SIZE(vmi_tables)][VMI_MAX_BINDINGS] __ro_after_init;

const struct vmi_binding_table *vmi_binding_table(unsigned int i)
{
	return i < ARRAY_SIZE(vmi_tables) ? vmi_tables[i] : NULL;
}

enum vmi_bind_outcome vmi_binding_outcome(unsigned int table, unsigned int i)
{
	return vmi_outcomes[table][i];
}

/* Aim the "call rel32" at @stub (exit.S) at the ROM's @target. */
static void __init vmi_point_call_stub(void *stub, void *target)
{
	u8 insn[5];
	s32 rel = (s32)((unsigned long)target - ((unsigned long)stub + 5));

	insn[0] = 0xe8;
	memcpy(insn + 1, &rel, sizeof(rel));
	text_poke_early(stub, insn, sizeof(insn));
}

static enum vmi_bind_outcome __init vmi_bind_one(const struct vmi_binding *b)
{
	const struct vmi_relocation_info *rel = &vmi_rom.reloc[b->call];
	void *target = (void *)(unsigned long)rel->eip;

	if (vmi_options & b->skip_opts)
		return VMI_BOUND_OPTION;
	if (b->needs_pxe &&
	    vmi_rom.reloc[IS_ENABLED(CONFIG_X86_PAE) ? VMI_CALL_SetPxELong :
			  VMI_CALL_SetPxE].type != VMI_RELOCATION_CALL_REL)
		return VMI_BOUND_NATIVE;

	if (b->kind == VMI_BIND_HOOK) {
		if (rel->type != VMI_RELOCATION_CALL_REL)
			return VMI_BOUND_NATIVE;
		*b->slot = target;
		return VMI_BOUND_ROM;
	}

	if (b->kind == VMI_BIND_EXIT) {
		switch (rel->type) {
		case VMI_RELOCATION_JUMP_REL:
			*b->slot = target;
			return VMI_BOUND_ROM;
		case VMI_RELOCATION_CALL_REL:
			vmi_point_call_stub(b->wrapper, target);
			*b->slot = b->wrapper;
			return VMI_BOUND_ROM;
		default:	/* NONE, or NOP: the native instruction */
			return VMI_BOUND_NATIVE;
		}
	}

	switch (rel->type) {
	case VMI_RELOCATION_CALL_REL:
		*b->slot = b->kind == VMI_BIND_WRAPPER ? b->wrapper : target;
		return VMI_BOUND_ROM;
	case VMI_RELOCATION_NOP:
		if (b->kind == VMI_BIND_DIRECT && b->nop_ok) {
			*b->slot = paravirt_nop;
			return VMI_BOUND_NOP;
		}
		return VMI_BOUND_NATIVE;
	default:
		return VMI_BOUND_NATIVE;
	}
}

static unsigned int vmi_table_index(const struct vmi_binding_table *table)
{
	unsigned int t;

	for (t = 0; t < ARRAY_SIZE(vmi_tables); t++)
		if (vmi_tables[t] == table)
			return t;
	WARN_ON_ONCE(1);
	return 0;
}

/* Whether every entry of @table that is not optional reaches the ROM. */
bool vmi_table_bound(const struct vmi_binding_table *table)
{
	unsigned int t = vmi_table_index(table), i;

	for (i = 0; i < table->count; i++)
		if (!table->bindings[i].optional &&
		    vmi_outcomes[t][i] != VMI_BOUND_ROM)
			return false;
	return table->count;
}

/*
 * Leave a table of hooks native after all (its group found at init that
 * it cannot use them): its variables go back to NULL and it counts no
 * more.
 */
void __init vmi_unbind_table(const struct vmi_binding_table *table)
{
	unsigned int t = vmi_table_index(table), i;

	for (i = 0; i < table->count; i++) {
		const struct vmi_binding *b = &table->bindings[i];

		if (WARN_ON_ONCE(b->kind != VMI_BIND_HOOK))
			return;
		if (vmi_outcomes[t][i] == VMI_BOUND_ROM) {
			*b->slot = NULL;
			vmi_rom.bound--;
			vmi_outcomes[t][i] = VMI_BOUND_NATIVE;
		}
	}
}

/* Bind one table; returns whether a PARAVIRT_XXL slot reaches the ROM. */
static bool __init vmi_bind_table(unsigned int t)
{
	const struct vmi_binding_table *table = vmi_tables[t];
	bool usable = !table->usable || table->usable();
	bool xxl = false;
	unsigned int i;

	WARN_ON(table->count > VMI_MAX_BINDINGS);
	for (i = 0; i < table->count && i < VMI_MAX_BINDINGS; i++) {
		const struct vmi_binding *b = &table->bindings[i];
		enum vmi_bind_outcome o;

		if (usable)
			o = vmi_bind_one(b);
		else
			o = vmi_options & b->skip_opts ? VMI_BOUND_OPTION :
							 VMI_BOUND_NATIVE;
		vmi_outcomes[t][i] = o;
		if (o == VMI_BOUND_ROM || o == VMI_BOUND_NOP) {
			vmi_rom.bound++;
			xxl |= !b->not_xxl;
		}
	}
	if (table->count && table->bindings[0].kind == VMI_BIND_HOOK &&
	    !vmi_table_bound(table))
		vmi_unbind_table(table);
	return xxl;
}

void __init vmi_bind(void)
{
	bool xxl = false;
	unsigned int t, call;

	for (call = 0; call < VMI_CALL_COUNT; call++)
		if (vmi_rom.reloc[call].type == VMI_RELOCATION_CALL_REL)
			vmi_call_target[call] = vmi_rom.reloc[call].eip;

	BUILD_BUG_ON(ARRAY_SIZE(vmi_outcomes[0]) < VMI_MAX_BINDINGS);
	for (t = 0; t < ARRAY_SIZE(vmi_tables); t++)
		xxl |= vmi_bind_table(t);

	if (xxl) {
		setup_force_cpu_cap(X86_FEATURE_PV_XXL);
		/*
		 * At CPL 0 the ROM's IRET is a real iret on our own GDT: the
		 * ESPFIX sequence for 16-bit stacks is still needed, which the
		 * kernel assumes otherwise once a backend owns IRET. At CPL 1
		 * it cannot run (it loads SS with RPL 0) and the ROM's monitor
		 * makes the return from ring 0 itself.
		 */
		if (pv_ops.cpu.iret != native_iret && !vmi_kernel_rpl)
			setup_force_cpu_bug(X86_BUG_ESPFIX);
	}
}
