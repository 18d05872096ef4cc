// SPDX-License-Identifier: GPL-2.0
/*
 * Page tables and the TLB through the VMI ROM.
 *
 * Owns the binding table of the MMU and TLB pv_ops slots and the wrappers
 * that turn the kernel's page-table hooks into VMI calls:
 *  - every entry store goes through SetPxE (non-PAE) or SetPxELong (PAE),
 *    which writes the entry itself, with the level of the table in the
 *    flags (PT, PD, PDP) and, for updates of the loaded address space
 *    where the kernel knows the address, CURRENT_AS plus the linear
 *    address; a pmd built on the stack (THP split) is no table entry and
 *    is stored natively;
 *  - after the kernel changed an entry in place with an atomic operation
 *    (pte_update, and pmd_update for a transparent huge page),
 *    UpdatePxE(Long) tells the ROM to re-read it;
 *  - page-table pages are announced with AllocatePage before use and
 *    retired with ReleasePage (PT pages L1, PD/PMD pages L2, the non-PAE
 *    pgd as L2 with CLONE of the kernel half of swapper_pg_dir, once
 *    pgd_ctor() has copied it); an announced page carries PG_pinned until
 *    it is retired, so a table mremap moves is not announced twice;
 *  - CR3 loads, full and single-page TLB flushes map to SetCR3, FlushTLB
 *    and InvalPage;
 *  - the tables that exist when VMI starts (swapper_pg_dir and what
 *    head_32.S built) are announced then, from their contents, so the
 *    ROM knows every table the CPU can walk;
 *  - with HIGHPTE, user pte pages come from low memory while the MMU
 *    group is bound, so every table lies in the direct map;
 *  - linear-map slot 0 describes the direct map on the boot CPU;
 *  - with PTI, the ROM and its state block are mapped in the user page
 *    tables, and user pgd entries are also written to the user copy.
 *
 * The entry updates, InvalPage, FlushTLB and SetLazyMode reach the ROM
 * through rom_call.c's vmi_rom_*(), which keep the deferral state.
 *
 * In lazy MMU mode an entry update goes to the ROM at once with
 * VMI_PAGE_DEFER, and the ROM holds it until its next flush point (the
 * end of the lazy section, InvalPage, FlushTLB, SetCR3), as VMware's own
 * guest relied on: one call per update and nothing else on the path.
 * With vmi=batch the entry updates and single-page invalidations go to
 * this CPU's batch (lazy.c) instead; every other MMU call, and every
 * update made outside lazy mode, then first flushes that batch, so the
 * ROM sees the updates in program order. vmi=nomm keeps this whole group
 * native.
 */
#define pr_fmt(fmt) "vmi: " fmt

#include <linux/init.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <asm/paravirt.h>
#include <asm/pgalloc.h>
#include <asm/pgtable.h>
#include <asm/pgtable_areas.h>
#include <asm/pti.h>
#include <asm/set_memory.h>
#include <asm/tlbflush.h>

#include "vmi.h"

#ifdef CONFIG_X86_PAE
#define VMI_PAGE_FORMAT		VMI_PAGE_PAE
#define VMI_CALL_SET_PXE	VMI_CALL_SetPxELong
#define VMI_CALL_UPDATE_PXE	VMI_CALL_UpdatePxELong
#else
#define VMI_PAGE_FORMAT		0
#define VMI_CALL_SET_PXE	VMI_CALL_SetPxE
#define VMI_CALL_UPDATE_PXE	VMI_CALL_UpdatePxE
#endif

#define VMI_PAGE_L1	(VMI_PAGE_PT | VMI_PAGE_FORMAT | VMI_PAGE_ZEROED)
#define VMI_PAGE_L2	(VMI_PAGE_PD | VMI_PAGE_FORMAT | VMI_PAGE_ZEROED)

/* The update goes to the ROM with VMI_PAGE_DEFER (not with vmi=batch). */
static __always_inline bool vmi_mmu_defers(void)
{
	return !static_branch_unlikely(&vmi_lazy_batching) && vmi_rom_may_defer();
}

/*
 * In lazy MMU mode the ROM may defer the update (or, with vmi=batch, the
 * batch takes it); otherwise it is applied now, after the batch.
 */
static void vmi_mmu_update(enum vmi_mmu_op op, void *ptr, u64 val, u32 flags)
{
	if (static_branch_unlikely(&vmi_lazy_batching)) {
		if (vmi_lazy_queue(op, ptr, val, flags))
			return;
		__vmi_lazy_flush(VMI_FLUSH_MMU_CALL);
	} else if (vmi_mmu_defers()) {
		vmi_rom_mmu_update(op, ptr, val, flags | VMI_PAGE_DEFER);
		if (vmi_stats_on())
			vmi_lazy_count_deferred();
		return;
	}
	vmi_rom_mmu_update(op, ptr, val, flags);
}

static inline void vmi_set_pxe(u64 val, void *ptr, u32 flags)
{
	vmi_mmu_update(VMI_MMU_SET, ptr, val, flags);
}

/*
 * The flags that place an update: the level, and CURRENT_AS with the
 * linear address when the entry belongs to the loaded address space (or
 * to the kernel's, which every address space shares).
 */
static u32 vmi_update_flags(u32 level, struct mm_struct *mm,
			    unsigned long addr)
{
	u32 flags = level;

	if (mm == &init_mm || mm == current->active_mm)
		flags |= VMI_PAGE_CURRENT_AS | (addr & VMI_PAGE_VA_MASK);
	return flags;
}

static void vmi_set_pte(pte_t *ptep, pte_t pte)
{
	vmi_set_pxe(pte_val(pte), ptep, VMI_PAGE_PT);
}

/*
 * Splitting a huge pmd builds the new pmd in a local variable first
 * (pmd_populate(mm, &_pmd, pgtable) in mm/huge_memory.c) to reach the
 * deposited pte table: the stack is not a page table, so that store stays
 * native rather than telling the ROM of an update to an unknown page.
 */
static void vmi_set_pmd(pmd_t *pmdp, pmd_t pmd)
{
	if (unlikely(object_is_on_stack(pmdp))) {
		native_set_pmd(pmdp, pmd);
		return;
	}
	vmi_set_pxe(pmd_val(pmd), pmdp, VMI_PAGE_PD);
}

static void vmi_pte_update(struct mm_struct *mm, unsigned long addr,
			   pte_t *ptep)
{
	vmi_mmu_update(VMI_MMU_UPDATE, ptep, 0,
		       vmi_update_flags(VMI_PAGE_PT, mm, addr));
}

/* A huge pmd (THP, PAE) changed in place, as pte_update for a pte. */
static void vmi_pmd_update(struct mm_struct *mm, unsigned long addr,
			   pmd_t *pmdp)
{
	vmi_mmu_update(VMI_MMU_UPDATE, pmdp, 0,
		       vmi_update_flags(VMI_PAGE_PD, mm, addr));
}

/*
 * mprotect (and NUMA hinting, soft-dirty clearing) take an entry with an
 * atomic get-and-clear, then commit its new value with set_pte. When the
 * ROM may defer, it is told once: the commit's deferred SetPxE carries
 * the final value, and a deferred UpdatePxE of the clear, applied at the
 * same flush point, would only re-read that value (Xen's start/commit
 * pair is one hypercall for the same reason). Otherwise the clear is
 * announced like any atomic change; with vmi=batch the batch must not
 * still hold the entry read back.
 */
static pte_t vmi_ptep_modify_prot_start(struct vm_area_struct *vma,
					unsigned long addr, pte_t *ptep)
{
	if (vmi_mmu_defers())
		return native_ptep_get_and_clear(ptep);
	vmi_lazy_readback(ptep);
	return ptep_get_and_clear(vma->vm_mm, addr, ptep);
}

#ifdef CONFIG_X86_PAE
#ifdef CONFIG_MITIGATION_PAGE_TABLE_ISOLATION
/*
 * With PTI a user entry of a pgd is also written to the pgd's user copy
 * (pti_set_user_pgtbl() does it for native). PDPT entries have no USER
 * bit, so the kernel's copy never gets the NX that native adds.
 */
static void vmi_set_user_pgd_copy(pud_t *pudp, pud_t pud)
{
	if (cpu_feature_enabled(X86_FEATURE_PTI) && pgdp_maps_userspace(pudp) &&
	    !(pud_val(pud) & _PAGE_NOPTISHADOW))
		vmi_set_pxe(pud_val(pud), kernel_to_user_pgdp((pgd_t *)pudp),
			    VMI_PAGE_PDP);
}
#else
static inline void vmi_set_user_pgd_copy(pud_t *pudp, pud_t pud) { }
#endif

static void vmi_set_pud(pud_t *pudp, pud_t pud)
{
	vmi_set_user_pgd_copy(pudp, pud);
	vmi_set_pxe(pud_val(pud), pudp, VMI_PAGE_PDP);
}

/* The ROM stores all 64 bits with one atomic write. */
static void vmi_set_pte_atomic(pte_t *ptep, pte_t pte)
{
	vmi_set_pxe(pte_val(pte), ptep, VMI_PAGE_PT);
}

static void vmi_pte_clear(struct mm_struct *mm, unsigned long addr,
			  pte_t *ptep)
{
	vmi_set_pxe(0, ptep, vmi_update_flags(VMI_PAGE_PT, mm, addr));
}

static void vmi_pmd_clear(pmd_t *pmdp)
{
	vmi_set_pxe(0, pmdp, VMI_PAGE_PD);
}
#endif

static void vmi_allocate_page(unsigned long pfn, u32 flags, u32 clone_pfn,
			      u32 start, u32 count)
{
	vmi_lazy_flush(VMI_FLUSH_MMU_CALL);
	vmi_rom_call(AllocatePage, pfn, flags, clone_pfn, start, count);
}

/*
 * pmd_populate() (and pud_populate()) also run when mremap moves a whole
 * table to a new directory entry (move_normal_pmd/pud()): that table is
 * still announced and holds entries, and must not be announced again as a
 * new, zeroed one. A table page announced with AllocatePage carries
 * PG_pinned (PG_owner_priv_1, which Xen uses the same way for the tables
 * its hypervisor knows) until ReleasePage; the page allocator clears it
 * on free in any case. One bit test, where scanning the page for a
 * non-zero entry cost about 3,000 instructions per new table.
 */
/* Returns false if the page was announced already (a moved table). */
static bool vmi_table_page_mark_announced(unsigned long pfn)
{
	if (pfn >= max_low_pfn)
		return true;	/* the first tables (max_low_pfn 0), highmem */
	/*
	 * Until the memory map is set up (slab comes after it) the page
	 * has no struct page to mark: only kernel tables are made then, and
	 * a new one is zeroed.
	 */
	if (!slab_is_available())
		return !memchr_inv(__va(PFN_PHYS(pfn)), 0, PAGE_SIZE);
	return !TestSetPagePinned(pfn_to_page(pfn));
}

static void vmi_table_page_retired(unsigned long pfn)
{
	if (pfn < max_low_pfn && slab_is_available())
		ClearPagePinned(pfn_to_page(pfn));
}

static void vmi_alloc_pte(struct mm_struct *mm, unsigned long pfn)
{
	if (vmi_table_page_mark_announced(pfn))
		vmi_allocate_page(pfn, VMI_PAGE_L1, 0, 0, 0);
}

static void vmi_alloc_pmd(struct mm_struct *mm, unsigned long pfn)
{
	if (vmi_table_page_mark_announced(pfn))
		vmi_allocate_page(pfn, VMI_PAGE_L2, 0, 0, 0);
}

static void vmi_release_page(unsigned long pfn, u32 flags)
{
	vmi_lazy_flush(VMI_FLUSH_MMU_CALL);
	vmi_table_page_retired(pfn);
	vmi_rom_call(ReleasePage, pfn, flags);
}

static void vmi_release_pte(unsigned long pfn)
{
	vmi_release_page(pfn, VMI_PAGE_L1);
}

static void vmi_release_pmd(unsigned long pfn)
{
	vmi_release_page(pfn, VMI_PAGE_L2);
}

/*
 * Non-PAE: a new pgd is a level-2 table whose kernel half pgd_ctor() has
 * just copied from swapper_pg_dir, under pgd_lock (so no kernel entry can
 * change between the copy and this announcement), the rest zero. With
 * PAE the pgd is the 32-byte PDPT, which may share its page: the PMD
 * pages below it are announced through alloc_pmd, or here when they start
 * as a copy (the kernel's PMDs, which PTI keeps per pgd). pud_populate()
 * then calls alloc_pmd for that page: not announced again, as it is
 * marked (vmi_table_page_mark_announced()).
 */
static void vmi_alloc_pmd_clone(unsigned long pfn, unsigned long clonepfn,
				unsigned long start, unsigned long count)
{
	vmi_table_page_mark_announced(pfn);
	vmi_allocate_page(pfn, VMI_PAGE_L2 | VMI_PAGE_CLONE, clonepfn, start,
			  count);
}

static void vmi_pgd_free(struct mm_struct *mm, pgd_t *pgd)
{
	if (!IS_ENABLED(CONFIG_X86_PAE))
		vmi_release_pmd(__pa(pgd) >> PAGE_SHIFT);
}

static void vmi_flush_tlb_user(void)
{
	vmi_lazy_flush(VMI_FLUSH_TLB_OP);
	vmi_rom_flush_tlb(false);
}

static void vmi_flush_tlb_kernel(void)
{
	vmi_lazy_flush(VMI_FLUSH_TLB_OP);
	vmi_rom_flush_tlb(true);
}

static void vmi_flush_tlb_one_user(unsigned long addr)
{
	if (static_branch_unlikely(&vmi_lazy_batching)) {
		if (vmi_lazy_queue(VMI_MMU_INVLPG, (void *)addr, 0, 0))
			return;
		__vmi_lazy_flush(VMI_FLUSH_TLB_OP);
	}
	vmi_rom_invlpg(addr);
}

static void vmi_write_cr3(unsigned long cr3)
{
	vmi_lazy_flush(VMI_FLUSH_TLB_OP);
	vmi_rom_set_cr3(cr3);
}

/* vmi=nomm keeps every slot of this table native. */
#define MMU_WRAP(slot_, call_, fn_, ...)				\
	VMI_WRAP(slot_, call_, fn_, .skip_opts = VMI_OPT_NOMM, ##__VA_ARGS__)

static const struct vmi_binding vmi_mmu_bindings[] = {
	MMU_WRAP(mmu.write_cr3, SetCR3, vmi_write_cr3),
	MMU_WRAP(mmu.flush_tlb_one_user, InvalPage, vmi_flush_tlb_one_user, .not_xxl = true),
	MMU_WRAP(mmu.flush_tlb_user, FlushTLB, vmi_flush_tlb_user, .not_xxl = true),
	MMU_WRAP(mmu.flush_tlb_kernel, FlushTLB, vmi_flush_tlb_kernel, .not_xxl = true),
	MMU_WRAP(mmu.set_pte, SET_PXE, vmi_set_pte),
	MMU_WRAP(mmu.set_pmd, SET_PXE, vmi_set_pmd),
#ifdef CONFIG_X86_PAE
	MMU_WRAP(mmu.set_pud, SET_PXE, vmi_set_pud),
	MMU_WRAP(mmu.set_pte_atomic, SET_PXE, vmi_set_pte_atomic),
	MMU_WRAP(mmu.pte_clear, SET_PXE, vmi_pte_clear),
	MMU_WRAP(mmu.pmd_clear, SET_PXE, vmi_pmd_clear),
#endif
	MMU_WRAP(mmu.pte_update, UPDATE_PXE, vmi_pte_update),
	VMI_WRAP(mmu.pmd_update, UPDATE_PXE, vmi_pmd_update,
		 .skip_opts = VMI_OPT_NOMM | VMI_OPT_DROP_PMD_UPDATE),
	MMU_WRAP(mmu.ptep_modify_prot_start, UPDATE_PXE,
		 vmi_ptep_modify_prot_start),
	MMU_WRAP(mmu.alloc_pte, AllocatePage, vmi_alloc_pte),
	MMU_WRAP(mmu.alloc_pmd, AllocatePage, vmi_alloc_pmd),
	MMU_WRAP(mmu.alloc_pmd_clone, AllocatePage, vmi_alloc_pmd_clone),
	MMU_WRAP(mmu.release_pte, ReleasePage, vmi_release_pte),
	MMU_WRAP(mmu.release_pmd, ReleasePage, vmi_release_pmd),
	MMU_WRAP(mmu.pgd_free, ReleasePage, vmi_pgd_free),
};

const struct vmi_binding_table vmi_mmu_table = {
	.name = "mmu",
	.bindings = vmi_mmu_bindings,
	.count = ARRAY_SIZE(vmi_mmu_bindings),
};

/*
 * The page tables that exist before the ROM was bound: the loaded one
 * (swapper_pg_dir: the kernel half head_32.S built, cloned by setup_arch)
 * and every table it points to, announced with what they hold (no ZEROED
 * claim). With PAE the PDPT itself is never announced, as for every pgd;
 * two PDPT entries may share a PMD page.
 */
static void __init vmi_announce_boot_tables(void)
{
	unsigned long pfn, pt;
	unsigned int i, j;
#ifdef CONFIG_X86_PAE
	const u64 *pdpt = __va(read_cr3_pa());

	for (i = 0; i < PTRS_PER_PGD; i++) {
		bool seen = false;
		const u64 *pmd;

		if (!(pdpt[i] & _PAGE_PRESENT))
			continue;
		pfn = (pdpt[i] & PTE_PFN_MASK) >> PAGE_SHIFT;
		for (j = 0; j < i; j++)
			seen |= (pdpt[j] & _PAGE_PRESENT) &&
				((pdpt[j] & PTE_PFN_MASK) >> PAGE_SHIFT) == pfn;
		if (seen)
			continue;
		vmi_allocate_page(pfn, VMI_PAGE_PD | VMI_PAGE_FORMAT, 0, 0, 0);
		pmd = __va(pfn << PAGE_SHIFT);
		for (j = 0; j < PTRS_PER_PMD; j++) {
			if (!(pmd[j] & _PAGE_PRESENT) || (pmd[j] & _PAGE_PSE))
				continue;
			pt = (pmd[j] & PTE_PFN_MASK) >> PAGE_SHIFT;
			vmi_allocate_page(pt, VMI_PAGE_PT | VMI_PAGE_FORMAT,
					  0, 0, 0);
		}
	}
#else
	const u32 *pd = __va(read_cr3_pa());

	vmi_allocate_page(read_cr3_pa() >> PAGE_SHIFT, VMI_PAGE_PD, 0, 0, 0);
	for (i = 0; i < PTRS_PER_PGD; i++) {
		if (!(pd[i] & _PAGE_PRESENT) || (pd[i] & _PAGE_PSE))
			continue;
		pt = (pd[i] & PTE_PFN_MASK) >> PAGE_SHIFT;
		vmi_allocate_page(pt, VMI_PAGE_PT, 0, 0, 0);
	}
	(void)pfn;
	(void)j;
#endif
}

/*
 * HIGHPTE puts user pte pages in highmem, written through a kmap_local
 * address the ROM cannot tie to a frame (a shadowing monitor would have
 * to look each one up). While the ROM owns the page tables they come from
 * low memory instead, as with userpte=nohigh: every table the ROM is told
 * about lies in the direct map.
 */
static void __init vmi_keep_user_ptes_low(void)
{
	if (!IS_ENABLED(CONFIG_HIGHPTE) ||
	    !(__userpte_alloc_gfp & __GFP_HIGHMEM))
		return;
	__userpte_alloc_gfp &= ~__GFP_HIGHMEM;
	pr_info("HIGHPTE: user page tables kept in low memory\n");
}

/*
 * PTI: the exit paths reach the ROM (IRET, SYSEXIT, and the buffer clear
 * the ROM does before them) after the switch to the user page tables, so
 * the ROM image and the state block it writes must be mapped there too,
 * supervisor-only like the entry text. Only a ROM that says where its
 * writable state lives can be mapped completely; with any other ROM PTI
 * stays off (pti_check_boottime_disable(): "disabled by the paravirt
 * backend"). At CPL 0 the entry code's own CR3 switches run as on
 * hardware; at CPL 1 each would fault into the ROM's monitor, so PTI stays
 * off there too (the monitor's tables live in the kernel's direct map).
 */
void __init vmi_pti_init(void)
{
	pv_info.pti_capable = vmi_rom.state && !vmi_kernel_rpl;
}

/*
 * Page by page: the direct map around the ROM is split first, so no other
 * low memory becomes visible with the user CR3. Before any user process.
 */
static void __init vmi_pti_map_range(const void *start, unsigned long size)
{
	unsigned long va = (unsigned long)start & PAGE_MASK;
	unsigned long end = PAGE_ALIGN((unsigned long)start + size);

	set_memory_4k(va, (end - va) >> PAGE_SHIFT);
	pti_clone_kernel_range(va, end);
}

static int __init vmi_pti_map_rom(void)
{
	if (!vmi_active || !cpu_feature_enabled(X86_FEATURE_PTI))
		return 0;
	vmi_pti_map_range(vmi_rom.image, vmi_rom.info.size);
	vmi_pti_map_range(vmi_rom.state, vmi_rom.state_size);
	pr_info("PTI: ROM image (%u bytes) and state block (%u bytes) mapped in the user page tables\n",
		vmi_rom.info.size, vmi_rom.state_size);
	return 0;
}
early_initcall(vmi_pti_map_rom);

/*
 * Linear-map slot 0: the direct map, PAGE_OFFSET onwards, for every CPU
 * (smp.c replays it on each AP). The whole lowmem window is described
 * because the probe runs before the memory map is known.
 */
void __init vmi_register_direct_map(void)
{
	if (pv_ops.mmu.alloc_pte == vmi_alloc_pte) {
		vmi_announce_boot_tables();
		vmi_keep_user_ptes_low();
	}
	if (!vmi_linear_map_usable() || (vmi_options & VMI_OPT_NOMM))
		return;
	vmi_linear_map_all(VMI_LINEAR_MAP_SLOT_DIRECT, PAGE_OFFSET,
			   MAXMEM >> PAGE_SHIFT, 0);
}
