/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the two freestanding ROM test programs share (lib.c and boot.S):
 * guest.c, the project ROM's own test guest, and conform.c, the VMI 3.0
 * conformance suite any ROM can be run against. Serial output with TAP,
 * the CPU's tables, 4 MiB identity paging, the ROM scan, small helpers.
 */
#ifndef VMI_TEST_GUEST_LIB_H
#define VMI_TEST_GUEST_LIB_H

#include <stddef.h>
#include <vmi/abi.h>
#include "portio.h"

#define COM1		0x3f8
#define DEBUG_EXIT	0xf4

struct vregs {
	u32 eax, edx, ecx, ebx, esi, edi, ebp, eflags, esp, esp_expected;
};

extern void load_segments(void);
extern void vmi_invoke(u32 fn, struct vregs *io, u32 s1, u32 s2);
extern int call_iret(u32 fn, u32 eflags, struct vregs *io);
extern int call_sysexit(u32 fn);
extern int call_iret_user(u32 fn, u32 eflags);
extern int call_iret_bad(u32 fn, u32 cs, u32 ss);
extern char iret_call_site[];
extern u32 xfer_call, fault_vec, fault_err, fault_eip, fault_cs, fault_esp;
extern u32 iret_frame_at;
extern const u32 exc_table[32];
extern char irq0_stub[], int81_stub[], int80_stub[], lvtt_stub[];
extern char tss_stack_top[];
extern u32 user_eax, user_cs, user_eflags, user_ss;
extern char ap_entry[], ap_stack_top[];
extern volatile u32 ap_ebx, ap_esi, ap_edi, ap_esp, ap_cr3, ap_cs, ap_ss, ap_fs;
extern volatile u32 ap_eflags, ap_count, ap_call_fn, ap_call_arg;
extern volatile u8 ap_gdtr[8], ap_idtr[8];

extern volatile u32 ticks;
extern volatile u32 int81_count;
extern volatile u64 irq0_tsc;
extern volatile u32 lvtt_count;
extern volatile u64 lvtt_tsc;
extern u32 apic_eoi;


#define TEST_VA		0xe0000000u
#define TEST_PDE	(TEST_VA >> 22)
#define PHYS_A		0x00400000u
#define PHYS_B		0x00800000u
#define PDE_FLAGS	0x87u		/* present, writable, user, 4 MiB */
#define PDE_GLOBAL	0x100u
#define APIC_PHYS	0xfee00000u
#define APIC_4M		0xfec00000u
#define APIC_VA_4M	0xd0000000u	/* 4 MiB page holding the APIC */
#define APIC_VA		(APIC_VA_4M + (APIC_PHYS - APIC_4M))
#define LVTT_VECTOR	0x40


struct pseudo_desc {
	u16 limit;
	u32 base;
} __packed;

extern u64 gdt[16], idt[256], ldt[4];
extern u32 pd[1024];
extern struct pseudo_desc gdtr, idtr;

struct tss {
	u32 link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	u32 eax, ecx, edx, ebx, esp, ebp, esi, edi;
	u32 es, cs, ss, ds, fs, gs, ldt;
	u16 trap, iomap;
} __packed;
extern struct tss tss;


static inline u32 read_cr0(void) { u32 v; asm volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline u32 read_cr3(void) { u32 v; asm volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline u32 read_cr4(void) { u32 v; asm volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr0(u32 v) { asm volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static inline void write_cr3(u32 v) { asm volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline void write_cr4(u32 v) { asm volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }
static inline u32 read_flags(void) { u32 v; asm volatile("pushf; pop %0" : "=r"(v)); return v; }

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

static inline void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
		     : "a"(leaf), "c"(0));
}

static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}


/* What a multiboot loader hands over. */
struct mb_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline;
	u32 mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
} __packed;

/* Output and TAP (lib.c). "why" collects the reasons of a failing test. */
void putc(char c);
void puts(const char *s);
void puthex(u32 v);
void putdec(u32 v);
extern int test_nr, test_failed;
extern char why[160];
extern int why_len;
void note(const char *s);
void note_hex(u32 v);
void report(int ok, const char *name);
void skip(const char *name, const char *reason);
void finish(void) __attribute__((noreturn));
void guest_exit(u32 code) __attribute__((noreturn));
void guest_exception(u32 *frame);

/* Records the text of a failed condition; T() also clears the local ok. */
void check(int cond, const char *what);
#define T(cond) do { check((cond), #cond); ok &= !!(cond); } while (0)

int streq(const char *a, const char *b);
int strneq(const char *a, const char *b, int n);
const char *cmd_value(const char *cmd, const char *key);

/* Descriptor tables, the PIC and PIT, the TSS; 4 MiB identity paging. */
u64 make_desc(u32 base, u32 limit, u8 access, u8 flags);
u64 make_gate(void *fn, int dpl);
void setup_cpu(void);

u32 rom_sum(const u8 *p, u32 n);
const struct vmi_rom_header *scan_rom(void);
u64 div64_32(u64 n, u32 d);
u32 apic_id_cpuid(void);
void wait_cycles(u64 c);
void wait_change(volatile u32 *cnt, u32 start, u64 c);
u64 guest_tsc_hz(void);

#endif /* VMI_TEST_GUEST_LIB_H */
