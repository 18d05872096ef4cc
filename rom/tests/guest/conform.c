// SPDX-License-Identifier: GPL-2.0
/*
 * VMI 3.0 conformance suite: a freestanding multiboot program (no Linux)
 * that QEMU boots next to any VMI option ROM. It uses only what the ABI
 * gives a guest - the header, VMI_Init, GetRelocationInfo and the calls -
 * never the project ROM's private state, so another implementation of the
 * ABI can be judged with it (make conformance ROM=file).
 *
 * Every call gets at least one TAP line; a call the ROM answers NONE or
 * NOP for is reported as skipped for that call, never as passed. The
 * cases are the ways the two known guests use the ROM (Linux 2.6's VMI
 * guest and this project's 6.12 guest): APIC calls with and without a
 * linear-map slot, LVTT written by the guest, INIT/STARTUP around
 * SetInitialAPState in both orders, long, re-armed and cancelled alarms,
 * an iret that refuses its frame, lazy mode with and without deferred
 * updates, live page tables announced and changed in non-PAE and PAE
 * format.
 *
 * Command line: pae=1 (PAE paging: the SetPxELong family), smp=N (the AP
 * cases, with -smp N), mode=reboot / mode=shutdown (that call only).
 * Exit through isa-debug-exit: 0 all passed, 1 failures.
 */
#include "lib.h"

#define NAME(nr, name) [nr] = #name,
static const char *const call_names[VMI_CALL_COUNT] = { VMI_CALLS(NAME) };

static const struct vmi_rom_header *rom;
static u32 rom_len;
static struct vmi_relocation_info reloc[VMI_CALL_COUNT];
static int pae, ncpus;
static u64 tsc_hz;
static struct vregs r;

/**** Calling the ROM ****/

static int offered(int nr)
{
	return reloc[nr].type == VMI_RELOCATION_CALL_REL ||
	       reloc[nr].type == VMI_RELOCATION_JUMP_REL;
}

/* A call usable as a C function: CALL_REL. Otherwise one SKIP line. */
static int need(int nr, const char *what)
{
	char line[96];
	const char *why = reloc[nr].type == VMI_RELOCATION_NOP ? "NOP" :
			  reloc[nr].type == VMI_RELOCATION_NONE ? "NONE" :
			  "not a call target";
	int i = 0;
	const char *s;

	if (reloc[nr].type == VMI_RELOCATION_CALL_REL)
		return 1;
	for (s = call_names[nr]; *s && i < 40; s++)
		line[i++] = *s;
	line[i++] = ':';
	line[i++] = ' ';
	for (s = what; *s && i < (int)sizeof(line) - 1; s++)
		line[i++] = *s;
	line[i] = 0;
	skip(line, why);
	return 0;
}

/*
 * Call nr with EAX, EDX, ECX and two stack words; checks the convention:
 * EBX, ESI, EDI, EBP and ESP kept; the interrupt-flag calls also keep
 * EAX (unless it is the output), ECX and EDX.
 */
static int vcall(int nr, u32 eax, u32 edx, u32 ecx, u32 s1, u32 s2)
{
	int ok = 1;

	r.eax = eax;
	r.edx = edx;
	r.ecx = ecx;
	vmi_invoke(reloc[nr].eip, &r, s1, s2);
	if ((nr != VMI_CALL_CPUID && r.ebx != 0x11111111) ||
	    r.esi != 0x22222222 || r.edi != 0x33333333 ||
	    r.ebp != 0x44444444 || r.esp != r.esp_expected) {
		note("callee-saved register or ESP clobbered; ");
		ok = 0;
	}
	if (nr >= VMI_CALL_EnableInterrupts && nr <= VMI_CALL_SetInterruptMask &&
	    (r.ecx != ecx || r.edx != edx ||
	     (nr != VMI_CALL_GetInterruptMask && r.eax != eax))) {
		note("flags-only call clobbered EAX/ECX/EDX; ");
		ok = 0;
	}
	return ok;
}

#define C3(nr, a, d, c)		vcall(VMI_CALL_##nr, a, d, c, 0, 0)
#define C4(nr, a, d, c, s1)	vcall(VMI_CALL_##nr, a, d, c, s1, 0)

static u64 r64(void)
{
	return (u64)r.edx << 32 | r.eax;
}

/* The CS this program runs on: 0x08, or 0x09 if the ROM runs it at CPL 1. */
static u32 read_cs(void)
{
	u32 cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 0xffff;
}

/**** Header, VMI_Init, relocations ****/

static int check_header(void)
{
	const u8 *b = (const u8 *)rom;
	const struct vmi_pci_header *pci;
	const char *lic;
	int ok = 1;

	rom_len = rom->rom_length * 512;
	T(rom->api_version_maj == VMI_API_REV_MAJOR);
	T(rom->pci_header_offs && rom->pci_header_offs < rom_len);
	T(rom->license_offs && rom->license_offs < rom_len);
	if (ok) {
		lic = (const char *)b + rom->license_offs;
		T(streq(lic, "GPL") || streq(lic, "GPL v2"));
		pci = (const void *)(b + rom->pci_header_offs);
		note("PCI ");
		note_hex(pci->vendor_id << 16 | pci->device_id);
		note("; ");
	}
	report(ok, "header: API major 3, a PCI header, a GPL licence (what a guest refuses otherwise)");
	return ok;
}

static int check_init_and_relocs(void)
{
	u32 (*init)(void) = (void *)((const u8 *)rom + VMI_ROM_INIT_OFFSET);
	u64 (*getreloc)(u32) __attribute__((regparm(1))) =
		(void *)((const u8 *)rom + VMI_ROM_GET_RELOC_OFFSET);
	u32 nr, base = (u32)rom, vt = rom->virtual_top, n[4] = { 0 };
	int ok = 1, bad = 0;

	T(init() == 0);
	report(ok, "VMI_Init returns 0");
	if (!ok)
		return 0;
	for (nr = 0; nr < VMI_CALL_COUNT; nr++) {
		u64 v = getreloc(nr);

		reloc[nr].eip = (u32)v;
		reloc[nr].type = (u8)(v >> 32);
		if (reloc[nr].type > VMI_RELOCATION_NOP) {
			bad = 1;
			continue;
		}
		n[reloc[nr].type]++;
		if (offered(nr) && !(reloc[nr].eip - base < rom_len ||
				     (vt && reloc[nr].eip >= vt)))
			bad = 1;
		if (reloc[nr].type == VMI_RELOCATION_JUMP_REL &&
		    nr != VMI_CALL_IRET && nr != VMI_CALL_SYSEXIT)
			bad = 1;
	}
	ok = !bad;
	note("call ");
	note_hex(n[1]);
	note(" jump ");
	note_hex(n[2]);
	note(" nop ");
	note_hex(n[3]);
	note("; ");
	report(ok, "GetRelocationInfo: every call 0-73 a known type, targets in the image or above virtual_top, JUMP only for IRET/SYSEXIT");
	puts("# relocations: ");
	putdec(n[1]);
	puts(" call, ");
	putdec(n[2]);
	puts(" jump, ");
	putdec(n[3]);
	puts(" nop, ");
	putdec(n[0]);
	puts(" none\n");
	ok = 1;
	T(getreloc(VMI_CALL_COUNT) == 0 && getreloc(255) == 0 &&
	  getreloc(0xffffffff) == 0);
	report(ok, "GetRelocationInfo: calls past 73 are NONE");
	return 1;
}

/**** CPU state ****/

static void test_cpuid(void)
{
	u32 a, b, c, d;
	int ok;

	if (!need(VMI_CALL_CPUID, "leaves 0 and 1 as the instruction"))
		return;
	cpuid(0, &a, &b, &c, &d);
	ok = C3(CPUID, 0, 0, 0);
	T(r.eax == a && r.ebx == b && r.ecx == c && r.edx == d);
	cpuid(1, &a, &b, &c, &d);
	ok &= C3(CPUID, 1, 0, 0);
	T(r.eax == a && (r.edx & 1) == (d & 1));
	report(ok, "CPUID: leaves 0 and 1 as the instruction (EBX is an output)");
}

static void test_msr(void)
{
	int ok;

	/* Not the TSC MSR: QEMU's TCG reads it as 0. */
	if (need(VMI_CALL_RDMSR, "the APIC base MSR")) {
		ok = vcall(VMI_CALL_RDMSR, 0, 0, 0x1b, 0, 0);
		T((r64() & 0xfffff800u) == 0xfee00800u);
		report(ok, "RDMSR: the APIC base MSR (enabled, at 0xFEE00000)");
	}
	if (need(VMI_CALL_WRMSR, "SYSENTER_CS written and read back")) {
		u32 lo, hi;

		ok = vcall(VMI_CALL_WRMSR, 0x08, 0, 0x174, 0, 0);
		asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x174));
		T(lo == 0x08);
		report(ok, "WRMSR: SYSENTER_CS written");
	}
	if (need(VMI_CALL_RDPMC, "returns"))
		report(1, "RDPMC: returns");
}

static void test_desc(void)
{
	struct pseudo_desc buf;
	u64 save;
	int ok;

	if (need(VMI_CALL_SetGDT, "loads the GDTR") &&
	    need(VMI_CALL_GetGDT, "stores the GDTR")) {
		ok = C3(SetGDT, (u32)&gdtr, 0, 0);
		buf.base = buf.limit = 0;
		ok &= C3(GetGDT, (u32)&buf, 0, 0);
		T(buf.base == gdtr.base && buf.limit == gdtr.limit);
		report(ok, "SetGDT/GetGDT: the pseudo-descriptor round-trips");
	}
	if (need(VMI_CALL_SetIDT, "loads the IDTR") &&
	    need(VMI_CALL_GetIDT, "stores the IDTR")) {
		ok = C3(SetIDT, (u32)&idtr, 0, 0);
		buf.base = buf.limit = 0;
		ok &= C3(GetIDT, (u32)&buf, 0, 0);
		T(buf.base == idtr.base && buf.limit == idtr.limit);
		report(ok, "SetIDT/GetIDT: the pseudo-descriptor round-trips");
	}
	if (need(VMI_CALL_SetLDT, "loads a GDT selector") &&
	    need(VMI_CALL_GetLDT, "returns the selector")) {
		gdt[6] = make_desc((u32)ldt, sizeof(ldt) - 1, 0x82, 0);
		ok = C3(SetLDT, 0x30, 0, 0);
		ok &= C3(GetLDT, 0, 0, 0);
		T((r.eax & 0xffff) == 0x30);
		ok &= C3(SetLDT, 0, 0, 0);
		ok &= C3(GetLDT, 0, 0, 0);
		T((r.eax & 0xffff) == 0);
		report(ok, "SetLDT/GetLDT: selector 0x30, then none");
	}
	if (need(VMI_CALL_SetTR, "loads an available TSS") &&
	    need(VMI_CALL_GetTR, "returns the selector")) {
		ok = C3(GetTR, 0, 0, 0);
		T((r.eax & 0xffff) == 0x28);
		gdt[7] = make_desc((u32)&tss, sizeof(tss) - 1, 0x89, 0);
		ok &= C3(SetTR, 0x38, 0, 0);
		ok &= C3(GetTR, 0, 0, 0);
		T((r.eax & 0xffff) == 0x38);
		gdt[5] &= ~(0x2ull << 40);		/* 0x28 available again */
		ok &= C3(SetTR, 0x28, 0, 0);
		report(ok, "SetTR/GetTR: a second TSS, then the first again");
	}
	if (need(VMI_CALL_WriteGDTEntry, "stores both dwords")) {
		u64 d = make_desc(0x12345000, 0xfff, 0x92, 0x4);

		gdt[8] = 0;
		ok = C4(WriteGDTEntry, (u32)gdt, 8, (u32)d, d >> 32);
		/* a monitor may adjust DPL: compare base, limit, type, P */
		T((gdt[8] & ~(3ull << 45)) == (d & ~(3ull << 45)));
		report(ok, "WriteGDTEntry: the descriptor lands (DPL aside)");
	}
	if (need(VMI_CALL_WriteLDTEntry, "stores both dwords")) {
		u64 d = make_desc(0x00400000, 0xff, 0xf2, 0x4);

		ldt[1] = 0;
		ok = C4(WriteLDTEntry, (u32)ldt, 1, (u32)d, d >> 32);
		T((ldt[1] & ~(3ull << 45)) == (d & ~(3ull << 45)));
		report(ok, "WriteLDTEntry: the descriptor lands (DPL aside)");
	}
	if (need(VMI_CALL_WriteIDTEntry, "stores a gate the CPU uses")) {
		extern char int81_stub[];
		u64 g = make_gate(int81_stub, 0);
		u32 n0 = int81_count;

		save = idt[0x81];
		idt[0x81] = 0;
		ok = C4(WriteIDTEntry, (u32)idt, 0x81, (u32)g, g >> 32);
		asm volatile("int $0x81" : : : "memory");
		T(int81_count == n0 + 1);
		idt[0x81] = save;
		report(ok, "WriteIDTEntry: the gate is taken by int $0x81");
	}
	if (need(VMI_CALL_UpdateKernelStack, "accepts (SS, ESP0)")) {
		ok = C3(UpdateKernelStack, 0x10, tss.esp0, 0);
		report(ok, "UpdateKernelStack: accepts (kernel SS, ESP0)");
	}
}

static void test_crs(void)
{
	u32 cr0 = read_cr0(), cr4 = read_cr4(), cr3 = read_cr3();
	int ok;

	if (need(VMI_CALL_GetCR0, "reads CR0") && need(VMI_CALL_SetCR0, "writes CR0")) {
		ok = C3(GetCR0, 0, 0, 0);
		T(r.eax == cr0);
		ok &= C3(SetCR0, cr0 | 0x8, 0, 0);		/* TS */
		ok &= C3(GetCR0, 0, 0, 0);
		T(r.eax & 0x8);
		ok &= C3(SetCR0, cr0, 0, 0);
		T(read_cr0() == cr0);
		report(ok, "SetCR0/GetCR0: CR0.TS set and cleared");
	}
	if (need(VMI_CALL_CLTS, "clears CR0.TS")) {
		write_cr0(cr0 | 0x8);
		ok = C3(CLTS, 0, 0, 0);
		T(!(read_cr0() & 0x8));
		write_cr0(cr0);
		report(ok, "CLTS: clears CR0.TS");
	}
	if (need(VMI_CALL_SetCR2, "writes CR2") && need(VMI_CALL_GetCR2, "reads CR2")) {
		ok = C3(SetCR2, 0x12345678, 0, 0);
		ok &= C3(GetCR2, 0, 0, 0);
		T(r.eax == 0x12345678);
		report(ok, "SetCR2/GetCR2: the value round-trips");
	}
	if (need(VMI_CALL_SetCR3, "loads CR3") && need(VMI_CALL_GetCR3, "reads CR3")) {
		ok = C3(SetCR3, cr3, 0, 0);
		ok &= C3(GetCR3, 0, 0, 0);
		T(r.eax == cr3);
		report(ok, "SetCR3/GetCR3: the page-table root round-trips");
	}
	if (need(VMI_CALL_SetCR4, "writes CR4") && need(VMI_CALL_GetCR4, "reads CR4")) {
		ok = C3(GetCR4, 0, 0, 0);
		T(r.eax == cr4);
		ok &= C3(SetCR4, cr4 | 0x4, 0, 0);		/* TSD */
		ok &= C3(GetCR4, 0, 0, 0);
		T(r.eax & 0x4);
		ok &= C3(SetCR4, cr4, 0, 0);
		T(read_cr4() == cr4);
		report(ok, "SetCR4/GetCR4: CR4.TSD set and cleared");
	}
	if (need(VMI_CALL_WBINVD, "returns")) {
		ok = C3(WBINVD, 0, 0, 0);
		report(ok, "WBINVD: returns");
	}
	if (need(VMI_CALL_SetDR, "writes a debug register") &&
	    need(VMI_CALL_GetDR, "reads it back")) {
		ok = C3(SetDR, 0, 0x00123456, 0);
		ok &= C3(GetDR, 0, 0, 0);
		T(r.eax == 0x00123456);
		ok &= C3(SetDR, 0, 0, 0);
		ok &= C3(GetDR, 7, 0, 0);
		T((r.eax & 0xff) == 0);
		report(ok, "SetDR/GetDR: DR0 round-trips, DR7 disabled");
	}
	if (need(VMI_CALL_RDTSC, "monotonic, in step with the TSC")) {
		u64 a = rdtsc();

		ok = C3(RDTSC, 0, 0, 0);
		T(r64() >= a && r64() <= rdtsc());
		report(ok, "RDTSC: between two reads of the instruction");
	}
}

/**** Interrupt flag, halt ****/

static void test_irq(void)
{
	u32 t;
	int ok;

	if (need(VMI_CALL_DisableInterrupts, "clears IF") &&
	    need(VMI_CALL_EnableInterrupts, "sets IF") &&
	    need(VMI_CALL_GetInterruptMask, "reads IF")) {
		ok = C3(EnableInterrupts, 0, 0, 0);
		T(read_flags() & 0x200);
		ok &= C3(GetInterruptMask, 0, 0, 0);
		T(r.eax & 0x200);
		ok &= C3(DisableInterrupts, 0, 0, 0);
		T(!(read_flags() & 0x200));
		ok &= C3(GetInterruptMask, 0, 0, 0);
		T(!(r.eax & 0x200));
		report(ok, "Enable/Disable/GetInterruptMask: IF, flags-only clobbers");
	}
	if (need(VMI_CALL_SetInterruptMask, "sets IF from bit 9")) {
		t = ticks;
		ok = C3(SetInterruptMask, 0x200, 0, 0);
		wait_change(&ticks, t, div64_32(tsc_hz, 10));
		T(ticks != t);
		ok &= C3(SetInterruptMask, 0, 0, 0);
		T(!(read_flags() & 0x200));
		report(ok, "SetInterruptMask: 0x200 enables (a pending tick is taken), 0 disables");
	}
	if (need(VMI_CALL_Halt, "returns after an interrupt")) {
		t = ticks;
		ok = C3(Halt, 0, 0, 0);
		asm volatile("cli");
		T(ticks != t);
		report(ok, "Halt: enables interrupts, returns after one");
	}
	if (need(VMI_CALL_IODelay, "returns")) {
		ok = C3(IODelay, 0, 0, 0);
		report(ok, "IODelay: returns");
	}
	if (need(VMI_CALL_SetIOPLMask, "sets the IOPL")) {
		/*
		 * A guest the ROM runs at CPL 1 keeps the IOPL it needs for
		 * its own interrupt flag: 0 reads as 1 there.
		 */
		u32 floor = (read_cs() & 3) << 12;

		ok = C3(SetIOPLMask, 0x3000, 0, 0);
		T((r.eflags & 0x3000) == 0x3000);
		ok &= C3(SetIOPLMask, 0, 0, 0);
		T((r.eflags & 0x3000) == floor);
		report(ok, "SetIOPLMask: EFLAGS.IOPL 3, then 0 (at CPL 1: 1)");
	}
}

/**** Privilege transitions ****/

static void set_xfer(int nr)
{
	xfer_call = reloc[nr].type == VMI_RELOCATION_CALL_REL;
	*(u32 *)(iret_call_site + 1) = reloc[nr].eip - ((u32)iret_call_site + 5);
}

static void test_xfer(void)
{
	static const struct {
		u32 cs, ss, vec, err;
		const char *what;
	} bad[] = {
		{ 0x83, 0x23, 13, 0x80, "IRET refusing a frame (CS past the GDT): #GP(CS) at the call site" },
		{ 0x1b, 0x20, 13, 0x20, "IRET refusing a frame (SS RPL != CS RPL): #GP(SS) at the call site" },
		{ 0x1b, 0x1b, 13, 0x18, "IRET refusing a frame (SS a code segment): #GP(SS) at the call site" },
	};
	int ok, ret;
	u32 i;

	if (!offered(VMI_CALL_IRET)) {
		skip("IRET: every case", reloc[VMI_CALL_IRET].type ==
		     VMI_RELOCATION_NOP ? "NOP (native iret)" : "NONE");
	} else {
		set_xfer(VMI_CALL_IRET);
		ok = 1;
		ret = call_iret(reloc[VMI_CALL_IRET].eip, read_flags() | 0x200, &r);
		asm volatile("cli");
		T(ret == 1 && (r.eflags & 0x200));
		T(r.ebx == 0x11111111 && r.esi == 0x22222222 &&
		  r.edi == 0x33333333 && r.ebp == 0x44444444 &&
		  r.esp == r.esp_expected);
		report(ok, xfer_call ? "IRET (CALL_REL): same-ring frame above the return address"
				     : "IRET (JUMP_REL): same-ring frame at [esp]");
		ok = 1;
		user_cs = user_ss = user_eax = 0;
		ret = call_iret_user(reloc[VMI_CALL_IRET].eip, 0x202);
		asm volatile("cli");
		T(ret == 1 && user_cs == 0x1b && user_ss == 0x23 &&
		  user_eax == 0x5a5a1234 && (user_eflags & 0x200));
		report(ok, "IRET: to ring 3 through a full frame");
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			ok = 1;
			fault_vec = fault_err = fault_eip = 0;
			ret = call_iret_bad(reloc[VMI_CALL_IRET].eip, bad[i].cs,
					    bad[i].ss);
			asm volatile("cli");
			T(ret == 2 && fault_vec == bad[i].vec &&
			  fault_err == bad[i].err);
			if (xfer_call) {
				T(fault_eip == (u32)iret_call_site &&
				  fault_cs == read_cs() && fault_esp == iret_frame_at);
				report(ok, bad[i].what);
			} else {
				T(fault_eip - (u32)rom < rom_len);
				report(ok, "IRET (JUMP_REL) refusing a frame: the CPU's fault, taken in the ROM");
			}
		}
	}
	if (!offered(VMI_CALL_SYSEXIT)) {
		skip("SYSEXIT: enters ring 3", reloc[VMI_CALL_SYSEXIT].type ==
		     VMI_RELOCATION_NOP ? "NOP (native sysexit)" : "NONE");
		return;
	}
	set_xfer(VMI_CALL_SYSEXIT);
	ok = 1;
	user_cs = user_ss = user_eax = user_eflags = 0;
	ret = call_sysexit(reloc[VMI_CALL_SYSEXIT].eip);
	asm volatile("cli");
	T(ret == 1 && user_cs == 0x1b && user_ss == 0x23 &&
	  user_eax == 0x5a5a1234 && (user_eflags & 0x200));
	T((user_eflags & 0x8d5) == 0x8d5);
	report(ok, "SYSEXIT: ring 3 at EDX/ECX, IF set, the user's arithmetic flags kept");
}

/**** Page tables ****/

#define PG_P		0x001u
#define PG_RW		0x002u
#define PG_PS		0x080u
#define MARK_A		0xaaaa0001u		/* at PHYS_A (setup_cpu) */
#define MARK_B		0xbbbb0002u		/* at PHYS_B */

static u64 pdpt[4] __attribute__((aligned(32)));
static u64 pmds[4][512] __attribute__((aligned(4096)));
static u32 pt32[1024] __attribute__((aligned(4096)));
static u64 pt64[512] __attribute__((aligned(4096)));

/*
 * PAE: the same layout as setup_cpu()'s 4 MiB identity map, in 2 MiB
 * pages: the APIC only at APIC_VA, nothing from virtual_top up.
 */
static void setup_pae(u32 vt)
{
	u32 i, va;

	for (i = 0; i < 2048; i++) {
		va = i << 21;
		pmds[i >> 9][i & 511] = (u64)va | 0x87;
		if (va >= 0xfec00000u && va < 0xff000000u)
			pmds[i >> 9][i & 511] = 0;
		if (vt && va >= (vt & ~0x1fffffu))
			pmds[i >> 9][i & 511] = 0;
	}
	pmds[3][(TEST_VA - 0xc0000000u) >> 21] = PHYS_A | 0x87;
	pmds[3][(APIC_VA - 0xc0000000u) >> 21] = 0xfee00000u | 0x9f;
	for (i = 0; i < 4; i++)
		pdpt[i] = (u32)pmds[i] | PG_P;
	write_cr0(read_cr0() & ~0x80000000u);
	write_cr4(read_cr4() | 0x20);
	write_cr3((u32)pdpt);
	write_cr0(read_cr0() | 0x80000000u);
}

static u32 peek(void)
{
	return *(volatile u32 *)TEST_VA;
}

/* One page-table-entry store in this paging mode's call. */
static int set_pxe(void *ptr, u64 val, u32 flags)
{
	if (pae)
		return vcall(VMI_CALL_SetPxELong, (u32)val, val >> 32, (u32)ptr,
			     flags, 0);
	return vcall(VMI_CALL_SetPxE, (u32)val, (u32)ptr, flags, 0, 0);
}

/*
 * A live page table, announced and changed only through the calls: map
 * TEST_VA through a fresh PT page, switch it between two frames with
 * SetPxE(Long) + InvalPage, change it in place with UpdatePxE(Long), do
 * the same inside lazy MMU mode with DEFER, flush with FlushTLB, release.
 */
static void test_mmu(void)
{
	int set = pae ? VMI_CALL_SetPxELong : VMI_CALL_SetPxE;
	int upd = pae ? VMI_CALL_UpdatePxELong : VMI_CALL_UpdatePxE;
	int other_set = pae ? VMI_CALL_SetPxE : VMI_CALL_SetPxELong;
	u32 fmt = pae ? VMI_PAGE_PAE : 0, pfn, va_flags, ok;
	void *pde = pae ? (void *)&pmds[3][(TEST_VA - 0xc0000000u) >> 21] :
			  (void *)&pd[TEST_PDE];
	void *pte = pae ? (void *)&pt64[0] : (void *)&pt32[0];
	u64 old_pde = pae ? *(u64 *)pde : *(u32 *)pde;

	skip(call_names[other_set], pae ? "non-PAE call: run without pae=1"
					: "PAE call: run with pae=1");
	skip(call_names[pae ? VMI_CALL_UpdatePxE : VMI_CALL_UpdatePxELong],
	     pae ? "non-PAE call: run without pae=1" : "PAE call: run with pae=1");
	if (!need(set, "live page tables") || !need(VMI_CALL_InvalPage, "drops a translation") ||
	    !need(VMI_CALL_AllocatePage, "announces a PT page") ||
	    !need(VMI_CALL_ReleasePage, "retires it") ||
	    !need(VMI_CALL_FlushTLB, "flushes"))
		return;
	pfn = (pae ? (u32)pt64 : (u32)pt32) >> 12;
	va_flags = VMI_PAGE_PT | VMI_PAGE_CURRENT_AS | TEST_VA;

	ok = C4(AllocatePage, pfn, VMI_PAGE_PT | fmt | VMI_PAGE_ZEROED, 0, 0);
	ok &= set_pxe(pde, pfn << 12 | PG_P | PG_RW, VMI_PAGE_PD);
	ok &= C3(FlushTLB, VMI_FLUSH_TLB, 0, 0);
	ok &= set_pxe(pte, PHYS_A | PG_P | PG_RW, va_flags);
	ok &= C3(InvalPage, TEST_VA, 0, 0);
	T(peek() == MARK_A);
	ok &= set_pxe(pte, PHYS_B | PG_P | PG_RW, va_flags);
	ok &= C3(InvalPage, TEST_VA, 0, 0);
	T(peek() == MARK_B);
	report(ok, pae ? "SetPxELong + AllocatePage(L1, PAE, ZEROED) + InvalPage: a live PAE page table, two frames"
		       : "SetPxE + AllocatePage(L1, ZEROED) + InvalPage: a live page table, two frames");

	if (need(upd, "re-reads an entry changed in place")) {
		if (pae)
			__atomic_store_n(&pt64[0], (u64)PHYS_A | PG_P | PG_RW, __ATOMIC_SEQ_CST);
		else
			__atomic_store_n(&pt32[0], PHYS_A | PG_P | PG_RW, __ATOMIC_SEQ_CST);
		ok = vcall(upd, (u32)pte, va_flags, 0, 0, 0);
		ok &= C3(InvalPage, TEST_VA, 0, 0);
		T(peek() == MARK_A);
		report(ok, pae ? "UpdatePxELong: an entry changed in place is taken"
			       : "UpdatePxE: an entry changed in place is taken");
	}
	if (need(VMI_CALL_SetLazyMode, "MMU mode")) {
		ok = C3(SetLazyMode, VMI_LAZY_MMU_UPDATES, 0, 0);
		ok &= C3(SetLazyMode, VMI_LAZY_MODE_OFF, 0, 0);
		report(ok, "SetLazyMode: MMU mode entered and left with nothing deferred");

		ok = C3(SetLazyMode, VMI_LAZY_MMU_UPDATES, 0, 0);
		ok &= set_pxe(pte, PHYS_B | PG_P | PG_RW, va_flags | VMI_PAGE_DEFER);
		ok &= C3(SetLazyMode, VMI_LAZY_MODE_OFF, 0, 0);
		ok &= C3(InvalPage, TEST_VA, 0, 0);
		T(peek() == MARK_B);
		report(ok, "SetLazyMode: a DEFER update inside MMU mode is in place once the mode is left");

		ok = C3(SetLazyMode, VMI_LAZY_MMU_UPDATES, 0, 0);
		ok &= set_pxe(pte, PHYS_A | PG_P | PG_RW, va_flags | VMI_PAGE_DEFER);
		ok &= C3(InvalPage, TEST_VA, 0, 0);	/* a flush point */
		T(peek() == MARK_A);
		ok &= C3(SetLazyMode, VMI_LAZY_MODE_OFF, 0, 0);
		report(ok, "SetLazyMode: InvalPage inside MMU mode flushes the deferred update");

		ok = C3(SetLazyMode, VMI_LAZY_CPU_STATE, 0, 0);
		ok &= C3(SetLazyMode, VMI_LAZY_MODE_OFF, 0, 0);
		report(ok, "SetLazyMode: CPU mode entered and left");
	}
	ok = set_pxe(pte, PHYS_B | PG_P | PG_RW, va_flags);
	ok &= C3(FlushTLB, VMI_FLUSH_TLB | VMI_FLUSH_GLOBAL, 0, 0);
	T(peek() == MARK_B);
	report(ok, "FlushTLB(TLB | GLOBAL): a changed entry is visible after it");

	ok = set_pxe(pte, 0, va_flags);
	ok &= set_pxe(pde, old_pde, VMI_PAGE_PD);
	ok &= C3(FlushTLB, VMI_FLUSH_TLB, 0, 0);
	ok &= C3(ReleasePage, pfn, VMI_PAGE_PT | fmt, 0);
	T(peek() == MARK_A);
	report(ok, "ReleasePage: the PT page retired after its entries are gone");

	if (need(VMI_CALL_MachineToPhysical, "inverse of PhysicalToMachine") &&
	    need(VMI_CALL_PhysicalToMachine, "inverse of MachineToPhysical")) {
		ok = C3(PhysicalToMachine, 0x1234, 0, 0);
		ok &= C3(MachineToPhysical, r.eax, 0, 0);
		T(r.eax == 0x1234);
		report(ok, "MachineToPhysical(PhysicalToMachine(pfn)) == pfn");
	}
}

/**** Port I/O ****/

static void test_io(void)
{
	static const int calls[] = {
		VMI_CALL_INL, VMI_CALL_INB, VMI_CALL_INW, VMI_CALL_INSL,
		VMI_CALL_INSB, VMI_CALL_INSW, VMI_CALL_OUTL, VMI_CALL_OUTB,
		VMI_CALL_OUTW, VMI_CALL_OUTSL, VMI_CALL_OUTSB, VMI_CALL_OUTSW,
	};
	u32 i;
	int ok;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		if (calls[i] == VMI_CALL_OUTB && need(VMI_CALL_OUTB, "CMOS index write") &&
		    need(VMI_CALL_INB, "CMOS data read")) {
			ok = C3(OUTB, 0x0e, 0x70, 0);	/* AL = value, DX = port */
			ok &= C3(INB, 0, 0x71, 0);
			outb(0x70, 0x0e);
			T((r.eax & 0xff) == inb(0x71));
			report(ok, "OUTB/INB: a CMOS register through the calls");
		} else if (calls[i] != VMI_CALL_OUTB && calls[i] != VMI_CALL_INB &&
			   need(calls[i], "port I/O")) {
			report(1, "port I/O call offered (no side-effect-free port to check)");
		}
	}
}

/**** Local APIC, SMP ****/

static volatile u32 *const apic = (volatile u32 *)APIC_VA;
static int apic_ok;

static void test_apic(void)
{
	int ok;

	if (!need(VMI_CALL_APICRead, "reads the local APIC") ||
	    !need(VMI_CALL_APICWrite, "writes the local APIC"))
		return;
	ok = C3(APICRead, 0x20, 0, 0);
	T(r.eax >> 24 == apic_id_cpuid());
	ok &= C3(APICRead, 0x30, 0, 0);
	T((r.eax & 0xff) >= 0x10);
	ok &= C3(APICWrite, 0x80, 0x20, 0);
	T(apic[0x80 / 4] == 0x20);
	ok &= C3(APICWrite, 0x80, 0, 0);
	T(apic[0x80 / 4] == 0);
	report(ok, "APICRead/APICWrite: ID, version, TPR, with no linear-map slot registered (as the 2.6 guest)");
	apic_ok = ok;
	if (need(VMI_CALL_SetLinearMapping, "slots 0 and 3")) {
		ok = C4(SetLinearMapping, VMI_LINEAR_MAP_SLOT_DIRECT, 0, 0x8000, 0);
		ok &= C4(SetLinearMapping, VMI_LINEAR_MAP_SLOT_APIC, APIC_VA, 1, 0xfee00);
		ok &= C3(APICRead, 0x20, 0, 0);
		T(r.eax >> 24 == apic_id_cpuid());
		ok &= C3(APICWrite, 0x80, 0x30, 0);
		T(apic[0x80 / 4] == 0x30);
		ok &= C3(APICWrite, 0x80, 0, 0);
		report(ok, "SetLinearMapping: slot 0 (direct map), slot 3 (APIC); the APIC calls still reach it");
		apic_ok &= ok;
	}
}

static struct vmi_ap_state ap_state(u32 marker)
{
	struct vmi_ap_state st = { 0 };

	st.cr0 = read_cr0();
	st.cr3 = read_cr3();
	st.cr4 = read_cr4();
	st.eip = (u32)ap_entry;
	st.eflags = 0x2;
	st.ebx = marker;
	st.esi = 0x51515151;
	st.edi = 0xd1d1d1d1;
	st.esp = (u32)ap_stack_top;
	st.cs = 0x08;
	st.ss = 0x10;
	st.ds = 0x10;
	st.es = 0x10;
	st.fs = 0x23;
	st.gs = 0x10;
	st.gdtr_limit = gdtr.limit;
	st.gdtr_base = gdtr.base;
	st.idtr_base = idtr.base;
	st.idtr_limit = idtr.limit;
	return st;
}

static int ipi(u32 apic_id, u32 icr)
{
	int ok = C3(APICWrite, 0x310, apic_id << 24, 0);

	return ok & C3(APICWrite, 0x300, icr, 0);
}

static int wait_ap(u32 count)
{
	u64 t0 = rdtsc();

	while (ap_count < count && rdtsc() - t0 < tsc_hz)
		asm volatile("pause");
	return ap_count == count;
}

/*
 * The AP start-up of both guests: this project's (SetInitialAPState, then
 * INIT and STARTUP) for APIC ID 1, the 2.6 guest's (INIT, then the state,
 * then STARTUP) for APIC ID 2. Each AP records its registers and halts.
 */
static void test_smp(void)
{
	struct vmi_ap_state st;
	int ok;
	u32 rpl;

	if (ncpus < 2) {
		skip("SetInitialAPState: starts an AP", "one CPU (run with smp=2 and -smp 2)");
		return;
	}
	if (!need(VMI_CALL_SetInitialAPState, "starts an AP"))
		return;
	if (!apic_ok) {
		report(0, "SetInitialAPState: needs APICRead/APICWrite working");
		return;
	}
	st = ap_state(0x600d0001);
	ok = C3(SetInitialAPState, (u32)&st, 1, 0);
	ok &= ipi(1, 0xc500);				/* INIT, level, assert */
	ok &= ipi(1, 0x4699);				/* STARTUP */
	ok &= ipi(1, 0x4699);
	T(wait_ap(1));
	T(ap_ebx == 0x600d0001 && ap_esi == 0x51515151 && ap_edi == 0xd1d1d1d1);
	T(ap_esp == (u32)ap_stack_top && ap_cr3 == read_cr3());
	/*
	 * The AP runs at the BSP's CPL: at CPL 1 the GDTR it stores is the
	 * monitor's, so only the selectors are compared then.
	 */
	rpl = read_cs() & 3;
	T(ap_cs == (0x08 | rpl) && ap_ss == (0x10 | rpl) && ap_fs == 0x23);
	T(rpl || (*(volatile u16 *)ap_gdtr == gdtr.limit &&
		  *(volatile u32 *)(ap_gdtr + 2) == gdtr.base));
	T(!(ap_eflags & 0x200));
	report(ok, "SetInitialAPState, then INIT and STARTUP: APIC ID 1 runs in the given state");
	if (ncpus < 3) {
		skip("SetInitialAPState: INIT first (the 2.6 guest's order)", "two CPUs (run with smp=3)");
		return;
	}
	ok = ipi(2, 0xc500);
	st = ap_state(0x600d0002);
	ok &= C3(SetInitialAPState, (u32)&st, 2, 0);
	ok &= ipi(2, 0x4699);
	T(wait_ap(2));
	T(ap_ebx == 0x600d0002);
	report(ok, "INIT, SetInitialAPState, then STARTUP (the 2.6 guest's order): APIC ID 2 runs");
}

/**** Time ****/

static u64 now(void)
{
	vcall(VMI_CALL_GetCycleCounter, VMI_CYCLES_REAL, 0, 0, 0, 0);
	return r64();
}

static int alarm(u32 flags, u64 expiry, u64 period)
{
	return vcall(VMI_CALL_SetAlarm, flags, (u32)expiry, expiry >> 32,
		     (u32)period, period >> 32);
}

/*
 * One one-shot alarm: exactly one interrupt, not before the expiry and
 * within 25 ms after it (TCG on a busy host); re-armed @rearms times
 * first, which must raise nothing. Up to three tries.
 */
static int oneshot(u32 wired, volatile u32 *cnt, volatile u64 *when, u64 delay,
		   int rearms)
{
	u64 e = 0, d = 0;
	u32 t;
	int ok = 0, try, i;

	for (try = 0; try < 3 && !ok; try++) {
		why_len = 0;
		why[0] = 0;
		ok = 1;
		t = *cnt;
		for (i = 0; i < rearms; i++) {
			ok &= alarm(wired | VMI_CYCLES_REAL, now() + delay, 0);
			wait_cycles(div64_32(tsc_hz, 500));
		}
		e = now() + delay;
		ok &= alarm(wired | VMI_CYCLES_REAL, e, 0);
		T(*cnt == t);
		wait_change(cnt, t, delay + div64_32(tsc_hz, 2));
		wait_cycles(div64_32(tsc_hz, 20));
		T(*cnt == t + 1);
		d = *when - e;
		T(*when >= e && d < div64_32(tsc_hz, 40));
		ok &= vcall(VMI_CALL_CancelAlarm, wired | VMI_CYCLES_REAL, 0, 0, 0, 0);
		T(r.eax == 0);
	}
	puts("# alarm: ");
	putdec((u32)div64_32(delay * 1000, (u32)div64_32(tsc_hz, 1000)));
	puts(" us, fired ");
	putdec((u32)div64_32(d * 1000000, (u32)div64_32(tsc_hz, 1)));
	puts(" us late\n");
	return ok;
}

static void test_time(void)
{
	u64 g, hz, a, b;
	u32 t, n;
	int ok;

	if (!need(VMI_CALL_GetCycleFrequency, "the cycle rate"))
		return;
	ok = C3(GetCycleFrequency, 0, 0, 0);
	hz = r64();
	g = guest_tsc_hz();
	T(hz > g - div64_32(g, 20) && hz < g + div64_32(g, 20));
	report(ok, "GetCycleFrequency: within 5% of the TSC rate the guest measures");
	tsc_hz = hz > 10000000 ? hz : g;
	if (need(VMI_CALL_GetCycleCounter, "REAL, AVAILABLE, STOLEN")) {
		ok = C3(GetCycleCounter, VMI_CYCLES_REAL, 0, 0);
		a = r64();
		wait_cycles(div64_32(tsc_hz, 100));
		ok &= C3(GetCycleCounter, VMI_CYCLES_REAL, 0, 0);
		b = r64();
		T(b > a + div64_32(tsc_hz, 200));
		ok &= C3(GetCycleCounter, VMI_CYCLES_AVAILABLE, 0, 0);
		T(r64() <= now());
		ok &= C3(GetCycleCounter, VMI_CYCLES_STOLEN, 0, 0);
		a = r64();
		ok &= C3(GetCycleCounter, VMI_CYCLES_STOLEN, 0, 0);
		T(r64() >= a);
		report(ok, "GetCycleCounter: REAL advances at the rate, AVAILABLE <= REAL, STOLEN monotonic");
	}
	if (need(VMI_CALL_GetWallclockTime, "ns since the epoch")) {
		ok = C3(GetWallclockTime, 0, 0, 0);
		T(div64_32(r64(), 1000000000) > 1577836800);	/* after 2020 */
		report(ok, "GetWallclockTime: after 2020");
	}
	if (need(VMI_CALL_WallclockUpdated, "0 or 1")) {
		ok = C3(WallclockUpdated, 0, 0, 0);
		T(r.eax <= 1);
		report(ok, "WallclockUpdated: 0 or 1");
	}
	if (!need(VMI_CALL_SetAlarm, "arms") || !need(VMI_CALL_CancelAlarm, "disarms") ||
	    !offered(VMI_CALL_GetCycleCounter))
		return;

	/*
	 * IRQ0 wiring (the 2.6 guest without a local APIC). Like that guest,
	 * stop our own PIT tick first (mode 5, no gate edge: it never
	 * fires), give the ROM its first IRQ0 alarm untimed (it may probe
	 * its timer), and take what is still pending.
	 */
	outb(0x43, 0x3a);
	ok = alarm(VMI_ALARM_WIRED_IRQ0 | VMI_CYCLES_REAL, now() + tsc_hz, 0);
	ok &= vcall(VMI_CALL_CancelAlarm, VMI_ALARM_WIRED_IRQ0 | VMI_CYCLES_REAL, 0, 0, 0, 0);
	wait_cycles(div64_32(tsc_hz, 50));
	if (!ok)
		report(0, "SetAlarm/CancelAlarm IRQ0: first use");
	report(oneshot(VMI_ALARM_WIRED_IRQ0, &ticks, &irq0_tsc, div64_32(tsc_hz, 50), 0),
	       "SetAlarm IRQ0 one-shot 20 ms: one interrupt, not early");
	report(oneshot(VMI_ALARM_WIRED_IRQ0, &ticks, &irq0_tsc, div64_32(tsc_hz, 10), 5),
	       "SetAlarm IRQ0 one-shot re-armed 5 times: no interrupt until the last expiry, then one");
	report(oneshot(VMI_ALARM_WIRED_IRQ0, &ticks, &irq0_tsc, div64_32(tsc_hz, 5), 0),
	       "SetAlarm IRQ0 one-shot 200 ms (past the PIT's 54.9 ms): one interrupt, not early");
	t = ticks;
	ok = alarm(VMI_ALARM_WIRED_IRQ0 | VMI_CYCLES_REAL, now() + div64_32(tsc_hz, 20), 0);
	ok &= vcall(VMI_CALL_CancelAlarm, VMI_ALARM_WIRED_IRQ0 | VMI_CYCLES_REAL, 0, 0, 0, 0);
	T(r.eax == 1);
	wait_cycles(div64_32(tsc_hz, 5));
	T(ticks == t);
	report(ok, "CancelAlarm IRQ0: a pending one-shot returns 1 and raises nothing, then or later");

	if (!apic_ok) {
		skip("SetAlarm LVTT: every case", "the APIC calls do not work");
		return;
	}
	/*
	 * LVTT wiring: the guest programs the vector and unmasks it itself.
	 * A monitor may calibrate the APIC timer on first use: one alarm
	 * armed and cancelled first keeps that out of the timed cases.
	 */
	ok = C3(APICWrite, 0x320, LVTT_VECTOR, 0);
	ok &= alarm(VMI_ALARM_WIRED_LVTT | VMI_CYCLES_REAL, now() + tsc_hz, 0);
	ok &= vcall(VMI_CALL_CancelAlarm, VMI_ALARM_WIRED_LVTT | VMI_CYCLES_REAL, 0, 0, 0, 0);
	report(ok && oneshot(VMI_ALARM_WIRED_LVTT, &lvtt_count, &lvtt_tsc,
			     div64_32(tsc_hz, 50), 0),
	       "SetAlarm LVTT one-shot 20 ms (vector from the guest's LVTT): one interrupt, not early");
	report(oneshot(VMI_ALARM_WIRED_LVTT, &lvtt_count, &lvtt_tsc,
		       div64_32(tsc_hz, 10), 5),
	       "SetAlarm LVTT one-shot re-armed 5 times: no interrupt until the last expiry, then one");
	report(oneshot(VMI_ALARM_WIRED_LVTT, &lvtt_count, &lvtt_tsc,
		       div64_32(tsc_hz, 2), 0),
	       "SetAlarm LVTT one-shot 500 ms: one interrupt, not early");

	ok = 1;
	t = lvtt_count;
	ok &= alarm(VMI_ALARM_WIRED_LVTT | VMI_CYCLES_REAL, now() + div64_32(tsc_hz, 50), 0);
	ok &= C3(APICWrite, 0x320, LVTT_VECTOR, 0);	/* as the 2.6 guest does */
	wait_change(&lvtt_count, t, div64_32(tsc_hz, 2));
	T(lvtt_count == t + 1);
	report(ok, "SetAlarm LVTT: the guest rewriting LVTT while armed keeps the alarm");

	ok = C3(APICWrite, 0x320, LVTT_VECTOR | 0x10000, 0);
	t = lvtt_count;
	ok &= alarm(VMI_ALARM_WIRED_LVTT | VMI_CYCLES_REAL, now() + div64_32(tsc_hz, 100), 0);
	wait_cycles(div64_32(tsc_hz, 20));
	T(lvtt_count == t);
	ok &= C3(APICRead, 0x320, 0, 0);
	T((r.eax & 0x100ff) == (LVTT_VECTOR | 0x10000));
	ok &= C3(APICWrite, 0x320, LVTT_VECTOR, 0);
	report(ok, "SetAlarm LVTT: the guest's mask holds; APICRead returns the guest's LVTT");

	ok = 1;
	t = lvtt_count;
	ok &= alarm(VMI_ALARM_WIRED_LVTT | VMI_ALARM_IS_PERIODIC | VMI_CYCLES_REAL,
		    now(), div64_32(tsc_hz, 200));		/* 5 ms */
	wait_cycles(div64_32(tsc_hz, 16));
	ok &= vcall(VMI_CALL_CancelAlarm, VMI_ALARM_WIRED_LVTT | VMI_CYCLES_REAL, 0, 0, 0, 0);
	T(r.eax == 1);
	n = lvtt_count - t;
	wait_cycles(div64_32(tsc_hz, 20));
	T(n >= 3 && n <= 20 && lvtt_count - t == n);
	report(ok, "SetAlarm LVTT periodic 5 ms: several interrupts; CancelAlarm returns 1 and stops them");

	ok = alarm(VMI_ALARM_WIRED_LVTT | VMI_CYCLES_STOLEN, now(), 0);
	ok &= vcall(VMI_CALL_CancelAlarm, VMI_ALARM_WIRED_LVTT | VMI_CYCLES_STOLEN, 0, 0, 0, 0);
	T(r.eax == 0);
	report(ok, "SetAlarm on STOLEN is a no-op; CancelAlarm of nothing returns 0");
}

/**** Reboot and Shutdown (mode=) ****/

static void end_machine(const char *mode)
{
	int nr = mode[0] == 'r' ? VMI_CALL_Reboot : VMI_CALL_Shutdown;

	if (!need(nr, "ends the machine"))
		finish();
	puts("# calling ");
	puts(call_names[nr]);
	putc('\n');
	vcall(nr, VMI_REBOOT_HARD, 0, 0, 0, 0);
	report(0, "the call returned");
	finish();
}

u32 guest_main(u32 magic, const struct mb_info *mbi)
{
	const char *cmd = (magic == 0x2badb002 && (mbi->flags & 4)) ?
			  (const char *)mbi->cmdline : NULL;
	const char *mode = cmd_value(cmd, "mode");
	const char *s = cmd_value(cmd, "smp");

	puts("TAP version 13\n# VMI 3.0 conformance\n");
	pae = cmd_value(cmd, "pae") != NULL;
	ncpus = s && *s >= '1' && *s <= '9' ? *s - '0' : 1;
	setup_cpu();
	rom = scan_rom();
	report(rom != NULL, "a VMI ROM in 0xC0000-0xDFFFF (55 AA, \"cVmi\" on a 2 KiB boundary)");
	if (!rom)
		finish();
	if (!check_header() || !check_init_and_relocs())
		finish();
	if (rom->virtual_top) {
		u32 i;

		for (i = rom->virtual_top >> 22; i < 1024; i++)
			pd[i] = 0;
		write_cr3((u32)pd);
	}
	if (pae)
		setup_pae(rom->virtual_top);
	puts(pae ? "# paging: PAE\n" : "# paging: non-PAE\n");
	tsc_hz = guest_tsc_hz();
	if (mode && (strneq(mode, "reboot", 6) || strneq(mode, "shutdown", 8)))
		end_machine(mode);

	test_cpuid();
	test_msr();
	test_desc();
	test_crs();
	test_irq();
	test_xfer();
	test_mmu();
	test_io();
	test_apic();
	test_time();
	test_smp();
	if (!offered(VMI_CALL_SetCallbacks))
		skip("SetCallbacks: (semantics unknown in any source)", "not offered");
	else
		report(1, "SetCallbacks: offered (its arguments are unknown; not called)");
	finish();
	return 0;
}
