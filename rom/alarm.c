// SPDX-License-Identifier: GPL-2.0
/*
 * VMI ROM: SetAlarm and CancelAlarm, the per-CPU alarms of the ABI.
 *
 * Owns each CPU's two alarms (REAL and AVAILABLE: flags, armed, expiry,
 * period) and where each is wired: the local APIC timer (lvtt.c) or IRQ0,
 * on the HPET when the machine has one (hpet.c), else on the PIT (pit.c).
 * Re-arming reprograms the same timer without stopping it first, so it
 * never raises an edge of its own; moving an alarm to the other wiring
 * stops the old timer first.
 *
 * calls.S jumps here from the call's entry stub after the accounting, so
 * the stack is exactly the guest's: regparm(3), stack arguments at
 * [esp+4], plain ret; gcc keeps EBX/ESI/EDI/EBP as the ROM contract wants.
 * Rules of every ROM C file: romlib.h.
 */
#include "romlib.h"
#include "alarm_sources.h"

/* IRQ0 alarms: the HPET when the machine has one (hpet.c), else the PIT. */
static int irq0_arm(struct vmi_rom_private *p, u64 expiry, u64 period)
{
	if (vmi_hpet_arm(p, cycles_until(expiry), period))
		return 1;
	return vmi_pit_arm(p, expiry, period);
}

/* Stop an armed IRQ0 alarm; returns 1 if it was still pending. */
static int irq0_cancel(struct vmi_rom_private *p, struct vmi_rom_alarm *al)
{
	if (vmi_hpet_usable(p))
		return vmi_hpet_cancel(p);
	return vmi_pit_cancel(al);
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
	/*
	 * Re-arm = cancel + set: the same timer is simply reprogrammed;
	 * moving to the other wiring stops the old one first.
	 */
	if (al->armed && ((al->flags ^ flags) & VMI_ALARM_WIRED_LVTT)) {
		if (al->flags & VMI_ALARM_WIRED_LVTT) {
			vmi_lvtt_stop(p);
		} else {
			irq0_cancel(p, al);
		}
	}
	al->armed = 0;
	al->flags = flags;
	al->expiry = expiry;
	al->period = period;
	if (flags & VMI_ALARM_WIRED_LVTT)
		al->armed = vmi_lvtt_arm(p, expiry, period);
	else
		al->armed = irq0_arm(p, expiry, period);
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
	ret = 0;
	if (al->armed) {
		if (al->flags & VMI_ALARM_WIRED_LVTT) {
			ret = vmi_lvtt_pending(p, al);
			vmi_lvtt_stop(p);
		} else {
			ret = irq0_cancel(p, al);
		}
		al->armed = 0;
	}
	irq_restore(f);
	return ret;
}
