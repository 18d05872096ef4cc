/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * VMware Virtual Machine Interface (VMI), API 3.0: the binary contract
 * between a 32-bit guest kernel and a VMI option ROM.
 *
 * This header is the single source of truth for the ABI. It is included
 * by the kernel (as <asm/vmi/abi.h>), by the project's option ROM (a
 * freestanding gcc -m32 build) and by host-side tests, so it holds only
 * data layouts and constants with fixed-width types and no kernel-only
 * includes. Every layout is pinned by a static assertion at the bottom.
 *
 * The call list is an X-macro, VMI_CALLS(X), so that call names for
 * debugfs, the ROM's counters and the documentation come from the same
 * table as the numbers. Numbers only grow at the end (minor bump).
 */
#ifndef _ASM_X86_VMI_ABI_H
#define _ASM_X86_VMI_ABI_H

#ifdef __KERNEL__
#include <linux/types.h>
#elif !defined(__ASSEMBLER__)
/*
 * Freestanding users (the ROM, host tests) take the fixed-width types from
 * the compiler's own macros and define __packed and __aligned() on their
 * command line, as the kernel's <linux/compiler_attributes.h> does.
 */
typedef __UINT8_TYPE__ u8;
typedef __UINT16_TYPE__ u16;
typedef __UINT32_TYPE__ u32;
typedef __UINT64_TYPE__ u64;
#endif

/* Option-ROM window the guest scans, and the scan step. */
#define VMI_SCAN_START			0xC0000
#define VMI_SCAN_END			0xE0000
#define VMI_SCAN_STEP			0x800

#define VMI_ROM_SIGNATURE		0xAA55
#define VMI_SIGNATURE			0x696D5663	/* "cVmi" */
#define VMI_API_REV_MAJOR		3
#define VMI_API_REV_MINOR		0
#define VMI_PCI_VENDOR_VMWARE		0x15AD
#define VMI_PCI_DEVICE_VMI		0x0801
#define VMI_ROM_BLOCK_SIZE		512

/* Fixed entry points inside the ROM image (8-byte jump points). */
#define VMI_ROM_INIT_OFFSET		0x80
#define VMI_ROM_GET_RELOC_OFFSET	0x88
#define VMI_ROM_HEADER_SIZE		0x90

/* Relocation types returned by VMI_GetRelocationInfo. */
#define VMI_RELOCATION_NONE		0
#define VMI_RELOCATION_CALL_REL		1
#define VMI_RELOCATION_JUMP_REL		2
#define VMI_RELOCATION_NOP		3

/*
 * The 74 calls of API 3.0, in call-number order. X(number, name).
 */
#define VMI_CALLS(X)				\
	X(0, CPUID)				\
	X(1, WRMSR)				\
	X(2, RDMSR)				\
	X(3, SetGDT)				\
	X(4, SetLDT)				\
	X(5, SetIDT)				\
	X(6, SetTR)				\
	X(7, GetGDT)				\
	X(8, GetLDT)				\
	X(9, GetIDT)				\
	X(10, GetTR)				\
	X(11, WriteGDTEntry)			\
	X(12, WriteLDTEntry)			\
	X(13, WriteIDTEntry)			\
	X(14, UpdateKernelStack)		\
	X(15, SetCR0)				\
	X(16, SetCR2)				\
	X(17, SetCR3)				\
	X(18, SetCR4)				\
	X(19, GetCR0)				\
	X(20, GetCR2)				\
	X(21, GetCR3)				\
	X(22, GetCR4)				\
	X(23, WBINVD)				\
	X(24, SetDR)				\
	X(25, GetDR)				\
	X(26, RDPMC)				\
	X(27, RDTSC)				\
	X(28, CLTS)				\
	X(29, EnableInterrupts)			\
	X(30, DisableInterrupts)		\
	X(31, GetInterruptMask)			\
	X(32, SetInterruptMask)			\
	X(33, IRET)				\
	X(34, SYSEXIT)				\
	X(35, Halt)				\
	X(36, Reboot)				\
	X(37, Shutdown)				\
	X(38, SetPxE)				\
	X(39, SetPxELong)			\
	X(40, UpdatePxE)			\
	X(41, UpdatePxELong)			\
	X(42, MachineToPhysical)		\
	X(43, PhysicalToMachine)		\
	X(44, AllocatePage)			\
	X(45, ReleasePage)			\
	X(46, InvalPage)			\
	X(47, FlushTLB)				\
	X(48, SetLinearMapping)			\
	X(49, INL)				\
	X(50, INB)				\
	X(51, INW)				\
	X(52, INSL)				\
	X(53, INSB)				\
	X(54, INSW)				\
	X(55, OUTL)				\
	X(56, OUTB)				\
	X(57, OUTW)				\
	X(58, OUTSL)				\
	X(59, OUTSB)				\
	X(60, OUTSW)				\
	X(61, SetIOPLMask)			\
	X(62, SetInitialAPState)		\
	X(63, APICWrite)			\
	X(64, APICRead)				\
	X(65, IODelay)				\
	X(66, GetCycleFrequency)		\
	X(67, GetCycleCounter)			\
	X(68, SetAlarm)				\
	X(69, CancelAlarm)			\
	X(70, GetWallclockTime)			\
	X(71, WallclockUpdated)			\
	X(72, SetCallbacks)			\
	X(73, SetLazyMode)

#define VMI_CALL_COUNT			74

#ifndef __ASSEMBLER__
#define __VMI_CALL_ENUM(nr, name) VMI_CALL_##name = nr,
enum vmi_call {
	VMI_CALLS(__VMI_CALL_ENUM)
};

#undef __VMI_CALL_ENUM
#endif

/* MMU flags for SetPxE* / UpdatePxE* / AllocatePage / ReleasePage. */
#define VMI_PAGE_PT			0x01
#define VMI_PAGE_PD			0x02
#define VMI_PAGE_PDP			0x04
#define VMI_PAGE_PML4			0x08
#define VMI_PAGE_NORMAL			0x00
#define VMI_PAGE_PAE			0x10	/* Allocate/ReleasePage */
#define VMI_PAGE_CLONE			0x20	/* AllocatePage */
#define VMI_PAGE_ZEROED			0x40	/* AllocatePage */
#define VMI_PAGE_CURRENT_AS		0x10	/* SetPxE* / UpdatePxE* */
#define VMI_PAGE_DEFER			0x20	/* SetPxE* / UpdatePxE* */
#define VMI_PAGE_VA_MASK		0xFFFFF000

/* FlushTLB flags. */
#define VMI_FLUSH_TLB			0x01
#define VMI_FLUSH_GLOBAL		0x02

/* SetLazyMode modes. */
#define VMI_LAZY_MODE_OFF		0
#define VMI_LAZY_MMU_UPDATES		1
#define VMI_LAZY_CPU_STATE		2

/* Reboot kinds. */
#define VMI_REBOOT_SOFT			0
#define VMI_REBOOT_HARD			1

/* Timer. */
#define VMI_CYCLES_REAL			0
#define VMI_CYCLES_AVAILABLE		1
#define VMI_CYCLES_STOLEN		2
#define VMI_ALARM_COUNTERS		2
#define VMI_ALARM_COUNTER_MASK		0x000000FF
#define VMI_ALARM_IS_ONESHOT		0x00000000
#define VMI_ALARM_IS_PERIODIC		0x00000100
#define VMI_ALARM_WIRED_IRQ0		0x00000000
#define VMI_ALARM_WIRED_LVTT		0x00010000
#define VMI_WALLCLOCK_HZ		1000000000

#define VMI_LINEAR_MAP_SLOTS		4
/*
 * Slot use. The ABI leaves it to the guest; these are the values both
 * sides of this project agree on. Slot 0 is Linux's lowmem direct map;
 * slot 3 is a project convention: the linear address of the local APIC
 * page (the kernel's FIX_APIC_BASE), which a ROM that runs in the guest's
 * address space needs for APICRead/APICWrite, alarms on the LVTT and
 * SetInitialAPState. Both are registered on every CPU.
 */
#define VMI_LINEAR_MAP_SLOT_DIRECT	0
#define VMI_LINEAR_MAP_SLOT_APIC	3

/*
 * Project extension, not part of VMware's ABI: the reserved header bytes
 * at 0x20 carry a block that tells where the project ROM keeps its
 * writable state (counters) in guest-physical memory, as a signed offset
 * from the ROM's own load address. The 16-bit init entry fills it at POST.
 * A guest that does not know the extension ignores it (the bytes are
 * reserved); the kernel uses it only for debugfs.
 */
#define VMI_EXT_MAGIC			0x78456d56	/* "VmEx" */
#define VMI_EXT_OFFSET			0x20

/* Counter slots in the ROM state: one per call, then the fixed entries. */
#define VMI_COUNTER_INIT		(VMI_CALL_COUNT + 0)
#define VMI_COUNTER_GET_RELOC		(VMI_CALL_COUNT + 1)
#define VMI_COUNTER_TRANSITIONS		(VMI_CALL_COUNT + 2)
#define VMI_COUNTER_SLOTS		(VMI_CALL_COUNT + 3)

#define VMI_STATE_MAGIC			0x53494d56	/* "VMIS" */
#define VMI_STATE_VERSION		1

/*
 * Test knobs for the malformed-ROM corpus: the 16-bit init entry damages
 * the image after the BIOS has checked it, which is the only way to get a
 * ROM the BIOS loads but whose in-memory image is bad.
 */
#define VMI_EXT_TEST_STALE_CHECKSUM	0x01
/* ... and gives the base memory it took for its state back in the BDA. */
#define VMI_EXT_TEST_STATE_UNRESERVED	0x02

/* The audit report (struct vmi_rom_audit_report) of an AUDIT=1 ROM. */
#define VMI_AUDIT_MAGIC			0x54445541	/* "AUDT" */
#define VMI_AUDIT_RECORDS		8

#ifndef __ASSEMBLER__
/* The ROM header, API 3.0 (Linux layout; 144 bytes). */
struct vmi_rom_header {
	u16 rom_signature;		// 0xAA55
	u8  rom_length;			// in 512-byte blocks
	u8  rom_entry[4];		// 16-bit init, far-called by the BIOS
	u8  rom_pad0;
	u32 vrom_signature;		// VMI_SIGNATURE
	u8  api_version_min;
	u8  api_version_maj;
	u8  jump_slots;
	u8  reserved1;
	u32 virtual_top;		// 0: no reservation
	u16 reserved2;
	u16 license_offs;		// offset of a NUL-terminated string
	u16 pci_header_offs;		// offset of the PCIR structure
	u16 pnp_header_offs;		// offset of the $PnP header
	u32 rom_pad3;
	u8  reserved[96];		// 0x20: project extension block
	u8  vmi_init[8];		// VMI_Init jump point
	u8  get_reloc[8];		// VMI_GetRelocationInfo jump point
} __packed;

/* PCI data structure ("PCIR"). */
struct vmi_pci_header {
	u32 sig;
	u16 vendor_id;
	u16 device_id;
	u16 vpd_data;
	u16 size;
	u8  rev;
	u8  prog_if;
	u8  subclass;
	u8  class_code;
	u16 chunks;
	u8  rom_version_min;
	u8  rom_version_maj;
	u8  code_type;
	u8  last_rom;
	u16 reserved;
} __packed;

/* PnP expansion header ("$PnP"). */
struct vmi_pnp_header {
	u32 sig;
	u8  rev;
	u8  size;
	u16 next;
	u16 res;
	u32 dev_id;
	u16 manufacturer_offset;
	u16 product_offset;
} __packed;

/* VMI_GetRelocationInfo result, returned in EDX:EAX. */
struct vmi_relocation_info {
	u32 eip;			// linear address of the implementation
	u8  type;			// VMI_RELOCATION_*
	u8  reserved[3];
} __packed;

/* SetInitialAPState argument. */
struct vmi_ap_state {
	u32 cr0;
	u32 cr2;
	u32 cr3;
	u32 cr4;
	u64 efer;
	u32 eip;
	u32 eflags;
	u32 eax;
	u32 ebx;
	u32 ecx;
	u32 edx;
	u32 esp;
	u32 ebp;
	u32 esi;
	u32 edi;
	u16 cs;
	u16 ss;
	u16 ds;
	u16 es;
	u16 fs;
	u16 gs;
	u16 ldtr;
	u16 gdtr_limit;
	u32 gdtr_base;
	u32 idtr_base;
	u16 idtr_limit;
} __aligned(4);

/* Project extension block at VMI_EXT_OFFSET in the ROM header. */
struct vmi_rom_ext {
	u32 magic;			// VMI_EXT_MAGIC
	u32 rom_phys;			// load address, written at POST
	u32 state_phys;			// state block address, written at POST
	u32 state_size;			// bytes
	u32 test_flags;			// VMI_EXT_TEST_*, see rom/README
	u32 audit_phys;			// struct vmi_rom_audit_report, 0: none
	u32 monitor_phys;		// struct vmi_monitor_report, 0: none
} __packed;

/*
 * The ring-0 monitor of a RING=1 ROM (rom/monitor.c): its crossings and
 * the privileged instructions that reached it by faulting (escapes), for
 * the guest's debugfs and for the host. The first VMI_MONITOR_ESCAPE_LOG
 * addresses are kept, each with its first four bytes and its count.
 */
#define VMI_MONITOR_ESCAPE_LOG		16
#define VMI_MONITOR_EMULATED		1	// the monitor did it
#define VMI_MONITOR_REFUSED		2	// the #GP went to the guest

struct vmi_monitor_escape {
	u32 eip;			// guest linear address
	u32 bytes;			// its first four bytes
	u32 count;
	u32 action;			// VMI_MONITOR_EMULATED or REFUSED
} __packed;

struct vmi_monitor_report {
	u64 gate_calls;			// calls that crossed into ring 0
	u64 reflections;		// interrupts and exceptions reflected
	u64 xfers;			// IRET/SYSEXIT through the monitor
	u64 sysenters;			// SYSENTER bounced to the guest
	u32 escapes;			// all escapes
	u32 escape_sites;		// log[] entries used
	u32 lost_nmis;			// NMIs that hit the monitor itself
	u32 panic_vec;			// 0x100 + vector of a monitor fault
	u32 panic_eip, panic_err;
	u32 idt_ready;
	u32 cpus;			// CPUs running the guest at ring 1
	u32 msr_faults;			// RDMSR/WRMSR the CPU refused
	u32 user_io;			// ring-3 port I/O the guest's bitmap allows
	struct vmi_monitor_escape log[VMI_MONITOR_ESCAPE_LOG];
} __packed;

/*
 * The shadow audit of an AUDIT=1 ROM (rom/audit.c): what it found, for the
 * guest's debugfs and for the host. Each finding is counted once by kind;
 * the first VMI_AUDIT_RECORDS findings are kept in full.
 */
enum vmi_audit_kind {
	VMI_AUDIT_DIVERGENCE,		// shadow and memory differ at a check
	VMI_AUDIT_UNANNOUNCED,		// update of a page never announced
	VMI_AUDIT_UNANNOUNCED_IN_USE,	// a walk met a page never announced
	VMI_AUDIT_WRONG_TYPE,		// update/release level != announcement
	VMI_AUDIT_ZEROED_WRONG,		// AllocatePage's ZEROED/CLONE claim false
	VMI_AUDIT_RELEASE_REFERENCED,	// released while a table points to it
	VMI_AUDIT_KINDS
};

struct vmi_audit_record {
	u32 kind;
	u32 pfn;			// the page-table page
	u32 index;			// the entry
	u32 where;			// the check or call that found it
	u64 believed;			// the ROM's shadow
	u64 memory;			// what memory held
} __packed;

struct vmi_rom_audit_report {
	u32 magic;			// VMI_AUDIT_MAGIC
	u32 active;			// 1: shadow store found and mapped
	u32 store_phys;			// the RAM the ROM took (E820)
	u32 store_size;
	u32 found[VMI_AUDIT_KINDS];	// by enum vmi_audit_kind
	u32 checks;			// compare points passed
	u32 pages_compared;
	u32 pages_shadowed;		// now
	u32 pages_max;			// high-water mark
	u32 store_full;			// announcements with no room left
	u32 pending_overflow;		// deferred updates applied at once
	u32 suspects;			// mismatches waiting for their verdict
	u32 unreachable;		// pages outside the direct map
	u32 records;			// records[] used
	struct vmi_audit_record record[VMI_AUDIT_RECORDS];
} __packed;

/* The ROM's writable state, in memory the guest never reuses. */
struct vmi_rom_state {
	u32 magic;			// VMI_STATE_MAGIC
	u32 version;			// VMI_STATE_VERSION
	u32 lazy_mode;			// last SetLazyMode value
	u32 kernel_ss;			// SS at VMI_Init (a flat segment)
	u64 counters[VMI_COUNTER_SLOTS];
} __packed;

/*
 * The C type of each call a guest makes from C (section 3 of the ABI: GCC's
 * regparm(3); a u64 goes in a register pair while registers remain, and
 * comes back in EDX:EAX). vmi_<Call>_fn is the function type: the kernel
 * calls the ROM only through these (arch/x86/kernel/vmi/rom_call.h), and
 * the ROM's C halves are checked against them. Calls bound straight into a
 * pv_ops slot take the slot's type; CPUID, IRET and SYSEXIT are not C
 * functions. The types carry no attribute: the kernel is built with
 * -mregparm=3, and a caller built otherwise declares regparm(3) itself.
 */
typedef u64 vmi_GetRelocationInfo_fn(u32 call);
typedef void vmi_WRMSR_fn(u32 low, u32 high, u32 msr);
typedef u64 vmi_RDMSR_fn(u32 unused_low, u32 unused_high, u32 msr);
typedef void vmi_SetTR_fn(u32 selector);
typedef void vmi_SetLDT_fn(u32 selector);
typedef void vmi_WriteGDTEntry_fn(void *table, u32 index,
					      u32 low, u32 high);
typedef void vmi_WriteLDTEntry_fn(void *table, u32 index, u32 low, u32 high);
typedef void vmi_WriteIDTEntry_fn(void *table, u32 index, u32 low, u32 high);
typedef void vmi_UpdateKernelStack_fn(u32 ss0, u32 esp0);
typedef void vmi_SetCR3_fn(u32 cr3);
typedef u32 vmi_GetCR2_fn(void);
typedef void vmi_Reboot_fn(u32 how);
typedef void vmi_Shutdown_fn(void);
typedef void vmi_SetPxE_fn(u32 entry, void *ptr, u32 flags);
typedef void vmi_SetPxELong_fn(u64 entry, void *ptr, u32 flags);
typedef void vmi_UpdatePxE_fn(void *ptr, u32 flags);
typedef void vmi_UpdatePxELong_fn(void *ptr, u32 flags);
typedef void vmi_AllocatePage_fn(u32 pfn, u32 flags,
					     u32 clone_pfn, u32 clone_start,
					     u32 clone_count);
typedef void vmi_ReleasePage_fn(u32 pfn, u32 flags);
typedef void vmi_InvalPage_fn(u32 va);
typedef void vmi_FlushTLB_fn(u32 flags);
typedef void vmi_SetLinearMapping_fn(u32 slot, u32 va,
						 u32 pages, u32 pfn);
typedef void vmi_SetInitialAPState_fn(const struct vmi_ap_state *state,
						  u32 apic_id);
typedef void vmi_APICWrite_fn(u32 reg, u32 val);
typedef u32 vmi_APICRead_fn(u32 reg);
typedef u64 vmi_GetCycleFrequency_fn(void);
typedef u64 vmi_GetCycleCounter_fn(u32 counter);
typedef void vmi_SetAlarm_fn(u32 flags, u64 expiry, u64 period);
typedef u32 vmi_CancelAlarm_fn(u32 flags);
typedef u64 vmi_GetWallclockTime_fn(void);
typedef void vmi_SetLazyMode_fn(u32 mode);

_Static_assert(sizeof(struct vmi_rom_header) == VMI_ROM_HEADER_SIZE,
	       "vmi_rom_header layout");
_Static_assert(__builtin_offsetof(struct vmi_rom_header, virtual_top) == 0x10,
	       "virtual_top offset");
_Static_assert(__builtin_offsetof(struct vmi_rom_header, license_offs) == 0x16,
	       "license_offs offset");
_Static_assert(__builtin_offsetof(struct vmi_rom_header, pci_header_offs) == 0x18,
	       "pci_header_offs offset");
_Static_assert(__builtin_offsetof(struct vmi_rom_header, vmi_init) ==
	       VMI_ROM_INIT_OFFSET, "vmi_init offset");
_Static_assert(__builtin_offsetof(struct vmi_rom_header, get_reloc) ==
	       VMI_ROM_GET_RELOC_OFFSET, "get_reloc offset");
_Static_assert(sizeof(struct vmi_pci_header) == 24, "PCIR layout");
_Static_assert(sizeof(struct vmi_pnp_header) == 18, "PnP layout");
_Static_assert(sizeof(struct vmi_relocation_info) == 8, "reloc layout");
_Static_assert(__builtin_offsetof(struct vmi_ap_state, idtr_limit) == 0x58,
	       "vmi_ap_state layout");
_Static_assert(sizeof(struct vmi_rom_ext) <= 96, "extension block size");
#endif /* !__ASSEMBLER__ */

#endif /* _ASM_X86_VMI_ABI_H */
