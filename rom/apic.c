// SPDX-License-Identifier: GPL-2.0
/*
 * VMI ROM: the local APIC as a monitor presents it - APICRead/APICWrite,
 * SetLinearMapping, SetInitialAPState and the AP start-up they drive.
 *
 * What this file owns and its rules:
 *  - Reaching the APIC. The ROM maps the APIC itself at 0xffe00000, inside
 *    the hole the guest leaves above virtual_top (VIRTUAL_TOP <=
 *    0xffc00000), on first use in each address space, because guests
 *    (the 2.6 one) never register the APIC in a linear-map slot: a large
 *    page in the page directory CR3 points at (4 MiB non-PAE, 2 MiB PAE),
 *    or one page-table entry if the kernel left a page table there. The default build takes a guest's slot-3
 *    registration first (a shortcut: no page-table look-up); the strict
 *    build never does. An entry of the guest's already present in the
 *    hole is never overwritten: the call fails and counts apic_errors.
 *  - LVTT. A guest writes the timer LVT (vector, mask) while the ROM owns
 *    the timer's mode and count for its LVTT alarms: the guest's value is
 *    kept per CPU, APICRead returns it, and while an LVTT alarm is armed
 *    the hardware LVTT is the guest's vector and mask with the alarm's
 *    mode, and guest writes of TMICT and TDCR are dropped. With no LVTT
 *    alarm armed, LVTT, TMICT and TDCR pass through (a guest that keeps
 *    its own APIC timer still works).
 *  - INIT and STARTUP. A VMI guest hands the AP's state to
 *    SetInitialAPState and sends INIT and STARTUP through APICWrite, as
 *    on hardware. Once a CPU has had a state recorded, the ROM never lets
 *    those IPIs reach it (it would restart in real mode at the guest's
 *    vector): INIT is dropped, STARTUP starts the AP in the recorded
 *    state if there is one neither taken nor already woken (else it is
 *    dropped too: one wake-up per SetInitialAPState, however slowly the
 *    AP runs). To a
 *    CPU that never had a state they pass through: the guest starts it
 *    natively (vmi=nosmp, no SetInitialAPState). The default build also starts the AP at
 *    once inside SetInitialAPState (guests that send no IPIs); the strict
 *    build starts APs only on STARTUP, as VMware's monitor did.
 */
#include "romlib.h"

#define PG_PRESENT	0x001u
#define PG_RW		0x002u
#define PG_PWT		0x008u
#define PG_PCD		0x010u
#define PG_PSE		0x080u
#define PG_4K_UC	(PG_PRESENT | PG_RW | PG_PWT | PG_PCD)
#define PG_LARGE_UC	(PG_4K_UC | PG_PSE)
#define PG_AD		0x060u		/* accessed, dirty: the CPU's */
#define CR4_PSE		0x010u
#define CR4_PAE		0x020u
#define MSR_EFER	0xc0000080u
#define EFER_NXE	0x800u

#define ICR_DM_MASK	0x700u
#define ICR_DM_INIT	0x500u
#define ICR_DM_STARTUP	0x600u
#define ICR_SHORTHAND	0xc0000u

/* The ROM's own window onto the top of the physical address space. */
#define SELFMAP_VA	0xffc00000u
#define SELFMAP_PHYS	0xfec00000u

#ifndef VMI_ROM_STRICT
#define VMI_ROM_STRICT	0
#endif

/* The hole the guest leaves above virtual_top holds the ROM's window. */
#if VMI_ROM_VIRTUAL_TOP && VMI_ROM_VIRTUAL_TOP <= 0xffc00000
#define SELFMAP_HOLE	1
#else
#define SELFMAP_HOLE	0
#endif

static inline u32 read_cr3(void)
{
	u32 v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline u32 read_cr4(void)
{
	u32 v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline u32 efer_nx(void)
{
	u32 lo, hi, a = 0x80000001, b, c = 0, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (!(d & (1u << 20)))
		return 0;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_EFER));
	return lo & EFER_NXE;
}

static inline void invlpg(u32 va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/*
 * Make one entry of the hole map what the ROM wants: install it if empty,
 * accept it if it already says the same (the CPU's accessed and dirty
 * bits aside), refuse anything else (a guest that used the hole after
 * all). Returns 1 if the entry now holds @want.
 */
static int claim32(volatile u32 *e, u32 want, u32 va)
{
	u32 v = *e;

	if (!(v & PG_PRESENT)) {
		*e = want;
		invlpg(va);
		return 1;
	}
	return (v & ~PG_AD) == want;
}

static int claim64(volatile u64 *e, u64 want, u32 va)
{
	u64 v = *e;

	if (!(v & PG_PRESENT)) {
		*e = want;
		invlpg(va);
		return 1;
	}
	return (v & ~(u64)PG_AD) == want;
}

/*
 * The page of physical @phys (0xfec00000 and up: IOAPIC, HPET, local
 * APIC) at SELFMAP_VA + (phys - 0xfec00000) in the current address space.
 * The directory entry covering it gets a large page if it is empty; a
 * kernel may have left an (empty) page table there from before it
 * reserved the hole, and then the ROM takes one page-table entry instead.
 * NULL if the hole is not the ROM's or an entry there is the guest's.
 */
volatile u32 *vmi_selfmap(struct vmi_rom_private *p, u32 phys)
{
	u32 off = page_offset(p), cr4 = read_cr4(), cr3 = read_cr3(), ok;
	u32 va = SELFMAP_VA + (phys - SELFMAP_PHYS);

	if (!SELFMAP_HOLE || phys < SELFMAP_PHYS)
		return 0;
	if (cr4 & CR4_PAE) {
		volatile u64 *pdpt = (volatile u64 *)(off + (cr3 & ~0x1fu));
		volatile u64 *pmd;
		u64 nx = efer_nx() ? 1ull << 63 : 0, e = pdpt[3];
		u32 i = (va >> 21) & 511;

		if (!(e & PG_PRESENT))
			return 0;
		pmd = (volatile u64 *)(off + ((u32)e & ~0xfffu));
		e = pmd[i];
		if ((e & PG_PRESENT) && !(e & PG_PSE))
			ok = claim64((volatile u64 *)(off + ((u32)e & ~0xfffu)) +
				     ((va >> 12) & 511),
				     (phys & ~0xfffu) | PG_4K_UC | nx, va);
		else
			ok = claim64(&pmd[i], (phys & ~0x1fffffu) | PG_LARGE_UC | nx,
				     va);
	} else {
		volatile u32 *pd = (volatile u32 *)(off + (cr3 & ~0xfffu));
		u32 e = pd[1023];

		if ((e & PG_PRESENT) && !(e & PG_PSE))
			ok = claim32((volatile u32 *)(off + (e & ~0xfffu)) +
				     ((va >> 12) & 1023),
				     (phys & ~0xfffu) | PG_4K_UC, va);
		else
			ok = (cr4 & CR4_PSE) &&
			     claim32(&pd[1023], SELFMAP_PHYS | PG_LARGE_UC, va);
	}
	return ok ? (volatile u32 *)(va & ~0xfffu) : 0;
}

/*
 * The APIC page: the guest's slot 3 (default build: this CPU's, else the
 * last any CPU registered), else the ROM's own mapping. NULL, counted in
 * apic_errors, if neither exists.
 */
volatile u32 *vmi_apic_page(struct vmi_rom_private *p)
{
	struct vmi_rom_linear *l = &this_cpu(p)->linear[VMI_LINEAR_MAP_SLOT_APIC];
	volatile u32 *a;

	if (!VMI_ROM_STRICT) {
		if (!l->pages)
			l = &p->linear[VMI_LINEAR_MAP_SLOT_APIC];
		if (l->pages)
			return (volatile u32 *)(l->va & VMI_PAGE_VA_MASK);
	}
	a = vmi_selfmap(p, 0xfee00000u);
	if (!a)
		atomic_inc(p->apic_errors);
	return a;
}

/**** SetLinearMapping ****/

RP void vmi_c_set_linear_mapping(u32 slot, u32 va, u32 pages, u32 pfn)
{
	struct vmi_rom_private *p;
	struct vmi_rom_linear *l;
	u32 f;

	if (slot >= VMI_LINEAR_MAP_SLOTS)
		return;
	f = irq_save();
	p = priv();
	l = &this_cpu(p)->linear[slot];
	l->va = va;
	l->pages = pages;
	l->pfn = pfn;
	l = &p->linear[slot];
	l->va = va;
	l->pages = pages;
	l->pfn = pfn;
	irq_restore(f);
}

/**** LVTT ****/

static int lvtt_alarm_armed(struct vmi_rom_pcpu *c)
{
	struct vmi_rom_alarm *al = c->alarm;
	int i;

	for (i = 0; i < VMI_ALARM_COUNTERS; i++)
		if (al[i].armed && (al[i].flags & VMI_ALARM_WIRED_LVTT))
			return 1;
	return 0;
}

/* The guest's LVTT: what it last wrote, else what the hardware holds. */
static u32 guest_lvtt(struct vmi_rom_pcpu *c, volatile u32 *a)
{
	return (c->vflags & VMI_ROM_VF_LVTT) ? c->lvtt : APIC(a, APIC_LVTT);
}

/*
 * Start the APIC timer for an alarm: count at divider tdcr, the guest's
 * vector and mask, the alarm's mode. Interrupts are off (lvtt.c).
 */
void vmi_apic_lvtt_arm(struct vmi_rom_private *p, volatile u32 *a,
		       u32 count, u32 tdcr, int periodic)
{
	struct vmi_rom_pcpu *c = this_cpu(p);
	u32 lvtt = guest_lvtt(c, a) & ~LVTT_MODE_MASK;

	APIC(a, APIC_TMICT) = 0;
	APIC(a, APIC_TDCR) = tdcr;
	APIC(a, APIC_LVTT) = lvtt | (periodic ? LVTT_PERIODIC : 0);
	APIC(a, APIC_TMICT) = count;
}

/**** INIT / STARTUP and SetInitialAPState ****/

/*
 * Wake the AP with APIC ID id into the trampoline, which loads its ap[]:
 * INIT, then STARTUP (twice if the AP has not taken the state within
 * 10 ms). Once per recorded state: an AP slow to run (a busy host) is on
 * its way, and a second INIT would reset it inside the trampoline.
 * Interrupts are off.
 */
static void start_ap(struct vmi_rom_private *p, volatile u32 *a, u32 id,
		     struct vmi_rom_ap *ap)
{
	u32 sipi = 0x4600 | (p->ap_tramp >> 12), i;

	if (ap->woken)
		return;
	ap->woken = 1;
	APIC(a, APIC_ICR2) = id << 24;
	APIC(a, APIC_ICR) = 0x4500;		/* INIT, assert */
	delay_us(p, 10000);
	for (i = 0; i < 2 && *(volatile u32 *)&ap->valid == 1; i++) {
		APIC(a, APIC_ICR2) = id << 24;
		APIC(a, APIC_ICR) = sipi;
		delay_us(p, 200);
		if (*(volatile u32 *)&ap->valid == 1)
			delay_us(p, 10000);
	}
	ap->starts++;
}

/*
 * An ICR write the ROM takes for itself: INIT and STARTUP to a CPU the
 * guest gave a state with SetInitialAPState. Returns 1 if the write was
 * consumed. INIT and STARTUP to a CPU that never had a state pass to the
 * hardware: the guest starts that AP natively (vmi=nosmp, a ROM without
 * SetInitialAPState), as a monitor lets a vCPU start in real mode.
 * Shorthand broadcasts of INIT/STARTUP are dropped.
 */
static int icr_intercept(struct vmi_rom_private *p, struct vmi_rom_pcpu *c,
			 volatile u32 *a, u32 icr)
{
	u32 dm = icr & ICR_DM_MASK, id = c->icr2 >> 24;
	struct vmi_rom_ap *ap;
	int slot;

	if (dm != ICR_DM_INIT && dm != ICR_DM_STARTUP)
		return 0;
	if (icr & ICR_SHORTHAND) {
		atomic_inc(p->ipis_dropped);
		return 1;
	}
	slot = cpu_slot_known(p, id);
	if (slot < 0)
		return 0;	/* a CPU the ROM never saw: started natively */
	ap = &p->ap[slot];
	ap->ipis++;
	if (!ap->valid)
		return 0;	/* never given a state: started natively */
	if (dm == ICR_DM_STARTUP && ap->valid == 1 && p->ap_tramp)
		start_ap(p, a, id, ap);
	return 1;
}

RP u32 vmi_c_apic_read(u32 reg)
{
	struct vmi_rom_private *p = priv();
	volatile u32 *a;
	u32 f = irq_save(), v = 0;

	a = vmi_apic_page(p);
	if (a) {
		reg &= 0xff0;
		if (reg == APIC_LVTT)
			v = guest_lvtt(this_cpu(p), a);
		else
			v = APIC(a, reg);
	}
	irq_restore(f);
	return v;
}

RP void vmi_c_apic_write(u32 reg, u32 val)
{
	struct vmi_rom_private *p = priv();
	struct vmi_rom_pcpu *c;
	volatile u32 *a;
	u32 f = irq_save();

	a = vmi_apic_page(p);
	if (!a)
		goto out;
	c = this_cpu(p);
	switch (reg & 0xff0) {
	case APIC_LVTT:
		c->lvtt = val;
		c->vflags |= VMI_ROM_VF_LVTT;
		if (lvtt_alarm_armed(c))
			val = (val & ~LVTT_MODE_MASK) |
			      (APIC(a, APIC_LVTT) & LVTT_MODE_MASK);
		APIC(a, APIC_LVTT) = val;
		break;
	case APIC_TMICT:
	case APIC_TDCR:
		if (!lvtt_alarm_armed(c))
			APIC(a, reg) = val;
		break;
	case APIC_ICR2:
		c->icr2 = val;
		APIC(a, APIC_ICR2) = val;
		break;
	case APIC_ICR:
		if (!icr_intercept(p, c, a, val)) {
			APIC(a, APIC_ICR2) = c->icr2;
			APIC(a, APIC_ICR) = val;
		}
		break;
	default:
		APIC(a, reg) = val;
	}
out:
	irq_restore(f);
}

/*
 * EAX = linear pointer to struct vmi_ap_state (copied now), EDX = APIC ID.
 * Records the state in the target's ap[] slot; the default build then
 * wakes that CPU at once, the strict build waits for the guest's STARTUP.
 * Without the trampoline (STATE_KIB < 16), a reachable APIC, or a free
 * slot (more than VMI_ROM_MAX_CPUS CPUs), the state is not recorded and
 * the AP stays down (the guest times out, as the ABI says).
 */
RP void vmi_c_set_initial_ap_state(const struct vmi_ap_state *st, u32 apic_id)
{
	struct vmi_rom_private *p = priv();
	struct vmi_rom_ap *ap;
	volatile u32 *a;
	const u32 *src = (const u32 *)st;
	u32 *dst, i, f;

	if (apic_id > 0xff || !p->ap_tramp)
		return;
	f = irq_save();
	a = vmi_apic_page(p);
	if (!a) {
		irq_restore(f);
		return;
	}
	ap = &p->ap[cpu_slot(p, apic_id)];
	if (cpu_slot_known(p, apic_id) < 0) {
		irq_restore(f);
		return;			/* every slot taken */
	}
	ap->valid = 0;
	ap->woken = 0;
	dst = (u32 *)&ap->st;
	for (i = 0; i < sizeof(*st) / 4; i++)
		dst[i] = src[i];
	ap->idt_limit = st->idtr_limit;
	ap->idt_base = st->idtr_base;
	ap->page_offset = page_offset(p);
	barrier();
	*(volatile u32 *)&ap->valid = 1;
	if (!VMI_ROM_STRICT)
		start_ap(p, a, apic_id, ap);
	irq_restore(f);
}
