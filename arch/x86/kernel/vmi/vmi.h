/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the VMI backend share, and nothing else.
 *
 * One struct describes the ROM the probe accepted; it is filled before the
 * first fixmap use and is read-only after init. vmi_native_reason is set
 * whenever the kernel stays native, so debugfs and the selftests can tell
 * "no ROM" from "ROM refused" from "disabled".
 */
#ifndef _VMI_PRIVATE_H
#define _VMI_PRIVATE_H

#include <linux/cache.h>
#include <linux/init.h>
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/jump_label.h>
#include <linux/linkage.h>
#include <asm/vmi/abi.h>
#include "rom_call.h"
#include "rom_check.h"

/* vmi= options, one bit each. */
#define VMI_OPT_OFF	BIT(0)	/* stay native */
#define VMI_OPT_NOMM	BIT(1)	/* page tables and TLB stay native */
#define VMI_OPT_NOTIMER	BIT(2)	/* no ROM clocksource/clockevents */
#define VMI_OPT_NOIRQ	BIT(3)	/* interrupt flag and IRET/SYSEXIT native */
#define VMI_OPT_NOAPIC	BIT(4)	/* local APIC accessed natively */
#define VMI_OPT_NOSMP	BIT(5)	/* APs started with INIT/SIPI natively */
#define VMI_OPT_NOLAZY	BIT(6)	/* no lazy-mode batching: eager updates */
#define VMI_OPT_VERIFY	BIT(7)	/* re-check the lazy queue (VMI_DEBUG) */
/* VMI_DEBUG: leave pmd_update native, the audit's THP negative control */
#define VMI_OPT_DROP_PMD_UPDATE	BIT(8)
#define VMI_OPT_STATS	BIT(9)	/* count the lazy queue's and alarms' statistics */
#define VMI_OPT_BATCH	BIT(10)	/* lazy updates batched in the guest */

struct vmi_rom {
	const u8 *image;		/* direct-map address of the image */
	unsigned long phys;
	struct vmi_rom_info info;
	struct vmi_relocation_info reloc[VMI_CALL_COUNT];
	unsigned int relocs_by_type[4];
	unsigned int bound;		/* slots pointing into the ROM */
	const struct vmi_rom_state *state;	/* NULL when not published */
	unsigned int state_size;		/* bytes, with @state */
	/* An AUDIT=1 ROM's shadow-audit report; NULL for other ROMs. */
	const struct vmi_rom_audit_report *audit;
	/* A RING=1 ROM's monitor report; NULL for other ROMs. */
	const struct vmi_monitor_report *monitor;
};

extern struct vmi_rom vmi_rom;
extern bool vmi_active;
extern unsigned int vmi_kernel_rpl;
extern unsigned long vmi_options;
extern char vmi_native_reason[96];

/*
 * vmi=stats: the statistics nobody needs to run (the lazy queue's counts,
 * the alarms' lateness) are kept only then; otherwise each costs a NOP.
 */
DECLARE_STATIC_KEY_FALSE(vmi_stats);
#define vmi_stats_on()	static_branch_unlikely(&vmi_stats)

/*
 * How one slot is fed by one VMI call. A slot is a pv_ops member, or for
 * the groups outside pv_ops (APIC, SMP, timer) a hook variable of the
 * backend's own, typed vmi_<Call>_fn *, which that group's code hands to
 * the kernel once the table is bound.
 */
enum vmi_bind_kind {
	VMI_BIND_DIRECT,	/* the slot holds the ROM address */
	VMI_BIND_WRAPPER,	/* the slot holds a wrapper that calls it */
	VMI_BIND_EXIT,		/* exit path: JUMP_REL, or CALL_REL via a stub */
	VMI_BIND_HOOK,		/* a hook variable: the ROM address (CALL_REL) */
};

/* What became of a slot; kept for debugfs. */
enum vmi_bind_outcome {
	VMI_BOUND_NATIVE,	/* the ROM answered NONE (or NOP for a wrapper) */
	VMI_BOUND_ROM,		/* the slot reaches the ROM */
	VMI_BOUND_NOP,		/* NOP: paravirt_nop, sites patched out */
	VMI_BOUND_OPTION,	/* kept native by a vmi= option */
	VMI_BOUND_REFUSED,	/* unusable relocation type for this slot */
};

struct vmi_binding {
	const char *slot_name;
	void **slot;
	void *wrapper;
	unsigned long skip_opts;	/* VMI_OPT_* bits that keep it native */
	u8 call;
	u8 kind;
	bool nop_ok;		/* NOP may become paravirt_nop (void slots) */
	bool not_xxl;		/* the slot exists without PARAVIRT_XXL */
	bool needs_pxe;		/* only with SetPxE(Long) CALL_REL too */
	bool optional;		/* hook tables: not needed for the rest */
};

/*
 * A table of one concern. A table of hooks binds all its entries that are
 * not optional, or none: a group of hooks works together. @usable, when
 * set, is asked first and may keep the whole table native (it says why);
 * every other table leaves each slot to its own answer.
 */
struct vmi_binding_table {
	const char *name;
	const struct vmi_binding *bindings;
	unsigned int count;
	bool (*usable)(void);
};

/*
 * The binding macros, one per kind; further initializers of struct
 * vmi_binding (.skip_opts, .nop_ok, ...) may follow. @call_ is the call's
 * name (SetCR3), or a macro naming one as VMI_CALL_<macro> does.
 */
#define VMI_BINDING(kind_, name_, slot_, call_, wrapper_, ...)		\
	{ .slot_name = name_, .slot = (void **)(slot_),			\
	  .call = VMI_CALL_##call_, .kind = VMI_BIND_##kind_,		\
	  .wrapper = (wrapper_), __VA_ARGS__ }
#define VMI_DIRECT(slot_, call_, ...)					\
	VMI_BINDING(DIRECT, #slot_, &pv_ops.slot_, call_, NULL, __VA_ARGS__)
#define VMI_WRAP(slot_, call_, fn_, ...)				\
	VMI_BINDING(WRAPPER, #slot_, &pv_ops.slot_, call_, fn_, __VA_ARGS__)
/* The callee-save slots (struct paravirt_callee_save). */
#define VMI_DIRECT_CALLEE(slot_, call_, ...)				\
	VMI_BINDING(DIRECT, #slot_, &pv_ops.slot_.func, call_, NULL,	\
		    __VA_ARGS__)
#define VMI_WRAP_CALLEE(slot_, call_, fn_, ...)			\
	VMI_BINDING(WRAPPER, #slot_, &pv_ops.slot_.func, call_, fn_,	\
		    __VA_ARGS__)
#define VMI_EXIT(slot_, call_, stub_, ...)				\
	VMI_BINDING(EXIT, #slot_, &pv_ops.slot_, call_, stub_, __VA_ARGS__)
/* @var_ must have the call's type: checked at build time. */
#define VMI_HOOK(var_, call_, ...)					\
	VMI_BINDING(HOOK, #var_, &(var_) +				\
		    BUILD_BUG_ON_ZERO(!__builtin_types_compatible_p(	\
			typeof(var_), vmi_##call_##_fn *)),		\
		    call_, NULL, .not_xxl = true, __VA_ARGS__)

extern const struct vmi_binding_table vmi_cpu_table;
extern const struct vmi_binding_table vmi_mmu_table;
extern const struct vmi_binding_table vmi_lazy_table;
extern const struct vmi_binding_table vmi_apic_table;
extern const struct vmi_binding_table vmi_smp_table;
extern const struct vmi_binding_table vmi_clock_table;
extern const struct vmi_binding_table vmi_alarm_table;
bool vmi_table_bound(const struct vmi_binding_table *table);
void __init vmi_unbind_table(const struct vmi_binding_table *table);

enum vmi_flush_reason {
	VMI_FLUSH_LEAVE,	/* leaving lazy MMU mode */
	VMI_FLUSH_FULL,		/* the batch is full */
	VMI_FLUSH_EXPLICIT,	/* arch_flush_lazy_mmu_mode(), kmap */
	VMI_FLUSH_TLB_OP,	/* CR3 load or TLB flush */
	VMI_FLUSH_READBACK,	/* a queued entry is read back */
	VMI_FLUSH_MMU_CALL,	/* another MMU call must not overtake */
	VMI_FLUSH_SWITCH,	/* context switch */
	VMI_FLUSH_REASONS
};

/*
 * vmi=batch: lazy MMU updates wait in this CPU's batch (lazy.c) until a
 * flush; by default they go to the ROM at once, with VMI_PAGE_DEFER. The
 * key is set by an early initcall: until then every update goes to the
 * ROM, which is correct in either mode.
 */
DECLARE_STATIC_KEY_FALSE(vmi_lazy_batching);

bool vmi_lazy_queue(enum vmi_mmu_op op, void *ptr, u64 val, u32 flags);
void __vmi_lazy_flush(enum vmi_flush_reason why);
void __vmi_lazy_readback(void *ptr);
void vmi_lazy_count_deferred(void);
void __init vmi_lazy_init(void);

/* Issue the batch before an MMU call that must not overtake it. */
static __always_inline void vmi_lazy_flush(enum vmi_flush_reason why)
{
	if (static_branch_unlikely(&vmi_lazy_batching))
		__vmi_lazy_flush(why);
}

/* An entry is about to be read back through a hook. */
static __always_inline void vmi_lazy_readback(void *ptr)
{
	if (static_branch_unlikely(&vmi_lazy_batching))
		__vmi_lazy_readback(ptr);
}

struct dentry;
void vmi_lazy_debugfs(struct dentry *dir);
void vmi_time_debugfs(struct dentry *dir);

int __init vmi_query_relocations(void);
void __init vmi_bind(void);
void __init vmi_power_init(void);
void __init vmi_time_init(void);
void __init vmi_register_direct_map(void);
void __init vmi_pti_init(void);
const struct vmi_binding_table *vmi_binding_table(unsigned int i);
enum vmi_bind_outcome vmi_binding_outcome(unsigned int table, unsigned int i);

/* exit.S: "call rel32" stubs for CALL_REL IRET and SYSEXIT. */
extern char vmi_iret_call[], vmi_sysexit_call[];

/* smp.c: linear-map slots every CPU registers; AP start-up. */
bool vmi_linear_map_usable(void);
void vmi_linear_map_all(unsigned int slot, unsigned long va,
			unsigned long pages, unsigned long pfn);
void __init vmi_smp_init(void);
/* smp_entry.S: where an AP started by the ROM begins; it calls this. */
void vmi_ap_entry(void);
asmlinkage void vmi_ap_start(void);

/* apic.c: the APIC page for the ROM; APIC accessors through the ROM. */
#ifdef CONFIG_X86_LOCAL_APIC
void __init vmi_apic_init(void);
#else
static inline void vmi_apic_init(void) { }
#endif

#endif /* _VMI_PRIVATE_H */
