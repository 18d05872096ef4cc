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
#include <linux/linkage.h>
#include <asm/vmi/abi.h>
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

struct vmi_rom {
	const u8 *image;		/* direct-map address of the image */
	unsigned long phys;
	struct vmi_rom_info info;
	struct vmi_relocation_info reloc[VMI_CALL_COUNT];
	unsigned int relocs_by_type[4];
	unsigned int bound;		/* pv_ops slots pointing into the ROM */
	const struct vmi_rom_state *state;	/* NULL when not published */
	unsigned int state_size;		/* bytes, with @state */
	/* An AUDIT=1 ROM's shadow-audit report; NULL for other ROMs. */
	const struct vmi_rom_audit_report *audit;
};

extern struct vmi_rom vmi_rom;
extern bool vmi_active;
extern unsigned long vmi_options;
extern char vmi_native_reason[96];

/*
 * The CALL_REL target of every call (0 for any other type): what wrappers
 * call. vmi_call(name, type) is that address as a function of @type.
 */
extern unsigned long vmi_call_target[VMI_CALL_COUNT];
#define vmi_call(name, type)	((type)vmi_call_target[VMI_CALL_##name])

/* The shape of the calls that take one word and return nothing. */
typedef void (*vmi_u32_fn)(u32 arg);

/* How one pv_ops slot is fed by one VMI call. */
enum vmi_bind_kind {
	VMI_BIND_DIRECT,	/* the slot holds the ROM address */
	VMI_BIND_WRAPPER,	/* the slot holds a wrapper that calls it */
	VMI_BIND_EXIT,		/* exit path: JUMP_REL, or CALL_REL via a stub */
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
};

struct vmi_binding_table {
	const char *name;
	const struct vmi_binding *bindings;
	unsigned int count;
};

extern const struct vmi_binding_table vmi_cpu_table;
extern const struct vmi_binding_table vmi_mmu_table;
extern const struct vmi_binding_table vmi_lazy_table;

/* MMU operations, issued at once or queued in lazy MMU mode (lazy.c). */
enum vmi_mmu_op {
	VMI_MMU_SET,		/* SetPxE(Long) */
	VMI_MMU_UPDATE,		/* UpdatePxE(Long) */
	VMI_MMU_INVLPG,		/* InvalPage */
};

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

void vmi_rom_mmu_update(enum vmi_mmu_op op, void *ptr, u64 val, u32 flags);
void vmi_rom_invlpg(unsigned long va);
void vmi_rom_flush_tlb(bool global);
void vmi_rom_set_lazy_mode(u32 mode);
DECLARE_PER_CPU(bool, vmi_rom_deferred);
#ifdef CONFIG_VMI_DEBUG
DECLARE_PER_CPU(u32, vmi_rom_lazy_mode);
#endif
bool vmi_lazy_queue(enum vmi_mmu_op op, void *ptr, u64 val, u32 flags);
void vmi_lazy_flush(enum vmi_flush_reason why);
void vmi_lazy_readback(void *ptr);
void __init vmi_lazy_init(void);
struct dentry;
void vmi_lazy_debugfs(struct dentry *dir);

int __init vmi_query_relocations(void);
void __init vmi_bind(void);
void __init vmi_power_init(void);
void __init vmi_time_init(void);
void __init vmi_register_direct_map(void);
void __init vmi_pti_init(void);
const struct vmi_binding_table *vmi_binding_table(unsigned int i);
enum vmi_bind_outcome vmi_binding_outcome(unsigned int table, unsigned int i);

/* vmi_call_target[] as a pointer: the CALL_REL target, or NULL. */
static inline void *vmi_call_addr(unsigned int call)
{
	return (void *)vmi_call_target[call];
}

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
