// SPDX-License-Identifier: GPL-2.0
/*
 * VMI ROM: where each field of the ROM's writable state lies, generated.
 *
 * The structs of abi.h (struct vmi_rom_state) and calltab.h (the private
 * block after it) are the one source of the layout. This file is the
 * ROM's asm-offsets.c: it is compiled to assembly only, never linked, and
 * the Makefile turns its markers into
 *  - $(BUILD)/layout.h: one #define per OFFSET() line, for the assembly
 *    (head.S, calls.S) and the C that needs a derived figure (audit.c);
 *  - $(BUILD)/layout.json: the same, plus the CONSTANT() lines (design
 *    constants the assembly already has from calltab.h), for the host
 *    tools that decode a dump of the state block (scripts/harness/boot.py).
 * No offset is typed by hand anywhere else.
 */
#include <stddef.h>
#include <vmi/abi.h>
#include "calltab.h"

#define OFFSET(sym, val)						\
	asm volatile("\n.ascii \"->" #sym " %c0\"" : : "i" (val))
#define CONSTANT(sym)							\
	asm volatile("\n.ascii \"=>" #sym " %c0\"" : : "i" (sym))
#define PRIV(field)	(sizeof(struct vmi_rom_state) +			\
			 offsetof(struct vmi_rom_private, field))

void vmi_rom_layout(void);
void vmi_rom_layout(void)
{
	/* The ABI's state block (struct vmi_rom_state). */
	OFFSET(VMI_ROM_STATE_LAZY_MODE, offsetof(struct vmi_rom_state, lazy_mode));
	OFFSET(VMI_ROM_STATE_KERNEL_SS, offsetof(struct vmi_rom_state, kernel_ss));
	OFFSET(VMI_ROM_STATE_COUNTERS, offsetof(struct vmi_rom_state, counters));

	/* The private block right after it, from the state block's start. */
	OFFSET(VMI_ROM_PRIV, sizeof(struct vmi_rom_state));
	OFFSET(VMI_ROM_PRIV_SIZE, sizeof(struct vmi_rom_private));
	OFFSET(VMI_ROM_PRIV_PENDING, PRIV(pending));
	OFFSET(VMI_ROM_PRIV_SS0, PRIV(ss0));
	OFFSET(VMI_ROM_PRIV_ESP0, PRIV(esp0));
	OFFSET(VMI_ROM_PRIV_IOPL, PRIV(iopl_mask));
	OFFSET(VMI_ROM_PRIV_TSC_HZ, PRIV(tsc_hz));
	OFFSET(VMI_ROM_PRIV_TSC_KHZ, PRIV(tsc_khz));
	OFFSET(VMI_ROM_PRIV_APIC_ERRORS, PRIV(apic_errors));
	OFFSET(VMI_ROM_PRIV_CPU_OVERFLOW, PRIV(cpu_overflow));
	OFFSET(VMI_ROM_PRIV_AP_TRAMP, PRIV(ap_tramp));
	OFFSET(VMI_ROM_PRIV_STATE_PHYS, PRIV(state_phys));
	OFFSET(VMI_ROM_PRIV_PCPU, PRIV(pcpu));
	OFFSET(VMI_ROM_PRIV_AP, PRIV(ap));
	OFFSET(VMI_ROM_PRIV_CPU_SLOTS_USED, PRIV(cpu_slots_used));
	OFFSET(VMI_ROM_PRIV_CPU_SLOT, PRIV(cpu_slot));
	/* The AP trampoline page and its page directory come after it. */
	OFFSET(VMI_ROM_AP_TRAMP_MIN, sizeof(struct vmi_rom_state) +
	       sizeof(struct vmi_rom_private));

	/* One CPU's entry of pcpu[]. */
	OFFSET(VMI_ROM_PCPU_LAZY_MODE, offsetof(struct vmi_rom_pcpu, lazy_mode));
	OFFSET(VMI_ROM_PCPU_PENDING, offsetof(struct vmi_rom_pcpu, pending));
	OFFSET(VMI_ROM_PCPU_LINEAR, offsetof(struct vmi_rom_pcpu, linear));
	OFFSET(VMI_ROM_PCPU_ALARM, offsetof(struct vmi_rom_pcpu, alarm));

	/* One entry of ap[]. */
	OFFSET(VMI_ROM_AP_VALID, offsetof(struct vmi_rom_ap, valid));
	OFFSET(VMI_ROM_AP_PAGE_OFFSET, offsetof(struct vmi_rom_ap, page_offset));
	OFFSET(VMI_ROM_AP_IDT, offsetof(struct vmi_rom_ap, idt_limit));
	OFFSET(VMI_ROM_AP_STATE, offsetof(struct vmi_rom_ap, st));
	OFFSET(VMI_ROM_AP_IPIS, offsetof(struct vmi_rom_ap, ipis));
	OFFSET(VMI_ROM_AP_STARTS, offsetof(struct vmi_rom_ap, starts));
	OFFSET(VMI_ROM_LINEAR_SIZE, sizeof(struct vmi_rom_linear));

	/* RING=1: one CPU's monitor state (calltab.h: struct vmi_mon_cpu). */
	OFFSET(VMI_MON_CPU_VGDT_BASE, offsetof(struct vmi_mon_cpu, vgdt_base));
	OFFSET(VMI_MON_CPU_VGDT_LIMIT, offsetof(struct vmi_mon_cpu, vgdt_limit));
	OFFSET(VMI_MON_CPU_VIDT_BASE, offsetof(struct vmi_mon_cpu, vidt_base));
	OFFSET(VMI_MON_CPU_VIDT_LIMIT, offsetof(struct vmi_mon_cpu, vidt_limit));
	OFFSET(VMI_MON_CPU_VTR, offsetof(struct vmi_mon_cpu, vtr));
	OFFSET(VMI_MON_CPU_VLDT, offsetof(struct vmi_mon_cpu, vldt));
	OFFSET(VMI_MON_CPU_SS0, offsetof(struct vmi_mon_cpu, ss0));
	OFFSET(VMI_MON_CPU_ESP0, offsetof(struct vmi_mon_cpu, esp0));
	OFFSET(VMI_MON_CPU_CR0, offsetof(struct vmi_mon_cpu, cr0));
	OFFSET(VMI_MON_CPU_CR2, offsetof(struct vmi_mon_cpu, cr2));
	OFFSET(VMI_MON_CPU_CR3, offsetof(struct vmi_mon_cpu, cr3));
	OFFSET(VMI_MON_CPU_CR4, offsetof(struct vmi_mon_cpu, cr4));
	/* The shared part, for the host: counters and the escape log. */
	OFFSET(VMI_MON_GATE_CALLS, offsetof(struct vmi_mon_shared, r.gate_calls));
	OFFSET(VMI_MON_REFLECTIONS, offsetof(struct vmi_mon_shared, r.reflections));
	OFFSET(VMI_MON_XFERS, offsetof(struct vmi_mon_shared, r.xfers));
	OFFSET(VMI_MON_SYSENTERS, offsetof(struct vmi_mon_shared, r.sysenters));
	OFFSET(VMI_MON_ESCAPES, offsetof(struct vmi_mon_shared, r.escapes));
	OFFSET(VMI_MON_ESCAPE_SITES, offsetof(struct vmi_mon_shared, r.escape_sites));
	OFFSET(VMI_MON_LOG, offsetof(struct vmi_mon_shared, r.log));
	OFFSET(VMI_MON_CPUS, offsetof(struct vmi_mon_shared, r.cpus));
	OFFSET(VMI_MON_USER_IO, offsetof(struct vmi_mon_shared, r.user_io));
	OFFSET(VMI_MON_MSR_FAULTS, offsetof(struct vmi_mon_shared, r.msr_faults));
	OFFSET(VMI_MON_PANIC_VEC, offsetof(struct vmi_mon_shared, r.panic_vec));

	/* For the host tools only. */
	CONSTANT(VMI_ROM_MAX_CPUS);
	CONSTANT(VMI_ROM_PCPU_SIZE);
	CONSTANT(VMI_ROM_AP_SHIFT);
	CONSTANT(VMI_ROM_AUDIT_OFFSET);
	CONSTANT(VMI_COUNTER_SLOTS);
	CONSTANT(VMI_ROM_RING_OFFSET);
	CONSTANT(VMI_MONITOR_ESCAPE_LOG);
}
