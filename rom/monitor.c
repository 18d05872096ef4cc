// SPDX-License-Identifier: GPL-2.0
/*
 * VMI ROM, RING=1 builds: the ring-0 monitor (Documentation/virt/vmi/
 * ring1.rst). gate.S holds its entry points; this file decides.
 *
 * What it owns: the real GDT, IDT and TSS of every CPU it runs and the
 * SYSENTER MSRs. The guest's own tables are virtual: SetGDT/SetIDT/SetLDT/
 * SetTR record them, GetGDT/GetIDT/GetLDT/GetTR (calls.S, at CPL 1) read
 * the records, and the real GDT is a copy of the guest's in which DPL-0
 * code and data descriptors become DPL 1 (as Xen did for its 32-bit
 * guests), followed by the monitor's own entries.
 *
 * Its rules:
 *  - VMI_Init (vmi_mon_init) takes the CPU over and returns to the guest
 *    at CPL 1 with IOPL 1, so the interrupt flag, port I/O and IRET
 *    between rings 1 and 3 stay the guest's own instructions;
 *  - every interrupt and exception enters the monitor (vmi_mon_trap) and
 *    is reflected into the guest's IDT with the frame, error code and
 *    stack the guest expects (its kernel stack from UpdateKernelStack when
 *    it came from ring 3), CR2 kept for GetCR2; a return to ring 1 sets
 *    IOPL 1 again, one to ring 3 takes the frame's IOPL;
 *  - a #GP at CPL 1 on a privileged instruction is an escape: logged with
 *    its address and bytes, then emulated (CR and DR moves, RDMSR/WRMSR,
 *    WBINVD/INVD, CLTS, HLT as a no-op) or refused (the #GP is reflected);
 *  - a fault inside the monitor stops the machine, saying so on the debug
 *    console, except the three it expects (an MSR the CPU refuses, an NMI,
 *    a single-step trap on the SYSENTER path).
 * Rules of the ROM's C apply (romlib.h): no data, no string constants, no
 * absolute address; asm symbols are reached through LINEAR().
 */
#include <stddef.h>
#include "romlib.h"

#if VMI_ROM_RING

#define X86_EFLAGS_TF	0x00000100u
#define X86_EFLAGS_IF	0x00000200u
#define X86_EFLAGS_IOPL	0x00003000u
#define X86_EFLAGS_IOPL1 0x00001000u
#define X86_EFLAGS_NT	0x00004000u
#define X86_EFLAGS_RF	0x00010000u
#define X86_EFLAGS_VM	0x00020000u
#define X86_CR4_UMIP	0x00000800u

#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176

#define VEC_DB		1
#define VEC_NMI		2
#define VEC_GP		13
#define VEC_PF		14
#define VEC_XFER	0x200		/* gate.S: the IRET/SYSEXIT gate */
#define VEC_SYSENTER	0x201		/* gate.S: SYSENTER from ring 3 */

/* What gate.S saved (vmi_mon_common); the tail is the CPU's iret frame. */
struct vmi_mon_iret {
	u32 eip, cs, eflags, esp, ss;
};

struct vmi_mon_frame {
	u32 edi, esi, ebp, kesp, ebx, edx, ecx, eax;
	u32 gs, fs, es, ds;
	u32 vec, err;
	struct vmi_mon_iret r;
};

struct pseudo_desc {
	u16 limit;
	u32 base;
} __packed;

/* The linear address of an asm symbol of the image, PC-relative. */
#define LINEAR(sym) ({							\
	u32 __v;							\
	asm("call 1f\n1:\tpop %0\n\tadd $" #sym "-1b, %0" : "=r"(__v));	\
	__v; })

extern char vmi_mon_gate[], vmi_mon_xfer_gate[], vmi_mon_sysenter[];
extern char vmi_mon_sysenter_end[], vmi_mon_stubs[], vmi_mon_halt_resume[];
extern char vmi_mon_rdmsr_at[], vmi_mon_wrmsr_at[];
extern char vmi_mon_pop_segs[], vmi_mon_pop_segs_end[];
extern char vmi_mon_pop_segs2[], vmi_mon_pop_segs2_end[];
extern char vmi_xfer_iret_ret[], vmi_xfer_sysexit_ret[];
void vmi_mon_say_fault(void);
u32 vmi_iret_fault(const u32 *f);

static inline struct vmi_mon_shared *mon_shared(void)
{
	return (struct vmi_mon_shared *)((u32)vmi_state_ptr() +
					 VMI_ROM_RING_OFFSET);
}

static inline struct vmi_mon_cpu *mon_cpu(u32 slot)
{
	return (struct vmi_mon_cpu *)((u32)mon_shared() +
				      sizeof(struct vmi_mon_shared) +
				      slot * VMI_MON_CPU_SIZE);
}

/* This CPU's monitor state: the real GDT is its first member. */
static inline struct vmi_mon_cpu *this_mon(void)
{
	struct pseudo_desc g;

	asm volatile("sgdt %0" : "=m"(g));
	return (struct vmi_mon_cpu *)g.base;
}

static inline u32 *stack_top(struct vmi_mon_cpu *c)
{
	return (u32 *)((u32)c + VMI_MON_CPU_SIZE);
}

/* A macro, not a function: the report's counters are packed members. */
#define atomic_inc64(counter)						\
	do {								\
		asm volatile("lock addl $1, %0; lock adcl $0, 4+%0"	\
			     : "+m"(counter) : : "cc");			\
	} while (0)

static u64 make_desc(u32 base, u32 limit, u32 access, u32 flags)
{
	u32 lo = (limit & 0xffff) | base << 16;
	u32 hi = ((base >> 16) & 0xff) | access << 8 | (limit & 0xf0000) |
		 flags << 20 | (base & 0xff000000u);

	return (u64)hi << 32 | lo;
}

static u64 make_gate(u32 sel, u32 off, u32 type, u32 dpl, u32 params)
{
	u32 lo = (off & 0xffff) | sel << 16;
	u32 hi = (off & 0xffff0000u) | 0x8000 | dpl << 13 | type << 8 | params;

	return (u64)hi << 32 | lo;
}

/* The real GDT's copy of a guest descriptor: DPL-0 segments get DPL 1. */
static u64 shadow_desc(u64 d)
{
	u32 hi = d >> 32;

	if ((hi & 0x1000) && !(hi & 0x6000))
		hi |= 1 << 13;
	return (u64)hi << 32 | (u32)d;
}

static void shadow_gdt(struct vmi_mon_cpu *c)
{
	const volatile u64 *g = (const volatile u64 *)c->vgdt_base;
	u32 n = (c->vgdt_limit + 1) / 8, i;

	for (i = 0; i < VMI_MON_GUEST_GDT_ENTRIES; i++)
		c->gdt[i] = i < n ? shadow_desc(g[i]) : 0;
}

/* The guest's gate for @vec, or 0 if it has none. */
static u64 guest_gate(struct vmi_mon_cpu *c, u32 vec)
{
	if (!c->vidt_base || vec * 8 + 7 > c->vidt_limit)
		return 0;
	return ((const volatile u64 *)c->vidt_base)[vec];
}

static int has_error_code(u32 vec)
{
	return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17;
}

/* The real IDT: the monitor's stubs, DPL 3 where the guest's gate is. */
static void refresh_idt(struct vmi_mon_shared *sh, struct vmi_mon_cpu *c,
			u32 from, u32 to)
{
	u32 stubs = LINEAR(vmi_mon_stubs), v, dpl;

	/*
	 * A guest gate of DPL 0 becomes DPL 1, so that the guest's own
	 * software interrupts (int3) still reach it from ring 1, but not for
	 * the vectors whose exceptions push an error code: an INT n there
	 * would be taken for the exception.
	 */
	for (v = from; v < to; v++) {
		dpl = ((guest_gate(c, v) >> 45) & 3) == 3 ? 3 :
		      has_error_code(v) ? 0 : 1;
		sh->idt[v] = make_gate(VMI_MON_CS, stubs + v * VMI_MON_STUB_SIZE,
				       0xe, dpl, 0);
	}
}

static int msr_read(u32 msr, u64 *v)
{
	u32 lo, hi, ecx = msr;

	asm volatile("call vmi_mon_rdmsr_try"
		     : "=a"(lo), "=d"(hi), "+c"(ecx) : : "memory");
	*v = (u64)hi << 32 | lo;
	return ecx != ~0u;
}

static int msr_write(u32 msr, u64 v)
{
	u32 ecx = msr;

	asm volatile("call vmi_mon_wrmsr_try"
		     : "+c"(ecx) : "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
	return ecx != ~0u;
}

static inline u32 read_cr(int n)
{
	u32 v = 0;

	switch (n) {
	case 0:
		asm volatile("mov %%cr0, %0" : "=r"(v));
		break;
	case 3:
		asm volatile("mov %%cr3, %0" : "=r"(v));
		break;
	case 4:
		asm volatile("mov %%cr4, %0" : "=r"(v));
		break;
	case 2:
		asm volatile("mov %%cr2, %0" : "=r"(v));
		break;
	}
	return v;
}

/*
 * VMI_Init's half (calls.S returns to the guest at CPL 1 when this gives
 * 0), and an AP's (head.S: ap_tail): take this CPU over. Non-zero: the
 * guest stays native at CPL 0 (an AP stays halted). @reload_segments: the
 * data segments hold the guest's selectors (VMI_Init); an AP loads its
 * own after this.
 */
RP u32 vmi_mon_init(u32 reload_segments)
{
	struct vmi_rom_private *p = priv();
	struct vmi_mon_shared *sh = mon_shared();
	struct pseudo_desc g, i;
	struct vmi_mon_cpu *c;
	u32 slot = cpu_slot(p, initial_apic_id()), sel;
	u64 v;

	if (slot >= VMI_ROM_RING_CPUS)
		return 1;
	asm volatile("sgdt %0; sidt %1" : "=m"(g), "=m"(i));
	if (g.limit + 1u > VMI_MON_GUEST_GDT_ENTRIES * 8)
		return 2;
	c = mon_cpu(slot);
	c->slot = slot;
	c->vgdt_base = g.base;
	c->vgdt_limit = g.limit;
	c->vidt_base = i.base;
	c->vidt_limit = i.limit;
	asm volatile("str %0" : "=r"(sel));
	c->vtr = sel & 0xffff;
	asm volatile("sldt %0" : "=r"(sel));
	c->vldt = sel & 0xffff;
	c->cr0 = read_cr(0);
	c->cr2 = read_cr(2);
	c->cr3 = read_cr(3);
	c->cr4 = read_cr(4) & ~X86_CR4_UMIP;
	asm volatile("mov %0, %%cr4" : : "r"(c->cr4));

	shadow_gdt(c);
	c->gdt[VMI_MON_CS_INDEX] = make_desc(0, 0xfffff, 0x9a, 0xc);
	c->gdt[VMI_MON_DS_INDEX] = make_desc(0, 0xfffff, 0x92, 0xc);
	c->gdt[VMI_MON_TSS_INDEX] = make_desc((u32)&c->tss, 103, 0x89, 0);
	c->gdt[VMI_MON_GATE_INDEX] = make_gate(VMI_MON_CS, LINEAR(vmi_mon_gate),
					       0xc, 1, VMI_MON_GATE_PARAMS);
	/* No words copied: IRET and SYSEXIT may run at a stack's very top. */
	c->gdt[VMI_MON_XFER_INDEX] = make_gate(VMI_MON_CS,
					       LINEAR(vmi_mon_xfer_gate),
					       0xc, 1, 0);
	c->tss.ss0 = VMI_MON_DS;
	c->tss.esp0 = (u32)stack_top(c);
	c->tss.iomap = sizeof(c->tss);		/* no bitmap: IOPL decides */

	if (!sh->r.idt_ready) {
		refresh_idt(sh, c, 0, 256);
		sh->r.idt_ready = 1;
	}

	if (msr_read(MSR_SYSENTER_CS, &v))
		c->sysenter_cs = (u32)v;
	if (msr_read(MSR_SYSENTER_ESP, &v))
		c->sysenter_esp = (u32)v;
	if (msr_read(MSR_SYSENTER_EIP, &v))
		c->sysenter_eip = (u32)v;
	msr_write(MSR_SYSENTER_CS, VMI_MON_CS);
	msr_write(MSR_SYSENTER_ESP, (u32)stack_top(c));
	msr_write(MSR_SYSENTER_EIP, LINEAR(vmi_mon_sysenter));

	g.limit = sizeof(c->gdt) - 1;
	g.base = (u32)c->gdt;
	i.limit = sizeof(sh->idt) - 1;
	i.base = (u32)sh->idt;
	/*
	 * The data segments are reloaded from the real GDT so that their
	 * cached DPL is 1 and the return to ring 1 keeps them; CS and SS
	 * come from the frame of that return (calls.S).
	 */
	asm volatile("lgdt %0\n\t"
		     "ltr %w1\n\t"
		     "lidt %2"
		     : : "m"(g), "r"(VMI_MON_TSS), "m"(i) : "memory");
	if (reload_segments)
		asm volatile("mov %%ds, %%eax; mov %%eax, %%ds\n\t"
			     "mov %%es, %%eax; mov %%eax, %%es\n\t"
			     "mov %%fs, %%eax; mov %%eax, %%fs\n\t"
			     "mov %%gs, %%eax; mov %%eax, %%gs"
			     : : : "eax", "memory");
	c->active = 1;
	atomic_inc(sh->r.cpus);
	return 0;
}

/**** The calls that run at CPL 0 (calls.S bodies jump here) ****/

RP void vmi_mon_set_gdt(const struct pseudo_desc *d)
{
	struct vmi_mon_cpu *c = this_mon();

	if (d->limit + 1u > VMI_MON_GUEST_GDT_ENTRIES * 8)
		return;			/* refused: the guest keeps its old one */
	c->vgdt_base = d->base;
	c->vgdt_limit = d->limit;
	shadow_gdt(c);
}

RP void vmi_mon_set_idt(const struct pseudo_desc *d)
{
	struct vmi_mon_cpu *c = this_mon();

	c->vidt_base = d->base;
	c->vidt_limit = d->limit;
	refresh_idt(mon_shared(), c, 0, 256);
}

/*
 * The LDT descriptor is taken from the guest's GDT as it is now (a guest
 * may have written it without WriteGDTEntry); one that is not a present
 * LDT descriptor leaves no LDT loaded instead of faulting in here.
 */
RP void vmi_mon_set_ldt(u32 sel)
{
	struct vmi_mon_cpu *c = this_mon();
	u32 idx = (sel & 0xfff8) / 8;
	u64 d;

	sel &= 0xffff;
	c->vldt = sel;
	if (!(sel & 0xfffc) || (sel & 4) || idx >= VMI_MON_GUEST_GDT_ENTRIES ||
	    idx * 8 + 7 > c->vgdt_limit) {
		asm volatile("lldt %w0" : : "r"(0) : "memory");
		return;
	}
	d = ((const volatile u64 *)c->vgdt_base)[idx];
	c->gdt[idx] = shadow_desc(d);
	if (((d >> 40) & 0x9f) != 0x82)
		sel = 0;
	asm volatile("lldt %w0" : : "r"(sel) : "memory");
}

/* The guest's TSS is never the CPU's: record it, mark it busy as ltr does. */
RP void vmi_mon_set_tr(u32 sel)
{
	struct vmi_mon_cpu *c = this_mon();
	volatile u32 *d;

	sel &= 0xfff8;
	c->vtr = sel;
	if (sel && sel + 7 <= c->vgdt_limit) {
		d = (volatile u32 *)(c->vgdt_base + sel);
		d[1] |= 0x200;
	}
}

static void write_desc(u32 base, u32 idx, u32 lo, u32 hi)
{
	volatile u32 *d = (volatile u32 *)(base + idx * 8);

	if (hi & 0x8000) {
		d[0] = lo;
		d[1] = hi;
	} else {
		d[1] = hi;
		d[0] = lo;
	}
}

/*
 * The entry is copied again from the guest's loaded table, not from the
 * arguments: a guest may write its GDT through another alias than the one
 * it loaded (Linux writes the direct map and loads a read-only fixmap
 * alias of the same page), and a write to another table changes nothing.
 */
RP void vmi_mon_write_gdt(u32 base, u32 idx, u32 lo, u32 hi)
{
	struct vmi_mon_cpu *c = this_mon();

	write_desc(base, idx, lo, hi);
	if (idx < VMI_MON_GUEST_GDT_ENTRIES && idx * 8 + 7 <= c->vgdt_limit)
		c->gdt[idx] = shadow_desc(((const volatile u64 *)c->vgdt_base)[idx]);
}

RP void vmi_mon_write_idt(u32 base, u32 idx, u32 lo, u32 hi)
{
	struct vmi_mon_cpu *c = this_mon();

	write_desc(base, idx, lo, hi);
	if (idx < 256)
		refresh_idt(mon_shared(), c, idx, idx + 1);
}

RP void vmi_mon_set_cr(u32 val, u32 n)
{
	struct vmi_mon_cpu *c = this_mon();

	switch (n) {
	case 0:
		c->cr0 = val;
		asm volatile("mov %0, %%cr0" : : "r"(val) : "memory");
		break;
	case 3:
		c->cr3 = val;
		asm volatile("mov %0, %%cr3" : : "r"(val) : "memory");
		break;
	case 4:
		c->cr4 = val;
		val &= ~X86_CR4_UMIP;	/* GetGDT & co. stay usable at CPL 1 */
		asm volatile("mov %0, %%cr4" : : "r"(val) : "memory");
		break;
	}
}

/* The guest's own copy of an MSR the monitor owns (SYSENTER), or NULL. */
static u32 *virtual_msr(struct vmi_mon_cpu *c, u32 msr)
{
	switch (msr) {
	case MSR_SYSENTER_CS:
		return &c->sysenter_cs;
	case MSR_SYSENTER_ESP:
		return &c->sysenter_esp;
	case MSR_SYSENTER_EIP:
		return &c->sysenter_eip;
	}
	return NULL;
}

static int wrmsr_virtual(struct vmi_mon_cpu *c, u32 msr, u64 v)
{
	u32 *p = virtual_msr(c, msr);

	if (p)
		*p = (u32)v;
	return p != NULL;
}

static int rdmsr_virtual(struct vmi_mon_cpu *c, u32 msr, u64 *v)
{
	u32 *p = virtual_msr(c, msr);

	if (p)
		*v = *p;
	return p != NULL;
}

/* WRMSR/RDMSR calls: an MSR the CPU refuses reads 0 and is counted. */
RP void vmi_mon_wrmsr(u32 lo, u32 hi, u32 msr)
{
	u64 v = (u64)hi << 32 | lo;

	if (!wrmsr_virtual(this_mon(), msr, v) && !msr_write(msr, v))
		atomic_inc(mon_shared()->r.msr_faults);
}

RP u64 vmi_mon_rdmsr(u32 unused_lo, u32 unused_hi, u32 msr)
{
	u64 v = 0;

	(void)unused_lo;
	(void)unused_hi;
	if (!rdmsr_virtual(this_mon(), msr, &v) && !msr_read(msr, &v)) {
		atomic_inc(mon_shared()->r.msr_faults);
		v = 0;
	}
	return v;
}

/**** Reflection ****/

/*
 * Deliver @vec to the guest's handler as the CPU would at CPL 1: on the
 * interrupted ring-1 stack, or on the guest's kernel stack with the ring-3
 * SS:ESP pushed first. @r becomes the handler's context.
 */
static int reflect(struct vmi_mon_shared *sh, struct vmi_mon_cpu *c,
		   struct vmi_mon_iret *r, u32 vec, int has_err, u32 err)
{
	u64 gate = guest_gate(c, vec);
	u32 hi = gate >> 32, lo = (u32)gate, type = (hi >> 8) & 0x1f;
	u32 *sp, ss, fl;

	if (!(hi & 0x8000) || (type != 0xe && type != 0xf))
		return 0;		/* no handler, or a task gate */
	if ((r->cs & 3) == 3) {
		if (!c->esp0)
			return 0;
		ss = (c->ss0 & 0xfffc) | 1;
		sp = (u32 *)c->esp0;
		*--sp = r->ss;
		*--sp = r->esp;
	} else {
		ss = r->ss;
		sp = (u32 *)r->esp;
	}
	*--sp = r->eflags;
	*--sp = r->cs;
	*--sp = r->eip;
	if (has_err)
		*--sp = err;
	fl = r->eflags & ~(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_RF |
			   X86_EFLAGS_VM);
	if (type == 0xe)
		fl &= ~X86_EFLAGS_IF;
	r->eip = (lo & 0xffff) | (hi & 0xffff0000u);
	r->cs = ((lo >> 16) & 0xfffc) | 1;
	r->eflags = (fl & ~X86_EFLAGS_IOPL) | X86_EFLAGS_IOPL1;
	r->esp = (u32)sp;
	r->ss = ss;
	atomic_inc64(sh->r.reflections);
	return 1;
}

/*
 * " k=xxxxxxxx" on the debug console: a one-letter key and a value in hex.
 * No string constant: the image has no absolute relocation.
 */
static void say_hex(char key, u32 v)
{
	u32 d;
	int i;

	outb(0xe9, ' ');
	outb(0xe9, key);
	outb(0xe9, '=');
	for (i = 28; i >= 0; i -= 4) {
		d = (v >> i) & 0xf;
		outb(0xe9, d < 10 ? '0' + d : 'a' + d - 10);
	}
}

/*
 * The machine stops: the host reads nothing after the power-off, so the
 * fault is also written to the debug console, one line before the
 * message: "vmi-mon: v=vector e=EIP c=error code a=CR2".
 */
static __attribute__((noreturn)) void stop(struct vmi_mon_shared *sh,
					   u32 vec, u32 eip, u32 err)
{
	sh->r.panic_vec = 0x100 | vec;
	sh->r.panic_eip = eip;
	sh->r.panic_err = err;
	outb(0xe9, 'v');
	outb(0xe9, 'm');
	outb(0xe9, 'i');
	outb(0xe9, '-');
	outb(0xe9, 'm');
	outb(0xe9, 'o');
	outb(0xe9, 'n');
	outb(0xe9, ':');
	say_hex('v', vec);
	say_hex('e', eip);
	say_hex('c', err);
	say_hex('a', read_cr(2));
	outb(0xe9, '\n');
	vmi_mon_say_fault();
	vmi_c_shutdown();
	for (;;)
		asm volatile("cli; hlt");
}

/**** Escapes ****/

static u32 *gpr(struct vmi_mon_frame *f, u32 n)
{
	switch (n & 7) {
	case 0: return &f->eax;
	case 1: return &f->ecx;
	case 2: return &f->edx;
	case 3: return &f->ebx;
	case 4: return &f->r.esp;
	case 5: return &f->ebp;
	case 6: return &f->esi;
	default: return &f->edi;
	}
}

static void log_escape(struct vmi_mon_shared *sh, struct vmi_mon_cpu *c,
		       u32 eip, u32 bytes, u32 action)
{
	u32 i, n = sh->r.escape_sites;

	atomic_inc(sh->r.escapes);
	c->escapes++;
	for (i = 0; i < n && i < VMI_MONITOR_ESCAPE_LOG; i++) {
		if (sh->r.log[i].eip == eip) {
			atomic_inc(sh->r.log[i].count);
			return;
		}
	}
	if (n >= VMI_MONITOR_ESCAPE_LOG)
		return;
	sh->r.escape_sites = n + 1;
	sh->r.log[n].eip = eip;
	sh->r.log[n].bytes = bytes;
	sh->r.log[n].action = action;
	sh->r.log[n].count = 1;
}

static u32 get_dr(u32 n)
{
	u32 v = 0;

	switch (n) {
	case 0:
		asm volatile("mov %%db0, %0" : "=r"(v));
		break;
	case 1:
		asm volatile("mov %%db1, %0" : "=r"(v));
		break;
	case 2:
		asm volatile("mov %%db2, %0" : "=r"(v));
		break;
	case 3:
		asm volatile("mov %%db3, %0" : "=r"(v));
		break;
	case 6:
		asm volatile("mov %%db6, %0" : "=r"(v));
		break;
	case 7:
		asm volatile("mov %%db7, %0" : "=r"(v));
		break;
	}
	return v;
}

static void set_dr(u32 n, u32 v)
{
	switch (n) {
	case 0:
		asm volatile("mov %0, %%db0" : : "r"(v));
		break;
	case 1:
		asm volatile("mov %0, %%db1" : : "r"(v));
		break;
	case 2:
		asm volatile("mov %0, %%db2" : : "r"(v));
		break;
	case 3:
		asm volatile("mov %0, %%db3" : : "r"(v));
		break;
	case 6:
		asm volatile("mov %0, %%db6" : : "r"(v));
		break;
	case 7:
		asm volatile("mov %0, %%db7" : : "r"(v));
		break;
	}
}

/*
 * A #GP at CPL 1 with error code 0: 1 if it was a privileged instruction
 * the monitor emulated (EIP moved past it), 0 to reflect the #GP (not
 * privileged, or refused; a refused one is logged all the same).
 */
static int escape(struct vmi_mon_shared *sh, struct vmi_mon_cpu *c,
		  struct vmi_mon_frame *f)
{
	const volatile u8 *ip = (const volatile u8 *)f->r.eip;
	u32 len = 0, n, bytes;
	u64 v;

	bytes = ip[0] | ip[1] << 8 | ip[2] << 16 | (u32)ip[3] << 24;
	if (ip[0] == 0xf4) {
		len = 1;				/* HLT: a no-op */
	} else if (ip[0] != 0x0f) {
		return 0;
	} else {
		switch (ip[1]) {
		case 0x06:				/* CLTS */
			asm volatile("clts");
			c->cr0 &= ~8u;
			len = 2;
			break;
		case 0x08:				/* INVD */
		case 0x09:				/* WBINVD */
			asm volatile("wbinvd");
			len = 2;
			break;
		case 0x30:				/* WRMSR */
			v = (u64)f->edx << 32 | f->eax;
			if (wrmsr_virtual(c, f->ecx, v) || msr_write(f->ecx, v))
				len = 2;
			break;
		case 0x32:				/* RDMSR */
			if (rdmsr_virtual(c, f->ecx, &v) || msr_read(f->ecx, &v)) {
				f->eax = (u32)v;
				f->edx = v >> 32;
				len = 2;
			}
			break;
		case 0x20:				/* MOV from CRn */
		case 0x22:				/* MOV to CRn */
			if ((ip[2] & 0xc0) != 0xc0)
				break;
			n = (ip[2] >> 3) & 7;
			if (n != 0 && n != 2 && n != 3 && n != 4)
				break;
			if (ip[1] == 0x20)
				*gpr(f, ip[2]) = n == 2 ? c->cr2 :
						 n == 0 ? c->cr0 :
						 n == 3 ? c->cr3 : c->cr4;
			else if (n == 2)
				c->cr2 = *gpr(f, ip[2]);
			else
				vmi_mon_set_cr(*gpr(f, ip[2]), n);
			len = 3;
			break;
		case 0x21:				/* MOV from DRn */
		case 0x23:				/* MOV to DRn */
			if ((ip[2] & 0xc0) != 0xc0)
				break;
			n = (ip[2] >> 3) & 7;
			if (n == 4 || n == 5)
				n += 2;
			if (ip[1] == 0x21)
				*gpr(f, ip[2]) = get_dr(n);
			else
				set_dr(n, *gpr(f, ip[2]));
			len = 3;
			break;
		case 0x00:		/* LLDT, LTR */
		case 0x01:		/* LGDT, LIDT, LMSW, INVLPG, XSETBV, ... */
		case 0x35:		/* SYSEXIT */
			break;
		default:
			return 0;
		}
	}
	log_escape(sh, c, f->r.eip, bytes,
		   len ? VMI_MONITOR_EMULATED : VMI_MONITOR_REFUSED);
	if (!len)
		return 0;
	f->r.eip += len;
	return 1;
}

/**** Port I/O from ring 3 ****/

/*
 * The real TSS has no I/O bitmap, so every IN/OUT at ring 3 faults here
 * (ring 3 is above IOPL 1). The guest's own TSS says which ports its task
 * may use (ioperm(), and iopl(3) as Linux emulates it): an access its
 * bitmap allows is made for it; anything else gets the #GP it would get.
 */
static int io_allowed(struct vmi_mon_cpu *c, u32 port, u32 size)
{
	const volatile u8 *d, *tss, *map;
	u32 base, limit, off, i;

	if (!c->vtr || c->vtr + 7 > c->vgdt_limit)
		return 0;
	d = (const volatile u8 *)(c->vgdt_base + c->vtr);
	base = d[2] | d[3] << 8 | d[4] << 16 | (u32)d[7] << 24;
	limit = d[0] | d[1] << 8 | (d[6] & 0xf) << 16;
	if (d[6] & 0x80)
		limit = limit << 12 | 0xfff;
	tss = (const volatile u8 *)base;
	off = tss[102] | tss[103] << 8;
	map = tss + off;
	for (i = port; i < port + size; i++) {
		if (off + i / 8 > limit || (map[i / 8] >> (i % 8)) & 1)
			return 0;
	}
	return 1;
}

static int user_io(struct vmi_mon_shared *sh, struct vmi_mon_cpu *c,
		   struct vmi_mon_frame *f)
{
	const volatile u8 *ip = (const volatile u8 *)f->r.eip;
	u32 len = 1, size = 4, port, op;

	if (f->r.eflags & X86_EFLAGS_VM)
		return 0;
	if (ip[0] == 0x66) {
		size = 2;
		len = 2;
		ip++;
	}
	op = ip[0];
	if (op == 0xe4 || op == 0xe5 || op == 0xe6 || op == 0xe7) {
		port = ip[1];
		len++;
	} else if (op == 0xec || op == 0xed || op == 0xee || op == 0xef) {
		port = f->edx & 0xffff;
	} else {
		return 0;
	}
	if (!(op & 1))
		size = 1;
	if (!io_allowed(c, port, size))
		return 0;
	if (op & 2) {				/* OUT */
		if (size == 1)
			outb(port, f->eax);
		else if (size == 2)
			outw(port, f->eax);
		else
			outl(port, f->eax);
	} else if (size == 1) {
		f->eax = (f->eax & ~0xffu) | inb(port);
	} else if (size == 2) {
		f->eax = (f->eax & ~0xffffu) | inw(port);
	} else {
		f->eax = inl(port);
	}
	f->r.eip += len;
	atomic_inc(sh->r.user_io);
	return 1;
}

/**** IRET, SYSEXIT, SYSENTER ****/

/*
 * The transfer gate: build the frame to iret to at the top of the stack,
 * where the gate's six words were, and return its address. The caller's
 * registers are the frame's (gate.S restores them).
 */
static u32 xfer(struct vmi_mon_shared *sh, struct vmi_mon_cpu *c,
		struct vmi_mon_frame *f)
{
	u32 *g = &f->r.eip;	/* EIP, CS, ESP, SS of the ring-1 caller */
	u32 *top = stack_top(c), *fr, code;
	u32 gate_eip = g[0], r1_cs = g[1], r1_esp = g[2], r1_ss = g[3];
	u32 fl = f->err;	/* the caller's EFLAGS (gate.S) */
	struct vmi_mon_iret r;

	if (gate_eip == LINEAR(vmi_xfer_sysexit_ret)) {
		r.eip = f->edx;
		r.esp = f->ecx;
		r.cs = ((c->sysenter_cs + 16) & 0xfffc) | 3;
		r.ss = ((c->sysenter_cs + 24) & 0xfffc) | 3;
		r.eflags = (fl & ~X86_EFLAGS_IOPL) | priv()->iopl_mask |
			   X86_EFLAGS_IF;
	} else {
		fr = (u32 *)(r1_esp + 4);	/* above the call's return */
		r.eip = fr[0];
		r.cs = fr[1] & 0xffff;
		r.eflags = fr[2];
		if ((r.cs & 3) == 3) {
			code = vmi_iret_fault(fr);
			if (code) {
				/* Refused: the fault, at the guest's call site. */
				r.eip = *(u32 *)r1_esp - 5;
				r.cs = r1_cs;
				r.eflags = fl;
				r.esp = r1_esp + 4;
				r.ss = r1_ss;
				if (!reflect(sh, c, &r, (code >> 16) & 0xff, 1,
					     code & 0xfffc))
					stop(sh, VEC_GP, r.eip, code);
				atomic_inc(priv()->iret_faults);
				goto out;
			}
			r.esp = fr[3];
			r.ss = fr[4] & 0xffff;
		} else {
			/* The guest's ring 0 is ring 1 (RPL 0 is taken as 1). */
			r.cs = (r.cs & 0xfffc) | 1;
			r.esp = r1_esp + 4 + 12;
			r.ss = r1_ss;
		}
	}
	/*
	 * Ring 1 runs with IOPL 1; ring 3 with the IOPL of its frame, as an
	 * iret at CPL 0 would set it (a new task's frame says 0; a frame the
	 * kernel saved at ring 1, on its SYSENTER path, says 1, which gives
	 * ring 3 nothing).
	 */
	r.eflags &= ~X86_EFLAGS_VM;
	if ((r.cs & 3) != 3)
		r.eflags = (r.eflags & ~X86_EFLAGS_IOPL) | X86_EFLAGS_IOPL1;
	if ((r.cs & 3) == 3) {
		u16 sel = r.ss;

		asm volatile("verw %0" : : "m"(sel) : "cc");
	}
out:
	atomic_inc64(sh->r.xfers);
	top[-5] = r.eip;
	top[-4] = r.cs;
	top[-3] = r.eflags;
	top[-2] = r.esp;
	top[-1] = r.ss;
	return (u32)(top - 5);
}

/* SYSENTER from ring 3: on to the guest's SYSENTER target at ring 1. */
static void sysenter(struct vmi_mon_shared *sh, struct vmi_mon_cpu *c,
		     struct vmi_mon_frame *f)
{
	f->r.eip = c->sysenter_eip;
	f->r.cs = (c->sysenter_cs & 0xfffc) | 1;
	f->r.ss = ((c->sysenter_cs + 8) & 0xfffc) | 1;
	f->r.esp = c->sysenter_esp;
	f->r.eflags = (f->r.eflags & ~X86_EFLAGS_IOPL) | X86_EFLAGS_IOPL1;
	if (c->sysenter_tf)
		f->r.eflags |= X86_EFLAGS_TF;
	c->sysenter_tf = 0;
	atomic_inc64(sh->r.sysenters);
}

/*
 * An interrupt or exception that hit the monitor itself. The one place
 * the monitor takes interrupts is Halt's sti;hlt: the interrupt is then
 * delivered as if it had come at the Halt call's return at ring 1, built
 * from the gate's frame at the top of the stack (EFLAGS saved by the gate
 * below it, IF set as the halt left it).
 */
static u32 in_monitor(struct vmi_mon_shared *sh, struct vmi_mon_cpu *c,
		      struct vmi_mon_frame *f, u32 vec)
{
	u32 *top = stack_top(c);
	u32 eip1 = top[-6], cs1 = top[-5], esp1 = top[-2], ss1 = top[-1];
	u32 fl = top[-7] | X86_EFLAGS_IF;
	struct vmi_mon_iret *r;

	if (vec >= 32 && f->r.eip == LINEAR(vmi_mon_halt_resume)) {
		r = (struct vmi_mon_iret *)(top - 5);
		r->eip = eip1;
		r->cs = cs1;
		r->eflags = fl;
		/* a1, a2 are dead: ESP past them as lret $8 would leave it */
		r->esp = esp1 + 8;
		r->ss = ss1;
		c->halts++;
		if (!reflect(sh, c, r, vec, 0, 0))
			stop(sh, vec, f->r.eip, 0);
		return (u32)r;
	}
	if (vec == VEC_NMI) {
		atomic_inc(sh->r.lost_nmis);
		return 0;
	}
	if (vec == VEC_DB && f->r.eip >= LINEAR(vmi_mon_sysenter) &&
	    f->r.eip < LINEAR(vmi_mon_sysenter_end)) {
		f->r.eflags &= ~X86_EFLAGS_TF;
		c->sysenter_tf = 1;
		return 0;
	}
	/*
	 * A data segment register of the interrupted context that no longer
	 * loads: the guest changed its descriptor (or LDT) since. The pop's
	 * value lies at the faulting context's ESP, just above our frame.
	 */
	if ((vec == VEC_GP || vec == 11) &&
	    ((f->r.eip >= LINEAR(vmi_mon_pop_segs) &&
	      f->r.eip < LINEAR(vmi_mon_pop_segs_end)) ||
	     (f->r.eip >= LINEAR(vmi_mon_pop_segs2) &&
	      f->r.eip < LINEAR(vmi_mon_pop_segs2_end)))) {
		*(u32 *)&f->r.esp = 0;
		/*
		 * This frame saved the same stale selectors (the pops had not
		 * reached them): its own return must not fault again. The
		 * interrupted pops reload FS and GS from their own slots.
		 */
		f->fs = 0;
		f->gs = 0;
		return 0;
	}
	if (vec == VEC_GP && (f->r.eip == LINEAR(vmi_mon_rdmsr_at) ||
			      f->r.eip == LINEAR(vmi_mon_wrmsr_at))) {
		f->r.eip += 2;
		f->ecx = ~0u;
		return 0;
	}
	stop(sh, vec, f->r.eip, f->err);
}

/*
 * Every entry but the call gate: 0 to iret to the (edited) frame, else
 * the address of the frame to iret to instead.
 */
RP u32 vmi_mon_trap(struct vmi_mon_frame *f)
{
	struct vmi_mon_shared *sh = mon_shared();
	struct vmi_mon_cpu *c = this_mon();
	u32 vec = f->vec;

	if (vec == VEC_XFER)
		return xfer(sh, c, f);
	if (vec == VEC_SYSENTER) {
		sysenter(sh, c, f);
		return 0;
	}
	vec &= 0xff;
	if (!(f->r.cs & 3))
		return in_monitor(sh, c, f, vec);
	if (vec == VEC_GP && !f->err && (f->r.cs & 3) == 1 &&
	    escape(sh, c, f))
		return 0;
	if (vec == VEC_GP && !f->err && (f->r.cs & 3) == 3 &&
	    user_io(sh, c, f))
		return 0;
	if (vec == VEC_PF)
		c->cr2 = read_cr(2);
	if (!reflect(sh, c, &f->r, vec, has_error_code(vec), f->err))
		stop(sh, vec, f->r.eip, f->err);
	return 0;
}

#endif /* VMI_ROM_RING */
