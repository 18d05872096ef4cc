// SPDX-License-Identifier: GPL-2.0
/*
 * The lazy modes: lazy MMU mode and the lazy CPU mode of a context switch
 * as the ROM is told of them, and the guest's batch of page-table updates
 * (vmi=batch).
 *
 * By default an update made in lazy MMU mode goes to the ROM at once with
 * VMI_PAGE_DEFER (mmu.c), and the ROM holds it until its next flush point:
 * leaving lazy MMU mode, InvalPage, FlushTLB, SetCR3. That is VMware's
 * design (the 2.6 guest kept no queue of its own); it costs one ROM call
 * per update and no guest bookkeeping. vmi=batch instead keeps the
 * updates in a per-CPU batch, as Xen's multicalls do, and issues it at
 * the flush points; it coalesces repeated updates of one entry but costs
 * more instructions per update than it saves (testing.rst, make bench).
 *
 * Vocabulary as in Xen's multicalls: a *batch* is this CPU's queue, an
 * *entry* is one queued update, *issue* sends every entry to the ROM in
 * order, and a *flush* is an issue for a reason (leaving lazy mode, a full
 * batch, a CR3 load or TLB flush, a shootdown of other CPUs' TLBs, a
 * read-back through a hook, a context switch, any other MMU call that
 * must not overtake the batch).
 *
 * What is queued: SetPxE(Long) and UpdatePxE(Long) made in lazy MMU mode,
 * and single-page invalidations. An update of an entry already in the
 * batch replaces it (the kernel never reads an entry back inside a lazy
 * section without a hook); more than VMI_LAZY_INVLPG_MAX invalidations
 * become one FlushTLB when the ROM offers FlushTLB (else the batch is
 * issued when full). Issued updates carry VMI_PAGE_DEFER: the ROM may
 * keep them pending until its next flush point (InvalPage, FlushTLB,
 * SetCR3, leaving lazy MMU mode). An explicit flush (kmap_local, which
 * uses the address next) issues the batch and, if the ROM may still hold
 * deferred updates, leaves and re-enters lazy MMU mode in the ROM: the
 * "set NONE, then the previous mode" of 2.6.21's PARAVIRT_LAZY_FLUSH.
 *
 * Rules:
 *  - The batch is per CPU and only touched with preemption off, under a
 *    per-CPU busy mark instead of with interrupts off: the interrupt-flag
 *    calls are ROM calls too, and three of them per queued update would
 *    cost more than the batching saves.
 *  - Nothing is queued in interrupt context (the lazy mode reads as NONE
 *    there). Every MMU call that is not queued flushes the batch first,
 *    except in an interrupt that arrived while the batch was busy: it
 *    leaves the batch to the code it interrupted. Interrupt handlers do
 *    not depend on the interrupted task's pending updates (they are not
 *    visible to that task either until its lazy section ends).
 *  - A context switch leaves lazy MMU mode (paravirt-lazy.c), which
 *    flushes; the outgoing task re-enters it when it runs again, on
 *    whatever CPU. So preemption inside a lazy section is safe.
 *  - Lazy MMU mode nests; SetLazyMode goes to the ROM on the outermost
 *    enter and leave only, as paravirt-lazy.c reports them (it knows the
 *    depth in interrupt context too, where the mode reads as NONE). A
 *    task preempted inside a nested section keeps its depth.
 *  - vmi=nolazy leaves all of this unbound: one ROM call per update.
 *  - Without vmi=batch the batch is never touched (the vmi_lazy_batching
 *    static key keeps every path to it a NOP); explicit flushes and
 *    shootdowns still make the ROM apply what it deferred.
 *
 * The statistics (debugfs vmi/lazy: updates deferred by the ROM; with
 * vmi=batch queued, coalesced, flushes by reason, batch sizes) are counted
 * with vmi=stats only, behind the vmi_stats static key: a NOP on every
 * path otherwise.
 *
 * The verification mode (vmi=verify, CONFIG_VMI_DEBUG) re-reads every
 * entry after an issue and counts the ones memory does not hold; it sits
 * behind a static key, so it costs a NOP when off. CONFIG_VMI_DEBUG also
 * adds debugfs vmi/lazy_selftest: reading it runs the mode-protocol
 * checks (a nested section that sleeps, a nested section in a
 * bh-disabled region, an explicit flush) and prints one line per check.
 */
#define pr_fmt(fmt) "vmi: " fmt

#include <linux/bottom_half.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/jump_label.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/seq_file.h>
#include <linux/vmalloc.h>
#include <asm/paravirt.h>
#include <asm/tlbflush.h>

#include "vmi.h"

#define VMI_LAZY_BATCH_SIZE	64
#define VMI_LAZY_INVLPG_MAX	16
#define VMI_LAZY_HIST_BUCKETS	7	/* 1, 2-3, 4-7, ..., 64 */

/* Flags bits that the hardware may set behind our back. */
#ifdef CONFIG_X86_PAE
#define VMI_PTE_HW_BITS	((u64)(_PAGE_ACCESSED | _PAGE_DIRTY))
#else
#define VMI_PTE_HW_BITS	((u32)(_PAGE_ACCESSED | _PAGE_DIRTY))
#endif

struct vmi_lazy_entry {
	enum vmi_mmu_op op;
	u32 flags;
	void *ptr;		/* the entry, or the address to invalidate */
	u64 val;
};

struct vmi_lazy_batch {
	unsigned int count;
	bool busy;			/* being changed or issued */
	/*
	 * Range of the queued entries; empty after an issue. It starts as
	 * [0, 0] (zeroed per-CPU data), which only makes the first batch's
	 * read-backs scan.
	 */
	unsigned long lowest, highest;
	unsigned int invlpg;		/* INVLPG entries queued */
	bool flush_all;			/* they were collapsed ... */
	bool flush_global;		/* ... and one covered a kernel page */
	struct vmi_lazy_entry entry[VMI_LAZY_BATCH_SIZE];
};

/* The statistics counted with vmi=stats: one u64 per CPU each. */
enum vmi_lazy_stat {
	VMI_LAZY_DEFERRED,		/* sent to the ROM with DEFER */
	VMI_LAZY_QUEUED,
	VMI_LAZY_COALESCED,
	VMI_LAZY_INVLPG_COLLAPSED,
	VMI_LAZY_ISSUED,
	VMI_LAZY_FLUSHED,			/* + enum vmi_flush_reason */
	VMI_LAZY_BATCH = VMI_LAZY_FLUSHED + VMI_FLUSH_REASONS, /* + log2(size) */
	VMI_LAZY_STAT_COUNT = VMI_LAZY_BATCH + VMI_LAZY_HIST_BUCKETS,
};

struct vmi_lazy_stats {
	u64 count[VMI_LAZY_STAT_COUNT];
	u64 verified;			/* vmi=verify, with or without stats */
	u64 mismatches;
};

static DEFINE_PER_CPU(struct vmi_lazy_batch, vmi_lazy_batch);
static DEFINE_PER_CPU(struct vmi_lazy_stats, vmi_lazy_stats);
static bool vmi_lazy_enabled __ro_after_init;
DEFINE_STATIC_KEY_FALSE(vmi_lazy_batching);
static bool vmi_lazy_flush_all_ok __ro_after_init;	/* FlushTLB is bound */
static DEFINE_STATIC_KEY_FALSE(vmi_lazy_verify);

/* Count @n in @stat with vmi=stats; a NOP otherwise. Preemption is off. */
static __always_inline void vmi_lazy_count(enum vmi_lazy_stat stat,
					   unsigned int n)
{
	if (vmi_stats_on())
		raw_cpu_ptr(&vmi_lazy_stats)->count[stat] += n;
}

static const char *const vmi_flush_reason_names[VMI_FLUSH_REASONS] = {
	[VMI_FLUSH_LEAVE]	= "leave",
	[VMI_FLUSH_FULL]	= "full",
	[VMI_FLUSH_EXPLICIT]	= "explicit",
	[VMI_FLUSH_TLB_OP]	= "cr3-or-tlb",
	[VMI_FLUSH_READBACK]	= "readback",
	[VMI_FLUSH_MMU_CALL]	= "other-mmu-call",
	[VMI_FLUSH_SWITCH]	= "context-switch",
};

static void vmi_lazy_verify_batch(struct vmi_lazy_batch *b,
				  struct vmi_lazy_stats *st)
{
	unsigned int i;

	for (i = 0; i < b->count; i++) {
		const struct vmi_lazy_entry *e = &b->entry[i];
		u64 now;

		if (e->op != VMI_MMU_SET)
			continue;
#ifdef CONFIG_X86_PAE
		now = READ_ONCE(*(u64 *)e->ptr);
#else
		now = READ_ONCE(*(u32 *)e->ptr);
#endif
		st->verified++;
		if ((now ^ e->val) & ~VMI_PTE_HW_BITS)
			st->mismatches++;
	}
}

/* Send the batch to the ROM, in order. The caller has marked it busy. */
static void vmi_lazy_issue(enum vmi_flush_reason why)
{
	struct vmi_lazy_batch *b = this_cpu_ptr(&vmi_lazy_batch);
	unsigned int i;

	if (!b->count)
		return;
	for (i = 0; i < b->count; i++) {
		const struct vmi_lazy_entry *e = &b->entry[i];

		if (e->op == VMI_MMU_INVLPG) {
			if (!b->flush_all)
				vmi_rom_invlpg((unsigned long)e->ptr);
			continue;
		}
		vmi_rom_mmu_update(e->op, e->ptr, e->val,
				   e->flags | VMI_PAGE_DEFER);
	}
	if (b->flush_all)
		vmi_rom_flush_tlb(b->flush_global);
	if (static_branch_unlikely(&vmi_lazy_verify))
		vmi_lazy_verify_batch(b, this_cpu_ptr(&vmi_lazy_stats));

	vmi_lazy_count(VMI_LAZY_ISSUED, b->count);
	vmi_lazy_count(VMI_LAZY_FLUSHED + why, 1);
	vmi_lazy_count(VMI_LAZY_BATCH + min_t(unsigned int, ilog2(b->count),
					      VMI_LAZY_HIST_BUCKETS - 1), 1);
	b->count = 0;
	b->invlpg = 0;
	b->flush_all = false;
	b->flush_global = false;
	b->lowest = ULONG_MAX;
	b->highest = 0;
}

/*
 * Take this CPU's batch, preemption off. Fails only in an interrupt that
 * arrived while the interrupted code held the batch.
 */
static struct vmi_lazy_batch *vmi_lazy_get(void)
{
	struct vmi_lazy_batch *b;

	preempt_disable();
	b = this_cpu_ptr(&vmi_lazy_batch);
	if (b->busy) {
		preempt_enable();
		return NULL;
	}
	b->busy = true;
	barrier();
	return b;
}

static void vmi_lazy_put(struct vmi_lazy_batch *b)
{
	barrier();
	b->busy = false;
	preempt_enable();
}

/**
 * __vmi_lazy_flush - issue this CPU's batch before an MMU call that must
 * not overtake it (vmi=batch; vmi_lazy_flush() tests the mode)
 * @why: the reason, for the statistics
 */
void __vmi_lazy_flush(enum vmi_flush_reason why)
{
	struct vmi_lazy_batch *b;

	if (!this_cpu_read(vmi_lazy_batch.count))
		return;
	b = vmi_lazy_get();
	if (!b)
		return;
	vmi_lazy_issue(why);
	vmi_lazy_put(b);
}

static bool vmi_lazy_active(void)
{
	return vmi_lazy_enabled &&
	       paravirt_get_lazy_mode() == PARAVIRT_LAZY_MMU;
}

/**
 * vmi_lazy_queue - queue one MMU operation if this CPU is in lazy MMU mode
 * @op: what to do
 * @ptr: the page-table entry, or for VMI_MMU_INVLPG the linear address
 * @val: the new entry (VMI_MMU_SET)
 * @flags: the VMI_PAGE_* flags of the update
 *
 * With vmi=batch only. Returns false when the caller must issue the
 * operation itself (after __vmi_lazy_flush()).
 */
bool vmi_lazy_queue(enum vmi_mmu_op op, void *ptr, u64 val, u32 flags)
{
	struct vmi_lazy_batch *b;

	if (!vmi_lazy_active())
		return false;
	b = vmi_lazy_get();
	if (!b)
		return false;
	vmi_lazy_count(VMI_LAZY_QUEUED, 1);

	if (op == VMI_MMU_INVLPG) {
		b->flush_global |= (unsigned long)ptr >= TASK_SIZE_MAX;
		if (b->flush_all) {
			vmi_lazy_count(VMI_LAZY_INVLPG_COLLAPSED, 1);
			goto out;
		}
		if (++b->invlpg > VMI_LAZY_INVLPG_MAX && vmi_lazy_flush_all_ok) {
			/* One FlushTLB at the issue replaces them all. */
			b->flush_all = true;
			vmi_lazy_count(VMI_LAZY_INVLPG_COLLAPSED, b->invlpg);
			goto out;
		}
	} else if (b->count) {
		/*
		 * Repeated updates of one entry come back to back (mprotect's
		 * clear, then set): only the newest entry is compared.
		 */
		struct vmi_lazy_entry *e = &b->entry[b->count - 1];

		if (e->ptr == ptr && e->op != VMI_MMU_INVLPG) {
			if (op == VMI_MMU_SET) {
				/* The newest value wins. */
				e->op = VMI_MMU_SET;
				e->val = val;
				e->flags = flags;
				vmi_lazy_count(VMI_LAZY_COALESCED, 1);
				goto out;
			}
			if (e->op == VMI_MMU_UPDATE) {
				e->flags = flags;
				vmi_lazy_count(VMI_LAZY_COALESCED, 1);
				goto out;
			}
		}
	}

	if (b->count == VMI_LAZY_BATCH_SIZE)
		vmi_lazy_issue(VMI_FLUSH_FULL);
	if (op != VMI_MMU_INVLPG) {
		b->lowest = min_t(unsigned long, b->lowest, (unsigned long)ptr);
		b->highest = max_t(unsigned long, b->highest, (unsigned long)ptr);
	}
	b->entry[b->count++] = (struct vmi_lazy_entry) {
		.op = op, .ptr = ptr, .val = val, .flags = flags,
	};
out:
	vmi_lazy_put(b);
	return true;
}

/**
 * __vmi_lazy_readback - an entry is about to be read back through a hook
 * (vmi=batch; vmi_lazy_readback() tests the mode)
 * @ptr: the page-table entry
 *
 * Flushes the batch only if it holds @ptr, so a read-modify-write of one
 * entry (mprotect's modify_prot_start/commit) keeps the rest batched.
 */
void __vmi_lazy_readback(void *ptr)
{
	struct vmi_lazy_batch *b;
	unsigned int i;

	if (!this_cpu_read(vmi_lazy_batch.count))
		return;
	b = vmi_lazy_get();
	if (!b)
		return;
	/* Page-table walks go upwards: most reads are past the range. */
	if ((unsigned long)ptr >= b->lowest && (unsigned long)ptr <= b->highest) {
		for (i = 0; i < b->count; i++) {
			if (b->entry[i].ptr == ptr &&
			    b->entry[i].op != VMI_MMU_INVLPG) {
				vmi_lazy_issue(VMI_FLUSH_READBACK);
				break;
			}
		}
	}
	vmi_lazy_put(b);
}

/* vmi=stats: an update mmu.c sent to the ROM with DEFER. */
void vmi_lazy_count_deferred(void)
{
	preempt_disable();
	vmi_lazy_count(VMI_LAZY_DEFERRED, 1);
	preempt_enable();
}

static void vmi_enter_lazy_mmu(void)
{
	if (paravirt_enter_lazy_mmu())
		vmi_rom_set_lazy_mode(VMI_LAZY_MMU_UPDATES);
}

static void vmi_leave_lazy_mmu(void)
{
	vmi_lazy_flush(VMI_FLUSH_LEAVE);
	if (paravirt_leave_lazy_mmu())
		vmi_rom_set_lazy_mode(VMI_LAZY_MODE_OFF);
}

/*
 * Issue the batch and have the ROM apply what it deferred, staying in
 * lazy MMU mode: "set NONE, then the previous mode". The ROM can only
 * hold deferred updates in lazy MMU mode, which issues the batch in.
 */
static void vmi_lazy_apply(enum vmi_flush_reason why)
{
	vmi_lazy_flush(why);
	preempt_disable();
	if (this_cpu_read(vmi_rom_deferred)) {
		vmi_rom_set_lazy_mode(VMI_LAZY_MODE_OFF);
		vmi_rom_set_lazy_mode(VMI_LAZY_MMU_UPDATES);
	}
	preempt_enable();
}

/* The caller uses what it queued next: the ROM must have applied it. */
static void vmi_flush_lazy_mmu(void)
{
	vmi_lazy_apply(VMI_FLUSH_EXPLICIT);
}

/*
 * A shootdown makes other CPUs rely on this CPU's updates: the ROM must
 * have applied them before the IPI (the ABI's ordering rule; Xen puts the
 * flush into the same batch). Issuing the batch is not enough, as the
 * ROM may defer what it is given.
 */
static void vmi_flush_tlb_multi(const struct cpumask *cpus,
				const struct flush_tlb_info *info)
{
	vmi_lazy_apply(VMI_FLUSH_TLB_OP);
	native_flush_tlb_multi(cpus, info);
}

static void vmi_start_context_switch(struct task_struct *prev)
{
	vmi_lazy_flush(VMI_FLUSH_SWITCH);
	paravirt_start_context_switch(prev);
	vmi_rom_set_lazy_mode(VMI_LAZY_CPU_STATE);
}

static void vmi_end_context_switch(struct task_struct *next)
{
	vmi_rom_set_lazy_mode(VMI_LAZY_MODE_OFF);
	paravirt_end_context_switch(next);
}

/* The lazy MMU hooks: with vmi=nomm or vmi=nolazy they stay native. */
#define LAZY_MMU(slot_, fn_, ...)					\
	VMI_WRAP(slot_, SetLazyMode, fn_,				\
		 .skip_opts = VMI_OPT_NOMM | VMI_OPT_NOLAZY,		\
		 .needs_pxe = true, ##__VA_ARGS__)

static const struct vmi_binding vmi_lazy_bindings[] = {
	LAZY_MMU(mmu.lazy_mode.enter, vmi_enter_lazy_mmu),
	LAZY_MMU(mmu.lazy_mode.leave, vmi_leave_lazy_mmu),
	LAZY_MMU(mmu.lazy_mode.flush, vmi_flush_lazy_mmu),
	LAZY_MMU(mmu.flush_tlb_multi, vmi_flush_tlb_multi, .not_xxl = true),
	VMI_WRAP(cpu.start_context_switch, SetLazyMode,
		 vmi_start_context_switch, .skip_opts = VMI_OPT_NOLAZY),
	VMI_WRAP(cpu.end_context_switch, SetLazyMode,
		 vmi_end_context_switch, .skip_opts = VMI_OPT_NOLAZY),
};

const struct vmi_binding_table vmi_lazy_table = {
	.name = "lazy",
	.bindings = vmi_lazy_bindings,
	.count = ARRAY_SIZE(vmi_lazy_bindings),
};

/* After binding: the lazy modes are ours if the lazy MMU hooks are. */
void __init vmi_lazy_init(void)
{
	vmi_lazy_enabled = pv_ops.mmu.lazy_mode.enter == vmi_enter_lazy_mmu;
	vmi_lazy_flush_all_ok = vmi_rom_has(FlushTLB);
}

/*
 * Static keys can change once jump_label_init() has run. Until then no
 * update was batched, and the ROM applies what it deferred at its flush
 * points whichever mode follows.
 */
static int __init vmi_lazy_mode_init(void)
{
	bool batch = vmi_lazy_enabled && (vmi_options & VMI_OPT_BATCH);

	if (!vmi_lazy_enabled)
		return 0;
	if (batch)
		static_branch_enable(&vmi_lazy_batching);
	pr_info("lazy MMU updates %s\n", batch ? "batched in the guest (vmi=batch)" :
		"deferred by the ROM");
	if (!(vmi_options & VMI_OPT_VERIFY))
		return 0;
	if (IS_ENABLED(CONFIG_VMI_DEBUG) && batch)
		static_branch_enable(&vmi_lazy_verify);
	else
		pr_warn("vmi=verify needs CONFIG_VMI_DEBUG and vmi=batch; ignored\n");
	return 0;
}
early_initcall(vmi_lazy_mode_init);

static int vmi_lazy_show(struct seq_file *m, void *unused)
{
	struct vmi_lazy_stats sum = {};
	unsigned int cpu, i;

	for_each_possible_cpu(cpu) {
		const struct vmi_lazy_stats *st = per_cpu_ptr(&vmi_lazy_stats, cpu);

		for (i = 0; i < VMI_LAZY_STAT_COUNT; i++)
			sum.count[i] += st->count[i];
		sum.verified += st->verified;
		sum.mismatches += st->mismatches;
	}
	seq_printf(m, "enabled: %s\nmode: %s\nverify: %s\nstats: %s\n",
		   vmi_lazy_enabled ? "yes" : "no",
		   static_branch_unlikely(&vmi_lazy_batching) ? "batch" : "rom",
		   static_branch_unlikely(&vmi_lazy_verify) ? "on" : "off",
		   vmi_stats_on() ? "on" : "off (boot with vmi=stats)");
	seq_printf(m, "deferred: %llu\n", sum.count[VMI_LAZY_DEFERRED]);
	seq_printf(m, "queued: %llu\ncoalesced: %llu\ninvlpg_collapsed: %llu\nissued: %llu\n",
		   sum.count[VMI_LAZY_QUEUED], sum.count[VMI_LAZY_COALESCED],
		   sum.count[VMI_LAZY_INVLPG_COLLAPSED], sum.count[VMI_LAZY_ISSUED]);
	for (i = 0; i < VMI_FLUSH_REASONS; i++)
		seq_printf(m, "flush_%s: %llu\n", vmi_flush_reason_names[i],
			   sum.count[VMI_LAZY_FLUSHED + i]);
	for (i = 0; i < VMI_LAZY_HIST_BUCKETS; i++)
		seq_printf(m, "batch_%u: %llu\n", 1u << i,
			   sum.count[VMI_LAZY_BATCH + i]);
	seq_printf(m, "verified: %llu\nmismatches: %llu\n", sum.verified,
		   sum.mismatches);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmi_lazy);

#ifdef CONFIG_VMI_DEBUG
/* What the kernel and the ROM must both believe: @mode on this CPU. */
static bool vmi_lazy_both_in(enum paravirt_lazy_mode mode)
{
	bool ok;

	preempt_disable();
	ok = paravirt_get_lazy_mode() == mode &&
	     this_cpu_read(vmi_rom_lazy_mode) ==
	     (mode == PARAVIRT_LAZY_MMU ? VMI_LAZY_MMU_UPDATES :
					  VMI_LAZY_MODE_OFF);
	preempt_enable();
	return ok;
}

static void vmi_lazy_check(struct seq_file *m, const char *name, bool ok)
{
	seq_printf(m, "%s: %s\n", name, ok ? "pass" : "fail");
}

/* A nested section that sleeps keeps its depth across the switch. */
static void vmi_lazy_test_sleep(struct seq_file *m)
{
	bool in_after_sleep, in_after_inner, out_after_outer;

	arch_enter_lazy_mmu_mode();
	arch_enter_lazy_mmu_mode();
	msleep(20);
	in_after_sleep = vmi_lazy_both_in(PARAVIRT_LAZY_MMU);
	arch_leave_lazy_mmu_mode();
	in_after_inner = vmi_lazy_both_in(PARAVIRT_LAZY_MMU);
	arch_leave_lazy_mmu_mode();
	out_after_outer = vmi_lazy_both_in(PARAVIRT_LAZY_NONE);
	vmi_lazy_check(m, "nested-sleep-lazy-after-switch", in_after_sleep);
	vmi_lazy_check(m, "nested-sleep-lazy-after-inner-leave", in_after_inner);
	vmi_lazy_check(m, "nested-sleep-off-after-outer-leave", out_after_outer);
}

/* A nested section in a bh-disabled region leaves the ROM lazy. */
static void vmi_lazy_test_bh(struct seq_file *m)
{
	bool in_inside_bh, in_after_bh, out_after_outer;

	preempt_disable();
	arch_enter_lazy_mmu_mode();
	local_bh_disable();
	arch_enter_lazy_mmu_mode();
	arch_leave_lazy_mmu_mode();
	in_inside_bh = this_cpu_read(vmi_rom_lazy_mode) == VMI_LAZY_MMU_UPDATES;
	local_bh_enable();
	in_after_bh = vmi_lazy_both_in(PARAVIRT_LAZY_MMU);
	arch_leave_lazy_mmu_mode();
	out_after_outer = vmi_lazy_both_in(PARAVIRT_LAZY_NONE);
	preempt_enable();
	vmi_lazy_check(m, "bh-nested-rom-lazy-inside", in_inside_bh);
	vmi_lazy_check(m, "bh-nested-lazy-after", in_after_bh);
	vmi_lazy_check(m, "bh-nested-off-after-outer-leave", out_after_outer);
}

/* An update is pending: in the ROM, or with vmi=batch in the batch. */
static bool vmi_lazy_holds_update(void)
{
	return static_branch_unlikely(&vmi_lazy_batching) ?
	       this_cpu_read(vmi_lazy_batch.count) > 0 :
	       this_cpu_read(vmi_rom_deferred);
}

/* A vmalloc page and its pte, for the checks that queue an update. */
static pte_t *vmi_lazy_test_pte(void **page)
{
	unsigned int level;
	pte_t *ptep;

	*page = vmalloc(PAGE_SIZE);
	ptep = *page ? lookup_address((unsigned long)*page, &level) : NULL;
	if (ptep && level == PG_LEVEL_4K)
		return ptep;
	vfree(*page);
	return NULL;
}

/* After an explicit flush the ROM holds no deferred update. */
static void vmi_lazy_test_explicit_flush(struct seq_file *m)
{
	bool queued, applied;
	pte_t *ptep;
	void *page;

	ptep = vmi_lazy_test_pte(&page);
	if (!ptep) {
		vmi_lazy_check(m, "explicit-flush-applies-deferred", false);
		return;
	}
	preempt_disable();
	arch_enter_lazy_mmu_mode();
	set_pte(ptep, *ptep);			/* queued, issued with DEFER */
	queued = vmi_lazy_holds_update();
	arch_flush_lazy_mmu_mode();
	applied = !this_cpu_read(vmi_lazy_batch.count) &&
		  !this_cpu_read(vmi_rom_deferred) &&
		  this_cpu_read(vmi_rom_lazy_mode) == VMI_LAZY_MMU_UPDATES;
	arch_leave_lazy_mmu_mode();
	preempt_enable();
	vfree(page);
	vmi_lazy_check(m, "explicit-flush-applies-deferred", queued && applied);
}

/*
 * A shootdown of other CPUs' TLBs issues this CPU's batch first, and the
 * ROM applies it before the IPI.
 */
static void vmi_lazy_test_shootdown(struct seq_file *m)
{
	struct flush_tlb_info info = { .end = TLB_FLUSH_ALL };
	bool queued, applied;
	pte_t *ptep;
	void *page;

	ptep = vmi_lazy_test_pte(&page);
	if (!ptep) {
		vmi_lazy_check(m, "shootdown-applies-batch", false);
		return;
	}
	preempt_disable();
	arch_enter_lazy_mmu_mode();
	set_pte(ptep, *ptep);
	queued = vmi_lazy_holds_update();
	__flush_tlb_multi(cpu_none_mask, &info);
	applied = !this_cpu_read(vmi_lazy_batch.count) &&
		  !this_cpu_read(vmi_rom_deferred) &&
		  this_cpu_read(vmi_rom_lazy_mode) == VMI_LAZY_MMU_UPDATES;
	arch_leave_lazy_mmu_mode();
	preempt_enable();
	vfree(page);
	vmi_lazy_check(m, "shootdown-applies-batch", queued && applied);
}

/*
 * With vmi=batch, more invalidations than the batch keeps become one
 * FlushTLB only when the ROM offers FlushTLB; on a ROM without it they
 * must still work. Without it, none is batched.
 */
static void vmi_lazy_test_invlpg_batch(struct seq_file *m)
{
	unsigned long va = (unsigned long)vmi_lazy_test_invlpg_batch;
	bool collapsed, batched;
	unsigned int i;

	preempt_disable();
	arch_enter_lazy_mmu_mode();
	for (i = 0; i < 2 * VMI_LAZY_INVLPG_MAX; i++)
		__flush_tlb_one_user(va);
	collapsed = this_cpu_read(vmi_lazy_batch.flush_all);
	batched = this_cpu_read(vmi_lazy_batch.count) > 0 || collapsed;
	arch_leave_lazy_mmu_mode();
	preempt_enable();
	if (!static_branch_unlikely(&vmi_lazy_batching)) {
		/* Without vmi=batch each one goes to the ROM at once. */
		vmi_lazy_check(m, "invlpg-unbatched-without-vmi-batch", !batched);
		return;
	}
	vmi_lazy_check(m, vmi_lazy_flush_all_ok ?
		       "invlpg-batch-collapsed-with-flushtlb" :
		       "invlpg-batch-issued-without-flushtlb",
		       vmi_lazy_flush_all_ok ? collapsed > 0 : !collapsed);
}

static int vmi_lazy_selftest_show(struct seq_file *m, void *unused)
{
	if (!vmi_lazy_enabled) {
		seq_puts(m, "lazy queue not bound\n");
		return 0;
	}
	vmi_lazy_test_sleep(m);
	vmi_lazy_test_bh(m);
	vmi_lazy_test_explicit_flush(m);
	vmi_lazy_test_shootdown(m);
	vmi_lazy_test_invlpg_batch(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmi_lazy_selftest);
#endif

void vmi_lazy_debugfs(struct dentry *dir)
{
	debugfs_create_file("lazy", 0444, dir, NULL, &vmi_lazy_fops);
#ifdef CONFIG_VMI_DEBUG
	debugfs_create_file("lazy_selftest", 0400, dir, NULL,
			    &vmi_lazy_selftest_fops);
#endif
}
