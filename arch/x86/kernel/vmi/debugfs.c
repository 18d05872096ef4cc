// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/vmi: what the VMI backend decided and what the ROM did.
 *
 *   status    "active", or "native: <why>" (no ROM, refused, vmi=off)
 *   identity  the accepted ROM: strings, versions, address, relocations;
 *             where kmap_local's ptes lie (below virtual_top, so it moves
 *             with the ROM; over two page tables, boot copies them)
 *   calls     one line per call: number, name, relocation, target, count
 *   bindings  one line per pv_ops slot: group, slot, call, what it got
 *   lazy      the lazy-mode queue's statistics (lazy.c)
 *   audit     an AUDIT=1 ROM's shadow-audit report (absent otherwise)
 *   audit_selftest  (CONFIG_VMI_DEBUG, AUDIT=1 ROM) reading it changes a
 *             kernel pte without telling the ROM and checks that the
 *             audit counts it, and that a notified change is not counted
 *
 * Counts are read from the ROM's own state block (see abi.h, project
 * extension); they are the ROM's word, not the kernel's, and are shown as
 * "-" when the ROM does not publish them. The files exist on native boots
 * too, so tests can check why the kernel is native.
 */
#define pr_fmt(fmt) "vmi: " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/seq_file.h>
#include <linux/vmalloc.h>
#include <asm/fixmap.h>
#include <asm/tlbflush.h>

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
	seq_printf(m, "ops_bound: %u\ncounters: %s\nkernel_cpl: %u\n",
		   vmi_rom.bound, vmi_rom.state ? "yes" : "no", vmi_kernel_rpl);
#ifdef CONFIG_HIGHMEM
	seq_printf(m, "kmap_local: %#lx-%#lx, %lu page table(s)\n",
		   __fix_to_virt(FIX_KMAP_END),
		   __fix_to_virt(FIX_KMAP_BEGIN) + PAGE_SIZE,
		   (__fix_to_virt(FIX_KMAP_BEGIN) >> PMD_SHIFT) -
		   (__fix_to_virt(FIX_KMAP_END) >> PMD_SHIFT) + 1);
#endif
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

/* Every real entry into the ROM's ring-0 monitor. */
static u64 vmi_monitor_crossings(const struct vmi_monitor_report *r)
{
	return READ_ONCE(r->gate_calls) + READ_ONCE(r->reflections) +
	       READ_ONCE(r->xfers) + READ_ONCE(r->sysenters);
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
	if (vmi_rom.monitor)
		seq_printf(m, " - %-20s %-4s %10s %llu\n", "crossings", "-", "-",
			   vmi_monitor_crossings(vmi_rom.monitor));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(calls);

static int monitor_show(struct seq_file *m, void *unused)
{
	const struct vmi_monitor_report *r = vmi_rom.monitor;
	unsigned int i, n = min_t(u32, READ_ONCE(r->escape_sites),
				  VMI_MONITOR_ESCAPE_LOG);

	seq_printf(m, "cpus: %u\ngate_calls: %llu\nreflections: %llu\n",
		   r->cpus, r->gate_calls, r->reflections);
	seq_printf(m, "xfers: %llu\nsysenters: %llu\ncrossings: %llu\n",
		   r->xfers, r->sysenters, vmi_monitor_crossings(r));
	seq_printf(m, "user_io: %u\nmsr_faults: %u\nlost_nmis: %u\nescapes: %u\n",
		   r->user_io, r->msr_faults, r->lost_nmis, r->escapes);
	for (i = 0; i < n; i++) {
		const struct vmi_monitor_escape *e = &r->log[i];

		seq_printf(m, "escape %u: %pS (%#x, bytes %08x) x%u %s\n", i,
			   (void *)(unsigned long)e->eip, e->eip, e->bytes,
			   e->count, e->action == VMI_MONITOR_EMULATED ?
			   "emulated" : "refused");
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(monitor);

static const char *const vmi_audit_kind_names[VMI_AUDIT_KINDS] = {
	[VMI_AUDIT_DIVERGENCE]		= "divergences",
	[VMI_AUDIT_UNANNOUNCED]		= "unannounced_updates",
	[VMI_AUDIT_UNANNOUNCED_IN_USE]	= "unannounced_in_use",
	[VMI_AUDIT_WRONG_TYPE]		= "wrong_type",
	[VMI_AUDIT_ZEROED_WRONG]	= "wrong_zeroed_or_clone",
	[VMI_AUDIT_RELEASE_REFERENCED]	= "released_while_referenced",
};

static int audit_show(struct seq_file *m, void *unused)
{
	const struct vmi_rom_audit_report *r = vmi_rom.audit;
	unsigned int i, n = min_t(u32, READ_ONCE(r->records),
				  VMI_AUDIT_RECORDS);

	seq_printf(m, "active: %u\nstore: %#x %u\n", r->active, r->store_phys,
		   r->store_size);
	for (i = 0; i < VMI_AUDIT_KINDS; i++)
		seq_printf(m, "%s: %u\n", vmi_audit_kind_names[i], r->found[i]);
	seq_printf(m, "checks: %u\npages_compared: %u\npages_shadowed: %u\npages_max: %u\n",
		   r->checks, r->pages_compared, r->pages_shadowed,
		   r->pages_max);
	seq_printf(m, "store_full: %u\npending_overflow: %u\nsuspects: %u\nunreachable: %u\n",
		   r->store_full, r->pending_overflow, r->suspects,
		   r->unreachable);
	for (i = 0; i < n; i++) {
		const struct vmi_audit_record *rec = &r->record[i];

		seq_printf(m, "record %u: %s pfn %#x entry %u at %u: believed %#llx memory %#llx\n",
			   i, rec->kind < VMI_AUDIT_KINDS ?
			   vmi_audit_kind_names[rec->kind] : "?", rec->pfn,
			   rec->index, rec->where, rec->believed, rec->memory);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(audit);

#ifdef CONFIG_VMI_DEBUG
/* Change @ptep (notified or not), let the audit check it twice, 250 ms apart. */
static u32 vmi_audit_divergences_after(pte_t *ptep, pte_t pte, bool notify,
				       unsigned long va)
{
	if (notify)
		set_pte(ptep, pte);
	else
		native_set_pte(ptep, pte);
	flush_tlb_kernel_range(va, va + PAGE_SIZE);
	msleep(250);
	flush_tlb_kernel_range(va, va + PAGE_SIZE);
	return READ_ONCE(vmi_rom.audit->found[VMI_AUDIT_DIVERGENCE]);
}

static int audit_selftest_show(struct seq_file *m, void *unused)
{
	void *page = vmalloc(PAGE_SIZE);
	u32 before, notified, dropped;
	unsigned int level;
	pte_t *ptep, old;

	ptep = page ? lookup_address((unsigned long)page, &level) : NULL;
	if (!ptep || level != PG_LEVEL_4K) {
		vfree(page);
		seq_puts(m, "setup: fail\n");
		return 0;
	}
	old = *ptep;
	before = READ_ONCE(vmi_rom.audit->found[VMI_AUDIT_DIVERGENCE]);
	notified = vmi_audit_divergences_after(ptep, pte_wrprotect(old), true,
					       (unsigned long)page);
	set_pte(ptep, old);
	dropped = vmi_audit_divergences_after(ptep, pte_wrprotect(old), false,
					      (unsigned long)page);
	set_pte(ptep, old);		/* and now the ROM is told */
	flush_tlb_kernel_range((unsigned long)page,
			       (unsigned long)page + PAGE_SIZE);
	vfree(page);
	seq_printf(m, "notified-change-not-counted: %s (%u -> %u)\n",
		   notified == before ? "pass" : "fail", before, notified);
	seq_printf(m, "dropped-notification-counted: %s (%u -> %u)\n",
		   dropped > notified ? "pass" : "fail", notified, dropped);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(audit_selftest);
#endif

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

			seq_printf(m, "%-5s %-32s %-20s %s\n", table->name,
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
		vmi_time_debugfs(dir);
		if (vmi_rom.monitor)
			debugfs_create_file("monitor", 0444, dir, NULL,
					    &monitor_fops);
		if (vmi_rom.audit) {
			debugfs_create_file("audit", 0444, dir, NULL,
					    &audit_fops);
#ifdef CONFIG_VMI_DEBUG
			debugfs_create_file("audit_selftest", 0400, dir, NULL,
					    &audit_selftest_fops);
#endif
		}
	}
	return 0;
}
late_initcall(vmi_debugfs_init);
