/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ROM's alarm sources, as alarm.c (SetAlarm, CancelAlarm) uses them:
 * the local APIC timer (lvtt.c), the HPET (hpet.c) and PIT channel 0
 * (pit.c). Each arm returns 1 if the alarm is armed; each cancel or
 * pending query returns 1 if it was still to fire. Interrupts are off in
 * all of them.
 */
#ifndef VMI_ROM_ALARM_SOURCES_H
#define VMI_ROM_ALARM_SOURCES_H

#include "romlib.h"

int vmi_lvtt_arm(struct vmi_rom_private *p, u64 expiry, u64 period);
void vmi_lvtt_stop(struct vmi_rom_private *p);
int vmi_lvtt_pending(struct vmi_rom_private *p, struct vmi_rom_alarm *al);

/* IRQ0 alarms on the HPET; vmi_hpet_usable() 0: no HPET, use the PIT. */
int vmi_hpet_usable(struct vmi_rom_private *p);
int vmi_hpet_arm(struct vmi_rom_private *p, u64 delay, u64 period);
int vmi_hpet_cancel(struct vmi_rom_private *p);

int vmi_pit_arm(struct vmi_rom_private *p, u64 expiry, u64 period);
int vmi_pit_cancel(struct vmi_rom_alarm *al);

#endif /* VMI_ROM_ALARM_SOURCES_H */
