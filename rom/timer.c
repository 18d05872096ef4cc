// SPDX-License-Identifier: GPL-2.0
/*
 * VMI ROM: the timer calls that need arithmetic or hardware sequencing -
 * SetAlarm, CancelAlarm and GetWallclockTime. (The APIC, SetLinearMapping
 * and SetInitialAPState are in apic.c; the rules of every ROM C file are
 * in romlib.h.)
 *
 * calls.S jumps here from the call's entry stub after the accounting, so
 * the stack is exactly the guest's: regparm(3), stack arguments at
 * [esp+4], plain ret; gcc keeps EBX/ESI/EDI/EBP as the ROM contract wants.
 *
 * Alarms: an LVTT alarm runs the local APIC timer with the guest's LVTT
 * vector and mask (apic.c virtualises LVTT) and a divider chosen so that
 * any expiry up to 2^40 cycles fits the 32-bit count; an IRQ0 alarm runs
 * HPET timer 0 in legacy-replacement mode (hpet.c), or PIT channel 0 on a
 * machine without an HPET. Re-arming reprograms the timer without
 * stopping it first, so it never raises an IRQ0 edge of its own; on the
 * PIT, see pit_cancel() for the one case it cannot do without one, and
 * pit_arm() for its 54.9 ms reach.
 */
#include "romlib.h"

#define TDCR_DIV_1	0xb

#define PIT_HZ		1193182u
#define PIT_CH0		0x40
#define PIT_MODE	0x43

/**** Alarms ****/

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

static void lvtt_stop(volatile u32 *a)
{
	APIC(a, APIC_TMICT) = 0;
}

/* Cycles from now until expiry; 0 if it has passed. */
static u64 cycles_until(u64 expiry)
{
	u64 now = rdtsc();

	return expiry > now ? expiry - now : 0;
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
static int lvtt_arm(struct vmi_rom_private *p, u64 expiry, u64 period)
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

/* PIT channel 0 ticks for a cycle count: 1..65535 (0 would be 65536). */
static u32 pit_count(struct vmi_rom_private *p, u64 cycles)
{
	u32 n = scale(cycles, PIT_HZ / 10, p->tsc_khz * 100);

	if (n > 0xffff)
		n = 0xffff;
	return n ? n : 1;
}

/*
 * Program channel 0 directly: the mode-0 control word drops OUT (or keeps
 * it low), the count starts a new countdown, and OUT rises once, at the
 * new expiry. Mode 2 pulses once per period. No edge at the call itself.
 * An IRQ0 one-shot further away than 65535 PIT ticks (54.9 ms) fires at
 * 54.9 ms: the PIT cannot count further, and this ROM does not take the
 * interrupt to chain counts (Documentation/virt/vmi/conformance.rst).
 */
static int pit_arm(struct vmi_rom_private *p, u64 expiry, u64 period)
{
	u32 n = pit_count(p, period ? period : cycles_until(expiry));

	if (period && n < 2)
		n = 2;
	outb(PIT_MODE, period ? 0x34 : 0x30);	/* ch0, lo/hi, mode 2 / 0 */
	outb(PIT_CH0, n & 0xff);
	outb(PIT_CH0, n >> 8);
	return 1;
}

/*
 * Cancel an IRQ0 alarm. Every mode change of an 8254 channel whose OUT is
 * low (a one-shot still counting) raises OUT at once or at the old expiry
 * (QEMU evaluates the pending transition in the new mode), and either is
 * an IRQ0 edge. So the countdown is restarted in mode 0 at the longest
 * count instead: OUT stays low, and the edge comes 54.9 ms later unless
 * the guest arms an alarm before then (which restarts the count again).
 * A one-shot that already fired (OUT high, no further transition in mode
 * 0) is left alone: touching it could only make an edge.
 */
static void pit_cancel(struct vmi_rom_alarm *al, int pending)
{
	if (al->period || pending) {
		outb(PIT_MODE, 0x30);
		outb(PIT_CH0, 0xff);
		outb(PIT_CH0, 0xff);
	}
}

/* Channel 0 one-shot still counting: read-back status, OUT low in mode 0. */
static int pit_pending(void)
{
	u8 st;

	outb(PIT_MODE, 0xe2);			/* read-back: status of ch0 */
	st = inb(PIT_CH0);
	return ((st >> 1) & 7) == 0 && !(st & 0x80);
}

/* IRQ0 alarms: the HPET when the machine has one (hpet.c), else the PIT. */
static int irq0_arm(struct vmi_rom_private *p, u64 expiry, u64 period)
{
	if (vmi_hpet_arm(p, cycles_until(expiry), period))
		return 1;
	return pit_arm(p, expiry, period);
}

/* Stop an armed IRQ0 alarm; returns 1 if it was still pending. */
static int irq0_cancel(struct vmi_rom_private *p, struct vmi_rom_alarm *al)
{
	int pending;

	if (vmi_hpet_usable(p))
		return vmi_hpet_cancel(p);
	pending = al->period || pit_pending();
	pit_cancel(al, pending);
	return pending;
}

/* An armed LVTT alarm: periodic, or a one-shot still counting. */
static int lvtt_pending(struct vmi_rom_private *p, struct vmi_rom_alarm *al)
{
	volatile u32 *a;

	if (al->period)
		return 1;
	a = vmi_apic_page(p);
	return a && APIC(a, APIC_TMCCT) != 0;
}

RP void vmi_c_set_alarm(u32 flags, u64 expiry, u64 period)
{
	u32 c = flags & VMI_ALARM_COUNTER_MASK, f;
	struct vmi_rom_private *p;
	struct vmi_rom_alarm *al;
	volatile u32 *a;

	if (c >= VMI_ALARM_COUNTERS)
		return;				/* STOLEN or unknown: no-op */
	if (!(flags & VMI_ALARM_IS_PERIODIC))
		period = 0;
	f = irq_save();
	p = priv();
	al = &this_cpu(p)->alarm[c];
	/*
	 * Re-arm = cancel + set: the same timer is simply reprogrammed;
	 * moving to the other wiring stops the old one first.
	 */
	if (al->armed && ((al->flags ^ flags) & VMI_ALARM_WIRED_LVTT)) {
		if (al->flags & VMI_ALARM_WIRED_LVTT) {
			a = vmi_apic_page(p);
			if (a)
				lvtt_stop(a);
		} else {
			irq0_cancel(p, al);
		}
	}
	al->armed = 0;
	al->flags = flags;
	al->expiry = expiry;
	al->period = period;
	if (flags & VMI_ALARM_WIRED_LVTT)
		al->armed = lvtt_arm(p, expiry, period);
	else
		al->armed = irq0_arm(p, expiry, period);
	irq_restore(f);
}

RP u32 vmi_c_cancel_alarm(u32 flags)
{
	u32 c = flags & VMI_ALARM_COUNTER_MASK, f, ret;
	struct vmi_rom_private *p;
	struct vmi_rom_alarm *al;
	volatile u32 *a;

	if (c >= VMI_ALARM_COUNTERS)
		return 0;
	f = irq_save();
	p = priv();
	al = &this_cpu(p)->alarm[c];
	ret = 0;
	if (al->armed) {
		if (al->flags & VMI_ALARM_WIRED_LVTT) {
			ret = lvtt_pending(p, al);
			a = vmi_apic_page(p);
			if (a)
				lvtt_stop(a);
		} else {
			ret = irq0_cancel(p, al);
		}
		al->armed = 0;
	}
	irq_restore(f);
	return ret;
}

/**** Wall clock: the CMOS RTC ****/

static u8 cmos(u8 reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static u32 bcd(u32 v)
{
	return (v & 0x0f) + (v >> 4) * 10;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian, y >= 1970). */
static u32 days_from_civil(u32 y, u32 m, u32 d)
{
	u32 era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

RP u64 vmi_c_get_wallclock(void)
{
	u32 s, mi, h, d, mo, y, c, st_b, f, tries;
	u8 v[7], w[7];
	int i;

	f = irq_save();
	for (tries = 0; tries < 1000000 && (cmos(0x0a) & 0x80); tries++)
		;				/* update in progress */
	for (tries = 0; tries < 10; tries++) {
		v[0] = cmos(0x00); v[1] = cmos(0x02); v[2] = cmos(0x04);
		v[3] = cmos(0x07); v[4] = cmos(0x08); v[5] = cmos(0x09);
		v[6] = cmos(0x32);
		w[0] = cmos(0x00); w[1] = cmos(0x02); w[2] = cmos(0x04);
		w[3] = cmos(0x07); w[4] = cmos(0x08); w[5] = cmos(0x09);
		w[6] = cmos(0x32);
		for (i = 0; i < 7 && v[i] == w[i]; i++)
			;
		if (i == 7)
			break;
	}
	st_b = cmos(0x0b);
	irq_restore(f);

	s = v[0]; mi = v[1]; h = v[2] & 0x7f; d = v[3]; mo = v[4]; y = v[5];
	c = v[6];
	if (!(st_b & 0x04)) {			/* BCD */
		s = bcd(s); mi = bcd(mi); h = bcd(h);
		d = bcd(d); mo = bcd(mo); y = bcd(y); c = bcd(c);
	}
	if (!(st_b & 0x02)) {			/* 12-hour clock */
		if (h == 12)
			h = 0;
		if (v[2] & 0x80)
			h += 12;
	}
	if (c < 19 || c > 30)
		c = y < 70 ? 20 : 19;
	y += c * 100;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return 0;
	return ((u64)days_from_civil(y, mo, d) * 86400 +
		h * 3600 + mi * 60 + s) * 1000000000ull;
}
