/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The VMI ROM's call table: the one place that says, for every call of
 * API 3.0, which build-time group it belongs to, whether this ROM
 * implements it, and what a real monitor would charge for it.
 *
 * Consumers:
 *  - reloc.c turns it into the relocation table that GetRelocationInfo
 *    reads; calls.S gives each entry the accounting of its transition
 *    kind (vmi_enter_<kind>) when the ROM is built;
 *  - the test guest (tests/guest) checks the ROM against it;
 *  - rom/tools/calltab-docs makes the documentation's call table and
 *    transition kinds from it.
 *
 * Columns of VMI_ROM_CALLS(X):
 *   X(nr, name, group, impl, transition)
 *   impl:       IMPL  - calls.S has vmi_call_<name>; answered CALL_REL
 *               XFER  - the same for a call that never returns (IRET,
 *                       SYSEXIT): answered CALL_REL (the return address
 *                       names the call site) or, built with XFER=jump,
 *                       JUMP_REL (the guest jumps to it)
 *               NONE  - answered VMI_RELOCATION_NONE
 *               RING  - IMPL in RING=1 builds (the monitor emulates it),
 *                       NONE otherwise (the native instruction works)
 *   transition: the transition model (VMI_TR_*), see below.
 *
 * Groups can be switched to NONE at build time with NONE_GROUPS=a,b,...
 * (Makefile); "all" names every group. Group names are C identifiers so an
 * unknown name fails the build.
 *
 * Transition model ("would a real monitor trap?"), one kind per call.
 * This comment is the model's one description: rom/tools/calltab-docs
 * copies it, with the calls of each kind, into rom/README.md and
 * Documentation/virt/vmi/rom.rst.
 *   NONE   Never leaves the guest: the state is virtual and lives in
 *          memory shared with the monitor (the interrupt flag, cached
 *          control registers, the time page, the kernel stack pointer,
 *          the direct IRET and SYSEXIT returns).
 *   TRAP   Always a world switch: privileged hardware state, shadow
 *          structures, emulated devices.
 *   DEFER  A page-table update: a transition, unless its flags carry
 *          VMI_PAGE_DEFER while this CPU is in lazy MMU mode; then it is
 *          queued and costs nothing until the next flush point.
 *   FLUSH  A TLB operation: one transition, which also applies every
 *          queued update.
 *   CPU    A CPU-state update that a context switch makes (descriptor and
 *          LDT loads, debug registers): a transition, unless this CPU is
 *          in lazy CPU mode; then it is queued until the mode ends.
 *   LAZY   SetLazyMode: free, unless it leaves a mode with updates queued
 *          (MMU or CPU); then the flush costs one transition.
 * VMI_Init counts as TRAP and GetRelocationInfo as NONE (see below).
 *
 * This header is freestanding and usable from C and assembly.
 */
#ifndef VMI_ROM_CALLTAB_H
#define VMI_ROM_CALLTAB_H

#define VMI_TR_NONE	0
#define VMI_TR_TRAP	1
#define VMI_TR_DEFER	2
#define VMI_TR_FLUSH	3
#define VMI_TR_LAZY	4
#define VMI_TR_CPU	5

/* Build-time groups, G(name, bit). */
#define VMI_ROM_GROUPS(G)	\
	G(cpu, 0)		\
	G(desc, 1)		\
	G(irq, 2)		\
	G(xfer, 3)		\
	G(power, 4)		\
	G(mmu, 5)		\
	G(io, 6)		\
	G(smp, 7)		\
	G(apic, 8)		\
	G(timer, 9)		\
	G(lazy, 10)		\
	G(misc, 11)

#define VMI_ROM_GROUP_COUNT	12

#define VMI_ROM_CALLS(X)					\
	X(0, CPUID,		cpu,	IMPL, TRAP)		\
	X(1, WRMSR,		cpu,	RING, TRAP)		\
	X(2, RDMSR,		cpu,	RING, TRAP)		\
	X(3, SetGDT,		desc,	IMPL, TRAP)		\
	X(4, SetLDT,		desc,	IMPL, CPU)		\
	X(5, SetIDT,		desc,	IMPL, TRAP)		\
	X(6, SetTR,		desc,	IMPL, TRAP)		\
	X(7, GetGDT,		desc,	IMPL, NONE)		\
	X(8, GetLDT,		desc,	IMPL, NONE)		\
	X(9, GetIDT,		desc,	IMPL, NONE)		\
	X(10, GetTR,		desc,	IMPL, NONE)		\
	X(11, WriteGDTEntry,	desc,	IMPL, CPU)		\
	X(12, WriteLDTEntry,	desc,	IMPL, CPU)		\
	X(13, WriteIDTEntry,	desc,	IMPL, TRAP)		\
	X(14, UpdateKernelStack, desc,	IMPL, NONE)		\
	X(15, SetCR0,		cpu,	IMPL, TRAP)		\
	X(16, SetCR2,		cpu,	IMPL, NONE)		\
	X(17, SetCR3,		mmu,	IMPL, FLUSH)		\
	X(18, SetCR4,		cpu,	IMPL, TRAP)		\
	X(19, GetCR0,		cpu,	IMPL, NONE)		\
	X(20, GetCR2,		cpu,	IMPL, NONE)		\
	X(21, GetCR3,		cpu,	IMPL, NONE)		\
	X(22, GetCR4,		cpu,	IMPL, NONE)		\
	X(23, WBINVD,		cpu,	IMPL, TRAP)		\
	X(24, SetDR,		cpu,	IMPL, CPU)		\
	X(25, GetDR,		cpu,	IMPL, NONE)		\
	X(26, RDPMC,		cpu,	NONE, TRAP)		\
	X(27, RDTSC,		cpu,	IMPL, NONE)		\
	X(28, CLTS,		cpu,	IMPL, TRAP)		\
	X(29, EnableInterrupts,	irq,	IMPL, NONE)		\
	X(30, DisableInterrupts, irq,	IMPL, NONE)		\
	X(31, GetInterruptMask,	irq,	IMPL, NONE)		\
	X(32, SetInterruptMask,	irq,	IMPL, NONE)		\
	X(33, IRET,		xfer,	XFER, NONE)		\
	X(34, SYSEXIT,		xfer,	XFER, NONE)		\
	X(35, Halt,		power,	IMPL, TRAP)		\
	X(36, Reboot,		power,	IMPL, TRAP)		\
	X(37, Shutdown,		power,	IMPL, TRAP)		\
	X(38, SetPxE,		mmu,	IMPL, DEFER)		\
	X(39, SetPxELong,	mmu,	IMPL, DEFER)		\
	X(40, UpdatePxE,	mmu,	IMPL, DEFER)		\
	X(41, UpdatePxELong,	mmu,	IMPL, DEFER)		\
	X(42, MachineToPhysical, mmu,	IMPL, NONE)		\
	X(43, PhysicalToMachine, mmu,	IMPL, NONE)		\
	X(44, AllocatePage,	mmu,	IMPL, TRAP)		\
	X(45, ReleasePage,	mmu,	IMPL, TRAP)		\
	X(46, InvalPage,	mmu,	IMPL, FLUSH)		\
	X(47, FlushTLB,		mmu,	IMPL, FLUSH)		\
	X(48, SetLinearMapping,	mmu,	IMPL, TRAP)		\
	X(49, INL,		io,	NONE, TRAP)		\
	X(50, INB,		io,	NONE, TRAP)		\
	X(51, INW,		io,	NONE, TRAP)		\
	X(52, INSL,		io,	NONE, TRAP)		\
	X(53, INSB,		io,	NONE, TRAP)		\
	X(54, INSW,		io,	NONE, TRAP)		\
	X(55, OUTL,		io,	NONE, TRAP)		\
	X(56, OUTB,		io,	NONE, TRAP)		\
	X(57, OUTW,		io,	NONE, TRAP)		\
	X(58, OUTSL,		io,	NONE, TRAP)		\
	X(59, OUTSB,		io,	NONE, TRAP)		\
	X(60, OUTSW,		io,	NONE, TRAP)		\
	X(61, SetIOPLMask,	io,	IMPL, NONE)		\
	X(62, SetInitialAPState, smp,	IMPL, TRAP)		\
	X(63, APICWrite,	apic,	IMPL, TRAP)		\
	X(64, APICRead,		apic,	IMPL, TRAP)		\
	X(65, IODelay,		io,	IMPL, NONE)		\
	X(66, GetCycleFrequency, timer,	IMPL, NONE)		\
	X(67, GetCycleCounter,	timer,	IMPL, NONE)		\
	X(68, SetAlarm,		timer,	IMPL, TRAP)		\
	X(69, CancelAlarm,	timer,	IMPL, TRAP)		\
	X(70, GetWallclockTime,	timer,	IMPL, NONE)		\
	X(71, WallclockUpdated,	timer,	IMPL, NONE)		\
	X(72, SetCallbacks,	misc,	NONE, TRAP)		\
	X(73, SetLazyMode,	lazy,	IMPL, LAZY)

/*
 * RING=1 builds: the calls whose implementation needs CPL 0, run by the
 * monitor through the call gate (calls.S, GATE_CALL; gate.S). The other
 * calls run at CPL 1 in the guest's context: the interrupt flag (IOPL is
 * 1), the cached registers and descriptor-table reads, the page-table
 * writes (the ROM writes through), the time reads. IRET and SYSEXIT cross
 * through their own gate.
 */
#define VMI_ROM_RING0_CALLS(R)						\
	R(WRMSR) R(RDMSR) R(SetGDT) R(SetIDT) R(SetLDT) R(SetTR)	\
	R(WriteGDTEntry) R(WriteIDTEntry) R(SetCR0) R(SetCR3) R(SetCR4)	\
	R(WBINVD) R(SetDR) R(GetDR) R(CLTS) R(Halt) R(Reboot)		\
	R(Shutdown) R(InvalPage) R(FlushTLB) R(SetLinearMapping)	\
	R(SetInitialAPState) R(APICWrite) R(APICRead) R(SetAlarm)	\
	R(CancelAlarm) R(SetIOPLMask)

/* The two fixed entry points have counter slots and a transition kind. */
#define VMI_ROM_INIT_TRANSITION		VMI_TR_TRAP
#define VMI_ROM_GET_RELOC_TRANSITION	VMI_TR_NONE

/*
 * Reserved header bytes the project uses (inside vmi_rom_header.reserved,
 * after struct vmi_rom_ext): the byte the 16-bit init rewrites to keep the
 * patched image summing to 0, and a spare byte that is always 0 in a built
 * image (tests/mutate uses it to balance edits of the image tail).
 */
#define VMI_ROM_SPARE_OFFSET		0x7e
#define VMI_ROM_POST_CSUM_OFFSET	0x7f

#ifndef __ASSEMBLER__
/* One relocation-table entry per call, in call-number order (reloc.c). */
struct vmi_rom_reloc {
	u32 offset;			// target, as an offset from the image base
	u8  type;			// VMI_RELOCATION_*
	u8  reserved[3];
} __packed;
#endif

/*
 * ROM-private state, after struct vmi_rom_state in the stolen block
 * (struct vmi_rom_private below). The structs are the layout: layout.c
 * generates every offset the assembly and the host tools use
 * ($(BUILD)/layout.h, layout.json); the constants here are design choices.
 *
 *  pending     total deferred MMU updates queued on all CPUs (the sum of
 *              the per-CPU queues; the transition model uses those)
 *  ss0, esp0   last UpdateKernelStack (any CPU)
 *  iopl_mask   last SetIOPLMask (any CPU)
 *  linear[]    last SetLinearMapping per slot on any CPU (also recorded
 *              per CPU); slot VMI_LINEAR_MAP_SLOT_APIC (abi.h) locates
 *              the APIC
 *  tsc_hz      GetCycleFrequency, calibrated at POST against PIT ch. 2
 *  tsc_khz     tsc_hz / 1000 (the conversions work in kHz)
 *  apic_khz    local APIC timer rate at divide 1, calibrated against the
 *              TSC on the first LVTT alarm (0: not yet)
 *  apic_errors APIC calls (and LVTT alarms) that found no APIC: no
 *              slot 3 and no room for the ROM's own mapping (apic.c)
 *  cpu_overflow per-CPU accesses from a CPU that found every slot taken
 *              (more than VMI_ROM_MAX_CPUS CPUs; they share the last one)
 *  ap_tramp    physical address of the AP trampoline page (0: STATE_KIB
 *              too small for it); the temporary page directory follows
 *  state_phys  this block's physical address (for the trampoline)
 *  pcpu[]      per-CPU state, indexed by the CPU's slot (cpu_slot[])
 *  ap[]        SetInitialAPState copies, indexed by the target's slot, with
 *              the INIT/STARTUP IPIs the guest sent each and the ROM's
 *              starts of it
 *  ipis_dropped INIT/STARTUP IPIs sent as broadcasts (never delivered)
 *  iret_faults IRET frames the ROM refused, delivering the fault at the
 *              guest's call site (xfer.c)
 *  hpet_state, hpet_khz  the HPET for IRQ0 alarms (hpet.c)
 */
#define VMI_ROM_MAX_CPUS		8
#define VMI_ROM_APIC_PFN		0xfee00

#define VMI_ROM_PCPU_SHIFT		7			/* 128 bytes each */
#define VMI_ROM_PCPU_SIZE		(1 << VMI_ROM_PCPU_SHIFT)
#define VMI_ROM_VF_LVTT			0x1	/* vflags: the guest wrote LVTT */
#define VMI_ROM_HPET_UNPROBED		0
#define VMI_ROM_HPET_ABSENT		1
#define VMI_ROM_HPET_READY		2
#define VMI_ROM_AP_SHIFT		7			/* 128 bytes each */
#define VMI_ROM_AP_STATE_KIB		16	/* fits the AP trampoline's 2 pages */
/*
 * AUDIT=1 (STATE_KIB 28): the audit report, then the scratch buffer for
 * E820 at POST, past the trampoline's two pages wherever the state block
 * starts (the trampoline page is the first 4 KiB boundary after the
 * private area, at most 0x3bff past the block's start); then, at the first
 * 4 KiB boundary from AUDIT_PT_MIN, the non-PAE page table that maps the
 * store (no large page: CR4.PSE is still off when VMI starts).
 */
#define VMI_ROM_AUDIT_OFFSET		0x4000
#define VMI_ROM_AUDIT_SCRATCH		0x4800
#define VMI_ROM_AUDIT_PT_MIN		0x4c00
#define VMI_ROM_AUDIT_STATE_KIB		28

/*
 * RING=1 builds (monitor.S, monitor.c; Documentation/virt/vmi/ring1.rst):
 * the ring-0 monitor's area, at VMI_ROM_RING_OFFSET in the state block
 * (STATE_KIB 28): the shared part (counters, escape log; 512 bytes), the
 * real IDT (2 KiB),
 * then one 2 KiB struct vmi_mon_cpu per CPU, whose first bytes are that
 * CPU's real GDT (so GDTR.base finds the CPU, at CPL 0 and at CPL 1) and
 * whose end is the monitor's stack (TSS.ESP0 and SYSENTER_ESP).
 *
 * The real GDT: the guest's first VMI_MON_GUEST_GDT_ENTRIES entries,
 * copied with every DPL-0 code or data descriptor made DPL 1, then the
 * monitor's own entries, which the guest can neither load (DPL 0) nor
 * see (above its limit).
 */
#define VMI_ROM_RING_OFFSET		0x4000
#define VMI_ROM_RING_STATE_KIB		28
#define VMI_ROM_RING_CPUS		4
#define VMI_MON_CPU_SIZE		2048
#define VMI_MON_GUEST_GDT_ENTRIES	32
#define VMI_MON_CS_INDEX		32	/* flat code, DPL 0 */
#define VMI_MON_DS_INDEX		33	/* flat data, DPL 0 */
#define VMI_MON_TSS_INDEX		34	/* this CPU's real TSS */
#define VMI_MON_GATE_INDEX		35	/* call gate, DPL 1: the calls */
#define VMI_MON_XFER_INDEX		36	/* call gate, DPL 1: IRET, SYSEXIT */
#define VMI_MON_GDT_ENTRIES		37
#define VMI_MON_CS			(VMI_MON_CS_INDEX * 8)
#define VMI_MON_DS			(VMI_MON_DS_INDEX * 8)
#define VMI_MON_TSS			(VMI_MON_TSS_INDEX * 8)
#define VMI_MON_GATE			(VMI_MON_GATE_INDEX * 8 + 1)
#define VMI_MON_XFER			(VMI_MON_XFER_INDEX * 8 + 1)
#define VMI_MON_GATE_PARAMS		2	/* stack words a call may take */
#define VMI_MON_STUB_SIZE		16	/* one IDT entry stub */


#ifndef __ASSEMBLER__
struct vmi_mon_tss {
	u32 link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	u32 eax, ecx, edx, ebx, esp, ebp, esi, edi;
	u32 es, cs, ss, ds, fs, gs, ldt;
	u16 trap, iomap;
} __packed;

/* The shared part: the report (abi.h), then the real IDT. */
struct vmi_mon_shared {
	struct vmi_monitor_report r;
	u8  reserved[512 - sizeof(struct vmi_monitor_report)];
	u64 idt[256];			// the real IDT, one for every CPU
};

struct vmi_mon_cpu {
	u64 gdt[VMI_MON_GDT_ENTRIES];	// the real GDT: GDTR.base = here
	struct vmi_mon_tss tss;		// the real TSS
	u32 vgdt_base, vgdt_limit;	// the guest's GDTR
	u32 vidt_base, vidt_limit;	// the guest's IDTR
	u32 vtr, vldt;			// the guest's TR and LDTR selectors
	u32 ss0, esp0;			// the guest's kernel stack (ring 1)
	u32 cr0, cr2, cr3, cr4;		// the guest's view (CR2: the last #PF)
	u32 sysenter_cs, sysenter_esp, sysenter_eip;	// the guest's MSRs
	u32 active;			// 1: this CPU runs the guest at ring 1
	u32 slot;
	u32 halts;			// Halt calls woken by an interrupt
	u32 escapes;			// escapes on this CPU
	u32 sysenter_tf;		// SYSENTER came with TF set
	u32 pad;
	u8  stack[VMI_MON_CPU_SIZE - 8 * VMI_MON_GDT_ENTRIES - 104 - 84];
};
#endif

#ifndef __ASSEMBLER__
struct vmi_rom_linear {
	u32 va;
	u32 pages;			// 0: slot not registered
	u32 pfn;
} __packed;

struct vmi_rom_alarm {
	u32 flags;			// SetAlarm flags of the last arming
	u32 armed;			// 1 between SetAlarm and CancelAlarm
	u64 expiry;			// absolute, in cycles
	u64 period;			// 0: one-shot
} __packed;

struct vmi_rom_pcpu {
	u32 lazy_mode;			// this CPU's SetLazyMode
	u32 pending;			// this CPU's queued deferred updates
	struct vmi_rom_linear linear[VMI_LINEAR_MAP_SLOTS];
	struct vmi_rom_alarm alarm[VMI_ALARM_COUNTERS];	// REAL, AVAILABLE
	u32 lvtt;			// the guest's LVTT (valid: VF_LVTT)
	u32 icr2;			// the guest's last ICR2 write
	u32 vflags;			// VMI_ROM_VF_*
	u8  reserved[VMI_ROM_PCPU_SIZE - 116];
} __packed;

/* SetInitialAPState's copy of the AP state, one per APIC ID. */
struct vmi_rom_ap {
	u32 valid;			// 1: waiting for the AP, 2: AP took it
	u32 page_offset;		// linear - physical of the ROM at the call
	u16 pad;
	u16 idt_limit;			// IDTR pseudo-descriptor for lidt
	u32 idt_base;
	struct vmi_ap_state st;		// copied during the call
	u32 ipis;			// INIT/STARTUP IPIs the guest sent it
	u32 starts;			// times the ROM woke it
	u32 woken;			// 1: this state's STARTUP was sent
	u8  reserved[128 - 28 - sizeof(struct vmi_ap_state)];
};					/* naturally aligned, no padding */

struct vmi_rom_private {
	u32 pending;			// sum of the per-CPU queues
	u32 ss0;			// last UpdateKernelStack
	u32 esp0;
	u32 iopl_mask;			// last SetIOPLMask
	struct vmi_rom_linear linear[VMI_LINEAR_MAP_SLOTS]; // any CPU
	u64 tsc_hz;			// GetCycleFrequency (POST calibration)
	u32 tsc_khz;
	u32 apic_khz;			// APIC timer at divide 1 (0: not calibrated)
	u32 apic_errors;		// APIC calls that found no APIC
	u32 cpu_overflow;		// APIC IDs >= VMI_ROM_MAX_CPUS
	u32 ap_tramp;			// AP trampoline page (phys), 0: none
	u32 state_phys;			// this block's physical address
	struct vmi_rom_pcpu pcpu[VMI_ROM_MAX_CPUS];
	struct vmi_rom_ap ap[VMI_ROM_MAX_CPUS];	// by APIC ID
	u32 ipis_dropped;		// INIT/STARTUP broadcasts, IDs >= MAX_CPUS
	u32 iret_faults;		// IRET frames refused at the call site
	u32 hpet_state;			// VMI_ROM_HPET_* (hpet.c)
	u32 hpet_khz;			// HPET tick rate, once probed
	u32 cpu_slots_used;		// slots handed out (may pass MAX_CPUS)
	u8  cpu_slot[256];		// by initial APIC ID: slot + 1, 0: none
};					/* naturally aligned (reloc.c checks) */
#endif

#endif /* VMI_ROM_CALLTAB_H */
