// SPDX-License-Identifier: GPL-2.0
/*
 * VMI ROM: IRQ0 alarms on the HPET.
 *
 * What it owns and why: an alarm wired to IRQ0 must behave like the
 * guest's own PIT would if the PIT could count far enough - one interrupt
 * at the expiry, nothing early, nothing when it is re-armed or cancelled.
 * PIT channel 0 counts at most 65535 ticks (54.9 ms), and every mode
 * change of a channel that is still counting raises OUT (an IRQ0 edge).
 * The HPET has neither limit: in legacy-replacement mode its timer 0
 * drives IRQ0 (and the PIT's output is disconnected), its comparator
 * spans seconds, and clearing Tn_INT_ENB stops it without an edge.
 *
 * Its rate is measured against the TSC once, at the first IRQ0 alarm
 * (5 ms), so alarms agree with the cycle counter the guest reads.
 *
 * Rules: used only when the machine has an HPET at the PC address
 * (0xfed00000) that the ROM can map in the hole above virtual_top, with
 * the legacy-replacement capability and a sane period; otherwise alarm.c
 * stays on the PIT. Legacy replacement is switched on at the first IRQ0
 * alarm and left on (it also reroutes RTC IRQ8 to HPET timer 1, which the
 * ROM never arms: a guest that asks for IRQ0 alarms is not also using RTC
 * interrupts). Interrupts are off in every function (alarm.c).
 */
#include "romlib.h"
#include "alarm_sources.h"

#define HPET_PHYS		0xfed00000u
#define HPET_ID			0x000
#define HPET_PERIOD		0x004		/* femtoseconds per tick */
#define HPET_CFG		0x010
#define HPET_COUNTER		0x0f0
#define HPET_T0_CFG		0x100
#define HPET_T0_CMP		0x108

#define HPET_ID_LEGACY		0x00008000u
#define HPET_CFG_ENABLE		0x1u
#define HPET_CFG_LEGACY		0x2u
#define HPET_TN_ENABLE		0x004u
#define HPET_TN_PERIODIC	0x008u
#define HPET_TN_PERIODIC_CAP	0x010u
#define HPET_TN_SETVAL		0x040u
#define HPET_TN_32BIT		0x100u

#define R(h, reg)		((h)[(reg) / 4])

static u64 counter(volatile u32 *h);

/*
 * One HPET counter read, timed by TSC reads on both sides; returns the
 * bracket width (a vCPU descheduled inside it widens it).
 */
static u64 timed_read(volatile u32 *h, u64 *cnt, u64 *tsc)
{
	u64 a = rdtsc(), b;

	*cnt = counter(h);
	b = rdtsc();
	*tsc = a + (b - a) / 2;
	return b - a;
}

/*
 * The HPET rate in the units of the cycle rate: HPET ticks over 2 ms
 * against the TSC, scaled by tsc_khz, the try with the narrowest TSC
 * brackets of five. The alarms convert cycles to ticks with hpet_khz /
 * tsc_khz, so a POST calibration of the TSC that is a few per cent off
 * cancels out instead of making IRQ0 alarms early.
 */
static u32 rate(struct vmi_rom_private *p, volatile u32 *h, u32 nominal_khz)
{
	u64 h0, h1, t0, t1, w, w1, best_w = ~0ull;
	u32 best = nominal_khz;
	int i;

	if (!p->tsc_khz)
		return nominal_khz;
	for (i = 0; i < 5; i++) {
		w = timed_read(h, &h0, &t0);
		do {
			w1 = timed_read(h, &h1, &t1);
		} while (h1 - h0 < (u64)nominal_khz * 2);
		w += w1;
		if (w < best_w && t1 > t0) {
			best_w = w;
			best = (u32)div64_32((h1 - h0) * p->tsc_khz, (u32)(t1 - t0));
		}
	}
	return best;
}

/* The HPET's registers, or NULL; probes once (hpet_khz). */
static volatile u32 *hpet(struct vmi_rom_private *p)
{
	volatile u32 *h;
	u32 period;

	if (p->hpet_state == VMI_ROM_HPET_ABSENT)
		return 0;
	h = vmi_selfmap(p, HPET_PHYS);
	if (!h) {
		p->hpet_state = VMI_ROM_HPET_ABSENT;
		return 0;
	}
	if (p->hpet_state == VMI_ROM_HPET_READY)
		return h;
	period = R(h, HPET_PERIOD);
	if (R(h, HPET_ID) == 0xffffffffu || !(R(h, HPET_ID) & HPET_ID_LEGACY) ||
	    !period || period > 100000000u ||
	    !(R(h, HPET_T0_CFG) & HPET_TN_PERIODIC_CAP)) {
		p->hpet_state = VMI_ROM_HPET_ABSENT;
		return 0;
	}
	R(h, HPET_T0_CFG) = 0;
	R(h, HPET_CFG) = R(h, HPET_CFG) | HPET_CFG_ENABLE | HPET_CFG_LEGACY;
	p->hpet_khz = rate(p, h, (u32)div64_32(1000000000000ull, period));
	p->hpet_state = VMI_ROM_HPET_READY;
	return h;
}

static u64 counter(volatile u32 *h)
{
	u32 hi, lo;

	do {
		hi = R(h, HPET_COUNTER + 4);
		lo = R(h, HPET_COUNTER);
	} while (hi != R(h, HPET_COUNTER + 4));
	return (u64)hi << 32 | lo;
}

static void set_cmp(volatile u32 *h, u64 v)
{
	R(h, HPET_T0_CMP + 4) = v >> 32;
	R(h, HPET_T0_CMP) = (u32)v;
}

/* HPET ticks for a cycle count (the cycle rate is the TSC's). */
static u64 ticks(struct vmi_rom_private *p, u64 cycles)
{
	if (cycles > (1ull << 40))
		cycles = 1ull << 40;
	return p->tsc_khz ? div64_32(cycles * p->hpet_khz, p->tsc_khz) : 0;
}

/*
 * Arm timer 0: one-shot at @delay cycles from now, or periodic with
 * @period. Returns 0 if there is no usable HPET (use the PIT).
 */
int vmi_hpet_arm(struct vmi_rom_private *p, u64 delay, u64 period)
{
	volatile u32 *h = hpet(p);
	u64 t;

	if (!h)
		return 0;
	R(h, HPET_T0_CFG) = 0;
	if (period) {
		/*
		 * Periodic, 32-bit (as Linux programs it): with SETVAL the
		 * first comparator write sets the first expiry, the next
		 * one the period.
		 */
		t = ticks(p, period);
		if (t > 0x7fffffffull)
			t = 0x7fffffffull;
		R(h, HPET_T0_CFG) = HPET_TN_PERIODIC | HPET_TN_SETVAL | HPET_TN_32BIT;
		R(h, HPET_T0_CMP) = (u32)(counter(h) + ticks(p, delay) + 1);
		R(h, HPET_T0_CMP) = t ? (u32)t : 1;
		R(h, HPET_T0_CFG) = HPET_TN_PERIODIC | HPET_TN_32BIT | HPET_TN_ENABLE;
	} else {
		set_cmp(h, counter(h) + ticks(p, delay) + 1);
		R(h, HPET_T0_CFG) = HPET_TN_ENABLE;
	}
	return 1;
}

/* Stop timer 0 (no edge). Returns 1 if a one-shot had not fired yet. */
int vmi_hpet_cancel(struct vmi_rom_private *p)
{
	volatile u32 *h = hpet(p);
	u32 cfg;
	int pending;

	if (!h)
		return 0;
	cfg = R(h, HPET_T0_CFG);
	pending = (cfg & HPET_TN_ENABLE) &&
		  ((cfg & HPET_TN_PERIODIC) ||
		   counter(h) < ((u64)R(h, HPET_T0_CMP + 4) << 32 |
				 R(h, HPET_T0_CMP)));
	/* (one-shots are 64-bit: the comparator read back is whole) */
	R(h, HPET_T0_CFG) = 0;
	return pending;
}

/* Whether IRQ0 alarms run on the HPET (probing it on first use). */
int vmi_hpet_usable(struct vmi_rom_private *p)
{
	return hpet(p) != 0;
}
