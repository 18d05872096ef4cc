// SPDX-License-Identifier: GPL-2.0
/*
 * vmi_ring: what a user program sees of the kernel's privilege level.
 *
 *   vmi_ring --expect-cpl 0|1
 *
 * The kernel names its CPL in /sys/kernel/debug/vmi/identity (kernel_cpl,
 * 0, or 1 behind a VMI ROM's ring-0 monitor; no file: native, CPL 0); it
 * must be the one expected.
 * Whatever the CPL, an INT to a vector the kernel has not opened to user
 * mode must give SIGSEGV, as the CPU's #GP does natively: one that pushes
 * an error code (14, the page fault's) and a device vector (0x20). At CPL 1
 * vm86 must be refused with EPERM (only an iret at CPL 0 enters
 * virtual-8086 mode); at CPL 0 it is not tried.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "../kselftest.h"

static sigjmp_buf back;

/* The signal number comes back as sigsetjmp()'s value. */
static void on_signal(int sig)
{
	siglongjmp(back, sig);
}

static int read_kernel_cpl(void)
{
	char buf[2048];
	FILE *f = fopen("/sys/kernel/debug/vmi/identity", "r");
	size_t n;
	char *p;

	if (!f)		/* no VMI ROM bound: the kernel runs natively */
		return errno == ENOENT ? 0 : -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strstr(buf, "kernel_cpl: ");
	return p ? atoi(p + 12) : -1;
}

/* The signal an INT to @vector brings (0: none). */
#define INT_SIGNAL(vector) ({						\
	int __sig = sigsetjmp(back, 1);					\
									\
	if (!__sig)							\
		asm volatile("int $" #vector ::: "memory");		\
	__sig; })

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int want, cpl, sig14, sig32;
	long ret;

	if (argc != 3 || strcmp(argv[1], "--expect-cpl"))
		ksft_exit_fail_msg("usage: %s --expect-cpl 0|1\n", argv[0]);
	want = atoi(argv[2]);

	ksft_print_header();
	ksft_set_plan(3);
	cpl = read_kernel_cpl();
	ksft_test_result(cpl == want, "kernel CPL %d (expected %d)\n", cpl, want);

	sigaction(SIGSEGV, &sa, NULL);
	sig14 = INT_SIGNAL(0x0e);
	sig32 = INT_SIGNAL(0x20);
	ksft_test_result(sig14 == SIGSEGV && sig32 == SIGSEGV,
			 "INT 0x0e and INT 0x20 from user mode: SIGSEGV (%d, %d)\n",
			 sig14, sig32);

	if (cpl != 1) {
		ksft_test_result_skip("vm86 refused (not tried at CPL %d)\n", cpl);
	} else {
		static char v86[512];	/* struct vm86_struct and then some */

		errno = 0;
		ret = syscall(SYS_vm86old, v86);
		ksft_test_result(ret == -1 && errno == EPERM,
				 "vm86 at CPL 1: refused (%ld, %s)\n", ret,
				 strerror(errno));
	}
	ksft_finished();
}
