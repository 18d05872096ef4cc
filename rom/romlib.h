/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the ROM's C files.
 *
 * Rules of every ROM C file: position independent (no data, no string
 * constants, no jump tables, no absolute address; the state block comes
 * from vmi_state_ptr() in calls.S), no libgcc (64-bit division through
 * div64_32), and per-CPU or device state changed only with interrupts
 * off (irq_save/irq_restore), because a nested call from an interrupt
 * handler on the same CPU must never see a half-done update.
 */
#ifndef VMI_ROM_ROMLIB_H
#define VMI_ROM_ROMLIB_H

#include <vmi/abi.h>
#include "calltab.h"
#include "portio.h"

/* The C half of a call: regparm(3), entered from calls.S by a jmp. */
#define RP __attribute__((regparm(3), used))

/*
 * The C halves that take a guest call's arguments unchanged are declared
 * with that call's own type from abi.h, the one the kernel calls it
 * through: a definition that disagrees with the ABI does not compile.
 */
RP vmi_SetLinearMapping_fn vmi_c_set_linear_mapping;
RP vmi_APICRead_fn vmi_c_apic_read;
RP vmi_APICWrite_fn vmi_c_apic_write;
RP vmi_SetInitialAPState_fn vmi_c_set_initial_ap_state;
RP vmi_SetAlarm_fn vmi_c_set_alarm;
RP vmi_CancelAlarm_fn vmi_c_cancel_alarm;
RP vmi_GetWallclockTime_fn vmi_c_get_wallclock;
RP vmi_Shutdown_fn vmi_c_shutdown;
RP vmi_WRMSR_fn vmi_mon_wrmsr;
RP vmi_RDMSR_fn vmi_mon_rdmsr;

extern struct vmi_rom_state *vmi_state_ptr(void);

static inline struct vmi_rom_private *priv(void)
{
	return (struct vmi_rom_private *)(vmi_state_ptr() + 1);
}

/* Linear minus physical address of the direct map the ROM runs from. */
static inline u32 page_offset(struct vmi_rom_private *p)
{
	return (u32)vmi_state_ptr() - p->state_phys;
}

static inline u32 irq_save(void)
{
	u32 f;

	asm volatile("pushf; pop %0; cli" : "=r"(f) : : "memory");
	return f;
}

static inline void irq_restore(u32 f)
{
	asm volatile("push %0; popf" : : "r"(f) : "memory", "cc");
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

#define atomic_inc(x)	asm volatile("lock incl %0" : "+m"(x))
#define barrier()	asm volatile("" : : : "memory")

/* n / d for a 32-bit d, without libgcc. */
static inline u64 div64_32(u64 n, u32 d)
{
	u32 hi = n >> 32, lo = (u32)n, qh, ql, r;

	qh = hi / d;
	r = hi % d;
	asm("divl %4" : "=a"(ql), "=d"(r) : "a"(lo), "d"(r), "rm"(d));
	return (u64)qh << 32 | ql;
}

/* cycles * num / den, saturated to 32 bits; cycles clamped to 2^40. */
static inline u32 scale(u64 cycles, u32 num, u32 den)
{
	u64 q;

	if (cycles > (1ull << 40))
		cycles = 1ull << 40;
	if (!den)
		return 0xffffffff;
	q = div64_32(cycles * num, den);
	return q > 0xffffffffull ? 0xffffffff : (u32)q;
}

static inline u32 initial_apic_id(void)
{
	u32 a = 1, b, c = 0, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return b >> 24;
}

/*
 * The slot of the CPU with initial APIC ID @id in pcpu[] and ap[], handed
 * out on first use (calls.S: vmi_cpu_slot, the one implementation).
 */
static inline u32 cpu_slot(struct vmi_rom_private *p, u32 id)
{
	u32 slot;

	asm volatile("call vmi_cpu_slot"
		     : "=a"(slot)
		     : "c"((struct vmi_rom_state *)p - 1), "b"(id & 0xff)
		     : "cc", "memory");
	return slot;
}

/* The slot of a CPU that has one already, or -1 (never allocates). */
static inline int cpu_slot_known(struct vmi_rom_private *p, u32 id)
{
	return (int)p->cpu_slot[id & 0xff] - 1;
}

/* This CPU's entry. */
static inline struct vmi_rom_pcpu *this_cpu(struct vmi_rom_private *p)
{
	return &p->pcpu[cpu_slot(p, initial_apic_id())];
}

static inline void delay_us(struct vmi_rom_private *p, u32 us)
{
	u64 t0 = rdtsc(), n = div64_32((u64)p->tsc_khz * us, 1000);

	while (rdtsc() - t0 < n)
		asm volatile("pause");
}

/* The local APIC (apic.c). */
#define APIC_ID		0x020
#define APIC_EOI	0x0b0
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define APIC_LVTT	0x320
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0
#define LVT_MASKED	0x00010000u
#define LVTT_PERIODIC	0x00020000u
#define LVTT_MODE_MASK	0x00060000u

#define APIC(base, reg)	((base)[((reg) & 0xff0) / 4])

/* Cycles from now until expiry; 0 if it has passed. */
static inline u64 cycles_until(u64 expiry)
{
	u64 now = rdtsc();

	return expiry > now ? expiry - now : 0;
}

volatile u32 *vmi_selfmap(struct vmi_rom_private *p, u32 phys);
volatile u32 *vmi_apic_page(struct vmi_rom_private *p);

void vmi_apic_lvtt_arm(struct vmi_rom_private *p, volatile u32 *a,
		       u32 count, u32 tdcr, int periodic);

#endif /* VMI_ROM_ROMLIB_H */
