// SPDX-License-Identifier: GPL-2.0
/*
 * VMI ROM: IRQ0 alarms on PIT channel 0, for a machine without an HPET.
 *
 * Owns channel 0's programming: mode 0 for a one-shot, mode 2 for a
 * periodic alarm, never an IRQ0 edge at the call itself; see
 * vmi_pit_cancel() for the one case that needs care and vmi_pit_arm() for
 * the channel's 54.9 ms reach. Called with interrupts off. Rules of every
 * ROM C file: romlib.h.
 */
#include "romlib.h"
#include "alarm_sources.h"

#define PIT_HZ		1193182u
#define PIT_CH0		0x40
#define PIT_MODE	0x43

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
int vmi_pit_arm(struct vmi_rom_private *p, u64 expiry, u64 period)
{
	u32 n = pit_count(p, period ? period : cycles_until(expiry));

	if (period && n < 2)
		n = 2;
	outb(PIT_MODE, period ? 0x34 : 0x30);	/* ch0, lo/hi, mode 2 / 0 */
	outb(PIT_CH0, n & 0xff);
	outb(PIT_CH0, n >> 8);
	return 1;
}

/* Channel 0 one-shot still counting: read-back status, OUT low in mode 0. */
static int pit_pending(void)
{
	u8 st;

	outb(PIT_MODE, 0xe2);			/* read-back: status of ch0 */
	st = inb(PIT_CH0);
	return ((st >> 1) & 7) == 0 && !(st & 0x80);
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
 * Returns 1 if the alarm was still pending.
 */
int vmi_pit_cancel(struct vmi_rom_alarm *al)
{
	int pending = al->period || pit_pending();

	if (pending) {
		outb(PIT_MODE, 0x30);
		outb(PIT_CH0, 0xff);
		outb(PIT_CH0, 0xff);
	}
	return pending;
}
