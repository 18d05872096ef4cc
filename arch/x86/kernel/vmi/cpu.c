// SPDX-License-Identifier: GPL-2.0
/*
 * The CPU-state, descriptor-table, interrupt-flag and exit-path ops of the
 * VMI backend, and the machine's power-off and reset.
 *
 * Owns the binding table of those pv_ops slots. A slot whose C prototype
 * already is the call's register contract (regparm(3): EAX, EDX, ECX,
 * then the stack) holds the ROM address itself; the others get a wrapper
 * here that adapts the arguments. The interrupt-flag calls preserve every
 * register but EFLAGS and their output, so they go straight into the
 * callee-save slots; GetCR2 is a standard call and reaches read_cr2 (a
 * callee-save slot) through a thunk.
 *
 * IRET and SYSEXIT are what the exit paths jump to. A JUMP_REL answer puts
 * the ROM address in the slot; a CALL_REL answer puts a stub of exit.S
 * there, a "call rel32" into the ROM (bind.c); NOP and NONE keep the
 * native instruction. The ROM's IRET is a real iret on the guest's own
 * GDT, so returns to 16-bit stacks keep the kernel's ESPFIX sequence. A
 * user frame iret refuses faults either inside the ROM (JUMP_REL, or a
 * ROM that does not check) or, reported by the ROM, at the stub's call
 * (CALL_REL); a die notifier sends both where the native iret's
 * exception-table entry would.
 *
 * Rules: wrappers only call the ROM through rom_call.h, which knows
 * CALL_REL targets only; a wrapper is installed only when its call is
 * CALL_REL, so NONE and NOP both leave the native op.
 */
#define pr_fmt(fmt) "vmi: " fmt

#include <linux/extable.h>
#include <linux/init.h>
#include <linux/kdebug.h>
#include <linux/kernel.h>
#include <linux/notifier.h>
#include <linux/reboot.h>
#include <linux/smp.h>
#include <asm/desc.h>
#include <asm/extable.h>
#include <asm/paravirt.h>
#include <asm/processor.h>
#include <asm/reboot.h>
#include <asm/trapnr.h>

#include "vmi.h"

/* CPUID returns in four registers, EBX included: not a C function. */
static void vmi_cpuid(unsigned int *ax, unsigned int *bx, unsigned int *cx,
		      unsigned int *dx)
{
	asm volatile("call *%[fn]"
		     : "+a" (*ax), "=b" (*bx), "+c" (*cx), "=d" (*dx)
		     : [fn] "m" (vmi_call_target[VMI_CALL_CPUID])
		     : "memory");
}

/* GetCR2 may clobber ECX and EDX; read_cr2 is a callee-save slot. */
static __used unsigned long vmi_read_cr2(void)
{
	return vmi_rom_call(GetCR2);
}

PV_CALLEE_SAVE_REGS_THUNK(vmi_read_cr2);

static void vmi_load_tr_desc(void)
{
	vmi_rom_call(SetTR, GDT_ENTRY_TSS * 8);
}

/* The Write*Entry calls (one C type) take a descriptor as two words. */
static void vmi_write_desc(vmi_WriteGDTEntry_fn *write, void *table,
			   int entry, const void *desc)
{
	const u32 *words = desc;

	write(table, entry, words[0], words[1]);
}

static void vmi_write_gdt_entry(struct desc_struct *gdt, int entry,
				const void *desc, int type)
{
	vmi_write_desc(vmi_rom_fn(WriteGDTEntry), gdt, entry, desc);
}

static void vmi_write_ldt_entry(struct desc_struct *ldt, int entry,
				const void *desc)
{
	vmi_write_desc(vmi_rom_fn(WriteLDTEntry), ldt, entry, desc);
}

static void vmi_write_idt_entry(gate_desc *idt, int entry, const gate_desc *gate)
{
	vmi_write_desc(vmi_rom_fn(WriteIDTEntry), idt, entry, gate);
}

/*
 * SetLDT takes a GDT selector: describe the LDT in this CPU's GDT slot
 * first (through write_gdt_entry, bound or not), then load it.
 */
static void vmi_set_ldt(const void *addr, unsigned int entries)
{
	u32 selector = 0;

	if (entries) {
		ldt_desc ldt;

		set_tssldt_descriptor(&ldt, (unsigned long)addr, DESC_LDT,
				      entries * LDT_ENTRY_SIZE - 1);
		write_gdt_entry(get_current_gdt_rw(), GDT_ENTRY_LDT, &ldt,
				DESC_LDT);
		selector = GDT_ENTRY_LDT * 8;
	}
	vmi_rom_call(SetLDT, selector);
}

/*
 * Only the TLS descriptors that changed cost a call. @cpu is always the
 * running CPU (the context switch and set_thread_area load their own).
 */
static void vmi_load_tls(struct thread_struct *t, unsigned int cpu)
{
	struct desc_struct *gdt = get_current_gdt_rw();
	unsigned int i;

	for (i = 0; i < GDT_ENTRY_TLS_ENTRIES; i++) {
		unsigned int entry = GDT_ENTRY_TLS_MIN + i;

		if (memcmp(&gdt[entry], &t->tls_array[i], sizeof(gdt[entry])))
			vmi_write_desc(vmi_rom_fn(WriteGDTEntry), gdt, entry,
				       &t->tls_array[i]);
	}
}

/*
 * RDMSR and WRMSR, offered by a ROM that runs the kernel at CPL 1 (the
 * instructions would fault into its monitor). The monitor answers every
 * MSR: one the CPU refuses reads 0 and a write to it is dropped (the ROM
 * counts them), so the _safe forms report success.
 */
static u64 vmi_read_msr(unsigned int msr)
{
	return vmi_rom_call(RDMSR, 0, 0, msr);
}

static void vmi_write_msr(unsigned int msr, unsigned int low,
			  unsigned int high)
{
	vmi_rom_call(WRMSR, low, high, msr);
}

static u64 vmi_read_msr_safe(unsigned int msr, int *err)
{
	*err = 0;
	return vmi_read_msr(msr);
}

static int vmi_write_msr_safe(unsigned int msr, unsigned int low,
			      unsigned int high)
{
	vmi_write_msr(msr, low, high);
	return 0;
}

static void vmi_load_sp0(unsigned long sp0)
{
	this_cpu_write(cpu_tss_rw.x86_tss.sp0, sp0);
	vmi_rom_call(UpdateKernelStack, __KERNEL_DS, sp0);
}

static const struct vmi_binding vmi_cpu_bindings[] = {
	VMI_DIRECT(cpu.io_delay, IODelay, .nop_ok = true, .not_xxl = true),
	VMI_WRAP(cpu.cpuid, CPUID, vmi_cpuid),
	VMI_WRAP(cpu.read_msr, RDMSR, vmi_read_msr),
	VMI_WRAP(cpu.write_msr, WRMSR, vmi_write_msr),
	VMI_WRAP(cpu.read_msr_safe, RDMSR, vmi_read_msr_safe),
	VMI_WRAP(cpu.write_msr_safe, WRMSR, vmi_write_msr_safe),
	VMI_DIRECT(cpu.get_debugreg, GetDR),
	VMI_DIRECT(cpu.set_debugreg, SetDR),
	VMI_DIRECT(cpu.read_cr0, GetCR0),
	VMI_DIRECT(cpu.write_cr0, SetCR0),
	VMI_DIRECT(cpu.write_cr4, SetCR4),
	VMI_DIRECT(mmu.read_cr3, GetCR3),
	VMI_DIRECT(mmu.write_cr2, SetCR2),
	VMI_WRAP_CALLEE(mmu.read_cr2, GetCR2, __raw_callee_save_vmi_read_cr2),
	VMI_DIRECT(cpu.wbinvd, WBINVD),
	VMI_DIRECT(cpu.load_gdt, SetGDT),
	VMI_DIRECT(cpu.load_idt, SetIDT),
	VMI_DIRECT(cpu.store_tr, GetTR),
	VMI_WRAP(cpu.load_tr_desc, SetTR, vmi_load_tr_desc),
	VMI_WRAP(cpu.set_ldt, SetLDT, vmi_set_ldt),
	VMI_WRAP(cpu.load_tls, WriteGDTEntry, vmi_load_tls),
	VMI_WRAP(cpu.write_gdt_entry, WriteGDTEntry, vmi_write_gdt_entry),
	VMI_WRAP(cpu.write_ldt_entry, WriteLDTEntry, vmi_write_ldt_entry),
	VMI_WRAP(cpu.write_idt_entry, WriteIDTEntry, vmi_write_idt_entry),
	VMI_WRAP(cpu.load_sp0, UpdateKernelStack, vmi_load_sp0),
	VMI_DIRECT(irq.safe_halt, Halt),
	VMI_DIRECT_CALLEE(irq.save_fl, GetInterruptMask, .skip_opts = VMI_OPT_NOIRQ),
	VMI_DIRECT_CALLEE(irq.irq_disable, DisableInterrupts, .skip_opts = VMI_OPT_NOIRQ),
	VMI_DIRECT_CALLEE(irq.irq_enable, EnableInterrupts, .skip_opts = VMI_OPT_NOIRQ),
	VMI_EXIT(cpu.iret, IRET, vmi_iret_call, .skip_opts = VMI_OPT_NOIRQ),
	VMI_EXIT(cpu.irq_enable_sysexit, SYSEXIT, vmi_sysexit_call, .skip_opts = VMI_OPT_NOIRQ),
};

const struct vmi_binding_table vmi_cpu_table = {
	.name = "cpu",
	.bindings = vmi_cpu_bindings,
	.count = ARRAY_SIZE(vmi_cpu_bindings),
};

/*
 * A #GP, #NP or #SS in kernel mode inside the ROM's IRET routine (from its
 * target to the next call's target), or reported by the ROM at the call
 * of the CALL_REL stub, is the exit path's iret refusing a user frame:
 * continue at the fixup of native_iret's exception-table entry, which
 * reports it to the task as the native instruction would.
 */
static unsigned long vmi_iret_start, vmi_iret_end, vmi_iret_fixup;

static int vmi_iret_fault_notify(struct notifier_block *nb,
				 unsigned long val, void *data)
{
	struct die_args *args = data;
	struct pt_regs *regs = args->regs;

	if (val != DIE_GPF && val != DIE_TRAP)
		return NOTIFY_DONE;
	if (args->trapnr != X86_TRAP_GP && args->trapnr != X86_TRAP_NP &&
	    args->trapnr != X86_TRAP_SS)
		return NOTIFY_DONE;
	if (user_mode(regs))
		return NOTIFY_DONE;
	if (regs->ip != (unsigned long)vmi_iret_call &&
	    (regs->ip < vmi_iret_start || regs->ip >= vmi_iret_end))
		return NOTIFY_DONE;
	regs->ip = vmi_iret_fixup;
	return NOTIFY_STOP;
}

static struct notifier_block vmi_iret_fault_nb = {
	.notifier_call = vmi_iret_fault_notify,
};

static int __init vmi_iret_fault_init(void)
{
	const struct exception_table_entry *e;
	unsigned int call;

	if (!vmi_active || pv_ops.cpu.iret == native_iret)
		return 0;
	e = search_exception_tables((unsigned long)native_iret);
	if (WARN_ON(!e))
		return 0;
	vmi_iret_fixup = (unsigned long)&e->fixup + e->fixup;
	vmi_iret_start = vmi_rom.reloc[VMI_CALL_IRET].eip;
	vmi_iret_end = vmi_iret_start + 256;	/* trimmed at the next call */
	for (call = 0; call < VMI_CALL_COUNT; call++) {
		unsigned long eip = vmi_rom.reloc[call].eip;

		if ((vmi_rom.reloc[call].type == VMI_RELOCATION_CALL_REL ||
		     vmi_rom.reloc[call].type == VMI_RELOCATION_JUMP_REL) &&
		    eip > vmi_iret_start && eip < vmi_iret_end)
			vmi_iret_end = eip;
	}
	register_die_notifier(&vmi_iret_fault_nb);
	return 0;
}
early_initcall(vmi_iret_fault_init);

/* Power-off and reset: the ROM's Shutdown and Reboot calls. */

static void vmi_emergency_restart(void)
{
	vmi_rom_call(Reboot, VMI_REBOOT_HARD);
}

static int vmi_power_off(struct sys_off_data *data)
{
	vmi_rom_call(Shutdown);
	return NOTIFY_DONE;
}

void __init vmi_power_init(void)
{
	if (vmi_rom_has(Reboot))
		machine_ops.emergency_restart = vmi_emergency_restart;
}

static int __init vmi_power_off_init(void)
{
	struct sys_off_handler *h;

	if (!vmi_active || !vmi_rom_has(Shutdown))
		return 0;
	h = register_sys_off_handler(SYS_OFF_MODE_POWER_OFF,
				     SYS_OFF_PRIO_FIRMWARE + 1, vmi_power_off,
				     NULL);
	if (IS_ERR(h))
		pr_warn("cannot register the ROM's power-off: %ld\n", PTR_ERR(h));
	return 0;
}
arch_initcall(vmi_power_off_init);
