// SPDX-License-Identifier: GPL-2.0
/*
 * Read-only tables of the VMI ROM, generated from calltab.h.
 *
 * vmi_rom_relocs[] is what GetRelocationInfo (calls.S) answers from: per
 * call an image offset and a relocation type. The build folds the
 * NONE_GROUPS option in here, so a partial ROM differs only in this table.
 * The offsets are link-time addresses of an image linked at 0, i.e. image
 * offsets; the code adds its run-time base (no absolute address is ever
 * used at run time).
 *
 * vmi_rom_transitions[] is the transition kind per counter slot (74 calls
 * plus VMI_Init and GetRelocationInfo), read by the common entry path.
 *
 * Nothing here is written at run time: the image is read-only after POST.
 */
#include <stddef.h>
#include <stdint.h>
#include <vmi/abi.h>
#include "calltab.h"

#ifndef VMI_ROM_NONE_GROUPS
#define VMI_ROM_NONE_GROUPS 0
#endif

#define VMI_GROUP_BIT(name, bit) VMI_GROUP_##name = 1u << (bit),
enum vmi_rom_group {
	VMI_ROM_GROUPS(VMI_GROUP_BIT)
	VMI_GROUP_all = (1u << VMI_ROM_GROUP_COUNT) - 1,
};

/* Declare the implementations that exist. */
#define DECL_IMPL(name) extern const char vmi_call_##name[];
#define DECL_XFER(name) DECL_IMPL(name)
#define DECL_NONE(name)
#define DECL(nr, name, group, impl, tr) DECL_##impl(name)
VMI_ROM_CALLS(DECL)

#define ON(group) (!((VMI_ROM_NONE_GROUPS) & VMI_GROUP_##group))
#define RELOC_IMPL(name, group)						\
	{ ON(group) ? (u32)(uintptr_t)vmi_call_##name : 0,		\
	  ON(group) ? VMI_RELOCATION_CALL_REL : VMI_RELOCATION_NONE, {0} }
#ifndef VMI_ROM_XFER_JUMP
#define VMI_ROM_XFER_JUMP 0
#endif
#define XFER_RELOC (VMI_ROM_XFER_JUMP ? VMI_RELOCATION_JUMP_REL :	\
				      VMI_RELOCATION_CALL_REL)
#define RELOC_XFER(name, group)						\
	{ ON(group) ? (u32)(uintptr_t)vmi_call_##name : 0,		\
	  ON(group) ? XFER_RELOC : VMI_RELOCATION_NONE, {0} }
#define RELOC_NONE(name, group) { 0, VMI_RELOCATION_NONE, {0} }
#define RELOC(nr, name, group, impl, tr) [nr] = RELOC_##impl(name, group),

__attribute__((section(".rodata.vmi_relocs"), used))
const struct vmi_rom_reloc vmi_rom_relocs[VMI_CALL_COUNT] = {
	VMI_ROM_CALLS(RELOC)
};

#define TRANS(nr, name, group, impl, tr) [nr] = VMI_TR_##tr,
__attribute__((used))
const u8 vmi_rom_transitions[VMI_COUNTER_SLOTS] = {
	VMI_ROM_CALLS(TRANS)
	[VMI_COUNTER_INIT] = VMI_ROM_INIT_TRANSITION,
	[VMI_COUNTER_GET_RELOC] = VMI_ROM_GET_RELOC_TRANSITION,
	[VMI_COUNTER_TRANSITIONS] = VMI_TR_NONE,
};

/* The table must follow abi.h's numbering exactly. */
#define CHECK(nr, name, group, impl, tr)				\
	_Static_assert(VMI_CALL_##name == (nr), "calltab order: " #name);
VMI_ROM_CALLS(CHECK)

_Static_assert(sizeof(struct vmi_rom_reloc) == 8, "reloc entry");
_Static_assert(offsetof(struct vmi_rom_state, lazy_mode) ==
	       VMI_ROM_STATE_LAZY_MODE, "state lazy_mode");
_Static_assert(offsetof(struct vmi_rom_state, kernel_ss) ==
	       VMI_ROM_STATE_KERNEL_SS, "state kernel_ss");
_Static_assert(offsetof(struct vmi_rom_state, counters) ==
	       VMI_ROM_STATE_COUNTERS, "state counters");
_Static_assert(sizeof(struct vmi_rom_state) == VMI_ROM_PRIV, "state size");
_Static_assert(sizeof(struct vmi_rom_private) == VMI_ROM_PRIV_SIZE,
	       "private size");
_Static_assert(offsetof(struct vmi_rom_ext, rom_phys) == 4, "ext rom_phys");
_Static_assert(offsetof(struct vmi_rom_ext, state_phys) == 8, "ext state");
_Static_assert(offsetof(struct vmi_rom_ext, test_flags) == 16, "ext flags");
_Static_assert(VMI_ROM_PRIV + VMI_ROM_PRIV_SIZE <= VMI_ROM_STATE_KIB * 1024,
	       "STATE_KIB too small for the ROM state");

/* ROM-private layout: calltab.h offsets (used by the assembly) vs structs. */
#define PRIV_AT(field, off)						\
	_Static_assert(VMI_ROM_PRIV + offsetof(struct vmi_rom_private, field) \
		       == (off), "private " #field)
PRIV_AT(pending, VMI_ROM_PRIV_PENDING);
PRIV_AT(ss0, VMI_ROM_PRIV_SS0);
PRIV_AT(esp0, VMI_ROM_PRIV_ESP0);
PRIV_AT(iopl_mask, VMI_ROM_PRIV_IOPL);
PRIV_AT(linear, VMI_ROM_PRIV_LINEAR);
PRIV_AT(tsc_hz, VMI_ROM_PRIV_TSC_HZ);
PRIV_AT(tsc_khz, VMI_ROM_PRIV_TSC_KHZ);
PRIV_AT(apic_khz, VMI_ROM_PRIV_APIC_KHZ);
PRIV_AT(apic_errors, VMI_ROM_PRIV_APIC_ERRORS);
PRIV_AT(cpu_overflow, VMI_ROM_PRIV_CPU_OVERFLOW);
PRIV_AT(ap_tramp, VMI_ROM_PRIV_AP_TRAMP);
PRIV_AT(state_phys, VMI_ROM_PRIV_STATE_PHYS);
PRIV_AT(pcpu, VMI_ROM_PRIV_PCPU);
PRIV_AT(ap, VMI_ROM_PRIV_AP);
PRIV_AT(cpu_slots_used, VMI_ROM_PRIV_CPU_SLOTS_USED);
PRIV_AT(cpu_slot, VMI_ROM_PRIV_CPU_SLOT);
_Static_assert(sizeof(struct vmi_rom_ap) == 1 << VMI_ROM_AP_SHIFT, "ap size");
_Static_assert(offsetof(struct vmi_rom_ap, page_offset) == VMI_ROM_AP_PAGE_OFFSET,
	       "ap page_offset");
_Static_assert(offsetof(struct vmi_rom_ap, idt_limit) == VMI_ROM_AP_IDT, "ap idt");
_Static_assert(offsetof(struct vmi_rom_ap, st) == VMI_ROM_AP_STATE, "ap state");
_Static_assert(offsetof(struct vmi_rom_ap, ipis) == VMI_ROM_AP_IPIS, "ap ipis");
_Static_assert(offsetof(struct vmi_rom_ap, starts) == VMI_ROM_AP_STARTS, "ap starts");
/* SetInitialAPState needs the trampoline: STATE_KIB >= 16 or smp NONE. */
_Static_assert(VMI_ROM_STATE_KIB >= VMI_ROM_AP_STATE_KIB || !ON(smp),
	       "SetInitialAPState needs STATE_KIB >= 16 (or NONE_GROUPS=smp)");
_Static_assert(sizeof(struct vmi_rom_pcpu) == VMI_ROM_PCPU_SIZE, "pcpu size");
_Static_assert(offsetof(struct vmi_rom_pcpu, lazy_mode) ==
	       VMI_ROM_PCPU_LAZY_MODE, "pcpu lazy_mode");
_Static_assert(offsetof(struct vmi_rom_pcpu, pending) ==
	       VMI_ROM_PCPU_PENDING, "pcpu pending");
_Static_assert(offsetof(struct vmi_rom_pcpu, linear) ==
	       VMI_ROM_PCPU_LINEAR, "pcpu linear");
_Static_assert(offsetof(struct vmi_rom_pcpu, alarm) ==
	       VMI_ROM_PCPU_ALARM, "pcpu alarm");
_Static_assert(VMI_ROM_PRIV_PCPU % 8 == 0, "pcpu alignment");
