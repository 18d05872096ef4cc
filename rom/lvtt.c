// SPDX-License-Identifier: GPL-2.0
/*
 * VMI ROM: alarms on the local APIC timer (the LVTT wiring of SetAlarm).
 *
 * Owns the APIC timer's rate (measured against the TSC on first use) and
 * its programming: count and divider for an expiry, stop, still counting.
 * The LVT entry itself is virtualised by apic.c (the guest's vector and
 * mask); alarm.c decides when to arm. Called with interrupts off. Rules
 * of every ROM C file: romlib.h.
 */
#include "romlib.h"
#include "alarm_sources.h"

#define TDCR_DIV_1	0xb

/*
 * One reading of the APIC timer rate at divide 1 (kHz): two reads of the
 * current count a window of TSC apart, each timed by the TSC read right
 * after it. QEMU samples the count at the end of the access, and an access
 * takes tens of microseconds under TCG (more after a long busy loop than
 * right after another access), so timing the reads at the midpoint of
 * TSC brackets made the rate 0.2-0.5 % high over 10 ms; timed after the
 * read it is within 50 ppm of QEMU's 1 GHz.
 */
static u32 apic_rate(struct vmi_rom_private *p, volatile u32 *a, u64 window)
{
	u32 c1, c2;
	u64 t1, t2;

	c1 = APIC(a, APIC_TMCCT);
	barrier();
	t1 = rdtsc();
	do {
		t2 = rdtsc();
	} while (t2 - t1 < window);
	c2 = APIC(a, APIC_TMCCT);
	barrier();
	t2 = rdtsc();
	return scale(c1 - c2, p->tsc_khz, (u32)(t2 - t1));
}

/*
 * APIC timer rate, measured once: the median of five 5 ms readings (the
 * LVTT is masked meanwhile and then restored). A vCPU descheduled between
 * a count read and its TSC read spoils that reading only.
 */
static void apic_calibrate(struct vmi_rom_private *p, volatile u32 *a)
{
	u32 lvtt = APIC(a, APIC_LVTT), r[5], v;
	u64 window = (u64)p->tsc_khz * 5;
	int i, j;

	if (!p->tsc_khz) {
		p->apic_khz = 1000000;		/* QEMU: 1 GHz bus clock */
		return;
	}
	APIC(a, APIC_LVTT) = (lvtt & ~LVTT_MODE_MASK) | LVT_MASKED;
	APIC(a, APIC_TDCR) = TDCR_DIV_1;
	APIC(a, APIC_TMICT) = 0xffffffff;
	for (i = 0; i < 5; i++) {
		v = apic_rate(p, a, window);
		for (j = i; j > 0 && r[j - 1] > v; j--)
			r[j] = r[j - 1];
		r[j] = v;
	}
	APIC(a, APIC_TMICT) = 0;
	APIC(a, APIC_LVTT) = lvtt;
	p->apic_khz = r[2] ? r[2] : 1;
}

/* TDCR encodings of the dividers 1, 2, 4, ... 128. */
#define TDCR_CODES	0xa983210bu	/* nibble k: divide by 2^k */

/*
 * Returns 1 if armed. period in cycles, 0: one-shot. The smallest divider
 * whose count fits 32 bits keeps the resolution (at QEMU's 1 GHz: divide
 * 1 up to 4.29 s, divide 128 up to 549 s). The delay is taken after the
 * first-use calibration, so a calibration does not delay an absolute
 * expiry.
 */
int vmi_lvtt_arm(struct vmi_rom_private *p, u64 expiry, u64 period)
{
	volatile u32 *a = vmi_apic_page(p);
	u64 cycles, ticks;
	u32 k = 0, code;

	if (!a)
		return 0;
	if (!p->apic_khz)
		apic_calibrate(p, a);
	cycles = period ? period : cycles_until(expiry);
	if (cycles > (1ull << 40))
		cycles = 1ull << 40;
	ticks = p->tsc_khz ? div64_32(cycles * p->apic_khz, p->tsc_khz) : 0;
	while (k < 7 && (ticks >> k) > 0xffffffffull)
		k++;
	ticks >>= k;
	if (ticks > 0xffffffffull)
		ticks = 0xffffffffull;
	code = (TDCR_CODES >> (4 * k)) & 0xf;
	vmi_apic_lvtt_arm(p, a, ticks ? (u32)ticks : 1, code, period != 0);
	return 1;
}

/* Stop the timer (its LVT entry stays as the guest set it). */
void vmi_lvtt_stop(struct vmi_rom_private *p)
{
	volatile u32 *a = vmi_apic_page(p);

	if (a)
		APIC(a, APIC_TMICT) = 0;
}

/* An armed LVTT alarm: periodic, or a one-shot still counting. */
int vmi_lvtt_pending(struct vmi_rom_private *p, struct vmi_rom_alarm *al)
{
	volatile u32 *a;

	if (al->period)
		return 1;
	a = vmi_apic_page(p);
	return a && APIC(a, APIC_TMCCT) != 0;
}
