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
 * Nothing here is written at run time: the image is read-only after POST.
 */
#include <stddef.h>
#include <stdint.h>
#include <vmi/abi.h>
#include "calltab.h"

#ifndef VMI_ROM_RING
#define VMI_ROM_RING 0
#endif
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
#if VMI_ROM_RING
#define DECL_RING(name) DECL_IMPL(name)
#else
#define DECL_RING(name)
#endif
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
#if VMI_ROM_RING
#define RELOC_RING(name, group) RELOC_IMPL(name, group)
#else
#define RELOC_RING(name, group) RELOC_NONE(name, group)
#endif
#define RELOC(nr, name, group, impl, tr) [nr] = RELOC_##impl(name, group),

__attribute__((section(".rodata.vmi_relocs"), used))
const struct vmi_rom_reloc vmi_rom_relocs[VMI_CALL_COUNT] = {
	VMI_ROM_CALLS(RELOC)
};

/* The table must follow abi.h's numbering exactly. */
#define CHECK(nr, name, group, impl, tr)				\
	_Static_assert(VMI_CALL_##name == (nr), "calltab order: " #name);
VMI_ROM_CALLS(CHECK)

_Static_assert(sizeof(struct vmi_rom_reloc) == 8, "reloc entry");
_Static_assert(offsetof(struct vmi_rom_ext, rom_phys) == 4, "ext rom_phys");
_Static_assert(offsetof(struct vmi_rom_ext, state_phys) == 8, "ext state");
_Static_assert(offsetof(struct vmi_rom_ext, test_flags) == 16, "ext flags");
_Static_assert(offsetof(struct vmi_rom_ext, monitor_phys) == 24, "ext monitor");

/*
 * The private block's layout is its struct (layout.c generates the offsets
 * the assembly uses); what is checked here are the design constants the
 * assembly indexes with and the room the block has.
 */
_Static_assert(sizeof(struct vmi_rom_state) + sizeof(struct vmi_rom_private) <=
	       VMI_ROM_STATE_KIB * 1024, "STATE_KIB too small for the ROM state");
_Static_assert(sizeof(struct vmi_rom_pcpu) == VMI_ROM_PCPU_SIZE, "pcpu size");
_Static_assert(sizeof(struct vmi_rom_ap) == 1 << VMI_ROM_AP_SHIFT, "ap size");
_Static_assert((sizeof(struct vmi_rom_state) +
		offsetof(struct vmi_rom_private, pcpu)) % 8 == 0,
	       "pcpu[] 8-byte aligned (64-bit alarm fields)");
#if VMI_ROM_RING
_Static_assert(sizeof(struct vmi_mon_shared) == 512 + 256 * 8, "mon shared");
_Static_assert(sizeof(struct vmi_mon_cpu) == VMI_MON_CPU_SIZE, "mon cpu");
_Static_assert(sizeof(struct vmi_mon_tss) == 104, "tss");
_Static_assert(VMI_ROM_RING_OFFSET + sizeof(struct vmi_mon_shared) +
	       VMI_ROM_RING_CPUS * VMI_MON_CPU_SIZE <= VMI_ROM_STATE_KIB * 1024,
	       "RING=1 needs STATE_KIB 28");
_Static_assert(sizeof(struct vmi_rom_state) + sizeof(struct vmi_rom_private) +
	       2 * 4096 + 1023 <= VMI_ROM_RING_OFFSET,
	       "the AP trampoline ends below the monitor's area");
#endif
/* SetInitialAPState needs the trampoline: STATE_KIB >= 16 or smp NONE. */
_Static_assert(VMI_ROM_STATE_KIB >= VMI_ROM_AP_STATE_KIB || !ON(smp),
	       "SetInitialAPState needs STATE_KIB >= 16 (or NONE_GROUPS=smp)");
