// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/vmi: what the VMI backend decided and what the ROM did.
 *
 *   status    "active", or "native: <why>" (no ROM, refused, vmi=off)
 *   identity  the accepted ROM: strings, versions, address, relocations
 *   calls     one line per call: number, name, relocation, target, count
 *   bindings  one line per pv_ops slot: group, slot, call, what it got
 *   lazy      the lazy-mode queue's statistics (lazy.c)
 *
 * Counts are read from the ROM's own state block (see abi.h, project
 * extension); they are the ROM's word, not the kernel's, and are shown as
 * "-" when the ROM does not publish them. The files exist on native boots
 * too, so tests can check why the kernel is native.
 */
#define pr_fmt(fmt) "vmi: " fmt

#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/seq_file.h>

#include "vmi.h"

static const char *const vmi_reloc_names[] = {
	[VMI_RELOCATION_NONE]		= "none",
	[VMI_RELOCATION_CALL_REL]	= "call",
	[VMI_RELOCATION_JUMP_REL]	= "jump",
	[VMI_RELOCATION_NOP]		= "nop",
};

static u64 vmi_counter(unsigned int slot)
{
	return READ_ONCE(vmi_rom.state->counters[slot]);
}

static int status_show(struct seq_file *m, void *unused)
{
	if (vmi_active)
		seq_puts(m, "active\n");
	else
		seq_printf(m, "native: %s\n", vmi_native_reason);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(status);

static int identity_show(struct seq_file *m, void *unused)
{
	const struct vmi_rom_info *info = &vmi_rom.info;
	const unsigned int *n = vmi_rom.relocs_by_type;

	seq_printf(m, "manufacturer: %s\nproduct: %s\n", info->manufacturer,
		   info->product);
	seq_printf(m, "api_version: %u.%u\nrom_version: %u.%u\n",
		   info->api_major, info->api_minor, info->rom_major,
		   info->rom_minor);
	seq_printf(m, "address: %#lx\nsize: %u\nvirtual_top: %#x\n",
		   vmi_rom.phys, info->size, info->virtual_top);
	seq_printf(m, "relocations: %u call, %u jump, %u nop, %u none\n",
		   n[VMI_RELOCATION_CALL_REL], n[VMI_RELOCATION_JUMP_REL],
		   n[VMI_RELOCATION_NOP], n[VMI_RELOCATION_NONE]);
	seq_printf(m, "ops_bound: %u\ncounters: %s\n", vmi_rom.bound,
		   vmi_rom.state ? "yes" : "no");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(identity);

static void calls_show_one(struct seq_file *m, const char *name, int nr,
			   const struct vmi_relocation_info *rel,
			   unsigned int slot)
{
	if (nr >= 0)
		seq_printf(m, "%2d %-20s", nr, name);
	else
		seq_printf(m, " - %-20s", name);
	if (rel)
		seq_printf(m, " %-4s %#010x", vmi_reloc_names[rel->type],
			   rel->eip);
	else
		seq_printf(m, " %-4s %10s", "-", "-");
	if (vmi_rom.state)
		seq_printf(m, " %llu\n", vmi_counter(slot));
	else
		seq_puts(m, " -\n");
}

static int calls_show(struct seq_file *m, void *unused)
{
	unsigned int call;

	for (call = 0; call < VMI_CALL_COUNT; call++)
		calls_show_one(m, vmi_call_name(call), call,
			       &vmi_rom.reloc[call], call);
	calls_show_one(m, "Init", -1, NULL, VMI_COUNTER_INIT);
	calls_show_one(m, "GetRelocationInfo", -1, NULL,
		       VMI_COUNTER_GET_RELOC);
	calls_show_one(m, "transitions", -1, NULL, VMI_COUNTER_TRANSITIONS);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(calls);

static const char *const vmi_outcome_names[] = {
	[VMI_BOUND_NATIVE]	= "native",
	[VMI_BOUND_ROM]		= "rom",
	[VMI_BOUND_NOP]		= "nop",
	[VMI_BOUND_OPTION]	= "native-option",
	[VMI_BOUND_REFUSED]	= "native-refused",
};

static int bindings_show(struct seq_file *m, void *unused)
{
	const struct vmi_binding_table *table;
	unsigned int t, i;

	for (t = 0; (table = vmi_binding_table(t)); t++) {
		for (i = 0; i < table->count; i++) {
			const struct vmi_binding *b = &table->bindings[i];

			seq_printf(m, "%-4s %-24s %-20s %s\n", table->name,
				   b->slot_name, vmi_call_name(b->call),
				   vmi_outcome_names[vmi_binding_outcome(t, i)]);
		}
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bindings);

static int __init vmi_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("vmi", NULL);

	debugfs_create_file("status", 0444, dir, NULL, &status_fops);
	if (vmi_active) {
		debugfs_create_file("identity", 0444, dir, NULL,
				    &identity_fops);
		debugfs_create_file("calls", 0444, dir, NULL, &calls_fops);
		debugfs_create_file("bindings", 0444, dir, NULL,
				    &bindings_fops);
		vmi_lazy_debugfs(dir);
	}
	return 0;
}
late_initcall(vmi_debugfs_init);
