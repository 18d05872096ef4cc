// SPDX-License-Identifier: GPL-2.0
/*
 * The shared half of the ROM test programs (see lib.h): nothing here
 * calls the ROM.
 */
#include "lib.h"

volatile u32 ticks;
volatile u32 int81_count;
volatile u64 irq0_tsc;
volatile u32 lvtt_count;
volatile u64 lvtt_tsc;
u32 apic_eoi;

u64 gdt[16] __attribute__((aligned(8)));
u64 idt[256] __attribute__((aligned(8)));
u64 ldt[4] __attribute__((aligned(8)));
u32 pd[1024] __attribute__((aligned(4096)));
struct pseudo_desc gdtr, idtr;
struct tss tss __attribute__((aligned(128)));

/**** Output ****/


void putc(char c)
{
	outb(COM1, c);
}

void puts(const char *s)
{
	while (*s)
		putc(*s++);
}

void puthex(u32 v)
{
	int i;

	puts("0x");
	for (i = 28; i >= 0; i -= 4)
		putc("0123456789abcdef"[(v >> i) & 0xf]);
}

void putdec(u32 v)
{
	char b[12];
	int i = 0;

	do {
		b[i++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (i)
		putc(b[--i]);
}

int test_nr, test_failed;
char why[160];
int why_len;

void note(const char *s)
{
	while (*s && why_len < (int)sizeof(why) - 1)
		why[why_len++] = *s++;
	why[why_len] = 0;
}

void note_hex(u32 v)
{
	char b[11] = "0x";
	int i;

	for (i = 0; i < 8; i++)
		b[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xf];
	b[10] = 0;
	note(b);
}

void report(int ok, const char *name)
{
	test_nr++;
	if (!ok)
		test_failed++;
	puts(ok ? "ok " : "not ok ");
	putdec(test_nr);
	puts(" - ");
	puts(name);
	putc('\n');
	if (!ok && why_len) {
		puts("# ");
		puts(why);
		putc('\n');
	}
	why_len = 0;
	why[0] = 0;
}

void skip(const char *name, const char *reason)
{
	test_nr++;
	puts("ok ");
	putdec(test_nr);
	puts(" - ");
	puts(name);
	puts(" # SKIP ");
	puts(reason);
	putc('\n');
}

void guest_exit(u32 code)
{
	asm volatile("outl %0, %1" : : "a"(code), "Nd"((u16)DEBUG_EXIT));
	for (;;)
		asm volatile("cli; hlt");
}

void finish(void)
{
	puts("1..");
	putdec(test_nr);
	putc('\n');
	guest_exit(test_failed ? 1 : 0);
}

void guest_exception(u32 *frame)
{
	puts("not ok ");
	putdec(++test_nr);
	puts(" - unexpected exception ");
	putdec(frame[0]);
	puts(" error ");
	puthex(frame[1]);
	puts(" at eip ");
	puthex(frame[2]);
	putc('\n');
	test_failed++;
	finish();
}

/**** Small helpers ****/

int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int strneq(const char *a, const char *b, int n)
{
	while (n && *a && *a == *b)
		a++, b++, n--;
	return n == 0 || *a == *b;
}

/**** Descriptor tables, paging, interrupts ****/


u64 make_desc(u32 base, u32 limit, u8 access, u8 flags)
{
	u32 lo = (limit & 0xffff) | (base & 0xffff) << 16;
	u32 hi = ((base >> 16) & 0xff) | (u32)access << 8 |
		 (limit & 0xf0000) | (u32)(flags & 0xf) << 20 |
		 (base & 0xff000000);

	return (u64)hi << 32 | lo;
}

u64 make_gate(void *fn, int dpl)
{
	u32 off = (u32)fn;

	return (u64)((off & 0xffff0000) | 0x8e00 | dpl << 13) << 32 |
	       (off & 0xffff) | 0x08 << 16;
}

void setup_cpu(void)
{
	int i;

	gdt[1] = make_desc(0, 0xfffff, 0x9a, 0xc);	/* 0x08 kernel code */
	gdt[2] = make_desc(0, 0xfffff, 0x92, 0xc);	/* 0x10 kernel data */
	gdt[3] = make_desc(0, 0xfffff, 0xfa, 0xc);	/* 0x18 user code */
	gdt[4] = make_desc(0, 0xfffff, 0xf2, 0xc);	/* 0x20 user data */
	gdtr.limit = sizeof(gdt) - 1;
	gdtr.base = (u32)gdt;
	asm volatile("lgdt %0" : : "m"(gdtr));
	load_segments();

	for (i = 0; i < 32; i++)
		idt[i] = make_gate((void *)exc_table[i], 0);
	idt[0x20] = make_gate(irq0_stub, 0);
	idt[0x80] = make_gate(int80_stub, 3);
	idt[LVTT_VECTOR] = make_gate(lvtt_stub, 0);
	idtr.limit = sizeof(idt) - 1;
	idtr.base = (u32)idt;
	asm volatile("lidt %0" : : "m"(idtr));

	/* PIC: vectors 0x20/0x28, only IRQ0; PIT channel 0 at ~1 kHz. */
	outb(0x20, 0x11); outb(0xa0, 0x11);
	outb(0x21, 0x20); outb(0xa1, 0x28);
	outb(0x21, 0x04); outb(0xa1, 0x02);
	outb(0x21, 0x01); outb(0xa1, 0x01);
	outb(0x21, 0xfe); outb(0xa1, 0xff);
	outb(0x43, 0x34);
	outb(0x40, 1193 & 0xff);
	outb(0x40, 1193 >> 8);

	/* Identity map 4 GiB with 4 MiB pages; TEST_VA points at PHYS_A. */
	for (i = 0; i < 1024; i++)
		pd[i] = (u32)i << 22 | PDE_FLAGS;
	pd[TEST_PDE] = PHYS_A | PDE_FLAGS;
	/* The APIC only at APIC_VA: no identity mapping of 0xFEC00000-. */
	pd[APIC_4M >> 22] = 0;
	pd[APIC_VA_4M >> 22] = APIC_4M | PDE_FLAGS | 0x18;	/* PCD, PWT */
	apic_eoi = APIC_VA + 0xb0;
	*(volatile u32 *)PHYS_A = 0xaaaa0001;
	*(volatile u32 *)PHYS_B = 0xbbbb0002;
	write_cr4(read_cr4() | 0x10);			/* PSE */
	write_cr3((u32)pd);
	write_cr0(read_cr0() | 0x80010000);		/* PG, WP */

	tss.esp0 = (u32)tss_stack_top;
	tss.ss0 = 0x10;
	tss.iomap = sizeof(tss);
	gdt[5] = make_desc((u32)&tss, sizeof(tss) - 1, 0x89, 0x0);
	asm volatile("ltr %w0" : : "r"(0x28));
	wrmsr(0x174, 0x08);				/* SYSENTER_CS */
}

u32 rom_sum(const u8 *p, u32 n)
{
	u8 s = 0;

	while (n--)
		s += *p++;
	return s;
}

const struct vmi_rom_header *scan_rom(void)
{
	u32 a;

	for (a = VMI_SCAN_START; a < VMI_SCAN_END; a += VMI_SCAN_STEP) {
		const struct vmi_rom_header *h = (const void *)a;

		if (h->rom_signature == VMI_ROM_SIGNATURE &&
		    h->vrom_signature == VMI_SIGNATURE)
			return h;
	}
	return NULL;
}


/* n / d without libgcc. */
u64 div64_32(u64 n, u32 d)
{
	u32 hi = n >> 32, lo = (u32)n, qh, ql, rem;

	qh = hi / d;
	rem = hi % d;
	asm("divl %4" : "=a"(ql), "=d"(rem) : "a"(lo), "d"(rem), "rm"(d));
	return (u64)qh << 32 | ql;
}


u32 apic_id_cpuid(void)
{
	u32 a, b, c, d;

	cpuid(1, &a, &b, &c, &d);
	return b >> 24;
}


const char *cmd_value(const char *cmd, const char *key)
{
	int n = 0;

	while (key[n])
		n++;
	while (cmd && *cmd) {
		while (*cmd == ' ')
			cmd++;
		if (strneq(cmd, key, n) && cmd[n] == '=')
			return cmd + n + 1;
		while (*cmd && *cmd != ' ')
			cmd++;
	}
	return NULL;
}


/* Spin for c TSC cycles with interrupts enabled. */
void wait_cycles(u64 c)
{
	u64 t0 = rdtsc();

	asm volatile("sti");
	while (rdtsc() - t0 < c)
		asm volatile("pause");
	asm volatile("cli");
}

/* Spin (interrupts on) until *cnt != start or c cycles pass. */
void wait_change(volatile u32 *cnt, u32 start, u64 c)
{
	u64 t0 = rdtsc();

	asm volatile("sti");
	while (*cnt == start && rdtsc() - t0 < c)
		asm volatile("pause");
	asm volatile("cli");
}


/*
 * TSC rate measured by the guest: PIT channel 2, full 16-bit count
 * (54.9 ms, not the ROM's 50 ms), both ends bracketed by TSC reads; the
 * try with the narrowest brackets of up to 8 (the host may deschedule
 * the vCPU inside one).
 */
u64 guest_tsc_hz(void)
{
	u8 p61 = inb(0x61);
	u64 ta, tb, tl, t, best = 0, best_w = ~0ull, w, est;
	int i;

	for (i = 0; i < 8; i++) {
		outb(0x61, (p61 & 0xfc) | 1);
		outb(0x43, 0xb0);
		outb(0x42, 0xff);
		ta = rdtsc();
		outb(0x42, 0xff);
		tb = tl = rdtsc();
		for (;;) {
			u8 v = inb(0x61);

			t = rdtsc();
			if (v & 0x20)
				break;
			tl = t;
		}
		w = (t - tl) + (tb - ta);
		est = t - ta - w / 2;
		if (w < best_w) {
			best_w = w;
			best = est;
		}
		if (w < est >> 10)
			break;
	}
	outb(0x61, p61);
	return div64_32(best * 1193182, 65535);
}



void check(int cond, const char *what)
{
	if (!cond) {
		note(what);
		note("; ");
	}
}
