// SPDX-License-Identifier: GPL-2.0
/*
 * VMI ROM test guest (kvm-unit-tests style): booted by QEMU as a multiboot
 * kernel next to the ROM (-option-rom). It builds a flat GDT/IDT/TSS,
 * turns on paging (identity, 4 MiB pages), finds the ROM by scanning
 * 0xC0000-0xE0000 like the kernel does, and then exercises every call the
 * ROM offers as CALL_REL: results, register preservation, per-call
 * counters and the transition model, all checked against calltab.h.
 *
 * Output: TAP on the serial port (plan at the end), plus "# rom=..."
 * lines for the runner. Exit through isa-debug-exit: 0 all passed,
 * 1 failures (QEMU exits with 2*N+1).
 *
 * Command line (multiboot): none=g1,g2 (groups the ROM was built to
 * answer NONE for), mode=reboot / mode=shutdown (call that and nothing
 * else afterwards).
 */
#include "lib.h"
#include "calltab.h"


/**** The ROM ****/

static const struct vmi_rom_header *rom;
static u32 rom_len;
static struct vmi_rom_state *state;
static struct vmi_rom_private *priv;
static struct {
	u32 eip;
	u32 type;
} reloc[VMI_CALL_COUNT];

#define GROUP_BIT(name, bit) GROUP_##name = 1u << (bit),
enum { VMI_ROM_GROUPS(GROUP_BIT) };
#define GROUP_NAME(name, bit) [bit] = #name,
static const char *const group_names[VMI_ROM_GROUP_COUNT] = {
	VMI_ROM_GROUPS(GROUP_NAME)
};

#define NAME(nr, name, group, impl, tr) [nr] = #name,
static const char *const call_names[VMI_CALL_COUNT] = { VMI_ROM_CALLS(NAME) };
#define GROUP(nr, name, group, impl, tr) [nr] = GROUP_##group,
static const u32 call_group[VMI_CALL_COUNT] = { VMI_ROM_CALLS(GROUP) };
#define IMPL_IMPL VMI_RELOCATION_CALL_REL
#define IMPL_XFER 0xff	/* CALL_REL, or JUMP_REL with xfer=jump */
#define IMPL_NONE VMI_RELOCATION_NONE
#define IMPL_RING VMI_RELOCATION_NONE	/* this guest runs RING=0 ROMs */
#define IMPL(nr, name, group, impl, tr) [nr] = IMPL_##impl,
static const u8 call_impl[VMI_CALL_COUNT] = { VMI_ROM_CALLS(IMPL) };
#define KIND(nr, name, group, impl, tr) [nr] = VMI_TR_##tr,
static const u8 call_kind[VMI_CALL_COUNT] = { VMI_ROM_CALLS(KIND) };

static u32 none_mask;
static int xfer_jump, strict;
static u64 calls_made[VMI_COUNTER_SLOTS];
static u64 model_transitions;
static u32 model_lazy, model_pending;

static int offered(int nr)
{
	return reloc[nr].type == VMI_RELOCATION_CALL_REL ||
	       reloc[nr].type == VMI_RELOCATION_JUMP_REL;
}

/* Expected transitions for one call, advancing the guest's own model. */
static u32 model(int slot, u32 arg)
{
	u32 t = 0;

	switch (slot < VMI_CALL_COUNT ? call_kind[slot] : VMI_TR_NONE) {
	case VMI_TR_TRAP:
		t = 1;
		break;
	case VMI_TR_DEFER:
		if ((arg & VMI_PAGE_DEFER) && model_lazy == VMI_LAZY_MMU_UPDATES)
			model_pending++;
		else
			t = 1;
		break;
	case VMI_TR_FLUSH:
		model_pending = 0;
		t = 1;
		break;
	case VMI_TR_CPU:
		if (model_lazy == VMI_LAZY_CPU_STATE)
			model_pending++;
		else
			t = 1;
		break;
	case VMI_TR_LAZY:
		if (arg != VMI_LAZY_MMU_UPDATES && model_pending) {
			model_pending = 0;
			t = 1;
		}
		model_lazy = arg;
		break;
	}
	model_transitions += t;
	return t;
}

static struct vregs r;

/*
 * Call ROM entry nr with (eax, edx, ecx, [s1, s2]); "arg" is what the
 * transition model looks at. Checks the counters, the transition count
 * and register preservation; returns 1 if all hold (reasons in why[]).
 */
static int vcall(int nr, u32 eax, u32 edx, u32 ecx, u32 s1, u32 s2, u32 arg)
{
	u64 c0 = state->counters[nr];
	u64 t0 = state->counters[VMI_COUNTER_TRANSITIONS];
	u32 expect_t = model(nr, arg);
	int ok = 1;

	r.eax = eax;
	r.edx = edx;
	r.ecx = ecx;
	vmi_invoke(reloc[nr].eip, &r, s1, s2);
	calls_made[nr]++;
	if (state->counters[nr] != c0 + 1) {
		note("counter not +1; ");
		ok = 0;
	}
	if (state->counters[VMI_COUNTER_TRANSITIONS] != t0 + expect_t) {
		note("transitions +");
		note_hex((u32)(state->counters[VMI_COUNTER_TRANSITIONS] - t0));
		note(" expected +");
		note_hex(expect_t);
		note("; ");
		ok = 0;
	}
	if ((nr != VMI_CALL_CPUID && r.ebx != 0x11111111) ||
	    r.esi != 0x22222222 || r.edi != 0x33333333 ||
	    r.ebp != 0x44444444 || r.esp != r.esp_expected) {
		note("callee-saved register or ESP clobbered; ");
		ok = 0;
	}
	if (nr >= VMI_CALL_EnableInterrupts && nr <= VMI_CALL_SetInterruptMask) {
		if (r.ecx != ecx || r.edx != edx ||
		    (nr != VMI_CALL_GetInterruptMask && r.eax != eax)) {
			note("flags-only call clobbered EAX/ECX/EDX; ");
			ok = 0;
		}
	}
	return ok;
}

#define CALL3(nr, a, d, c)	vcall(VMI_CALL_##nr, a, d, c, 0, 0, 0)
#define CALLA(nr, a, d, c, s1, arg) vcall(VMI_CALL_##nr, a, d, c, s1, 0, arg)

static int need(int nr)
{
	if (offered(nr))
		return 1;
	skip(call_names[nr], "not offered by this ROM");
	return 0;
}

/* Every test below: ok = vcall checks && semantic checks (T, lib.h). */

static void test_cpuid(void)
{
	u32 a, b, c, d, leaf;
	int ok = 1;

	if (!need(VMI_CALL_CPUID))
		return;
	for (leaf = 0; leaf < 2; leaf++) {
		cpuid(leaf, &a, &b, &c, &d);
		ok &= CALL3(CPUID, leaf, 0x5555, 0);
		T(r.eax == a && r.ebx == b && r.ecx == c && r.edx == d);
	}
	report(ok, "CPUID leaves 0 and 1 match the native instruction");
}

static void test_gdt_idt(void)
{
	struct pseudo_desc p;
	u64 d;
	int ok = 1;

	if (need(VMI_CALL_GetGDT)) {
		p.limit = 0; p.base = 0;
		ok &= CALL3(GetGDT, (u32)&p, 0, 0);
		T(p.limit == gdtr.limit && p.base == gdtr.base);
		report(ok, "GetGDT returns the loaded GDT");
	}
	if (need(VMI_CALL_SetGDT)) {
		ok = CALL3(SetGDT, (u32)&gdtr, 0, 0);
		asm volatile("sgdt %0" : "=m"(p));
		T(p.limit == gdtr.limit && p.base == gdtr.base);
		report(ok, "SetGDT loads the GDT");
	}
	if (need(VMI_CALL_GetIDT)) {
		p.limit = 0; p.base = 0;
		ok = CALL3(GetIDT, (u32)&p, 0, 0);
		T(p.limit == idtr.limit && p.base == idtr.base);
		report(ok, "GetIDT returns the loaded IDT");
	}
	if (need(VMI_CALL_SetIDT)) {
		struct pseudo_desc small = { 0x7ff, (u32)idt };

		ok = CALL3(SetIDT, (u32)&small, 0, 0);
		asm volatile("sidt %0" : "=m"(p));
		T(p.limit == 0x7ff && p.base == (u32)idt);
		ok &= CALL3(SetIDT, (u32)&idtr, 0, 0);
		asm volatile("sidt %0" : "=m"(p));
		T(p.limit == idtr.limit);
		report(ok, "SetIDT loads the IDT");
	}
	if (need(VMI_CALL_WriteGDTEntry)) {
		d = make_desc(0x12345678, 0xabcde, 0x92, 0xc);
		ok = CALLA(WriteGDTEntry, (u32)gdt, 6, (u32)d, d >> 32, 0);
		T(gdt[6] == d);
		d = make_desc(0x87654321, 0x1234, 0x12, 0x4);	/* not present */
		ok &= CALLA(WriteGDTEntry, (u32)gdt, 6, (u32)d, d >> 32, 0);
		T(gdt[6] == d);
		report(ok, "WriteGDTEntry stores present and not-present descriptors");
	}
	if (need(VMI_CALL_WriteIDTEntry)) {
		u32 n = int81_count;

		d = make_gate(int81_stub, 0);
		ok = CALLA(WriteIDTEntry, (u32)idt, 0x81, (u32)d, d >> 32, 0);
		T(idt[0x81] == d);
		asm volatile("int $0x81" ::: "memory");
		T(int81_count == n + 1);
		report(ok, "WriteIDTEntry installs a working gate");
	}
}

static void test_tr_ldt(void)
{
	u64 d;
	int ok = 1;

	if (need(VMI_CALL_SetTR)) {
		/* The TSS is busy since setup; make it available, then load. */
		d = make_desc((u32)&tss, sizeof(tss) - 1, 0x89, 0x0);
		ok = 1;
		if (offered(VMI_CALL_WriteGDTEntry))
			ok &= CALLA(WriteGDTEntry, (u32)gdt, 5, (u32)d, d >> 32, 0);
		else
			gdt[5] = d;
		T(((gdt[5] >> 40) & 0xf) == 0x9);
		ok &= CALL3(SetTR, 0x28, 0, 0);
		T(((gdt[5] >> 40) & 0xf) == 0xb);	/* now busy */
		report(ok, "SetTR loads the task register");
	}
	if (need(VMI_CALL_GetTR)) {
		u16 tr;

		asm volatile("str %0" : "=r"(tr));
		ok = CALL3(GetTR, 0xdead0000, 0, 0);
		T(r.eax == tr);
		report(ok, "GetTR returns the task register");
	}
	if (offered(VMI_CALL_WriteGDTEntry) && need(VMI_CALL_SetLDT)) {
		u16 sel;

		d = make_desc((u32)ldt, sizeof(ldt) - 1, 0x82, 0x0);
		ok = CALLA(WriteGDTEntry, (u32)gdt, 7, (u32)d, d >> 32, 0);
		ok &= CALL3(SetLDT, 0x38, 0, 0);
		asm volatile("sldt %0" : "=r"(sel));
		T(sel == 0x38);
		if (offered(VMI_CALL_GetLDT)) {
			ok &= CALL3(GetLDT, 0xdead0000, 0, 0);
			T(r.eax == 0x38);
		}
		if (offered(VMI_CALL_WriteLDTEntry)) {
			u16 fs;

			d = make_desc(0, 0xfffff, 0x92, 0xc);
			ok &= CALLA(WriteLDTEntry, (u32)ldt, 1, (u32)d, d >> 32, 0);
			T(ldt[1] == d);
			/* Use it: selector 0x0c = LDT entry 1, RPL 0. */
			asm volatile("mov %1, %%fs; mov %%fs, %0; mov %2, %%fs"
				     : "=r"(fs) : "r"(0x0c), "r"(0x10));
			T(fs == 0x0c);
		}
		ok &= CALL3(SetLDT, 0, 0, 0);
		asm volatile("sldt %0" : "=r"(sel));
		T(sel == 0);
		report(ok, "SetLDT/GetLDT/WriteLDTEntry load, read and fill an LDT");
	}
	if (offered(VMI_CALL_GetLDT) && !offered(VMI_CALL_SetLDT))
		skip("GetLDT", "needs SetLDT");
	if (!offered(VMI_CALL_WriteLDTEntry))
		skip("WriteLDTEntry", "not offered by this ROM");
	if (need(VMI_CALL_UpdateKernelStack)) {
		ok = CALL3(UpdateKernelStack, 0x10, 0x12345670, 0);
		T(priv->ss0 == 0x10 && priv->esp0 == 0x12345670);
		report(ok, "UpdateKernelStack records SS0:ESP0");
	}
}

static void test_crs(void)
{
	u32 cr0 = read_cr0(), cr4 = read_cr4();
	int ok;

	if (need(VMI_CALL_GetCR0)) {
		ok = CALL3(GetCR0, 0, 0, 0);
		T(r.eax == cr0);
		report(ok, "GetCR0 matches the native CR0");
	}
	if (need(VMI_CALL_SetCR0)) {
		ok = CALL3(SetCR0, cr0 | 0x8, 0, 0);		/* TS */
		T(read_cr0() == (cr0 | 0x8));
		if (offered(VMI_CALL_CLTS)) {
			ok &= CALL3(CLTS, 0, 0, 0);
			T(read_cr0() == (cr0 & ~0x8u));
		}
		ok &= CALL3(SetCR0, cr0, 0, 0);
		T(read_cr0() == cr0);
		report(ok, "SetCR0 sets TS and CLTS clears it");
	}
	if (!offered(VMI_CALL_CLTS) || !offered(VMI_CALL_SetCR0))
		skip("CLTS", "needs SetCR0 and CLTS");
	if (need(VMI_CALL_SetCR2)) {
		ok = CALL3(SetCR2, 0xdeadb000, 0, 0);
		if (offered(VMI_CALL_GetCR2)) {
			ok &= CALL3(GetCR2, 0, 0, 0);
			T(r.eax == 0xdeadb000);
		}
		report(ok, "SetCR2/GetCR2 round trip");
	}
	if (need(VMI_CALL_GetCR3)) {
		ok = CALL3(GetCR3, 0, 0, 0);
		T(r.eax == (u32)pd);
		report(ok, "GetCR3 returns the page directory");
	}
	if (need(VMI_CALL_SetCR3)) {
		volatile u32 *va = (volatile u32 *)TEST_VA;

		pd[TEST_PDE] = PHYS_A | PDE_FLAGS;
		write_cr3((u32)pd);
		T(*va == 0xaaaa0001);
		pd[TEST_PDE] = PHYS_B | PDE_FLAGS;
		ok = CALL3(SetCR3, (u32)pd, 0, 0);
		T(*va == 0xbbbb0002);
		T(read_cr3() == (u32)pd);
		report(ok, "SetCR3 reloads the page tables");
	}
	if (need(VMI_CALL_GetCR4)) {
		ok = CALL3(GetCR4, 0, 0, 0);
		T(r.eax == cr4);
		report(ok, "GetCR4 matches the native CR4");
	}
	if (need(VMI_CALL_SetCR4)) {
		ok = CALL3(SetCR4, cr4 ^ 0x4, 0, 0);		/* TSD */
		T(read_cr4() == (cr4 ^ 0x4));
		if (offered(VMI_CALL_GetCR4)) {
			ok &= CALL3(GetCR4, 0, 0, 0);
			T(r.eax == (cr4 ^ 0x4));
		}
		ok &= CALL3(SetCR4, cr4, 0, 0);
		T(read_cr4() == cr4);
		report(ok, "SetCR4/GetCR4 round trip");
	}
	if (need(VMI_CALL_WBINVD)) {
		ok = CALL3(WBINVD, 0, 0, 0);
		report(ok, "WBINVD returns");
	}
	if (need(VMI_CALL_SetDR) && offered(VMI_CALL_GetDR)) {
		u32 i;

		ok = 1;
		for (i = 0; i < 4; i++) {
			ok &= CALL3(SetDR, i, 0x1000 * (i + 1), 0);
			ok &= CALL3(GetDR, i, 0, 0);
			T(r.eax == 0x1000 * (i + 1));
		}
		ok &= CALL3(SetDR, 7, 0x400, 0);
		ok &= CALL3(GetDR, 7, 0, 0);
		T(r.eax == 0x400);
		report(ok, "SetDR/GetDR round trip DR0-DR3, DR7");
	}
	if (!offered(VMI_CALL_GetDR))
		skip("GetDR", "not offered by this ROM");
	if (need(VMI_CALL_RDTSC)) {
		u64 t0 = rdtsc(), t, t1;

		ok = CALL3(RDTSC, 0, 0, 0);
		t = (u64)r.edx << 32 | r.eax;
		t1 = rdtsc();
		T(t0 <= t && t <= t1);
		report(ok, "RDTSC lies between two native reads");
	}
}

static void test_irq(void)
{
	int ok = 1;
	u32 t;

	if (!need(VMI_CALL_EnableInterrupts) || !need(VMI_CALL_DisableInterrupts)
	    || !need(VMI_CALL_GetInterruptMask) || !need(VMI_CALL_SetInterruptMask))
		return;
	ok &= CALL3(DisableInterrupts, 0x1234, 0x5678, 0x9abc);
	T(!(r.eflags & 0x200));
	ok &= CALL3(GetInterruptMask, 0x1234, 0x5678, 0x9abc);
	T(r.eax == 0);
	report(ok, "DisableInterrupts clears IF; GetInterruptMask says 0");

	ok = CALL3(EnableInterrupts, 0x1234, 0x5678, 0x9abc);
	T(r.eflags & 0x200);
	ok &= CALL3(GetInterruptMask, 0x1234, 0x5678, 0x9abc);
	T(r.eax == 0x200);
	t = ticks;
	while (ticks == t)
		asm volatile("pause");
	report(ok, "EnableInterrupts sets IF; timer interrupts arrive; mask 0x200");

	ok = CALL3(SetInterruptMask, 0, 0x5678, 0x9abc);
	T(!(read_flags() & 0x200));
	ok &= CALL3(GetInterruptMask, 0x1234, 0x5678, 0x9abc);
	T(r.eax == 0);
	ok &= CALL3(SetInterruptMask, 0x200, 0x5678, 0x9abc);
	T(read_flags() & 0x200);
	ok &= CALL3(GetInterruptMask, 0x1234, 0x5678, 0x9abc);
	T(r.eax == 0x200);
	ok &= CALL3(SetInterruptMask, ~0x200u, 0x5678, 0x9abc);
	T(!(read_flags() & 0x200));
	ok &= CALL3(SetInterruptMask, 0xffffffff, 0x5678, 0x9abc);
	T(read_flags() & 0x200);
	ok &= CALL3(GetInterruptMask, 0xffffffff, 0x5678, 0x9abc);
	T(r.eax == 0x200);
	ok &= CALL3(DisableInterrupts, 0x1234, 0x5678, 0x9abc);
	report(ok, "SetInterruptMask honours only bit 9; all four preserve EAX/ECX/EDX");

	if (need(VMI_CALL_Halt)) {
		t = ticks;
		ok = CALL3(Halt, 0, 0, 0);
		T(ticks != t);
		asm volatile("cli");
		report(ok, "Halt enables interrupts and returns after one");
	}
}

/*
 * A ring-3 frame that iret must refuse: as a call target the ROM reports
 * the fault at the call site (the guest's exception table knows it); as a
 * jump target the fault is taken inside the ROM.
 */
static void test_iret_fault(void)
{
	static const struct {
		u32 cs, ss, vec, err;
		const char *what;
	} cases[] = {
		{ 0x83, 0x23, 13, 0x80, "CS past the GDT limit: #GP(CS)" },
		{ 0x1b, 0x20, 13, 0x20, "SS RPL != CS RPL: #GP(SS)" },
		{ 0x1b, 0x1b, 13, 0x18, "SS a code segment: #GP(SS)" },
	};
	u32 i, f0;
	int ok, ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ok = 1;
		f0 = priv->iret_faults;
		fault_vec = fault_err = fault_eip = fault_cs = fault_esp = 0;
		xfer_call = reloc[VMI_CALL_IRET].type == VMI_RELOCATION_CALL_REL;
		*(u32 *)(iret_call_site + 1) = reloc[VMI_CALL_IRET].eip -
					       ((u32)iret_call_site + 5);
		ret = call_iret_bad(reloc[VMI_CALL_IRET].eip, cases[i].cs,
				    cases[i].ss);
		calls_made[VMI_CALL_IRET]++;
		model(VMI_CALL_IRET, 0);
		asm volatile("cli");
		T(ret == 2);
		T(fault_vec == cases[i].vec && fault_err == cases[i].err);
		if (!(fault_vec == cases[i].vec && fault_err == cases[i].err &&
		      (!xfer_call || fault_eip == (u32)iret_call_site))) {
			note("vec ");
			note_hex(fault_vec);
			note(" err ");
			note_hex(fault_err);
			note(" eip ");
			note_hex(fault_eip);
			note("; ");
		}
		if (xfer_call) {
			T(fault_eip == (u32)iret_call_site);
			T(fault_cs == 0x08);
			T(fault_esp == iret_frame_at);
			T(priv->iret_faults == f0 + 1);
		} else {
			T(fault_eip >= (u32)rom && fault_eip < (u32)rom + rom_len);
		}
		note(cases[i].what);
		report(ok, xfer_call ? "IRET refusing a ring-3 frame faults at the call site with the CPU's vector and error code"
				     : "IRET (JUMP_REL) refusing a ring-3 frame faults inside the ROM");
	}
}

static void test_xfer(void)
{
	u64 c0, t0;
	u32 expect_t;
	int ok = 1, ret;

	if (need(VMI_CALL_IRET)) {
		xfer_call = reloc[VMI_CALL_IRET].type == VMI_RELOCATION_CALL_REL;
		c0 = state->counters[VMI_CALL_IRET];
		t0 = state->counters[VMI_COUNTER_TRANSITIONS];
		expect_t = model(VMI_CALL_IRET, 0);
		ret = call_iret(reloc[VMI_CALL_IRET].eip, read_flags() | 0x200, &r);
		calls_made[VMI_CALL_IRET]++;
		asm volatile("cli");
		T(ret == 1);
		T(r.eflags & 0x200);
		T(r.ebx == 0x11111111 && r.esi == 0x22222222 &&
		  r.edi == 0x33333333 && r.ebp == 0x44444444);
		T(r.esp == r.esp_expected);
		T(state->counters[VMI_CALL_IRET] == c0 + 1);
		T(state->counters[VMI_COUNTER_TRANSITIONS] == t0 + expect_t);
		report(ok, xfer_call ? "IRET (CALL_REL) returns through the iret frame above the return address"
				     : "IRET (JUMP_REL) returns through the iret frame");

		ok = 1;
		user_cs = user_ss = user_eax = user_eflags = 0;
		c0 = state->counters[VMI_CALL_IRET];
		t0 = state->counters[VMI_COUNTER_TRANSITIONS];
		expect_t = model(VMI_CALL_IRET, 0);
		ret = call_iret_user(reloc[VMI_CALL_IRET].eip, 0x202);
		calls_made[VMI_CALL_IRET]++;
		asm volatile("cli");
		T(ret == 1);
		T(user_cs == 0x1b && user_ss == 0x23);
		T(user_eax == 0x5a5a1234);
		T(user_eflags & 0x200);
		T(state->counters[VMI_CALL_IRET] == c0 + 1);
		T(state->counters[VMI_COUNTER_TRANSITIONS] == t0 + expect_t);
		report(ok, "IRET returns to ring 3 through a full frame");
		test_iret_fault();
	}
	if (need(VMI_CALL_SYSEXIT)) {
		ok = 1;
		user_cs = user_ss = user_eax = user_eflags = 0;
		if (!tss.esp0 || !(read_cr0() & 1)) {
			skip("SYSEXIT", "no TSS");
			return;
		}
		xfer_call = reloc[VMI_CALL_SYSEXIT].type == VMI_RELOCATION_CALL_REL;
		c0 = state->counters[VMI_CALL_SYSEXIT];
		t0 = state->counters[VMI_COUNTER_TRANSITIONS];
		expect_t = model(VMI_CALL_SYSEXIT, 0);
		ret = call_sysexit(reloc[VMI_CALL_SYSEXIT].eip);
		calls_made[VMI_CALL_SYSEXIT]++;
		asm volatile("cli");
		T(ret == 1);
		T(user_cs == 0x1b && user_ss == 0x23);
		T(user_eax == 0x5a5a1234);
		T(user_eflags & 0x200);
		T(state->counters[VMI_CALL_SYSEXIT] == c0 + 1);
		T(state->counters[VMI_COUNTER_TRANSITIONS] == t0 + expect_t);
		report(ok, "SYSEXIT enters ring 3 at EDX/ECX with interrupts on");
	}
}

static void test_mmu(void)
{
	volatile u32 *va = (volatile u32 *)TEST_VA;
	static volatile u32 pte32;
	static volatile u64 pte64 __attribute__((aligned(8)));
	int ok;

	if (need(VMI_CALL_SetPxE)) {
		pte32 = 0;
		ok = CALLA(SetPxE, 0x12345067, (u32)&pte32, VMI_PAGE_PT, 0,
			   VMI_PAGE_PT);
		T(pte32 == 0x12345067);
		report(ok, "SetPxE stores the entry");
	}
	if (need(VMI_CALL_SetPxELong)) {
		pte64 = 0x1111111122222222ull;
		ok = vcall(VMI_CALL_SetPxELong, 0x33333001, 0x80000004,
			   (u32)&pte64, VMI_PAGE_PT, 0, VMI_PAGE_PT);
		T(pte64 == 0x8000000433333001ull);
		ok &= vcall(VMI_CALL_SetPxELong, 0, 0, (u32)&pte64,
			    VMI_PAGE_PT, 0, VMI_PAGE_PT);
		T(pte64 == 0);
		report(ok, "SetPxELong stores both halves");
	}
	if (need(VMI_CALL_UpdatePxE)) {
		ok = vcall(VMI_CALL_UpdatePxE, (u32)&pte32, VMI_PAGE_PT, 0, 0, 0,
			   VMI_PAGE_PT);
		report(ok, "UpdatePxE is accounted");
	}
	if (need(VMI_CALL_UpdatePxELong)) {
		ok = vcall(VMI_CALL_UpdatePxELong, (u32)&pte64, VMI_PAGE_PT, 0,
			   0, 0, VMI_PAGE_PT);
		report(ok, "UpdatePxELong is accounted");
	}
	if (need(VMI_CALL_MachineToPhysical)) {
		ok = CALL3(MachineToPhysical, 0x12345, 0, 0);
		T(r.eax == 0x12345);
		report(ok, "MachineToPhysical is the identity");
	}
	if (need(VMI_CALL_PhysicalToMachine)) {
		ok = CALL3(PhysicalToMachine, 0x54321, 0, 0);
		T(r.eax == 0x54321);
		report(ok, "PhysicalToMachine is the identity");
	}
	if (need(VMI_CALL_AllocatePage)) {
		ok = vcall(VMI_CALL_AllocatePage, 0x123, 0x42, 0x100, 768, 256, 0);
		report(ok, "AllocatePage is accounted");
	}
	if (need(VMI_CALL_ReleasePage)) {
		ok = CALL3(ReleasePage, 0x123, 0x42, 0);
		report(ok, "ReleasePage is accounted");
	}
	if (need(VMI_CALL_InvalPage) && offered(VMI_CALL_SetPxE)) {
		pd[TEST_PDE] = PHYS_A | PDE_FLAGS;
		write_cr3((u32)pd);
		T(*va == 0xaaaa0001);			/* TLB now holds A */
		ok = CALLA(SetPxE, PHYS_B | PDE_FLAGS, (u32)&pd[TEST_PDE],
			   VMI_PAGE_PD, 0, VMI_PAGE_PD);
		ok &= CALL3(InvalPage, TEST_VA, 0, 0);
		T(*va == 0xbbbb0002);
		report(ok, "SetPxE + InvalPage remap a live page");
	}
	if (need(VMI_CALL_FlushTLB)) {
		u32 cr4 = read_cr4();

		T(*va == 0xbbbb0002 || *va == 0xaaaa0001);
		pd[TEST_PDE] = PHYS_A | PDE_FLAGS;
		ok = CALL3(FlushTLB, VMI_FLUSH_TLB, 0, 0);
		T(*va == 0xaaaa0001);
		write_cr4(cr4 | 0x80);			/* PGE */
		pd[TEST_PDE] = PHYS_B | PDE_FLAGS | PDE_GLOBAL;
		ok &= CALL3(FlushTLB, VMI_FLUSH_TLB | VMI_FLUSH_GLOBAL, 0, 0);
		T(*va == 0xbbbb0002);
		T(read_cr4() == (cr4 | 0x80));
		T(!(r.eflags & 0x200));
		write_cr4(cr4);
		report(ok, "FlushTLB(TLB) and FlushTLB(TLB|GLOBAL) flush; PGE kept");
	}
	if (need(VMI_CALL_SetLinearMapping)) {
		ok = CALLA(SetLinearMapping, 0, 0xc0000000, 0x38000, 0, 0);
		T(priv->linear[0].va == 0xc0000000 &&
		  priv->linear[0].pages == 0x38000 && priv->linear[0].pfn == 0);
		ok &= CALLA(SetLinearMapping, 2, 0xffb00000, 1, 0x1234, 0);
		T(priv->linear[2].va == 0xffb00000 && priv->linear[2].pfn == 0x1234);
		ok &= CALLA(SetLinearMapping, 9, 0x1000, 1, 0x4321, 0);
		report(ok, "SetLinearMapping records slots 0-3, ignores others");
	}
}

static void test_lazy(void)
{
	static volatile u32 pte;
	u32 defer = VMI_PAGE_PT | VMI_PAGE_DEFER | VMI_PAGE_CURRENT_AS | 0x1000;
	struct vmi_rom_pcpu *cpu;
	u32 a, b, c, d;
	int ok;

	cpuid(1, &a, &b, &c, &d);
	cpu = &priv->pcpu[(priv->cpu_slot[b >> 24] - 1) & (VMI_ROM_MAX_CPUS - 1)];

	if (!need(VMI_CALL_SetLazyMode))
		return;
	ok = CALL3(SetLazyMode, VMI_LAZY_CPU_STATE, 0, 0);
	T(state->lazy_mode == VMI_LAZY_CPU_STATE);
	T(cpu->lazy_mode == VMI_LAZY_CPU_STATE);
	ok &= vcall(VMI_CALL_SetLazyMode, 0, 0, 0, 0, 0, 0);
	T(state->lazy_mode == 0 && cpu->lazy_mode == 0);
	report(ok, "SetLazyMode records the mode (global copy and this CPU's entry)");

	if (offered(VMI_CALL_SetDR)) {
		u64 t0;

		ok = vcall(VMI_CALL_SetLazyMode, VMI_LAZY_CPU_STATE, 0, 0, 0, 0,
			   VMI_LAZY_CPU_STATE);
		t0 = state->counters[VMI_COUNTER_TRANSITIONS];
		ok &= CALL3(SetDR, 7, 0, 0);
		ok &= CALL3(SetDR, 7, 0, 0);
		T(cpu->pending == 2);
		T(state->counters[VMI_COUNTER_TRANSITIONS] == t0);
		ok &= vcall(VMI_CALL_SetLazyMode, 0, 0, 0, 0, 0, 0);
		T(cpu->pending == 0);
		T(state->counters[VMI_COUNTER_TRANSITIONS] == t0 + 1);
		ok &= CALL3(SetDR, 7, 0, 0);
		T(state->counters[VMI_COUNTER_TRANSITIONS] == t0 + 2);
		report(ok, "CPU-state calls in lazy CPU mode cost one transition at the flush");
	}

	if (!offered(VMI_CALL_SetPxE) || !offered(VMI_CALL_UpdatePxELong) ||
	    !offered(VMI_CALL_InvalPage)) {
		skip("deferred MMU updates", "needs the mmu group");
		return;
	}
	/* Outside lazy mode DEFER costs a transition. */
	ok = CALLA(SetPxE, 0x1067, (u32)&pte, defer, 0, defer);
	/* Inside: queued, then flushed by leaving lazy mode (one exit). */
	ok &= vcall(VMI_CALL_SetLazyMode, 1, 0, 0, 0, 0, 1);
	ok &= CALLA(SetPxE, 0x2067, (u32)&pte, defer, 0, defer);
	T(pte == 0x2067);
	ok &= vcall(VMI_CALL_UpdatePxELong, (u32)&pte, defer, 0, 0, 0, defer);
	ok &= CALLA(SetPxE, 0x3067, (u32)&pte, VMI_PAGE_PT, 0, VMI_PAGE_PT);
	T(priv->pending == 2 && cpu->pending == 2);
	T(cpu->lazy_mode == VMI_LAZY_MMU_UPDATES);
	ok &= vcall(VMI_CALL_SetLazyMode, 0, 0, 0, 0, 0, 0);
	T(priv->pending == 0 && cpu->pending == 0);
	ok &= vcall(VMI_CALL_SetLazyMode, 0, 0, 0, 0, 0, 0);
	/* Inside, flushed by InvalPage: the flush rides on its exit. */
	ok &= vcall(VMI_CALL_SetLazyMode, 1, 0, 0, 0, 0, 1);
	ok &= CALLA(SetPxE, 0x4067, (u32)&pte, defer, 0, defer);
	ok &= CALL3(InvalPage, (u32)&pte, 0, 0);
	ok &= vcall(VMI_CALL_SetLazyMode, 0, 0, 0, 0, 0, 0);
	report(ok, "DEFER updates in lazy MMU mode cost one transition at the flush");
}

/*
 * Batching as a monitor would price it, with expectations written out
 * here rather than taken from model(): inside SetLazyMode(MMU), deferred
 * updates of every kind cost no transition however many there are; the
 * flush that ends the batch costs exactly one, whichever call ends it
 * (leaving lazy mode, switching to CPU mode, FlushTLB, SetCR3); an empty
 * batch costs nothing to end; re-entering MMU mode keeps the queue; a
 * trap that does not flush (CPUID) leaves the queue alone; DEFER outside
 * MMU mode (off or CPU mode) costs one each.
 */
#define LAZY_BATCH	512

static u64 transitions(void)
{
	return ((volatile struct vmi_rom_state *)state)->counters[VMI_COUNTER_TRANSITIONS];
}

static void test_lazy_batch(void)
{
	static volatile u32 pte32[LAZY_BATCH];
	static volatile u64 pte64[LAZY_BATCH] __attribute__((aligned(8)));
	u32 defer = VMI_PAGE_PT | VMI_PAGE_DEFER | VMI_PAGE_CURRENT_AS;
	struct vmi_rom_pcpu *cpu;
	u32 a, b, c, d, i;
	u64 t0;
	int ok = 1;

	if (!offered(VMI_CALL_SetLazyMode) || !offered(VMI_CALL_SetPxE) ||
	    !offered(VMI_CALL_SetPxELong) || !offered(VMI_CALL_UpdatePxE) ||
	    !offered(VMI_CALL_UpdatePxELong) || !offered(VMI_CALL_FlushTLB) ||
	    !offered(VMI_CALL_SetCR3)) {
		skip("lazy MMU batches", "needs the lazy and mmu groups");
		return;
	}
	cpuid(1, &a, &b, &c, &d);
	cpu = &priv->pcpu[(priv->cpu_slot[b >> 24] - 1) & (VMI_ROM_MAX_CPUS - 1)];

	/* A batch of 4 x LAZY_BATCH updates, ended by leaving lazy mode. */
	ok &= vcall(VMI_CALL_SetLazyMode, VMI_LAZY_MMU_UPDATES, 0, 0, 0, 0,
		    VMI_LAZY_MMU_UPDATES);
	t0 = transitions();
	for (i = 0; i < LAZY_BATCH; i++) {
		ok &= CALLA(SetPxE, 0x1000 * i + 0x67, (u32)&pte32[i], defer, 0,
			    defer);
		ok &= vcall(VMI_CALL_SetPxELong, 0x1000 * i + 0x67, 0x80000000,
			    (u32)&pte64[i], defer, 0, defer);
		ok &= vcall(VMI_CALL_UpdatePxE, (u32)&pte32[i], defer, 0, 0, 0,
			    defer);
		ok &= vcall(VMI_CALL_UpdatePxELong, (u32)&pte64[i], defer, 0,
			    0, 0, defer);
	}
	T(transitions() == t0);
	T(cpu->pending == 4 * LAZY_BATCH && priv->pending == 4 * LAZY_BATCH);
	T(pte32[LAZY_BATCH - 1] == 0x1000 * (LAZY_BATCH - 1) + 0x67);
	T(pte64[7] == (0x8000000000000000ull | (0x7000 + 0x67)));
	/* Re-entering MMU mode and a non-flushing trap keep the queue. */
	ok &= vcall(VMI_CALL_SetLazyMode, VMI_LAZY_MMU_UPDATES, 0, 0, 0, 0,
		    VMI_LAZY_MMU_UPDATES);
	T(transitions() == t0 && cpu->pending == 4 * LAZY_BATCH);
	ok &= CALL3(CPUID, 0, 0, 0);
	T(transitions() == t0 + 1 && cpu->pending == 4 * LAZY_BATCH);
	ok &= vcall(VMI_CALL_SetLazyMode, VMI_LAZY_MODE_OFF, 0, 0, 0, 0, 0);
	T(transitions() == t0 + 2);
	T(cpu->pending == 0 && priv->pending == 0);
	/* An empty batch costs nothing to end. */
	ok &= vcall(VMI_CALL_SetLazyMode, VMI_LAZY_MMU_UPDATES, 0, 0, 0, 0,
		    VMI_LAZY_MMU_UPDATES);
	ok &= vcall(VMI_CALL_SetLazyMode, VMI_LAZY_MODE_OFF, 0, 0, 0, 0, 0);
	T(transitions() == t0 + 2);
	report(ok, "lazy MMU: 2048 deferred updates cost 0 transitions, their flush 1, an empty flush 0");

	/* Switching from MMU to CPU mode flushes; DEFER in CPU mode traps. */
	ok = vcall(VMI_CALL_SetLazyMode, VMI_LAZY_MMU_UPDATES, 0, 0, 0, 0,
		   VMI_LAZY_MMU_UPDATES);
	t0 = transitions();
	for (i = 0; i < 16; i++)
		ok &= CALLA(SetPxE, 0x67, (u32)&pte32[i], defer, 0, defer);
	T(transitions() == t0 && cpu->pending == 16);
	ok &= vcall(VMI_CALL_SetLazyMode, VMI_LAZY_CPU_STATE, 0, 0, 0, 0,
		    VMI_LAZY_CPU_STATE);
	T(transitions() == t0 + 1 && cpu->pending == 0);
	for (i = 0; i < 16; i++)
		ok &= CALLA(SetPxE, 0x67, (u32)&pte32[i], defer, 0, defer);
	T(transitions() == t0 + 17 && cpu->pending == 0);
	ok &= vcall(VMI_CALL_SetLazyMode, VMI_LAZY_MODE_OFF, 0, 0, 0, 0, 0);
	T(transitions() == t0 + 17);
	report(ok, "lazy MMU -> CPU mode flushes once; DEFER outside MMU mode costs one each");

	/* FlushTLB and SetCR3 end a batch with their own single exit. */
	ok = vcall(VMI_CALL_SetLazyMode, VMI_LAZY_MMU_UPDATES, 0, 0, 0, 0,
		   VMI_LAZY_MMU_UPDATES);
	t0 = transitions();
	for (i = 0; i < 100; i++)
		ok &= CALLA(SetPxE, 0x67, (u32)&pte32[i], defer, 0, defer);
	ok &= CALL3(FlushTLB, VMI_FLUSH_TLB, 0, 0);
	T(transitions() == t0 + 1 && cpu->pending == 0);
	for (i = 0; i < 100; i++)
		ok &= CALLA(SetPxE, 0x67, (u32)&pte32[i], defer, 0, defer);
	ok &= CALL3(SetCR3, read_cr3(), 0, 0);
	T(transitions() == t0 + 2 && cpu->pending == 0);
	ok &= vcall(VMI_CALL_SetLazyMode, VMI_LAZY_MODE_OFF, 0, 0, 0, 0, 0);
	T(transitions() == t0 + 2 && priv->pending == 0);
	report(ok, "lazy MMU: FlushTLB and SetCR3 each end a batch of 100 with one transition");
}

static void test_misc(void)
{
	int ok;

	if (need(VMI_CALL_SetIOPLMask)) {
		ok = CALL3(SetIOPLMask, 0x3000, 0, 0);
		T(priv->iopl_mask == 0x3000);
		T((r.eflags & 0x3000) == 0x3000);
		ok &= CALL3(SetIOPLMask, 0x1000, 0, 0);
		T((r.eflags & 0x3000) == 0x1000);
		ok &= CALL3(SetIOPLMask, 0, 0, 0);
		T(priv->iopl_mask == 0);
		T((r.eflags & 0x3000) == 0);
		report(ok, "SetIOPLMask sets EFLAGS.IOPL (and records the mask)");
	}
	if (need(VMI_CALL_IODelay)) {
		ok = CALL3(IODelay, 0, 0, 0);
		report(ok, "IODelay returns");
	}
}

/**** Local APIC and timer ****/

static u32 epoch;			/* host time from the command line */

static volatile u32 *const apic = (volatile u32 *)APIC_VA;
static u64 tsc_hz;			/* the ROM's GetCycleFrequency */
static int apic_ready;

static u64 rom_now(void)
{
	vcall(VMI_CALL_GetCycleCounter, VMI_CYCLES_REAL, 0, 0, 0, 0, 0);
	return (u64)r.edx << 32 | r.eax;
}

static int set_alarm(u32 flags, u64 expiry, u64 period)
{
	return vcall(VMI_CALL_SetAlarm, flags, (u32)expiry, expiry >> 32,
		     (u32)period, period >> 32, 0);
}

static int cancel_alarm(u32 flags, u32 expect)
{
	int ok = vcall(VMI_CALL_CancelAlarm, flags, 0, 0, 0, 0, 0);

	if (r.eax != expect) {
		note("CancelAlarm returned ");
		note_hex(r.eax);
		note("; ");
		ok = 0;
	}
	return ok;
}

static void put_us(const char *what, u64 cycles)
{
	puts(what);
	putdec((u32)div64_32(cycles * 1000, (u32)(div64_32(tsc_hz, 1000))));
	puts(" us");
}

static void test_apic(void)
{
	struct vmi_rom_pcpu *cpu = &priv->pcpu[apic_id_cpuid() & 7];
	u32 e0 = priv->apic_errors, expect_err = e0, svr;
	int ok;

	if (!need(VMI_CALL_APICRead) || !need(VMI_CALL_APICWrite))
		return;
	if (!priv->linear[VMI_LINEAR_MAP_SLOT_APIC].pages) {
		/*
		 * No slot 3: the ROM maps the APIC itself in the hole above
		 * virtual_top (4 MiB page at 0xffc00000), or, without a
		 * hole for it, fails the call and counts an error.
		 */
		u32 vt = rom->virtual_top;
		int hole = vt && vt <= 0xffc00000u;

		ok = CALL3(APICRead, 0x20, 0, 0);
		note("vt ");
		note_hex(vt);
		note(" pd1023 ");
		note_hex(pd[1023]);
		note(" cr4 ");
		note_hex(read_cr4());
		note("; ");
		if (hole) {
			T(r.eax >> 24 == apic_id_cpuid());
			T((pd[1023] & ~0x60u) == (0xfec00000u | 0x9b));
		} else {
			T(r.eax == 0);
			expect_err += 1;
		}
		ok &= CALL3(APICWrite, 0x80, 0x10, 0);
		if (hole)
			T(apic[0x80 / 4] == 0x10);
		else
			expect_err += 1;
		ok &= CALL3(APICWrite, 0x80, 0, 0);
		if (!hole)
			expect_err += 1;
		T(priv->apic_errors == expect_err);
		report(ok, hole ? "APIC calls without slot 3 reach the APIC through the ROM's own mapping above virtual_top"
				: "APIC calls without slot 3 and without a virtual_top hole return 0, count an error");
	}
	if (!need(VMI_CALL_SetLinearMapping))
		return;
	ok = CALLA(SetLinearMapping, VMI_LINEAR_MAP_SLOT_APIC, APIC_VA, 1,
		   VMI_ROM_APIC_PFN, 0);
	T(cpu->linear[3].va == APIC_VA && cpu->linear[3].pages == 1 &&
	  cpu->linear[3].pfn == VMI_ROM_APIC_PFN);
	T(priv->linear[3].va == APIC_VA && priv->linear[3].pfn == VMI_ROM_APIC_PFN);
	report(ok, "SetLinearMapping(3) records the APIC page per CPU and globally");

	ok = 1;
	T(pd[APIC_4M >> 22] == 0);			/* no identity mapping */
	ok &= CALL3(APICRead, 0x20, 0, 0);
	T(r.eax == apic[0x20 / 4]);
	T(r.eax >> 24 == apic_id_cpuid());
	ok &= CALL3(APICRead, 0xfee00030, 0, 0);	/* low 12 bits only */
	T(r.eax == apic[0x30 / 4] && (r.eax & 0xff) >= 0x10);
	svr = apic[0xf0 / 4];
	ok &= CALL3(APICWrite, 0xf0, 0x1ff, 0);	/* software enable */
	T((apic[0xf0 / 4] & 0x1ff) == 0x1ff);
	ok &= CALL3(APICWrite, 0x80, 0x20, 0);	/* TPR */
	T(apic[0x80 / 4] == 0x20);
	ok &= CALL3(APICRead, 0x84, 0, 0);
	T(r.eax == 0x20);
	ok &= CALL3(APICWrite, 0x80, 0, 0);
	T(apic[0x80 / 4] == 0);
	T(priv->apic_errors == expect_err);
	puts("# apic: id ");
	puthex(apic[0x20 / 4]);
	puts(" version ");
	puthex(apic[0x30 / 4]);
	puts(" svr ");
	puthex(svr);
	puts(" lint0 ");
	puthex(apic[0x350 / 4]);
	putc('\n');
	report(ok, "APICRead/APICWrite reach the APIC at its non-identity linear address");
	apic_ready = ok;
}

/*
 * The delay and rate checks depend on the host scheduling QEMU's vCPU
 * thread in time (TCG on a loaded host): each such block is tried up to
 * TRIES times and passes if one try passes; the "# ..." lines say how
 * many tries it took. Counts of interrupts, cancel results and the vector
 * are checked in every try.
 */
#define TRIES	3

static void retry_reset(void)
{
	why_len = 0;
	why[0] = 0;
}

static void put_try(int try)
{
	if (try && try < TRIES) {
		puts("# (passed on try ");
		putdec(try + 1);
		puts(")\n");
	}
}

/*
 * Re-arming an alarm is cancel + set and must raise no interrupt of its
 * own: a guest that re-arms inside its timer interrupt (NO_HZ) would
 * otherwise get an endless chain of them.
 */
static void test_alarm_rearm(u64 hz)
{
	u32 t, i, wired[2] = { VMI_ALARM_WIRED_IRQ0, VMI_ALARM_WIRED_LVTT };
	volatile u32 *cnt;
	int ok = 1, try, w;

	for (w = 0; w < 2; w++) {
		if (w && !apic_ready)
			break;
		cnt = w ? &lvtt_count : &ticks;
		for (try = 0; try < TRIES; try++) {
			retry_reset();
			ok = 1;
			t = *cnt;
			for (i = 0; i < 5; i++) {
				ok &= set_alarm(wired[w] | VMI_CYCLES_REAL,
						rom_now() + div64_32(hz, 25), 0);
				wait_cycles(div64_32(hz, 200));
			}
			T(*cnt == t);
			wait_change(cnt, t, div64_32(hz, 2));
			wait_cycles(div64_32(hz, 50));
			T(*cnt == t + 1);
			ok &= cancel_alarm(wired[w] | VMI_CYCLES_REAL, 0);
			if (ok)
				break;
		}
		put_try(try);
		report(ok, w ? "LVTT one-shot re-armed 5 times: no interrupt until the last expiry, then one"
			     : "IRQ0 one-shot re-armed 5 times: no interrupt until the last expiry, then one");
	}
}

/*
 * The guest's own LVTT writes (the 2.6 guest writes the vector after
 * registering its clockevent): an armed alarm survives them, the guest's
 * mask is honoured, APICRead returns what the guest wrote; and an alarm
 * past the 32-bit count at divide 1 gets a divider instead of firing
 * early.
 */
static void test_lvtt_guest(u64 hz)
{
	u32 t, tdcr, div, tmict;
	u64 want;
	int ok, try;

	if (!apic_ready)
		return;
	for (try = 0; try < TRIES; try++) {
		retry_reset();
		ok = CALL3(APICWrite, 0x320, LVTT_VECTOR, 0);
		t = lvtt_count;
		ok &= set_alarm(VMI_ALARM_WIRED_LVTT | VMI_CYCLES_REAL,
				rom_now() + div64_32(hz, 50), 0);
		ok &= CALL3(APICWrite, 0x320, LVTT_VECTOR, 0);
		wait_change(&lvtt_count, t, div64_32(hz, 2));
		T(lvtt_count == t + 1);
		ok &= cancel_alarm(VMI_ALARM_WIRED_LVTT | VMI_CYCLES_REAL, 0);
		if (ok)
			break;
	}
	put_try(try);
	report(ok, "LVTT alarm survives the guest rewriting LVTT while it is armed");

	ok = CALL3(APICWrite, 0x320, LVTT_VECTOR | 0x10000, 0);
	t = lvtt_count;
	ok &= set_alarm(VMI_ALARM_WIRED_LVTT | VMI_CYCLES_REAL,
			rom_now() + div64_32(hz, 100), 0);
	wait_cycles(div64_32(hz, 20));
	T(lvtt_count == t);
	ok &= CALL3(APICRead, 0x320, 0, 0);
	T(r.eax == (LVTT_VECTOR | 0x10000));
	ok &= CALL3(APICWrite, 0x320, LVTT_VECTOR, 0);
	ok &= CALL3(APICRead, 0x320, 0, 0);
	T(r.eax == LVTT_VECTOR);
	ok &= cancel_alarm(VMI_ALARM_WIRED_LVTT | VMI_CYCLES_REAL, 0);
	report(ok, "LVTT masked by the guest: the alarm raises nothing; APICRead returns the guest's LVTT");

	ok = set_alarm(VMI_ALARM_WIRED_LVTT | VMI_CYCLES_REAL, rom_now() + hz * 6, 0);
	tdcr = apic[0x3e0 / 4] & 0xb;
	tmict = apic[0x380 / 4];
	div = tdcr == 0xb ? 1 : 2u << ((tdcr & 3) | ((tdcr & 8) >> 1));
	want = (u64)priv->apic_khz * 6000;
	T(div > 1);
	T((u64)tmict * div > want - div64_32(want, 50) &&
	  (u64)tmict * div < want + div64_32(want, 50));
	ok &= cancel_alarm(VMI_ALARM_WIRED_LVTT | VMI_CYCLES_REAL, 1);
	puts("# lvtt 6 s one-shot: divide ");
	putdec(div);
	puts(" count ");
	putdec(tmict);
	putc('\n');
	report(ok, "LVTT one-shot of 6 s: the count fits with a divider (no early fire)");
}

static void test_timer(void)
{
	u64 hz, g, v, prev = 0, now, req, d;
	u32 n, i, t;
	int ok, try;

	if (!need(VMI_CALL_GetCycleFrequency))
		return;
	ok = CALL3(GetCycleFrequency, 0, 0, 0);
	hz = (u64)r.edx << 32 | r.eax;
	tsc_hz = hz;
	g = guest_tsc_hz();
	T(hz > 10000000);
	T(hz < g + div64_32(g, 20) && hz > g - div64_32(g, 20));
	T(priv->tsc_hz == hz && priv->tsc_khz == (u32)div64_32(hz, 1000));
	puts("# tsc_hz rom=");
	putdec((u32)hz);
	puts(" guest=");
	putdec((u32)g);
	putc('\n');
	report(ok, "GetCycleFrequency within 5% of the guest's PIT measurement");
	if (hz < 10000000)
		return;

	if (need(VMI_CALL_GetCycleCounter)) {
		ok = 1;
		for (i = 0; i < 40; i++) {
			u64 a = rdtsc();

			ok &= vcall(VMI_CALL_GetCycleCounter, i & 1, 0, 0, 0, 0, 0);
			v = (u64)r.edx << 32 | r.eax;
			T(v >= prev && v >= a && v <= rdtsc());
			prev = v;
		}
		ok &= CALL3(GetCycleCounter, VMI_CYCLES_STOLEN, 0, 0);
		T(r.eax == 0 && r.edx == 0);
		ok &= CALL3(GetCycleCounter, 7, 0, 0);
		T(r.eax == 0 && r.edx == 0);
		report(ok, "GetCycleCounter: REAL/AVAILABLE monotonic TSC, STOLEN and unknown 0");
	}
	if (need(VMI_CALL_GetWallclockTime)) {
		u32 secs;

		ok = CALL3(GetWallclockTime, 0, 0, 0);
		v = (u64)r.edx << 32 | r.eax;
		secs = (u32)div64_32(v, 1000000000);
		T(secs > 1577836800);			/* after 2020 */
		if (epoch)
			T(secs + 5 >= epoch && secs <= epoch + 5);
		puts("# wallclock ");
		putdec(secs);
		puts(" host ");
		putdec(epoch);
		putc('\n');
		report(ok, epoch ? "GetWallclockTime within 5 s of the host's clock"
			   : "GetWallclockTime is after 2020 (no epoch= given)");
	}
	if (need(VMI_CALL_WallclockUpdated)) {
		ok = CALL3(WallclockUpdated, 0, 0, 0);
		T(r.eax == 0);
		report(ok, "WallclockUpdated returns 0");
	}
	if (!need(VMI_CALL_SetAlarm) || !need(VMI_CALL_CancelAlarm) ||
	    !offered(VMI_CALL_GetCycleCounter))
		return;

	/* LVTT alarms: the guest programs the vector, the ROM the rest. */
	if (!apic_ready) {
		skip("LVTT alarms", "needs the APIC in slot 3");
	} else {
		int ok0 = CALL3(APICWrite, 0x320, LVTT_VECTOR, 0);

		for (try = 0; try < TRIES; try++) {
			retry_reset();
			ok = ok0;
			lvtt_count = 0;
			req = div64_32(hz, 100);			/* 10 ms */
			now = rom_now();
			ok &= set_alarm(VMI_ALARM_WIRED_LVTT | VMI_CYCLES_REAL,
					now + req, 0);
			wait_change(&lvtt_count, 0, div64_32(hz, 2));
			wait_cycles(div64_32(hz, 20));
			d = lvtt_tsc - now;
			T(lvtt_count == 1);
			T(d >= req - div64_32(req, 20) && d <= req + div64_32(hz, 20));
			T(priv->apic_khz > 0);
			ok &= cancel_alarm(VMI_ALARM_WIRED_LVTT | VMI_CYCLES_REAL, 0);
			if (ok)
				break;
		}
		put_try(try);
		put_us("# lvtt one-shot: requested ", req);
		put_us(", delivered after ", d);
		puts(", apic timer ");
		putdec(priv->apic_khz);
		puts(" kHz\n");
		report(ok, "LVTT one-shot alarm: one interrupt after about the requested delay");

		lvtt_count = 0;
		now = rom_now();
		ok = set_alarm(VMI_ALARM_WIRED_LVTT | VMI_CYCLES_REAL, now + div64_32(hz, 20), 0);
		ok &= cancel_alarm(VMI_ALARM_WIRED_LVTT | VMI_CYCLES_REAL, 1);
		wait_cycles(div64_32(hz, 10));
		T(lvtt_count == 0);
		ok &= cancel_alarm(VMI_ALARM_WIRED_LVTT | VMI_CYCLES_REAL, 0);
		report(ok, "CancelAlarm stops a pending one-shot: returns 1, then 0");

		for (try = 0; try < TRIES; try++) {
			retry_reset();
			lvtt_count = 0;
			now = rom_now();
			ok = set_alarm(VMI_ALARM_WIRED_LVTT | VMI_ALARM_IS_PERIODIC |
				       VMI_CYCLES_AVAILABLE, now,
				       div64_32(hz, 200));		/* 5 ms */
			wait_cycles(div64_32(hz, 16));			/* 62.5 ms */
			ok &= cancel_alarm(VMI_ALARM_WIRED_LVTT |
					   VMI_CYCLES_AVAILABLE, 1);
			n = lvtt_count;
			T(n >= 4 && n <= 14);
			wait_cycles(div64_32(hz, 20));
			T(lvtt_count == n);
			ok &= cancel_alarm(VMI_ALARM_WIRED_LVTT |
					   VMI_CYCLES_AVAILABLE, 0);
			ok &= CALL3(APICRead, 0x320, 0, 0);
			T((r.eax & 0xff) == LVTT_VECTOR);
			if (ok)
				break;
		}
		put_try(try);
		puts("# lvtt periodic 5 ms for 62.5 ms: ");
		putdec(n);
		puts(" interrupts\n");
		report(ok, "LVTT periodic alarm delivers several; cancel stops it (1, then 0)");

		lvtt_count = 0;
		now = rom_now();
		ok = set_alarm(VMI_ALARM_WIRED_LVTT | VMI_CYCLES_REAL, now - 1000, 0);
		wait_change(&lvtt_count, 0, div64_32(hz, 10));
		wait_cycles(div64_32(hz, 50));
		T(lvtt_count == 1);
		ok &= set_alarm(VMI_ALARM_WIRED_LVTT | VMI_CYCLES_STOLEN, now, 0);
		ok &= set_alarm(VMI_ALARM_WIRED_LVTT | 0x7f, now, 0);
		wait_cycles(div64_32(hz, 50));
		T(lvtt_count == 1);
		ok &= cancel_alarm(VMI_ALARM_WIRED_LVTT | VMI_CYCLES_STOLEN, 0);
		report(ok, "past expiry fires once at once; STOLEN/unknown alarms are no-ops");
	}

	/* IRQ0 alarms: the PIT (restored to 1 kHz afterwards). */
	for (try = 0; try < TRIES; try++) {
		retry_reset();
		now = rom_now();
		ok = set_alarm(VMI_ALARM_WIRED_IRQ0 | VMI_ALARM_IS_PERIODIC |
			       VMI_CYCLES_REAL, now, div64_32(hz, 100));	/* 10 ms */
		t = ticks;
		wait_cycles(div64_32(hz, 10));
		n = ticks - t;
		ok &= cancel_alarm(VMI_ALARM_WIRED_IRQ0 | VMI_CYCLES_REAL, 1);
		t = ticks;
		wait_cycles(div64_32(hz, 20));
		T(n >= 6 && n <= 14);
		T(ticks - t <= 1);		/* at most the cancel's own edge */
		ok &= cancel_alarm(VMI_ALARM_WIRED_IRQ0 | VMI_CYCLES_REAL, 0);
		if (ok)
			break;
	}
	put_try(try);
	puts("# irq0 periodic 10 ms for 100 ms: ");
	putdec(n);
	puts(" interrupts\n");
	report(ok, "IRQ0 periodic alarm (PIT) delivers several; cancel stops it");

	for (try = 0; try < TRIES; try++) {
		retry_reset();
		t = ticks;
		req = div64_32(hz, 50);				/* 20 ms */
		now = rom_now();
		ok = set_alarm(VMI_ALARM_WIRED_IRQ0 | VMI_CYCLES_REAL, now + req, 0);
		wait_change(&ticks, t, div64_32(hz, 2));
		wait_cycles(div64_32(hz, 20));
		d = irq0_tsc - now;
		T(ticks == t + 1);
		T(d >= req - div64_32(req, 20) && d <= req + div64_32(hz, 20));
		ok &= cancel_alarm(VMI_ALARM_WIRED_IRQ0 | VMI_CYCLES_REAL, 0);
		t = ticks;
		now = rom_now();
		ok &= set_alarm(VMI_ALARM_WIRED_IRQ0 | VMI_CYCLES_REAL,
				now + div64_32(hz, 20), 0);
		ok &= cancel_alarm(VMI_ALARM_WIRED_IRQ0 | VMI_CYCLES_REAL, 1);
		wait_cycles(div64_32(hz, 10));
		T(ticks - t <= 1);		/* at most the cancel's own edge */
		n = ticks - t;
		if (ok)
			break;
	}
	put_try(try);
	put_us("# irq0 one-shot: requested ", req);
	put_us(", delivered after ", d);
	puts("; cancel of a pending one left ");
	putdec(n);
	puts(" spurious\n");
	report(ok, "IRQ0 one-shot: one interrupt after about the delay; cancel pending = 1");

	test_alarm_rearm(hz);
	test_lvtt_guest(hz);

	outb(0x43, 0x34);				/* back to 1 kHz */
	outb(0x40, 1193 & 0xff);
	outb(0x40, 1193 >> 8);
}

/*
 * SetInitialAPState (run with -smp 2, smp=2): the BSP hands APIC ID 1 a
 * state that enters ap_entry with the guest's CR3, GDT, IDT, a stack of
 * its own and marker registers; the ROM sends INIT/STARTUP itself. The
 * call goes through a second mapping of low memory at 0xC0000000 (like a
 * kernel's direct map), so the trampoline's jump to the PAGE_OFFSET alias
 * is exercised with PAGE_OFFSET = 0xC0000000.
 */
#define ALIAS	0xc0000000u

/* INIT, then STARTUP twice (as Linux sends them), through APICWrite. */
static int send_init_startup(u32 apic_id)
{
	int ok = CALL3(APICWrite, 0x310, apic_id << 24, 0);

	ok &= CALL3(APICWrite, 0x300, 0x4500, 0);
	ok &= CALL3(APICWrite, 0x300, 0x4699, 0);
	ok &= CALL3(APICWrite, 0x300, 0x4699, 0);
	return ok;
}

static void test_smp(void)
{
	static struct vmi_ap_state st;
	u64 t0;
	u32 eip, ipis0, starts0;
	int ok;

	if (!need(VMI_CALL_SetInitialAPState))
		return;
	if (!apic_ready || !tsc_hz) {
		skip("SetInitialAPState", "needs the APIC and the timer");
		return;
	}
	st.cr0 = read_cr0();
	st.cr2 = 0;
	st.cr3 = (u32)pd;
	st.cr4 = read_cr4();
	st.efer = 0;
	st.eip = (u32)ap_entry;
	st.eflags = 0x2;
	st.eax = 0; st.ebx = 0x600dcafe; st.ecx = 0; st.edx = 0;
	st.esp = (u32)ap_stack_top;
	st.ebp = 0; st.esi = 0x51515151; st.edi = 0xd1d1d1d1;
	st.cs = 0x08; st.ss = 0x10; st.ds = 0x10; st.es = 0x10;
	st.fs = 0x23; st.gs = 0x10; st.ldtr = 0;
	st.gdtr_limit = gdtr.limit; st.gdtr_base = gdtr.base;
	st.idtr_base = idtr.base; st.idtr_limit = idtr.limit;

	/* The AP calls SetLazyMode(MMU) once it runs. */
	if (offered(VMI_CALL_SetLazyMode)) {
		ap_call_fn = reloc[VMI_CALL_SetLazyMode].eip;
		ap_call_arg = VMI_LAZY_MMU_UPDATES;
	}
	pd[ALIAS >> 22] = 0 | PDE_FLAGS;		/* low 4 MiB at ALIAS */
	write_cr3((u32)pd);
	eip = reloc[VMI_CALL_SetInitialAPState].eip;
	reloc[VMI_CALL_SetInitialAPState].eip = eip + ALIAS;
	ok = vcall(VMI_CALL_SetInitialAPState, (u32)&st, 1, 0, 0, 0, 0);
	reloc[VMI_CALL_SetInitialAPState].eip = eip;
	ipis0 = priv->ap[1].ipis;
	starts0 = priv->ap[1].starts;
	if (strict) {
		/* A strict monitor starts the AP on STARTUP only. */
		t0 = rdtsc();
		while (rdtsc() - t0 < div64_32(tsc_hz, 20))
			asm volatile("pause");
		T(ap_count == 0);
		ok &= send_init_startup(1);
	}
	t0 = rdtsc();
	while (!ap_count && rdtsc() - t0 < tsc_hz)
		asm volatile("pause");
	T(ap_count == 1);
	if (!strict) {
		/* Already running: the guest's INIT and STARTUP are dropped. */
		ok &= send_init_startup(1);
		t0 = rdtsc();
		while (rdtsc() - t0 < div64_32(tsc_hz, 50))
			asm volatile("pause");
		T(ap_count == 1);
	}
	T(priv->ap[1].ipis == ipis0 + 3);
	T(priv->ap[1].starts == starts0 + (strict ? 1 : 0));
	T(ap_cr3 == (u32)pd);
	T(*(volatile u16 *)ap_gdtr == gdtr.limit &&
	  *(volatile u32 *)(ap_gdtr + 2) == gdtr.base);
	T(*(volatile u16 *)ap_idtr == idtr.limit &&
	  *(volatile u32 *)(ap_idtr + 2) == idtr.base);
	T(ap_esp == (u32)ap_stack_top);
	T(ap_ebx == 0x600dcafe && ap_esi == 0x51515151 && ap_edi == 0xd1d1d1d1);
	T(ap_cs == 0x08 && ap_ss == 0x10 && ap_fs == 0x23);
	T(!(ap_eflags & 0x200));
	T(priv->ap[1].valid == 2 && priv->ap[1].page_offset == ALIAS);
	if (ap_call_fn) {
		calls_made[VMI_CALL_SetLazyMode]++;	/* entering MMU: free */
		T(priv->pcpu[1].lazy_mode == VMI_LAZY_MMU_UPDATES);
		T(priv->pcpu[0].lazy_mode == VMI_LAZY_MODE_OFF);
		T(state->lazy_mode == VMI_LAZY_MMU_UPDATES);
		ok &= vcall(VMI_CALL_SetLazyMode, 0, 0, 0, 0, 0, 0);
		T(priv->pcpu[1].lazy_mode == VMI_LAZY_MMU_UPDATES);
		T(state->lazy_mode == 0);
	}
	puts("# ap: count ");
	putdec(ap_count);
	puts(" cr3 ");
	puthex(ap_cr3);
	puts(" esp ");
	puthex(ap_esp);
	puts(" trampoline ");
	puthex(priv->ap_tramp);
	putc('\n');
	pd[ALIAS >> 22] = ALIAS | PDE_FLAGS;
	write_cr3((u32)pd);
	report(ok, strict ? "SetInitialAPState records the state; the guest's STARTUP starts APIC ID 1 at EIP with the given CR3/GDT/IDT/ESP/registers; its SetLazyMode lands in pcpu[1]"
			  : "SetInitialAPState starts APIC ID 1 at EIP with the given CR3/GDT/IDT/ESP/registers; the guest's INIT/STARTUP are dropped; its SetLazyMode lands in pcpu[1]");
}

/*
 * An AP that has not run yet when the guest's STARTUPs arrive (a busy
 * host): modelled by APIC ID 6, which no CPU has under -smp 2, so its
 * state is never taken. The ROM wakes it once for the state it holds
 * (in SetInitialAPState, or on the strict ROM at the first STARTUP) and
 * drops the rest; a second INIT would reset a real AP in the trampoline.
 */
#define ABSENT_APIC_ID	6

static void test_smp_slow_ap(void)
{
	static struct vmi_ap_state st;
	struct vmi_rom_ap *ap;
	int ok, slot;

	if (!need(VMI_CALL_SetInitialAPState))
		return;
	if (!apic_ready || !tsc_hz) {
		skip("SetInitialAPState: slow AP", "needs the APIC and the timer");
		return;
	}
	st.cr0 = read_cr0();
	st.cr3 = (u32)pd;
	st.cr4 = read_cr4();
	st.eip = (u32)ap_entry;
	st.eflags = 0x2;
	st.esp = (u32)ap_stack_top;
	st.cs = 0x08; st.ss = 0x10; st.ds = 0x10; st.es = 0x10;
	st.fs = 0x23; st.gs = 0x10;
	st.gdtr_limit = gdtr.limit; st.gdtr_base = gdtr.base;
	st.idtr_base = idtr.base; st.idtr_limit = idtr.limit;
	ok = vcall(VMI_CALL_SetInitialAPState, (u32)&st, ABSENT_APIC_ID, 0, 0, 0, 0);
	slot = (int)priv->cpu_slot[ABSENT_APIC_ID] - 1;
	T(slot > 0);
	if (slot <= 0) {
		report(0, "SetInitialAPState: slow AP (no slot for APIC ID 6)");
		return;
	}
	ap = &priv->ap[slot];
	T(ap->valid == 1 && ap->starts == (strict ? 0 : 1));
	ok &= send_init_startup(ABSENT_APIC_ID);
	ok &= send_init_startup(ABSENT_APIC_ID);
	T(ap->valid == 1 && ap->ipis == 6);
	T(ap->starts == 1);
	puts("# slow ap: starts ");
	putdec(ap->starts);
	puts(" ipis ");
	putdec(ap->ipis);
	putc('\n');
	report(ok, "SetInitialAPState for an AP not yet running: woken once, its INIT and repeated STARTUPs dropped");
}

/**** Boot-time checks ****/

struct mb_mmap {
	u32 size;
	u64 addr, len;
	u32 type;
} __packed;

static int parse_groups(const char *s)
{
	int i, n;

	while (s && *s && *s != ' ') {
		for (n = 0; s[n] && s[n] != ',' && s[n] != ' '; n++)
			;
		if (n == 3 && strneq(s, "all", 3)) {
			none_mask = ~0u;
		} else {
			for (i = 0; i < VMI_ROM_GROUP_COUNT; i++) {
				const char *g = group_names[i];
				int l = 0;

				while (g[l])
					l++;
				if (l == n && strneq(s, g, n))
					break;
			}
			if (i == VMI_ROM_GROUP_COUNT)
				return 0;
			none_mask |= 1u << i;
		}
		s += n;
		if (*s == ',')
			s++;
	}
	return 1;
}

static void check_memory_map(const struct mb_info *mbi)
{
	u32 sp = ((const struct vmi_rom_ext *)((const u8 *)rom + VMI_EXT_OFFSET))->state_phys;
	u32 ss = ((const struct vmi_rom_ext *)((const u8 *)rom + VMI_EXT_OFFSET))->state_size;
	u32 off, ram_overlap = 0, seen = 0;

	if (!(mbi->flags & (1 << 6)) || !(mbi->flags & 1)) {
		skip("state block is not RAM in the memory map", "no mmap");
		return;
	}
	for (off = 0; off < mbi->mmap_length;) {
		const struct mb_mmap *m = (const void *)(mbi->mmap_addr + off);

		if (m->type == 1 && m->addr < sp + ss && m->addr + m->len > sp)
			ram_overlap = 1;
		if (m->type != 1 && m->addr <= sp && m->addr + m->len >= sp + ss)
			seen = 1;
		off += m->size + 4;
	}
	if (mbi->mem_lower * 1024 > sp) {
		note("mem_lower ");
		note_hex(mbi->mem_lower);
	}
	report(!ram_overlap && seen && mbi->mem_lower * 1024 <= sp,
	       "state block is reserved in e820 and below mem_lower");
}

static void check_header(void)
{
	const u8 *p = (const u8 *)rom;
	const struct vmi_rom_ext *ext = (const void *)(p + VMI_EXT_OFFSET);
	int ok = 1;

	rom_len = rom->rom_length * 512;
	T(rom_len >= VMI_ROM_HEADER_SIZE && rom_sum(p, rom_len) == 0);
	report(ok, "in-memory image has a valid length and checksum");

	ok = 1;
	T(ext->magic == VMI_EXT_MAGIC);
	T(ext->rom_phys == (u32)rom);
	T(ext->state_size >= 4096 && !(ext->state_size & 1023));
	T(ext->state_phys + ext->state_size <= 0xa0000);
	T(!(ext->state_phys & 1023));
	report(ok, "extension block: magic, rom_phys, state_phys, state_size");

	state = (struct vmi_rom_state *)ext->state_phys;
	priv = (struct vmi_rom_private *)(state + 1);
	ok = 1;
	T(state->magic == VMI_STATE_MAGIC && state->version == VMI_STATE_VERSION);
	T(state->lazy_mode == 0);
	report(ok, "state block: magic and version");

	ok = 1;
	T(rom->api_version_maj == VMI_API_REV_MAJOR &&
	  rom->api_version_min == VMI_API_REV_MINOR);
	T(streq((const char *)p + rom->license_offs, "GPL v2"));
	report(ok, "API 3.0 and GPL v2 license");

	puts("# rom=");
	puthex((u32)rom);
	puts(" state=");
	puthex(ext->state_phys);
	puts(" length=");
	puthex(rom_len);
	putc('\n');
}

static void check_init_and_relocs(void)
{
	u32 (*init)(void) = (void *)((const u8 *)rom + VMI_ROM_INIT_OFFSET);
	u64 (*getreloc)(u32) __attribute__((regparm(1))) =
		(void *)((const u8 *)rom + VMI_ROM_GET_RELOC_OFFSET);
	u32 base = (u32)rom, nr, extra[] = { 74, 75, 100, 255, 0x10000, 0xffffffff };
	u64 g0, t0;
	int ok = 1, in_image = 1, types_ok = 1, i;
	u32 ret;

	t0 = state->counters[VMI_COUNTER_TRANSITIONS];
	ret = init();
	calls_made[VMI_COUNTER_INIT]++;
	model_transitions += VMI_ROM_INIT_TRANSITION == VMI_TR_TRAP;
	T(ret == 0);
	T(state->counters[VMI_COUNTER_INIT] == 1);
	T(state->counters[VMI_COUNTER_TRANSITIONS] ==
	  t0 + (VMI_ROM_INIT_TRANSITION == VMI_TR_TRAP));
	report(ok, "VMI_Init returns 0 and is counted once");

	g0 = state->counters[VMI_COUNTER_GET_RELOC];
	for (nr = 0; nr < VMI_CALL_COUNT; nr++) {
		u64 v = getreloc(nr);
		u32 expect = !(none_mask & call_group[nr]) ?
			     call_impl[nr] : VMI_RELOCATION_NONE;

		if (expect == IMPL_XFER)
			expect = xfer_jump ? VMI_RELOCATION_JUMP_REL :
					     VMI_RELOCATION_CALL_REL;

		reloc[nr].eip = (u32)v;
		reloc[nr].type = (u32)(v >> 32);
		if (reloc[nr].type != expect) {
			note(call_names[nr]);
			note(" type ");
			note_hex(reloc[nr].type);
			note("; ");
			types_ok = 0;
		}
		if ((reloc[nr].type == VMI_RELOCATION_CALL_REL ||
		     reloc[nr].type == VMI_RELOCATION_JUMP_REL) &&
		    (reloc[nr].eip < base + VMI_ROM_HEADER_SIZE ||
		     reloc[nr].eip >= base + rom_len))
			in_image = 0;
		if (reloc[nr].type == VMI_RELOCATION_NONE && reloc[nr].eip)
			types_ok = 0;
	}
	report(types_ok, "relocation types match calltab.h and NONE_GROUPS");
	report(in_image, "every CALL/JUMP target lies inside the image");
	ok = 1;
	for (i = 0; i < (int)(sizeof(extra) / sizeof(extra[0])); i++) {
		u64 v = getreloc(extra[i]);

		T(v == 0);
	}
	T(state->counters[VMI_COUNTER_GET_RELOC] ==
	  g0 + VMI_CALL_COUNT + sizeof(extra) / sizeof(extra[0]));
	calls_made[VMI_COUNTER_GET_RELOC] +=
		VMI_CALL_COUNT + sizeof(extra) / sizeof(extra[0]);
	report(ok, "calls >= 74 are NONE; GetRelocationInfo counted per query");
}

static void check_totals(void)
{
	int nr, ok = 1;

	for (nr = 0; nr < VMI_COUNTER_TRANSITIONS; nr++) {
		if (state->counters[nr] != calls_made[nr]) {
			note(nr < VMI_CALL_COUNT ? call_names[nr] : "init/reloc");
			note(" counter mismatch; ");
			ok = 0;
		}
	}
	T(state->counters[VMI_COUNTER_TRANSITIONS] == model_transitions);
	report(ok, "every counter equals the calls made; transitions match the model");
}

/*
 * mode=probe: for the malformed-ROM corpus. Find the project ROM by the
 * extension magic its init writes (the VMI header may be damaged) and
 * print what the BIOS left in memory; no ROM calls.
 */
static void probe(void)
{
	u32 a;

	for (a = VMI_SCAN_START; a < VMI_SCAN_END; a += VMI_SCAN_STEP) {
		const u8 *p = (const u8 *)a;
		const struct vmi_rom_ext *ext = (const void *)(p + VMI_EXT_OFFSET);

		if (*(const u16 *)p != VMI_ROM_SIGNATURE ||
		    ext->magic != VMI_EXT_MAGIC || ext->rom_phys != a)
			continue;
		puts("# probe rom=");
		puthex(a);
		puts(" blocks=");
		putdec(p[2]);
		puts(" sum=");
		puthex(rom_sum(p, p[2] * 512));
		puts(" flags=");
		puthex(ext->test_flags);
		puts(" last=");
		puthex(p[2] ? p[p[2] * 512 - 1] : 0);
		putc('\n');
		report(1, "probe found the project ROM");
		return;
	}
	report(0, "probe found the project ROM");
}

/* Like a kernel, leave the linear addresses from virtual_top up unmapped. */
static void honour_virtual_top(void)
{
	u32 i;

	for (i = rom->virtual_top >> 22; rom->virtual_top && i < 1024; i++)
		pd[i] = 0;
	write_cr3((u32)pd);
}

u32 guest_main(u32 magic, const struct mb_info *mbi)
{
	const char *cmd = (magic == 0x2badb002 && (mbi->flags & 4)) ?
			  (const char *)mbi->cmdline : NULL;
	const char *mode = cmd_value(cmd, "mode");
	const char *ep = cmd_value(cmd, "epoch");

	puts("TAP version 13\n");
	report(magic == 0x2badb002, "booted by a multiboot loader");
	if (!parse_groups(cmd_value(cmd, "none"))) {
		report(0, "none= names known groups");
		finish();
	}
	if (mode && strneq(mode, "probe", 5)) {
		probe();
		finish();
	}
	xfer_jump = cmd_value(cmd, "xfer") != NULL;
	strict = cmd_value(cmd, "strict") != NULL;
	while (ep && *ep >= '0' && *ep <= '9')
		epoch = epoch * 10 + (*ep++ - '0');
	setup_cpu();
	rom = scan_rom();
	report(rom != NULL, "VMI ROM found in 0xC0000-0xE0000");
	if (!rom)
		finish();
	honour_virtual_top();
	check_header();
	check_memory_map(mbi);
	check_init_and_relocs();

	if (mode && (strneq(mode, "reboot", 6) || strneq(mode, "shutdown", 8))) {
		int nr = mode[0] == 'r' ? VMI_CALL_Reboot : VMI_CALL_Shutdown;

		if (!need(nr))
			finish();
		puts("# calling ");
		puts(call_names[nr]);
		putc('\n');
		vcall(nr, VMI_REBOOT_HARD, 0, 0, 0, 0, 0);
		puts("# returned\n");
		report(0, "the call returned");
		finish();
	}

	test_cpuid();
	test_gdt_idt();
	test_tr_ldt();
	test_crs();
	test_irq();
	test_xfer();
	test_mmu();
	test_lazy();
	test_lazy_batch();
	test_misc();
	test_apic();
	test_timer();
	if (cmd_value(cmd, "smp")) {
		test_smp();
		test_smp_slow_ap();
	}
	check_totals();
	finish();
	return 0;
}
