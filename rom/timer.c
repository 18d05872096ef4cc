// SPDX-License-Identifier: GPL-2.0
/*
 * VMI ROM: the calls written in C - SetLinearMapping, the local APIC
 * (APICRead/APICWrite through linear-map slot 3) and the timer calls that
 * need arithmetic or hardware sequencing (SetAlarm, CancelAlarm,
 * GetWallclockTime), and SetInitialAPState (the AP trampoline it starts
 * is in head.S).
 *
 * calls.S jumps here from the call's entry stub after the accounting, so
 * the stack is exactly the guest's: regparm(3), stack arguments at
 * [esp+4], plain ret; gcc keeps EBX/ESI/EDI/EBP as the ROM contract wants.
 *
 * Position independence: this code must not refer to any absolute
 * address. It has no data, no string constants, no switch jump tables
 * (-fno-jump-tables) and no 64-bit division (libgcc is not linked); the
 * state block comes from vmi_state_ptr() (calls.S), reached by a
 * PC-relative call. romcheck verifies there is no absolute relocation.
 *
 * Interrupts: the calls that change per-CPU or device state run with
 * interrupts off (pushf/cli ... popf), so a nested call from an interrupt
 * handler on the same CPU cannot see a half-done update.
 */
#include <vmi/abi.h>
#include "calltab.h"

#define RP __attribute__((regparm(3), used))

#define APIC_ID		0x020
#define APIC_EOI	0x0b0
#define APIC_LVTT	0x320
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0
#define LVT_MASKED	0x00010000u
#define LVTT_PERIODIC	0x00020000u
#define LVTT_MODE_MASK	0x00060000u
#define TDCR_DIV_1	0xb

#define PIT_HZ		1193182u
#define PIT_CH0		0x40
#define PIT_MODE	0x43

extern struct vmi_rom_state *vmi_state_ptr(void);

static inline struct vmi_rom_private *priv(void)
{
	return (struct vmi_rom_private *)(vmi_state_ptr() + 1);
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

#include "portio.h"

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

#define atomic_inc(x)	asm volatile("lock incl %0" : "+m"(x))
#define barrier()	asm volatile("" : : : "memory")

/* n / d for a 32-bit d, without libgcc. */
static u64 div64_32(u64 n, u32 d)
{
	u32 hi = n >> 32, lo = (u32)n, qh, ql, r;

	qh = hi / d;
	r = hi % d;
	asm("divl %4" : "=a"(ql), "=d"(r) : "a"(lo), "d"(r), "rm"(d));
	return (u64)qh << 32 | ql;
}

/* cycles * num / den, saturated to 32 bits; cycles clamped to 2^40. */
static u32 scale(u64 cycles, u32 num, u32 den)
{
	u64 q;

	if (cycles > (1ull << 40))
		cycles = 1ull << 40;
	if (!den)
		return 0xffffffff;
	q = div64_32(cycles * num, den);
	return q > 0xffffffffull ? 0xffffffff : (u32)q;
}

static struct vmi_rom_pcpu *this_cpu(struct vmi_rom_private *p)
{
	u32 a = 1, b, c = 0, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	b >>= 24;
	if (b >= VMI_ROM_MAX_CPUS) {
		atomic_inc(p->cpu_overflow);
		b = VMI_ROM_MAX_CPUS - 1;
	}
	return &p->pcpu[b];
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

/**** Local APIC ****/

/*
 * The APIC page as the guest mapped it: this CPU's slot 3, else the slot 3
 * any CPU registered last (the kernel's fixmap is the same on all CPUs).
 * NULL (and one more apic_errors) if nobody registered it.
 */
static volatile u32 *apic_page(struct vmi_rom_private *p)
{
	struct vmi_rom_linear *l = &this_cpu(p)->linear[VMI_LINEAR_MAP_SLOT_APIC];

	if (!l->pages)
		l = &p->linear[VMI_LINEAR_MAP_SLOT_APIC];
	if (!l->pages) {
		atomic_inc(p->apic_errors);
		return 0;
	}
	return (volatile u32 *)(l->va & VMI_PAGE_VA_MASK);
}

#define APIC(base, reg)	((base)[((reg) & 0xff0) / 4])

RP u32 vmi_c_apic_read(u32 reg)
{
	volatile u32 *a = apic_page(priv());

	return a ? APIC(a, reg) : 0;
}

RP void vmi_c_apic_write(u32 reg, u32 val)
{
	volatile u32 *a = apic_page(priv());

	if (a)
		APIC(a, reg) = val;
}

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

/*
 * Returns 1 if armed. period in cycles, 0: one-shot. The delay is taken
 * after the first-use calibration, so a 10 ms calibration does not delay
 * an absolute expiry.
 */
static int lvtt_arm(struct vmi_rom_private *p, u64 expiry, u64 period)
{
	volatile u32 *a = apic_page(p);
	u32 lvtt, n;

	if (!a)
		return 0;
	if (!p->apic_khz)
		apic_calibrate(p, a);
	n = scale(period ? period : cycles_until(expiry), p->apic_khz,
		  p->tsc_khz);
	if (!n)
		n = 1;
	lvtt = APIC(a, APIC_LVTT) & ~(LVTT_MODE_MASK | LVT_MASKED);
	APIC(a, APIC_TMICT) = 0;
	APIC(a, APIC_TDCR) = TDCR_DIV_1;
	APIC(a, APIC_LVTT) = lvtt | (period ? LVTT_PERIODIC : 0);
	APIC(a, APIC_TMICT) = n;
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
 * Stop channel 0: mode 1 (hardware-triggered one-shot) with count 1. Gate
 * 0 never sees a rising edge, so a real 8254 just holds OUT high; QEMU's
 * model raises OUT at the load and drops it one PIT tick later, then has
 * no further transition. Either way nothing fires afterwards, but if OUT
 * was low (a pending one-shot, or a rate generator between pulses) the
 * rise is one IRQ0 edge at once: CancelAlarm on an IRQ0 alarm may deliver
 * one spurious IRQ0 right after it returns. (A bare control word is not
 * enough in QEMU: the pending transition is then evaluated in the new
 * mode and, with its rounding, still raises OUT at the old expiry.)
 */
static void pit_stop(void)
{
	outb(PIT_MODE, 0x32);			/* ch0, lo/hi, mode 1 */
	outb(PIT_CH0, 1);
	outb(PIT_CH0, 0);
}

/* Channel 0 one-shot still counting: read-back status, OUT low in mode 0. */
static int pit_pending(void)
{
	u8 st;

	outb(PIT_MODE, 0xe2);			/* read-back: status of ch0 */
	st = inb(PIT_CH0);
	return ((st >> 1) & 7) == 0 && !(st & 0x80);
}

static int alarm_pending(struct vmi_rom_private *p, struct vmi_rom_alarm *al)
{
	volatile u32 *a;

	if (!al->armed)
		return 0;
	if (al->period)
		return 1;
	if (!(al->flags & VMI_ALARM_WIRED_LVTT))
		return pit_pending();
	a = apic_page(p);
	return a && APIC(a, APIC_TMCCT) != 0;
}

static void alarm_stop(struct vmi_rom_private *p, struct vmi_rom_alarm *al)
{
	volatile u32 *a;

	if (!al->armed)
		return;
	if (al->flags & VMI_ALARM_WIRED_LVTT) {
		a = apic_page(p);
		if (a)
			lvtt_stop(a);
	} else {
		pit_stop();
	}
	al->armed = 0;
}

RP void vmi_c_set_alarm(u32 flags, u64 expiry, u64 period)
{
	u32 c = flags & VMI_ALARM_COUNTER_MASK, f;
	struct vmi_rom_private *p;
	struct vmi_rom_alarm *al;

	if (c >= VMI_ALARM_COUNTERS)
		return;				/* STOLEN or unknown: no-op */
	if (!(flags & VMI_ALARM_IS_PERIODIC))
		period = 0;
	f = irq_save();
	p = priv();
	al = &this_cpu(p)->alarm[c];
	alarm_stop(p, al);			/* re-arm = cancel + set */
	al->flags = flags;
	al->expiry = expiry;
	al->period = period;
	if (flags & VMI_ALARM_WIRED_LVTT)
		al->armed = lvtt_arm(p, expiry, period);
	else
		al->armed = pit_arm(p, expiry, period);
	irq_restore(f);
}

RP u32 vmi_c_cancel_alarm(u32 flags)
{
	u32 c = flags & VMI_ALARM_COUNTER_MASK, f, ret;
	struct vmi_rom_private *p;
	struct vmi_rom_alarm *al;

	if (c >= VMI_ALARM_COUNTERS)
		return 0;
	f = irq_save();
	p = priv();
	al = &this_cpu(p)->alarm[c];
	ret = alarm_pending(p, al);
	alarm_stop(p, al);
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

/**** SetInitialAPState ****/

static void delay_us(struct vmi_rom_private *p, u32 us)
{
	u64 t0 = rdtsc(), n = (u64)p->tsc_khz * us;

	n = div64_32(n, 1000);

	while (rdtsc() - t0 < n)
		asm volatile("pause");
}

/*
 * EAX = linear pointer to struct vmi_ap_state (copied now), EDX = APIC ID.
 * Stores the state in ap[APIC ID], then wakes that CPU itself: INIT, then
 * STARTUP with the trampoline page as vector (a second STARTUP if the AP
 * has not taken the state within 10 ms). The guest must not send its own
 * INIT/STARTUP. Needs the APIC in slot 3 and the trampoline (STATE_KIB >=
 * 16); without them, or for an APIC ID >= VMI_ROM_MAX_CPUS, nothing
 * happens (the AP stays down and the guest times out).
 */
RP void vmi_c_set_initial_ap_state(const struct vmi_ap_state *st, u32 apic_id)
{
	struct vmi_rom_private *p = priv();
	struct vmi_rom_ap *ap;
	volatile u32 *a;
	const u32 *src = (const u32 *)st;
	u32 *dst, i, f, sipi;

	if (apic_id >= VMI_ROM_MAX_CPUS || !p->ap_tramp)
		return;
	f = irq_save();
	a = apic_page(p);
	if (!a) {
		irq_restore(f);
		return;
	}
	ap = &p->ap[apic_id];
	ap->valid = 0;
	dst = (u32 *)&ap->st;
	for (i = 0; i < sizeof(*st) / 4; i++)
		dst[i] = src[i];
	ap->idt_limit = st->idtr_limit;
	ap->idt_base = st->idtr_base;
	ap->page_offset = (u32)vmi_state_ptr() - p->state_phys;
	asm volatile("" : : : "memory");
	*(volatile u32 *)&ap->valid = 1;

	sipi = 0x4600 | (p->ap_tramp >> 12);	/* STARTUP, assert */
	APIC(a, 0x310) = apic_id << 24;
	APIC(a, 0x300) = 0x4500;		/* INIT, assert */
	delay_us(p, 10000);
	for (i = 0; i < 2 && *(volatile u32 *)&ap->valid == 1; i++) {
		APIC(a, 0x310) = apic_id << 24;
		APIC(a, 0x300) = sipi;
		delay_us(p, 200);
		if (*(volatile u32 *)&ap->valid == 1)
			delay_us(p, 10000);
	}
	irq_restore(f);
}
