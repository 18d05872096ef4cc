// SPDX-License-Identifier: GPL-2.0
/*
 * Test guest for a RING=1 ROM (the ring-0 monitor, rom/monitor.c): booted
 * like guest.c, it calls VMI_Init at CPL 0 and then runs at CPL 1, using
 * only ROM calls for what needs CPL 0. It checks, from the guest's side:
 * the return to ring 1, the virtual descriptor tables and control
 * registers, which calls cross the gate (the monitor's counters), the
 * reflection of exceptions (#BP, #PF with CR2, #GP) and of interrupts
 * (Halt woken by IRQ0, interrupts taken at CPL 1), IRET and SYSEXIT to
 * ring 3 and SYSENTER back, and escapes: privileged instructions run
 * directly, emulated or refused, logged with their address.
 *
 * Output: TAP on the serial port; exit through isa-debug-exit as guest.c.
 */
#include "lib.h"
#include "calltab.h"

static const struct vmi_rom_header *rom;
static struct vmi_rom_state *state;
static struct vmi_mon_shared *mon;
static u32 reloc[VMI_CALL_COUNT];
static struct vregs r;

extern int try_fault(void (*fn)(void));
extern char user_entry[], user_stack_top[], user_sysenter[];
extern char sysenter_handler[];
extern volatile u32 sysenter_eax, sysenter_cs, sysenter_esp_seen;
extern char esc_mov_cr0[], esc_lgdt[], esc_hlt[];
extern int call_sysexit_to(u32 fn, u32 user_eip);

/*
 * SYSENTER's target at CPL 1 (the guest's MSRs, set through WRMSR):
 * record what it arrived with and go back to call_sysexit_to's caller.
 */
asm(".pushsection .text\n"
    ".globl sysenter_handler\n"
    "sysenter_handler:\n"
    "	mov %eax, sysenter_eax\n"
    "	mov %esp, sysenter_esp_seen\n"
    "	xor %eax, %eax\n"
    "	mov %cs, %ax\n"
    "	mov %eax, sysenter_cs\n"
    "	mov inv_esp, %esp\n"
    "	mov $1, %eax\n"
    "	pop %edi\n"
    "	pop %esi\n"
    "	pop %ebx\n"
    "	pop %ebp\n"
    "	ret\n"
    ".globl user_sysenter\n"
    "user_sysenter:\n"
    "	mov $0x5e5e0001, %eax\n"
    "	sysenter\n"
    "1:	jmp 1b\n"
    ".popsection");

volatile u32 sysenter_eax, sysenter_cs, sysenter_esp_seen;
static u8 sysenter_stack[512] __attribute__((aligned(16)));
#define sysenter_stack_top (sysenter_stack + sizeof(sysenter_stack))

static u32 mon_cpu_halts(void)
{
	return ((struct vmi_mon_cpu *)((u32)mon +
				       sizeof(struct vmi_mon_shared)))->halts;
}

static u32 call(int nr, u32 eax, u32 edx, u32 ecx, u32 s1, u32 s2)
{
	r.eax = eax;
	r.edx = edx;
	r.ecx = ecx;
	vmi_invoke(reloc[nr], &r, s1, s2);
	return r.eax;
}

static u32 cpl(void)
{
	u32 cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 3;
}

static u64 gate_calls(void)
{
	return mon->r.gate_calls;
}

/* Exception bodies for try_fault(). */
static void do_int3(void)
{
	asm volatile("int3");
}

#define UNMAPPED	0xe4000123u

static void do_read_unmapped(void)
{
	(void)*(volatile u32 *)UNMAPPED;
}

static void do_load_monitor_ds(void)
{
	asm volatile("mov %0, %%ds" : : "r"(VMI_MON_DS));
}

static void do_lgdt(void)
{
	asm volatile(".globl esc_lgdt\nesc_lgdt: lgdt %0" : : "m"(gdtr));
}

static void test_init(void)
{
	u32 (*init)(void) = (void *)((const u8 *)rom + VMI_ROM_INIT_OFFSET);
	u64 (*getreloc)(u32) __attribute__((regparm(1))) =
		(void *)((const u8 *)rom + VMI_ROM_GET_RELOC_OFFSET);
	u32 ss, nr, ret;
	int ok = 1;

	T(cpl() == 0);
	ret = init();
	asm volatile("mov %%ss, %0" : "=r"(ss));
	T(ret == 0);
	T(cpl() == 1);
	T((ss & 0xffff) == 0x11);
	T(mon->r.cpus == 1);
	report(ok, "VMI_Init returns 0 at CPL 1 (CS and SS with RPL 1)");

	ok = 1;
	for (nr = 0; nr < VMI_CALL_COUNT; nr++) {
		u64 v = getreloc(nr);

		reloc[nr] = (u32)v;
		if (nr == VMI_CALL_WRMSR || nr == VMI_CALL_RDMSR)
			T((v >> 32) == VMI_RELOCATION_CALL_REL);
	}
	T(reloc[VMI_CALL_SetCR3] != 0);
	report(ok, "GetRelocationInfo works at CPL 1; RDMSR/WRMSR are offered");
}

static void test_tables(void)
{
	struct pseudo_desc real, virt;
	u32 tr;
	int ok = 1;
	u64 g0 = gate_calls();

	asm volatile("sgdt %0" : "=m"(real));
	call(VMI_CALL_GetGDT, (u32)&virt, 0, 0, 0, 0);
	T(virt.base == (u32)gdt && virt.limit == sizeof(gdt) - 1);
	T(real.base != (u32)gdt);
	T(real.limit == VMI_MON_GDT_ENTRIES * 8 - 1);
	call(VMI_CALL_GetIDT, (u32)&virt, 0, 0, 0, 0);
	T(virt.base == (u32)idt && virt.limit == sizeof(idt) - 1);
	tr = call(VMI_CALL_GetTR, 0, 0, 0, 0, 0);
	T(tr == 0x28);
	T(gate_calls() == g0);
	report(ok, "GetGDT/GetIDT/GetTR give the guest's tables at CPL 1, no crossing");

	/* A descriptor the guest writes reaches the real GDT with DPL 1. */
	ok = 1;
	g0 = gate_calls();
	{
		u64 d = make_desc(0, 0xfffff, 0x92, 0xc);	/* DPL 0 data */
		u32 sel = 6 * 8, v;

		call(VMI_CALL_WriteGDTEntry, (u32)gdt, 6, (u32)d, d >> 32, 0);
		T(gdt[6] == d);
		asm volatile("mov %1, %%es; mov %%es, %0; mov %2, %%es"
			     : "=r"(v) : "r"(sel), "r"(0x10));
		T((v & 0xffff) == sel);
	}
	T(gate_calls() == g0 + 1);
	report(ok, "WriteGDTEntry: one crossing, the new DPL-0 segment loads at CPL 1");
}

static void test_crs(void)
{
	u64 g0 = gate_calls();
	u32 cr0, cr3, v, hi;
	int ok = 1;

	cr0 = call(VMI_CALL_GetCR0, 0, 0, 0, 0, 0);
	cr3 = call(VMI_CALL_GetCR3, 0, 0, 0, 0, 0);
	T(cr0 & 0x80000000u);
	T(cr3 == (u32)pd);
	T(gate_calls() == g0);
	call(VMI_CALL_SetCR3, (u32)pd, 0, 0, 0, 0);
	T(gate_calls() == g0 + 1);
	call(VMI_CALL_InvalPage, TEST_VA, 0, 0, 0, 0);
	call(VMI_CALL_FlushTLB, VMI_FLUSH_TLB | VMI_FLUSH_GLOBAL, 0, 0, 0, 0);
	T(gate_calls() == g0 + 3);
	T(*(volatile u32 *)TEST_VA == 0xaaaa0001);
	report(ok, "GetCR0/GetCR3 at CPL 1; SetCR3, InvalPage, FlushTLB cross once each");

	ok = 1;
	g0 = gate_calls();
	call(VMI_CALL_WRMSR, 0x1234, 0, 0x175, 0, 0);	/* SYSENTER_ESP */
	v = call(VMI_CALL_RDMSR, 0, 0, 0x175, 0, 0);
	T(v == 0x1234);
	T(r.edx == 0);
	T(gate_calls() == g0 + 2);
	asm volatile("rdmsr" : "=a"(v), "=d"(hi) : "c"(0x175));
	T(v == 0x1234 && hi == 0);
	T(mon->r.escapes == 1 && mon->r.log[0].action == VMI_MONITOR_EMULATED);
	report(ok, "WRMSR/RDMSR cross; the SYSENTER MSRs are the guest's, also to RDMSR run directly (an escape)");
}

static void test_exceptions(void)
{
	u64 r0 = mon->r.reflections, g0;
	u32 cr2, v, e0;
	int ok = 1;

	v = try_fault(do_int3);
	T(v == 2);
	T(fault_vec == 3 && fault_cs == 0x09);
	T(mon->r.reflections == r0 + 1);
	report(ok, "int3 at CPL 1 reaches the guest's handler (CS 0x09)");

	ok = 1;
	pd[UNMAPPED >> 22] = 0;
	call(VMI_CALL_InvalPage, UNMAPPED, 0, 0, 0, 0);
	v = try_fault(do_read_unmapped);
	T(v == 2);
	g0 = gate_calls();
	cr2 = call(VMI_CALL_GetCR2, 0, 0, 0, 0, 0);
	T(fault_vec == 14 && fault_err == 0);
	T(cr2 == UNMAPPED);
	T(gate_calls() == g0);
	pd[UNMAPPED >> 22] = (UNMAPPED & 0xffc00000u) | PDE_FLAGS;
	report(ok, "#PF reflected with error code 0; GetCR2 reads the address at CPL 1");

	ok = 1;
	e0 = mon->r.escapes;
	v = try_fault(do_load_monitor_ds);
	T(v == 2);
	T(fault_vec == 13 && fault_err == VMI_MON_DS);
	T(mon->r.escapes == e0);
	report(ok, "the monitor's segments are out of reach (#GP, not an escape)");
}

static void test_escapes(void)
{
	u32 cr0, n0 = mon->r.escapes, i, v;
	int ok = 1, seen_cr0 = 0, seen_lgdt = 0, seen_hlt = 0;

	asm volatile(".globl esc_mov_cr0\nesc_mov_cr0: mov %%cr0, %0"
		     : "=r"(cr0));
	T(cr0 & 0x80000000u);
	asm volatile(".globl esc_hlt\nesc_hlt: hlt");
	v = try_fault(do_lgdt);
	T(v == 2);
	T(fault_vec == 13 && fault_err == 0);
	T(mon->r.escapes == n0 + 3);
	for (i = 0; i < mon->r.escape_sites && i < VMI_MONITOR_ESCAPE_LOG; i++) {
		const struct vmi_monitor_escape *e = &mon->r.log[i];

		if (e->eip == (u32)esc_mov_cr0)
			seen_cr0 = e->action == VMI_MONITOR_EMULATED &&
				   (e->bytes & 0xffff) == 0x200f;
		if (e->eip == (u32)esc_lgdt)
			seen_lgdt = e->action == VMI_MONITOR_REFUSED;
		if (e->eip == (u32)esc_hlt)
			seen_hlt = e->action == VMI_MONITOR_EMULATED;
	}
	T(seen_cr0);
	T(seen_lgdt);
	T(seen_hlt);
	report(ok, "escapes: MOV CR0 and HLT emulated, LGDT refused, each logged by address");
}

static void test_interrupts(void)
{
	u32 t0 = ticks, h0, i;
	u64 r0 = mon->r.reflections;
	int ok = 1;

	wait_change(&ticks, t0, 50000000ull);	/* sti at CPL 1: IOPL 1 */
	T(ticks != t0);
	T(mon->r.reflections > r0);
	report(ok, "IRQ0 at CPL 1 (native sti/cli with IOPL 1) reaches the guest");

	ok = 1;
	h0 = mon_cpu_halts();
	for (i = 0; i < 3; i++) {
		t0 = ticks;
		call(VMI_CALL_Halt, 0, 0, 0, 0, 0);
		asm volatile("cli");
		T(ticks != t0);
	}
	T(mon_cpu_halts() == h0 + 3);
	report(ok, "Halt returns after the interrupt that woke it, handled at CPL 1");
}

static void test_user(void)
{
	u64 x0 = mon->r.xfers, s0 = mon->r.sysenters;
	int ok = 1, v;

	call(VMI_CALL_UpdateKernelStack, 0x10, (u32)tss_stack_top, 0, 0, 0);
	/*
	 * IF clear at ring 3: this guest's interrupt stubs return with a
	 * native iret, which at CPL 1 cannot change IOPL, so a tick taken
	 * at ring 3 would hand the user IOPL 1 (1 run in 12 failed so). A
	 * VMI guest returns to ring 3 through IRET, as Linux does.
	 */
	v = call_iret_user(reloc[VMI_CALL_IRET], 0x002);
	T(v == 1);
	T(user_eax == 0x5a5a1234 && user_cs == 0x1b && user_ss == 0x23);
	T(!(user_eflags & 0x3000));
	T(mon->r.xfers == x0 + 1);
	report(ok, "IRET to ring 3 through the monitor; int $0x80 comes back at CPL 1");

	ok = 1;
	v = call_sysexit(reloc[VMI_CALL_SYSEXIT]);
	T(v == 1);
	T(user_eax == 0x5a5a1234 && user_cs == 0x1b);
	T((user_eflags & 0x8d7) == 0x8d7 && (user_eflags & 0x200));
	T(mon->r.xfers == x0 + 2);
	report(ok, "SYSEXIT to ring 3 keeps the user's flags");

	ok = 1;
	call(VMI_CALL_WRMSR, 0x08, 0, 0x174, 0, 0);
	call(VMI_CALL_WRMSR, (u32)sysenter_stack_top, 0, 0x175, 0, 0);
	call(VMI_CALL_WRMSR, (u32)sysenter_handler, 0, 0x176, 0, 0);
	v = call_sysexit_to(reloc[VMI_CALL_SYSEXIT], (u32)user_sysenter);
	T(v == 1);
	T(sysenter_eax == 0x5e5e0001);
	T(sysenter_cs == 0x09);
	T(sysenter_esp_seen == (u32)sysenter_stack_top);
	T(mon->r.sysenters == s0 + 1);
	report(ok, "SYSENTER from ring 3 lands at the guest's target at CPL 1");
}

/*
 * park=1: after the plan, stay at CPL 1 with interrupts on (no Halt: a
 * halted CPU sits in the monitor at CPL 0) for the host to sample the
 * CPL through the QEMU monitor.
 */
static void __attribute__((noreturn)) park(void)
{
	puts("1..");
	putdec(test_nr);
	puts("\n# parked at CPL 1\n");
	asm volatile("sti");
	for (;;)
		asm volatile("pause");
}

u32 guest_main(u32 magic, const struct mb_info *mbi)
{
	const char *cmd = (magic == 0x2badb002 && (mbi->flags & 4)) ?
			  (const char *)mbi->cmdline : NULL;

	puts("TAP version 13\n");
	report(magic == 0x2badb002, "booted by a multiboot loader");
	setup_cpu();
	xfer_call = 1;			/* a RING=1 ROM answers CALL_REL */
	rom = scan_rom();
	report(rom != NULL, "VMI ROM found in 0xC0000-0xE0000");
	if (!rom)
		finish();
	{
		const struct vmi_rom_ext *ext =
			(const void *)((const u8 *)rom + VMI_EXT_OFFSET);

		state = (struct vmi_rom_state *)ext->state_phys;
		mon = (struct vmi_mon_shared *)(ext->state_phys +
						VMI_ROM_RING_OFFSET);
		report(ext->state_size >= VMI_ROM_RING_STATE_KIB * 1024,
		       "the state block has room for the monitor (RING=1 ROM)");
	}
	test_init();
	if (cpl() != 1)
		finish();
	test_tables();
	test_crs();
	test_exceptions();
	test_escapes();
	test_interrupts();
	test_user();
	puts("# monitor: gate calls ");
	putdec((u32)mon->r.gate_calls);
	puts(", reflections ");
	putdec((u32)mon->r.reflections);
	puts(", transfers ");
	putdec((u32)mon->r.xfers);
	puts(", escapes ");
	putdec(mon->r.escapes);
	putc('\n');
	if (cmd_value(cmd, "park") && !test_failed)
		park();
	finish();
	return 0;
}
