// SPDX-License-Identifier: GPL-2.0
/*
 * vmi_sysenter: a system call through the vDSO (SYSENTER, back with
 * SYSEXIT where the kernel can) must return with the caller's arithmetic
 * flags, whatever they were, as the kernel's own exit path restores them.
 *
 *   vmi_sysenter [--iterations N]
 *
 * Each flag pattern (all six arithmetic flags set, all clear, and each one
 * alone) goes into EFLAGS with popf right before the call to
 * __kernel_vsyscall and is read back with pushf right after it. Under a
 * VMI ROM the return runs through the ROM's SYSEXIT (or IRET) call, whose
 * own work must not leak into the user's flags. Runs natively as well.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "../kselftest.h"

#define X86_EFLAGS_CF	0x0001UL
#define X86_EFLAGS_PF	0x0004UL
#define X86_EFLAGS_AF	0x0010UL
#define X86_EFLAGS_ZF	0x0040UL
#define X86_EFLAGS_SF	0x0080UL
#define X86_EFLAGS_OF	0x0800UL
#define X86_EFLAGS_FIXED	0x0002UL
#define ARITH_FLAGS	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF)
#define NR_GETPPID	64

/* One getppid() through @vsyscall with EFLAGS = @flags; returns EFLAGS after. */
static unsigned long flags_across_vsyscall(void *vsyscall, unsigned long flags)
{
	unsigned long nr = NR_GETPPID;

	asm volatile("push %%ebx\n\t"
		     "push %[flags]\n\t"
		     "popf\n\t"
		     "call *%[entry]\n\t"
		     "pushf\n\t"
		     "pop %[flags]\n\t"
		     "pop %%ebx"
		     : [flags] "+S" (flags), "+a" (nr)
		     : [entry] "D" (vsyscall)
		     : "ecx", "edx", "memory", "cc");
	return flags;
}

static const struct {
	const char *name;
	unsigned long flags;
} patterns[] = {
	{ "all arithmetic flags set", ARITH_FLAGS },
	{ "all arithmetic flags clear", 0 },
	{ "CF", X86_EFLAGS_CF },
	{ "PF", X86_EFLAGS_PF },
	{ "AF", X86_EFLAGS_AF },
	{ "ZF", X86_EFLAGS_ZF },
	{ "SF", X86_EFLAGS_SF },
	{ "OF", X86_EFLAGS_OF },
};

int main(int argc, char **argv)
{
	unsigned long iterations = 2000, i;
	void *vsyscall = (void *)getauxval(AT_SYSINFO);
	unsigned int p;

	if (argc == 3 && !strcmp(argv[1], "--iterations"))
		iterations = strtoul(argv[2], NULL, 0);
	else if (argc != 1)
		ksft_exit_fail_msg("usage: %s [--iterations N]\n", argv[0]);

	ksft_print_header();
	ksft_set_plan(1 + ARRAY_SIZE(patterns));
	ksft_test_result(!!vsyscall, "vDSO entry point (AT_SYSINFO) %p\n",
			 vsyscall);
	if (!vsyscall)
		ksft_exit_fail_msg("no AT_SYSINFO: cannot enter through the vDSO\n");

	for (p = 0; p < ARRAY_SIZE(patterns); p++) {
		unsigned long want = patterns[p].flags, got = 0, bad = 0;

		for (i = 0; i < iterations; i++) {
			got = flags_across_vsyscall(vsyscall,
						    want | X86_EFLAGS_FIXED);
			if ((got & ARITH_FLAGS) != want)
				bad++;
		}
		ksft_test_result(!bad,
				 "%s kept across %lu syscalls (%lu changed, last %#lx)\n",
				 patterns[p].name, iterations, bad,
				 got & ARITH_FLAGS);
	}
	ksft_finished();
}
