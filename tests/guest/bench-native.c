// SPDX-License-Identifier: GPL-2.0
/*
 * bench-native: the guest half of `make bench-native` (the host half is
 * scripts/bench-native). It measures what PARAVIRT_XXL costs a kernel
 * with no backend, in guest instructions.
 *
 *   bench-native [--exit | NAME...]
 *
 * Owns the workloads and their windows: each workload runs once
 * unmeasured (warm-up), then OPS times in SLICES equal windows, each
 * between two RDTSC reads. The host
 * runs QEMU with -icount shift=0,sleep=off, where the TSC is the virtual
 * clock and advances by exactly one per guest instruction (user and
 * kernel, interrupts included). None of the workloads idles the one vCPU
 * (a sleep would let the clock jump), so a window's TSC delta is the
 * number of instructions it took. The console is drained before each
 * window so that no UART interrupt of ours lands in it.
 *
 * Why slices: kernel work that is not the workload's (a timer tick, a
 * kworker) lands in some windows and not others, and can only add
 * instructions. The host compares the median slice, which such a burst
 * does not move, beside the whole window and the quietest slice.
 *
 * Output, one line per workload, for the host to parse:
 *   bench-native: NAME ops=N insns=TOTAL slices=S1,S2,...
 * (Sk: the instructions of slice k, N / SLICES operations each)
 * then "bench-native: done failures=N"; the exit status is 1 if any
 * workload failed (a syscall error, a child that did not exit 0).
 * "--exit" returns at once: the program fork+exec runs. NAMEs select
 * workloads (all by default), e.g. for a profile of one of them.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define PAGE		4096UL
#define MIB		(1024UL * 1024)
#define FAULT_PAGES	1024
#define SLICES		10	/* divides every workload's ops */

static const char *self;
static int failures;

static inline unsigned long long rdtsc(void)
{
	unsigned int lo, hi;

	asm volatile("rdtsc" : "=a" (lo), "=d" (hi) : : "memory");
	return ((unsigned long long)hi << 32) | lo;
}

static int fail(const char *what)
{
	perror(what);
	return -1;
}

static int wait_child(pid_t pid)
{
	int status;

	if (pid < 0)
		return fail("fork");
	if (waitpid(pid, &status, 0) != pid)
		return fail("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench-native: child status %#x\n", status);
		return -1;
	}
	return 0;
}

/*
 * A million iterations of a user-mode loop: what the kernel does while a
 * program computes (timer ticks and the work they start) per operation.
 */
static int user_loop(void)
{
	volatile unsigned int n;

	for (n = 0; n < 1000000; n++)
		;
	return 0;
}

static int null_syscall(void)
{
	return syscall(SYS_getppid) > 0 ? 0 : fail("getppid");
}

static int fork_exit(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	return wait_child(pid);
}

static int fork_exec(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl(self, self, "--exit", (char *)NULL);
		_exit(127);
	}
	return wait_child(pid);
}

static int mmap_16m(void)
{
	void *p = mmap(NULL, 16 * MIB, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		return fail("mmap");
	return munmap(p, 16 * MIB) ? fail("munmap") : 0;
}

/* FAULT_PAGES write faults on fresh anonymous memory, then the unmap. */
static int page_faults(void)
{
	volatile char *p = mmap(NULL, FAULT_PAGES * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long i;

	if (p == MAP_FAILED)
		return fail("mmap");
	for (i = 0; i < FAULT_PAGES; i++)
		p[i * PAGE] = 1;
	return munmap((void *)p, FAULT_PAGES * PAGE) ? fail("munmap") : 0;
}

static int ping[2], pong[2];

static int pipe_round_trip(void)
{
	char c = 'x';

	if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
		return fail("pipe");
	return 0;
}

static pid_t start_echo(void)
{
	pid_t pid;
	char c;

	if (pipe(ping) || pipe(pong)) {
		fail("pipe");
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		close(ping[1]);
		close(pong[0]);
		while (read(ping[0], &c, 1) == 1)
			if (write(pong[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(ping[0]);
	close(pong[1]);
	return pid;
}

struct workload {
	const char *name;
	int (*run)(void);
	unsigned int ops;
	unsigned int per_op;	/* events per op the table divides by */
};

static const struct workload workloads[] = {
	{ "user-loop", user_loop, 20, 1 },
	{ "null-syscall", null_syscall, 20000, 1 },
	{ "fork-exit", fork_exit, 200, 1 },
	{ "fork-exec", fork_exec, 100, 1 },
	{ "mmap-munmap-16m", mmap_16m, 20, 1 },
	{ "page-fault", page_faults, 20, FAULT_PAGES },
	{ "pipe-pingpong", pipe_round_trip, 5000, 1 },
};

static void measure(const struct workload *w)
{
	unsigned long long t0, t1, total = 0, slices[SLICES];
	unsigned int i, slice;

	if (w->ops % SLICES) {
		fprintf(stderr, "bench-native: %s: %u ops is not %u slices\n",
			w->name, w->ops, SLICES);
		failures++;
		return;
	}
	if (w->run()) {
		failures++;
		return;
	}
	tcdrain(STDOUT_FILENO);	/* fails harmlessly if not a tty */
	for (slice = 0; slice < SLICES; slice++) {
		t0 = rdtsc();
		for (i = 0; i < w->ops / SLICES; i++) {
			if (w->run()) {
				failures++;
				return;
			}
		}
		t1 = rdtsc();
		slices[slice] = t1 - t0;
		total += t1 - t0;
	}
	printf("bench-native: %s ops=%u insns=%llu slices=", w->name,
	       w->ops * w->per_op, total);
	for (slice = 0; slice < SLICES; slice++)
		printf("%s%llu", slice ? "," : "", slices[slice]);
	printf("\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	pid_t echo = -1;
	unsigned int i;

	if (argc > 1 && !strcmp(argv[1], "--exit"))
		return 0;
	self = argv[0][0] == '/' ? argv[0] : "/bin/bench-native";

	for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		const struct workload *w = &workloads[i];
		int j, wanted = argc == 1;

		for (j = 1; j < argc; j++)
			wanted |= !strcmp(argv[j], w->name);
		if (!wanted)
			continue;

		if (w->run == pipe_round_trip) {
			echo = start_echo();
			if (echo < 0) {
				failures++;
				continue;
			}
		}
		measure(w);
		if (w->run == pipe_round_trip) {
			close(ping[1]);
			close(pong[0]);
			if (wait_child(echo))
				failures++;
		}
	}
	printf("bench-native: done failures=%d\n", failures);
	return failures ? 1 : 0;
}
