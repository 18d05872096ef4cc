// SPDX-License-Identifier: GPL-2.0
/*
 * VMI ROM: the shadow audit (AUDIT=1 builds only).
 *
 * The project ROM writes page tables through and needs no shadow. A real
 * VMI monitor kept shadow page tables built from the guest's
 * notifications, so a late, missing or mistyped notification was memory
 * corruption there. The audit keeps the same knowledge a shadowing
 * monitor would and checks it against memory wherever such a monitor
 * would rely on it.
 *
 * What this file owns and its rules:
 *  - The store. 4 MiB of guest RAM that the ROM's INT 15h hook hides
 *    from the E820 map at POST (head.S), mapped by this file at AUDIT_VA,
 *    in the hole above virtual_top, in whatever address space is current
 *    (one large page, or two with PAE). It holds a copy ("shadow") of
 *    every page the guest announced with AllocatePage, keyed by frame.
 *  - Shadows change only as the guest says: SetPxE(Long) with the value
 *    given, UpdatePxE(Long) with what memory holds at that moment,
 *    AllocatePage from its ZEROED/CLONE claim (or from memory without
 *    one), ReleasePage drops it. A DEFER update inside lazy MMU mode is
 *    held per CPU and applied at that CPU's next flush point (InvalPage,
 *    FlushTLB, SetCR3, leaving lazy MMU mode), as the ABI allows.
 *  - Checks, where a monitor relies on its shadows: SetCR3 and FlushTLB
 *    compare every table reachable from CR3 below virtual_top; InvalPage
 *    the entries that map the address; leaving lazy MMU mode the pages
 *    its deferred updates touched. Accessed and dirty bits are the CPU's
 *    and are ignored.
 *  - Verdicts. With one CPU a mismatch at a check is a divergence at once:
 *    the guest issues its batch before every call that checks. With more,
 *    another CPU may have changed an entry and not yet told the ROM (its
 *    notification is still in its batch, to be issued before its own
 *    flush point): a mismatch is a suspect first, and becomes a divergence
 *    only if it is still there, with the shadow unchanged, at a check
 *    200 ms later or at Shutdown. Each divergence is counted once (the
 *    shadow then takes the memory's value).
 *  - Everything runs under one lock with interrupts off; the audit is a
 *    test mode, not a fast path. Nothing here is reached in other builds.
 */
#include "romlib.h"
#include "layout.h"		/* generated: rom/layout.c */

#if VMI_ROM_AUDIT

#define AUDIT_VA		0xff400000u	/* below the early fixmap's tables */
#define AUDIT_SIZE		(4u << 20)
#define AUDIT_HDR		(64u << 10)
#define AUDIT_SLOTS		((AUDIT_SIZE - AUDIT_HDR) >> 12)
#define AUDIT_HASH		2048
#define AUDIT_PEND		128
#define AUDIT_SUSPECTS		64
#define AUDIT_TOMB		0xffffffffu
#define AUDIT_VERDICT_MS	200
#define PTE_PRESENT		0x001u
#define PTE_PSE			0x080u
#define PTE_HW			0x060u		/* accessed, dirty */
#define CR4_PAE_BIT		0x020u
#define LARGE_RW		0x083u		/* present, RW, PSE */

/* Where a finding was made (vmi_audit_record.where). */
enum { AT_SET = 1, AT_UPDATE, AT_ALLOC, AT_RELEASE, AT_INVLPG, AT_FLUSH,
	AT_CR3, AT_LAZY, AT_SHUTDOWN };

struct audit_meta {
	u32 pfn;
	u16 level;			// VMI_PAGE_PT or VMI_PAGE_PD
	u16 refs;			// directory entries pointing here
};

struct audit_pending {
	u32 pfn;
	u16 index;
	u16 update;			// 1: UpdatePxE (re-read memory)
	u64 val;
};

struct audit_suspect {
	u32 pfn;			// 0: free
	u32 index;
	u64 believed;
	u64 memory;
	u64 since;			// TSC
	u32 where;
	u32 pad;
};

struct audit_store {
	u32 hash_pfn[AUDIT_HASH];	// pfn + 1; 0 free, AUDIT_TOMB deleted
	u16 hash_slot[AUDIT_HASH];
	struct audit_meta meta[AUDIT_SLOTS];
	u16 free_slot[AUDIT_SLOTS];
	u32 nfree;
	u32 npend[VMI_ROM_MAX_CPUS];
	struct audit_pending pend[VMI_ROM_MAX_CPUS][AUDIT_PEND];
	struct audit_suspect suspect[AUDIT_SUSPECTS];
};

_Static_assert(sizeof(struct audit_store) <= AUDIT_HDR, "audit header");
_Static_assert(VMI_ROM_STATE_KIB >= VMI_ROM_AUDIT_STATE_KIB,
	       "the audit report and page table need STATE_KIB >= 28");
_Static_assert(VMI_ROM_AUDIT_PT_MIN + 4095 + 4096 <= VMI_ROM_AUDIT_STATE_KIB * 1024,
	       "the audit page table must fit the state block");
_Static_assert(VMI_ROM_AP_TRAMP_MIN + 4095 + 8192 <= VMI_ROM_AUDIT_OFFSET,
	       "the audit report overlaps the AP trampoline");

/* The ROM-internal half, after the public report in the state block. */
struct audit_private {
	u32 lock;
	u32 ready;			// 1 mapped, 2 failed for good
	u32 top_pmd_pfn;		// PAE: the PMD behind PDPT[3], 0 unknown
	u32 lowmem_pages;		// frames reachable through the direct map
};

static inline struct vmi_rom_audit_report *report(void)
{
	return (struct vmi_rom_audit_report *)((char *)vmi_state_ptr() +
					       VMI_ROM_AUDIT_OFFSET);
}

static inline struct audit_private *apriv(void)
{
	return (struct audit_private *)(report() + 1);
}

static inline struct audit_store *store(void)
{
	return (struct audit_store *)AUDIT_VA;
}

static inline void *slot_page(u32 slot)
{
	return (void *)(AUDIT_VA + AUDIT_HDR + (slot << 12));
}

static inline int pae(void)
{
	u32 v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return !!(v & CR4_PAE_BIT);
}

static inline u32 cr3(void)
{
	u32 v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

/* Entries per page-table page and their size. */
static inline u32 nentries(void)
{
	return pae() ? 512 : 1024;
}

static u64 entry_at(const void *page, u32 i)
{
	return pae() ? ((const volatile u64 *)page)[i] :
		       ((const volatile u32 *)page)[i];
}

static void entry_put(void *page, u32 i, u64 v)
{
	if (pae())
		((u64 *)page)[i] = v;
	else
		((u32 *)page)[i] = (u32)v;
}

/* Frame -> linear through the direct map; NULL if outside it. */
static void *frame(u32 pfn)
{
	struct vmi_rom_private *p = priv();

	if (pfn >= apriv()->lowmem_pages)
		return 0;
	return (void *)(page_offset(p) + (pfn << 12));
}

static void lock(void)
{
	u32 *l = &apriv()->lock, v;

	for (;;) {
		v = 1;
		asm volatile("xchg %0, %1" : "+r"(v), "+m"(*l) : : "memory");
		if (!v)
			return;
		while (*(volatile u32 *)l)
			asm volatile("pause");
	}
}

static void unlock(void)
{
	barrier();
	*(volatile u32 *)&apriv()->lock = 0;
}

/*
 * Map the store in the current address space (the hole is the ROM's);
 * on the first call, set up the store. Returns 0 if there is none.
 */
static int mapped(void)
{
	struct vmi_rom_audit_report *r = report();
	struct audit_private *a = apriv();
	struct vmi_rom_private *p = priv();
	u32 off = page_offset(p), cr = cr3(), i;
	u64 want;

	if (!r->store_phys || a->ready == 2)
		return 0;
	if (pae()) {
		volatile u64 *pdpt = (volatile u64 *)(off + (cr & ~0x1fu));
		volatile u64 *pmd;

		if (!(pdpt[3] & PTE_PRESENT))
			return 0;
		pmd = (volatile u64 *)(off + ((u32)pdpt[3] & ~0xfffu));
		for (i = 0; i < 2; i++) {
			u32 idx = ((AUDIT_VA >> 21) & 511) + i;

			want = (r->store_phys + (i << 21)) | LARGE_RW;
			if ((pmd[idx] & ~(u64)PTE_HW) != want) {
				if (pmd[idx] & PTE_PRESENT && !(pmd[idx] & PTE_PSE))
					goto fail;	/* a guest table */
				pmd[idx] = want;
				asm volatile("invlpg (%0)" : :
					     "r"(AUDIT_VA + (i << 21)) : "memory");
			}
		}
	} else {
		/* A page table of the ROM's in the state block, not PSE. */
		volatile u32 *pd = (volatile u32 *)(off + (cr & ~0xfffu));
		u32 pt = (p->state_phys + VMI_ROM_AUDIT_PT_MIN + 4095) & ~4095u;
		u32 *pte = (u32 *)(off + pt), idx = AUDIT_VA >> 22;

		if (a->ready != 1)
			for (i = 0; i < 1024; i++)
				pte[i] = (r->store_phys + (i << 12)) | 0x003;
		want = pt | 0x003;
		if ((pd[idx] & ~PTE_HW) != (u32)want) {
			if (pd[idx] & PTE_PRESENT)
				goto fail;	/* the guest's */
			pd[idx] = (u32)want;
			asm volatile("invlpg (%0)" : : "r"(AUDIT_VA) : "memory");
		}
	}
	if (a->ready != 1) {
		struct audit_store *s = store();
		u32 *w = (u32 *)s;

		for (i = 0; i < sizeof(*s) / 4; i++)
			w[i] = 0;
		for (i = 0; i < AUDIT_SLOTS; i++)
			s->free_slot[i] = AUDIT_SLOTS - 1 - i;
		s->nfree = AUDIT_SLOTS;
		a->lowmem_pages = p->linear[VMI_LINEAR_MAP_SLOT_DIRECT].pages ?
				  p->linear[VMI_LINEAR_MAP_SLOT_DIRECT].pages :
				  0x38000;
		a->ready = 1;
		r->active = 1;
	}
	return 1;
fail:
	a->ready = 2;
	r->active = 0;
	return 0;
}

static void record(u32 kind, u32 pfn, u32 index, u32 where, u64 believed,
		   u64 memory)
{
	struct vmi_rom_audit_report *r = report();
	struct vmi_audit_record *rec;

	r->found[kind]++;
	if (r->records >= VMI_AUDIT_RECORDS)
		return;
	rec = &r->record[r->records++];
	rec->kind = kind;
	rec->pfn = pfn;
	rec->index = index;
	rec->where = where;
	rec->believed = believed;
	rec->memory = memory;
}

/**** The frame -> slot table ****/

static u32 hash_of(u32 pfn)
{
	return (pfn * 2654435761u) >> 21;	/* 11 bits */
}

/* The slot shadowing @pfn, or -1. */
static int lookup(u32 pfn)
{
	struct audit_store *s = store();
	u32 h = hash_of(pfn), n;

	for (n = 0; n < AUDIT_HASH; n++, h = (h + 1) & (AUDIT_HASH - 1)) {
		if (!s->hash_pfn[h])
			return -1;
		if (s->hash_pfn[h] == pfn + 1)
			return s->hash_slot[h];
	}
	return -1;
}

static int insert(u32 pfn, u16 level)
{
	struct audit_store *s = store();
	u32 h = hash_of(pfn), n, slot;

	if (!s->nfree) {
		report()->store_full++;
		return -1;
	}
	for (n = 0; n < AUDIT_HASH; n++, h = (h + 1) & (AUDIT_HASH - 1))
		if (!s->hash_pfn[h] || s->hash_pfn[h] == AUDIT_TOMB)
			break;
	if (n == AUDIT_HASH) {
		report()->store_full++;
		return -1;
	}
	slot = s->free_slot[--s->nfree];
	s->hash_pfn[h] = pfn + 1;
	s->hash_slot[h] = slot;
	s->meta[slot].pfn = pfn;
	s->meta[slot].level = level;
	s->meta[slot].refs = 0;
	if (++report()->pages_shadowed > report()->pages_max)
		report()->pages_max = report()->pages_shadowed;
	return slot;
}

static void remove(u32 pfn)
{
	struct audit_store *s = store();
	u32 h = hash_of(pfn), n;

	for (n = 0; n < AUDIT_HASH; n++, h = (h + 1) & (AUDIT_HASH - 1)) {
		if (!s->hash_pfn[h])
			return;
		if (s->hash_pfn[h] == pfn + 1) {
			s->free_slot[s->nfree++] = s->hash_slot[h];
			s->hash_pfn[h] = AUDIT_TOMB;
			report()->pages_shadowed--;
			return;
		}
	}
}

/**** Shadow entries and the references between tables ****/

/* The table a directory entry points to, if it is one (not a large page). */
static int target(u64 e)
{
	if (!(e & PTE_PRESENT) || (e & PTE_PSE))
		return -1;
	return lookup((u32)((e & 0xffffffffff000ull) >> 12));
}

static void shadow_put(u32 slot, u32 index, u64 v)
{
	struct audit_store *s = store();
	void *page = slot_page(slot);
	int t;

	if (s->meta[slot].level & VMI_PAGE_PD) {
		t = target(entry_at(page, index));
		if (t >= 0 && s->meta[t].refs)
			s->meta[t].refs--;
		t = target(v);
		if (t >= 0)
			s->meta[t].refs++;
	}
	entry_put(page, index, v);
}

/* Physical address of linear @va in the current address space. */
static int lin2phys(u32 va, u32 *phys)
{
	u32 off = page_offset(priv()), cr = cr3();
	u64 e;

	if (pae()) {
		const volatile u64 *t = (const volatile u64 *)(off + (cr & ~0x1fu));

		e = t[va >> 30];
		if (!(e & PTE_PRESENT) || !frame((u32)(e >> 12)))
			return 0;
		t = frame((u32)(e >> 12) & 0xfffff);
		e = t[(va >> 21) & 511];
		if (!(e & PTE_PRESENT))
			return 0;
		if (e & PTE_PSE) {
			*phys = ((u32)e & ~0x1fffffu) | (va & 0x1fffff);
			return 1;
		}
		t = frame((u32)(e >> 12) & 0xfffff);
		if (!t)
			return 0;
		e = t[(va >> 12) & 511];
	} else {
		const volatile u32 *t = (const volatile u32 *)(off + (cr & ~0xfffu));

		e = t[va >> 22];
		if (!(e & PTE_PRESENT))
			return 0;
		if (e & PTE_PSE) {
			*phys = ((u32)e & ~0x3fffffu) | (va & 0x3fffff);
			return 1;
		}
		t = frame((u32)e >> 12);
		if (!t)
			return 0;
		e = t[(va >> 12) & 1023];
	}
	if (!(e & PTE_PRESENT))
		return 0;
	*phys = ((u32)e & ~0xfffu) | (va & 0xfff);
	return 1;
}

/* The entry @ptr points to: its frame and index. */
static int locate(const void *ptr, u32 *pfn, u32 *index)
{
	u32 phys;

	if (!lin2phys((u32)ptr, &phys))
		return 0;
	*pfn = phys >> 12;
	*index = (phys & 0xfff) / (pae() ? 8 : 4);
	return 1;
}

/**** Checks ****/

/* Entries of a table that are the ROM's, not the guest's: the hole. */
static u32 guest_entries(u32 pfn, u16 level)
{
	if (!(level & VMI_PAGE_PD))
		return nentries();
	if (!pae())
		return VMI_ROM_VIRTUAL_TOP >> 22;
	if (pfn == apriv()->top_pmd_pfn)
		return (VMI_ROM_VIRTUAL_TOP >> 21) & 511;
	return 512;
}

static int same(u64 a, u64 b)
{
	return !((a ^ b) & ~(u64)PTE_HW);
}

static u64 ms_to_tsc(u32 ms)
{
	return (u64)priv()->tsc_khz * ms;
}

/*
 * A mismatch at (pfn, index). Returns after recording a suspect, or
 * confirming one that has outlived the verdict delay (or at once when
 * @final).
 */
static void suspect(u32 slot, u32 index, u64 believed, u64 memory,
		    u32 where, int final)
{
	struct audit_store *s = store();
	struct audit_suspect *sp, *free = 0;
	u32 pfn = s->meta[slot].pfn, i;
	u64 now = rdtsc();

	if (priv()->cpu_slots_used <= 1)
		final = 1;	/* one CPU: nothing can be in flight */
	for (i = 0; i < AUDIT_SUSPECTS; i++) {
		sp = &s->suspect[i];
		if (!sp->pfn && !free)
			free = sp;
		if (sp->pfn != pfn + 1 || sp->index != index)
			continue;
		if (sp->believed != believed) {
			/* The guest spoke since: start again. */
			sp->believed = believed;
			sp->memory = memory;
			sp->since = now;
			return;
		}
		if (final || now - sp->since >= ms_to_tsc(AUDIT_VERDICT_MS)) {
			record(VMI_AUDIT_DIVERGENCE, pfn, index, sp->where,
			       believed, memory);
			shadow_put(slot, index, memory);
			sp->pfn = 0;
			report()->suspects--;
		}
		return;
	}
	if (final) {
		record(VMI_AUDIT_DIVERGENCE, pfn, index, where, believed, memory);
		shadow_put(slot, index, memory);
		return;
	}
	if (!free)
		return;		/* full: the next check sees it again */
	free->pfn = pfn + 1;
	free->index = index;
	free->believed = believed;
	free->memory = memory;
	free->since = now;
	free->where = where;
	report()->suspects++;
}

/* Drop the suspects the guest has settled; confirm the old ones. */
static void review_suspects(u32 where, int final)
{
	struct audit_store *s = store();
	u32 i;

	for (i = 0; i < AUDIT_SUSPECTS; i++) {
		struct audit_suspect *sp = &s->suspect[i];
		const void *mem;
		int slot;
		u64 b, m;

		if (!sp->pfn)
			continue;
		slot = lookup(sp->pfn - 1);
		mem = frame(sp->pfn - 1);
		if (slot < 0 || !mem) {
			sp->pfn = 0;
			report()->suspects--;
			continue;
		}
		b = entry_at(slot_page(slot), sp->index);
		m = entry_at(mem, sp->index);
		if (same(b, m)) {
			sp->pfn = 0;
			report()->suspects--;
			continue;
		}
		suspect(slot, sp->index, b, m, where, final);
	}
}

/* Compare one shadowed page with memory. */
static void compare_page(u32 slot, u32 where, int final)
{
	struct audit_store *s = store();
	u32 pfn = s->meta[slot].pfn, i, n;
	const void *mem = frame(pfn);
	const void *sh = slot_page(slot);

	if (!mem) {
		report()->unreachable++;
		return;
	}
	n = guest_entries(pfn, s->meta[slot].level);
	report()->pages_compared++;
	for (i = 0; i < n; i++) {
		u64 b = entry_at(sh, i), m = entry_at(mem, i);

		if (!same(b, m))
			suspect(slot, i, b, m, where, final);
	}
}

/* A table the hardware walks from CR3: shadowed, or counted once. */
static int walked(u32 pfn, u16 level, u32 where)
{
	int slot = lookup(pfn);

	if (slot < 0) {
		record(VMI_AUDIT_UNANNOUNCED_IN_USE, pfn, 0, where, 0, level);
		slot = insert(pfn, level);
		if (slot >= 0 && frame(pfn)) {
			u32 i;

			for (i = 0; i < nentries(); i++)
				entry_put(slot_page(slot), i,
					  entry_at(frame(pfn), i));
		}
	}
	return slot;
}

/* Every table reachable from CR3, below virtual_top. */
static void compare_tree(u32 where)
{
	struct audit_store *s = store();
	u32 off = page_offset(priv()), cr = cr3(), d, n, i;
	const volatile u64 *pdpt = (const volatile u64 *)(off + (cr & ~0x1fu));

	report()->checks++;
	for (d = 0; d < (pae() ? 4u : 1u); d++) {
		u32 dir;
		int ds;

		if (pae()) {
			if (!(pdpt[d] & PTE_PRESENT))
				continue;
			dir = (u32)(pdpt[d] >> 12) & 0xfffff;
			if (d == 3)
				apriv()->top_pmd_pfn = dir;
		} else {
			dir = cr >> 12;
		}
		ds = walked(dir, VMI_PAGE_PD, where);
		if (ds < 0)
			continue;
		compare_page(ds, where, 0);
		n = guest_entries(dir, VMI_PAGE_PD);
		for (i = 0; i < n; i++) {
			u64 e = entry_at(slot_page(ds), i);
			int ts;

			if (!(e & PTE_PRESENT) || (e & PTE_PSE))
				continue;
			ts = walked((u32)(e >> 12) & 0xfffff, VMI_PAGE_PT, where);
			if (ts >= 0 && (s->meta[ts].level & VMI_PAGE_PT))
				compare_page(ts, where, 0);
		}
	}
	review_suspects(where, 0);
}

/**** Deferred updates ****/

static void apply(u32 pfn, u32 index, int update, u64 val, u32 flags,
		  u32 where)
{
	struct audit_store *s = store();
	int slot = lookup(pfn);
	u32 level = flags & (VMI_PAGE_PT | VMI_PAGE_PD);
	const void *mem = frame(pfn);

	if (slot < 0) {
		record(VMI_AUDIT_UNANNOUNCED, pfn, index, where, val,
		       mem ? entry_at(mem, index) : 0);
		return;
	}
	if (level && !(s->meta[slot].level & level))
		record(VMI_AUDIT_WRONG_TYPE, pfn, index, where,
		       s->meta[slot].level, level);
	if (update)
		val = mem ? entry_at(mem, index) : 0;
	shadow_put(slot, index, val);
}

static void flush_pending(u32 where, int compare)
{
	struct audit_store *s = store();
	u32 cpu = cpu_slot(priv(), initial_apic_id()), i, n = s->npend[cpu];

	for (i = 0; i < n; i++) {
		struct audit_pending *pe = &s->pend[cpu][i];

		apply(pe->pfn, pe->index, pe->update, pe->val, 0, where);
	}
	if (compare) {
		for (i = 0; i < n; i++) {
			int slot = lookup(s->pend[cpu][i].pfn);

			if (slot >= 0 && (!i || s->pend[cpu][i - 1].pfn !=
					  s->pend[cpu][i].pfn))
				compare_page(slot, where, 0);
		}
		if (n)
			report()->checks++;
	}
	s->npend[cpu] = 0;
}

/* An update: held if deferred inside lazy MMU mode, else applied now. */
static void notify(const void *ptr, int update, u64 val, u32 flags, u32 where)
{
	struct audit_store *s = store();
	u32 pfn, index, cpu;

	if ((flags & VMI_PAGE_PDP) || !locate(ptr, &pfn, &index))
		return;		/* the PAE PDPT is never announced */
	cpu = cpu_slot(priv(), initial_apic_id());
	if ((flags & VMI_PAGE_DEFER) &&
	    this_cpu(priv())->lazy_mode == VMI_LAZY_MMU_UPDATES) {
		if (s->npend[cpu] < AUDIT_PEND) {
			struct audit_pending *pe = &s->pend[cpu][s->npend[cpu]++];

			pe->pfn = pfn;
			pe->index = index;
			pe->update = update;
			pe->val = val;
			if (lookup(pfn) < 0)
				record(VMI_AUDIT_UNANNOUNCED, pfn, index, where,
				       val, 0);
			return;
		}
		report()->pending_overflow++;
	}
	apply(pfn, index, update, val, flags, where);
}

/**** Entry points (calls.S, after the call's own work) ****/

#define AUDIT_ENTER(f)					\
	do {						\
		f = irq_save();				\
		lock();					\
		if (!mapped()) {			\
			unlock();			\
			irq_restore(f);			\
			return;				\
		}					\
	} while (0)

#define AUDIT_LEAVE(f)	do { unlock(); irq_restore(f); } while (0)

RP void vmi_audit_set(const void *ptr, u32 lo, u32 hi, u32 flags)
{
	u32 f;

	AUDIT_ENTER(f);
	notify(ptr, 0, (u64)hi << 32 | lo, flags, AT_SET);
	AUDIT_LEAVE(f);
}

RP void vmi_audit_update(const void *ptr, u32 flags)
{
	u32 f;

	AUDIT_ENTER(f);
	notify(ptr, 1, 0, flags, AT_UPDATE);
	AUDIT_LEAVE(f);
}

RP void vmi_audit_alloc(u32 pfn, u32 flags, u32 clone_pfn, u32 start,
			u32 count)
{
	struct audit_store *s;
	const void *mem, *src = 0;
	u32 f, i, n;
	int slot, cs = -1;

	AUDIT_ENTER(f);
	s = store();
	mem = frame(pfn);
	if (lookup(pfn) >= 0) {
		/* Announced twice: the second announcement wins. */
		record(VMI_AUDIT_WRONG_TYPE, pfn, 0, AT_ALLOC,
		       s->meta[lookup(pfn)].level, flags);
		remove(pfn);
	}
	slot = insert(pfn, flags & (VMI_PAGE_PT | VMI_PAGE_PD));
	if (slot < 0 || !mem)
		goto out;
	if (flags & VMI_PAGE_CLONE) {
		cs = lookup(clone_pfn);
		src = cs >= 0 ? slot_page(cs) : frame(clone_pfn);
	}
	n = nentries();
	for (i = 0; i < n; i++) {
		u64 m = entry_at(mem, i), b = m;

		if (flags & VMI_PAGE_ZEROED)
			b = 0;
		if ((flags & VMI_PAGE_CLONE) && i >= start && i < start + count)
			b = src ? entry_at(src, i) : m;
		if (!same(b, m))
			record(VMI_AUDIT_ZEROED_WRONG, pfn, i, AT_ALLOC, b, m);
		shadow_put(slot, i, b);
	}
out:
	AUDIT_LEAVE(f);
}

RP void vmi_audit_release(u32 pfn, u32 flags)
{
	struct audit_store *s;
	u32 f, i, n;
	int slot;

	AUDIT_ENTER(f);
	s = store();
	flush_pending(AT_RELEASE, 0);
	slot = lookup(pfn);
	if (slot < 0) {
		record(VMI_AUDIT_UNANNOUNCED, pfn, 0, AT_RELEASE, 0, flags);
		goto out;
	}
	if ((flags & (VMI_PAGE_PT | VMI_PAGE_PD)) &&
	    !(s->meta[slot].level & flags))
		record(VMI_AUDIT_WRONG_TYPE, pfn, 0, AT_RELEASE,
		       s->meta[slot].level, flags);
	if (s->meta[slot].refs)
		record(VMI_AUDIT_RELEASE_REFERENCED, pfn, 0, AT_RELEASE,
		       s->meta[slot].refs, 0);
	if (s->meta[slot].level & VMI_PAGE_PD) {
		n = nentries();
		for (i = 0; i < n; i++)
			shadow_put(slot, i, 0);	/* drop its references */
	}
	remove(pfn);
out:
	AUDIT_LEAVE(f);
}

/* Compare one entry, if its page is shadowed and the entry the guest's. */
static void compare_entry(u32 pfn, u32 index, u32 where)
{
	int slot = lookup(pfn);
	const void *mem = frame(pfn);
	u64 b, m;

	if (slot < 0 || !mem ||
	    index >= guest_entries(pfn, store()->meta[slot].level))
		return;
	b = entry_at(slot_page(slot), index);
	m = entry_at(mem, index);
	if (!same(b, m))
		suspect(slot, index, b, m, where, 0);
}

RP void vmi_audit_invlpg(u32 va)
{
	u32 off, cr, dir, di, f;
	u64 e;

	AUDIT_ENTER(f);
	flush_pending(AT_INVLPG, 1);
	report()->checks++;
	off = page_offset(priv());
	cr = cr3();
	/* The two entries that map va: the directory's and the table's. */
	if (pae()) {
		e = ((const volatile u64 *)(off + (cr & ~0x1fu)))[va >> 30];
		dir = (u32)(e >> 12) & 0xfffff;
		di = (va >> 21) & 511;
	} else {
		e = PTE_PRESENT;
		dir = cr >> 12;
		di = va >> 22;
	}
	if ((e & PTE_PRESENT) && frame(dir)) {
		compare_entry(dir, di, AT_INVLPG);
		e = entry_at(frame(dir), di);
		if ((e & PTE_PRESENT) && !(e & PTE_PSE))
			compare_entry((u32)(e >> 12) & 0xfffff,
				      (va >> 12) & (nentries() - 1), AT_INVLPG);
	}
	review_suspects(AT_INVLPG, 0);
	AUDIT_LEAVE(f);
}

RP void vmi_audit_flush(void)
{
	u32 f;

	AUDIT_ENTER(f);
	flush_pending(AT_FLUSH, 0);
	compare_tree(AT_FLUSH);
	AUDIT_LEAVE(f);
}

RP void vmi_audit_cr3(void)
{
	u32 f;

	AUDIT_ENTER(f);
	flush_pending(AT_CR3, 0);
	compare_tree(AT_CR3);
	AUDIT_LEAVE(f);
}

RP void vmi_audit_lazy(u32 mode)
{
	u32 f;

	if (mode == VMI_LAZY_MMU_UPDATES)
		return;
	AUDIT_ENTER(f);
	flush_pending(AT_LAZY, 1);
	AUDIT_LEAVE(f);
}

/* Shutdown: every suspect left gets its verdict now. */
RP void vmi_audit_final(void)
{
	u32 f;

	AUDIT_ENTER(f);
	flush_pending(AT_SHUTDOWN, 0);
	compare_tree(AT_SHUTDOWN);
	review_suspects(AT_SHUTDOWN, 1);
	AUDIT_LEAVE(f);
}

#endif /* VMI_ROM_AUDIT */
