// SPDX-License-Identifier: GPL-2.0
/*
 * vmi_mm_stress: fork, exec, mmap, mprotect, mremap and munmap, in bounded
 * loops, with every byte that a page-table update could lose checked.
 *
 *   vmi_mm_stress [--iterations N] [--thp]      (default 8)
 *
 * --thp adds a test on a transparent huge page (fork, COW, mprotect),
 * which fails if the kernel gives the mapping no huge page.
 * Each test fills its mappings with a pattern derived from a seed and the
 * word's offset, changes the page tables under it (fork and COW, partial
 * munmap, mprotect, mremap, exec), and verifies the pattern afterwards;
 * accesses that must fault are probed under a SIGSEGV handler and must
 * fault at the probed address. A VMI kernel that drops, reorders or
 * delays a PTE update shows up here as a wrong word or a missing fault.
 * Output is kselftest TAP; the exit status is non-zero on any failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/types.h>

#include "../kselftest.h"

#define PAGE		4096UL

#define HPAGE		(2UL << 20)	/* a PAE huge page */

static int iterations = 8;
static int want_thp;

/* The value of word @i of a region filled with @seed. */
static inline __u32 pattern(__u32 seed, size_t i)
{
	__u32 x = seed ^ (__u32)(i * 0x9e3779b1u);

	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	x ^= x >> 12;
	return x;
}

static void fill(void *p, size_t len, __u32 seed)
{
	__u32 *w = p;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++)
		w[i] = pattern(seed, i);
}

/*
 * Number of wrong words in @len bytes at @p, which hold words @first.. of
 * a region filled with @seed; the first wrong word is reported.
 */
static size_t check_from(const void *p, size_t len, __u32 seed,
			 size_t first, const char *what)
{
	const __u32 *w = p;
	size_t i, bad = 0;

	for (i = 0; i < len / sizeof(*w); i++) {
		if (w[i] == pattern(seed, first + i))
			continue;
		if (!bad++)
			ksft_print_msg("%s: word %zu at %p is %#x, want %#x\n",
				       what, first + i, (void *)&w[i], w[i],
				       pattern(seed, first + i));
	}
	return bad;
}

static size_t check(const void *p, size_t len, __u32 seed, const char *what)
{
	return check_from(p, len, seed, 0, what);
}

static void *map(size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		ksft_perror("mmap");
		return NULL;
	}
	return p;
}

/* --- fault probes ------------------------------------------------------ */

static sigjmp_buf probe_env;
static void *fault_addr;

static void segv_handler(int sig, siginfo_t *si, void *uc)
{
	__atomic_store_n(&fault_addr, si->si_addr, __ATOMIC_RELAXED);
	siglongjmp(probe_env, 1);
}

/* One access the compiler cannot drop: a read, or a write of the same value. */
static void access_word(__u32 *p, int write)
{
	if (write)
		asm volatile("addl $0, %0" : "+m" (*p) : : "cc");
	else
		asm volatile("cmpl $0, %0" : : "m" (*p) : "cc");
}

/*
 * Access @p (a write if @write); returns 1 if it faulted at @p, 0 if it
 * did not fault, -1 if it faulted somewhere else.
 */
static int faults(__u32 *p, int write)
{
	__atomic_store_n(&fault_addr, NULL, __ATOMIC_RELAXED);
	if (sigsetjmp(probe_env, 1))
		return __atomic_load_n(&fault_addr, __ATOMIC_RELAXED) == p ? 1 : -1;
	access_word(p, write);
	return 0;
}

/* --- tests ------------------------------------------------------------- */

/* Mappings of many sizes: fill, verify, unmap; nothing may leak between. */
static void test_mmap_cycles(void)
{
	static const size_t pages[] = { 1, 2, 3, 16, 255, 256, 1024, 2048 };
	size_t bad = 0, n = 0;
	int it, i, ok = 1;

	for (it = 0; it < iterations; it++) {
		for (i = 0; i < (int)ARRAY_SIZE(pages); i++) {
			size_t len = pages[i] * PAGE;
			__u32 seed = it * 131 + i;
			__u32 *p = map(len, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);

			if (!p) {
				ok = 0;
				continue;
			}
			/* Fresh anonymous memory is zero. */
			if (p[0] || p[len / 4 - 1]) {
				ksft_print_msg("fresh mapping not zero\n");
				bad++;
			}
			fill(p, len, seed);
			bad += check(p, len, seed, "mmap cycle");
			if (munmap(p, len)) {
				ksft_perror("munmap");
				ok = 0;
			}
			n++;
		}
	}
	ksft_test_result(ok && !bad, "mmap/fill/verify/munmap: %zu mappings, %zu bad words\n",
			 n, bad);
}

/* Punch holes: the hole faults, its neighbours keep their data. */
static void test_partial_munmap(void)
{
	size_t len = 64 * PAGE, bad = 0;
	int it, ok = 1;

	for (it = 0; it < iterations; it++) {
		__u32 seed = 0x1000 + it;
		char *p = map(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		size_t hole = (1 + it % 60) * PAGE, hole_len = 3 * PAGE;

		if (!p) {
			ok = 0;
			break;
		}
		fill(p, len, seed);
		if (munmap(p + hole, hole_len)) {
			ksft_perror("munmap (hole)");
			ok = 0;
		}
		bad += check(p, hole, seed, "below hole");
		bad += check_from(p + hole + hole_len, len - hole - hole_len,
				  seed, (hole + hole_len) / 4, "above hole");
		if (faults((__u32 *)(p + hole), 0) != 1 ||
		    faults((__u32 *)(p + hole + hole_len - 4), 0) != 1) {
			ksft_print_msg("hole at +%#zx does not fault\n", hole);
			ok = 0;
		}
		munmap(p, hole);
		munmap(p + hole + hole_len, len - hole - hole_len);
	}
	ksft_test_result(ok && !bad, "partial munmap: holes fault, %zu bad words around them\n",
			 bad);
}

/* mprotect sweeps: read-only pages refuse writes, PROT_NONE refuses reads. */
static void test_mprotect(void)
{
	size_t len = 256 * PAGE, chunk = 16 * PAGE, off, bad = 0;
	int it, ok = 1, wrong = 0;
	char *p = map(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	if (!p) {
		ksft_test_result_fail("mprotect sweep: no mapping\n");
		return;
	}
	for (it = 0; it < iterations && ok; it++) {
		__u32 seed = 0x2000 + it;

		fill(p, len, seed);
		for (off = 0; off < len; off += chunk) {
			if (mprotect(p + off, chunk, PROT_READ)) {
				ksft_perror("mprotect RO");
				ok = 0;
				break;
			}
			wrong += faults((__u32 *)(p + off), 1) != 1;
			wrong += faults((__u32 *)(p + off + chunk - 4), 1) != 1;
			wrong += faults((__u32 *)(p + off + chunk / 2), 0) != 0;
		}
		bad += check(p, len, seed, "read-only");
		for (off = 0; off < len; off += 2 * chunk) {
			if (mprotect(p + off, chunk, PROT_NONE)) {
				ksft_perror("mprotect NONE");
				ok = 0;
			}
			wrong += faults((__u32 *)(p + off + PAGE), 0) != 1;
		}
		if (mprotect(p, len, PROT_READ | PROT_WRITE)) {
			ksft_perror("mprotect RW");
			ok = 0;
		}
		bad += check(p, len, seed, "after PROT_NONE");
		for (off = 0; off < len; off += chunk)
			wrong += faults((__u32 *)(p + off + 8), 1) != 0;
	}
	munmap(p, len);
	ksft_test_result(ok && !bad && !wrong,
			 "mprotect sweep: %d wrong fault outcomes, %zu bad words\n",
			 wrong, bad);
}

/* fork: the child sees the parent's data, COW keeps both copies apart. */
static void test_fork_cow(void)
{
	size_t len = 512 * PAGE, bad = 0;
	int it, ok = 1;
	char *p = map(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	if (!p) {
		ksft_test_result_fail("fork COW: no mapping\n");
		return;
	}
	for (it = 0; it < iterations; it++) {
		__u32 seed = 0x3000 + it;
		int status;
		pid_t pid;

		fill(p, len, seed);
		pid = fork();
		if (pid < 0) {
			ksft_perror("fork");
			ok = 0;
			break;
		}
		if (pid == 0) {
			size_t cbad = check(p, len, seed, "child before write");
			pid_t gc;

			fill(p, len / 2, seed + 1);	/* break COW for half */
			cbad += check(p, len / 2, seed + 1, "child after write");
			/* A grandchild inherits the child's mixed view. */
			gc = fork();
			if (gc == 0) {
				size_t g = check(p, len / 2, seed + 1, "grandchild");

				fill(p, len, seed + 2);
				_exit(g ? 1 : 0);
			}
			if (gc < 0 || waitpid(gc, &status, 0) != gc ||
			    !WIFEXITED(status) || WEXITSTATUS(status))
				cbad++;
			cbad += check(p, len / 2, seed + 1, "child after grandchild");
			_exit(cbad ? 1 : 0);
		}
		/* Parent writes the other half while the child runs. */
		fill(p + len / 2, len / 2, seed + 3);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			ksft_print_msg("child %d: status %#x\n", it, status);
			ok = 0;
		}
		bad += check(p, len / 2, seed, "parent, first half");
		bad += check(p + len / 2, len / 2, seed + 3, "parent, second half");
	}
	munmap(p, len);
	ksft_test_result(ok && !bad, "fork + COW (child, grandchild): %zu bad words\n", bad);
}

/* MAP_SHARED anonymous memory is one copy across fork. */
static void test_shared(void)
{
	size_t len = 64 * PAGE, bad = 0;
	int it, ok = 1, status;
	char *p = map(len, PROT_READ | PROT_WRITE, MAP_SHARED);

	if (!p) {
		ksft_test_result_fail("MAP_SHARED across fork: no mapping\n");
		return;
	}
	for (it = 0; it < iterations; it++) {
		__u32 seed = 0x4000 + it;
		pid_t pid = fork();

		if (pid == 0) {
			fill(p, len, seed);
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			ok = 0;
			break;
		}
		bad += check(p, len, seed, "shared, written by child");
	}
	munmap(p, len);
	ksft_test_result(ok && !bad, "MAP_SHARED across fork: %zu bad words\n", bad);
}

/* A child's munmap and mprotect leave the parent's mapping alone. */
static void test_child_unmap(void)
{
	size_t len = 128 * PAGE, bad = 0;
	int it, ok = 1, status;
	char *p = map(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	if (!p) {
		ksft_test_result_fail("child munmap: no mapping\n");
		return;
	}
	for (it = 0; it < iterations; it++) {
		__u32 seed = 0x5000 + it;
		pid_t pid;

		fill(p, len, seed);
		pid = fork();
		if (pid == 0) {
			int r = munmap(p, len / 2);

			r |= mprotect(p + len / 2, len / 2, PROT_NONE);
			r |= faults((__u32 *)p, 0) != 1;
			r |= faults((__u32 *)(p + len - 4), 0) != 1;
			_exit(r ? 1 : 0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			ok = 0;
		bad += check(p, len, seed, "parent after child munmap");
		ok &= faults((__u32 *)(p + len - 4), 1) == 0;
	}
	munmap(p, len);
	ksft_test_result(ok && !bad, "child munmap/mprotect: parent intact, %zu bad words\n",
			 bad);
}

/* mremap grows and moves: the page tables move, the data stays. */
static void test_mremap(void)
{
	size_t len = 32 * PAGE, bad = 0;
	int it, ok = 1;

	for (it = 0; it < iterations && ok; it++) {
		__u32 seed = 0x6000 + it;
		char *p = map(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		char *q, *block;

		if (!p)
			break;
		fill(p, len, seed);
		/* Block the space after it, so the grow has to move. */
		block = mmap(p + len, PAGE, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		q = mremap(p, len, 8 * len, MREMAP_MAYMOVE);
		if (q == MAP_FAILED) {
			ksft_perror("mremap");
			ok = 0;
			break;
		}
		bad += check(q, len, seed, "after mremap");
		ok &= faults((__u32 *)(q + 8 * len - 4), 1) == 0;
		if (q != p)
			ok &= faults((__u32 *)p, 0) == 1 || block == MAP_FAILED;
		munmap(q, 8 * len);
		if (block != MAP_FAILED)
			munmap(block, PAGE);
	}
	ksft_test_result(ok && !bad, "mremap grow and move: %zu bad words\n", bad);
}

/* AnonHugePages of this process, in KiB; -1 if it cannot be read. */
static long anon_huge_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *f = fopen("/proc/self/smaps_rollup", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/*
 * A huge pmd through fork (the parent's pmd write-protected in place),
 * COW in the child, mprotect (the pmd invalidated and rewritten) and
 * munmap: the in-place pmd changes a pmd_update hook must announce.
 */
static void test_thp_fork(void)
{
	size_t bad = 0;
	int it, ok = 1, status;
	long huge;
	char *raw = map(2 * HPAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	char *p;

	if (!raw) {
		ksft_test_result_fail("THP fork: no mapping\n");
		return;
	}
	p = (char *)(((unsigned long)raw + HPAGE - 1) & ~(HPAGE - 1));
	if (madvise(p, HPAGE, MADV_HUGEPAGE))
		ksft_perror("madvise(MADV_HUGEPAGE)");
	fill(p, HPAGE, 0x9000);
	huge = anon_huge_kib();
	if (huge < (long)(HPAGE >> 10)) {
		munmap(raw, 2 * HPAGE);
		ksft_test_result_fail("THP fork: no huge page (AnonHugePages %ld kB)\n",
				      huge);
		return;
	}
	for (it = 0; it < iterations; it++) {
		__u32 seed = 0x9100 + it;
		pid_t pid;

		fill(p, HPAGE, seed);
		pid = fork();
		if (pid < 0) {
			ksft_perror("fork");
			ok = 0;
			break;
		}
		if (pid == 0) {
			size_t cbad = check(p, HPAGE, seed, "THP child before write");

			fill(p, HPAGE, seed + 1);
			cbad += check(p, HPAGE, seed + 1, "THP child after write");
			_exit(cbad ? 1 : 0);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			ksft_print_msg("THP child %d: status %#x\n", it, status);
			ok = 0;
		}
		bad += check(p, HPAGE, seed, "THP parent after the child");
		/* Read-only, then writable again: the pmd is rewritten twice. */
		if (mprotect(p, HPAGE, PROT_READ) ||
		    faults((__u32 *)p, 1) != 1 ||
		    mprotect(p, HPAGE, PROT_READ | PROT_WRITE)) {
			ksft_print_msg("THP mprotect %d: no write fault\n", it);
			ok = 0;
		}
		bad += check(p, HPAGE, seed, "THP parent after mprotect");
	}
	munmap(raw, 2 * HPAGE);
	ksft_test_result(ok && !bad,
			 "THP fork + COW + mprotect (%ld kB huge): %zu bad words\n",
			 huge, bad);
}

/* fork + exec: the new image starts clean and its own mappings work. */
static int exec_child(__u32 seed)
{
	size_t len = 64 * PAGE;
	char *p = map(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	if (!p)
		return 2;
	fill(p, len, seed);
	return check(p, len, seed, "exec'd child") ? 3 : 0;
}

static void test_fork_exec(void)
{
	int it, ok = 1, status;
	char seed[16];

	for (it = 0; it < iterations * 4; it++) {
		pid_t pid;

		snprintf(seed, sizeof(seed), "%u", 0x7000 + it);
		pid = fork();
		if (pid == 0) {
			execl("/proc/self/exe", "vmi_mm_stress", "--exec-child",
			      seed, NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			ksft_print_msg("exec child %d: status %#x\n", it, status);
			ok = 0;
			break;
		}
	}
	ksft_test_result(ok, "fork + exec + verify in the new image: %d runs\n", it);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_sigaction = segv_handler,
				.sa_flags = SA_SIGINFO | SA_NODEFER };
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--exec-child") && i + 1 < argc)
			return exec_child(strtoul(argv[i + 1], NULL, 0));
		else if (!strcmp(argv[i], "--iterations") && i + 1 < argc)
			iterations = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--thp"))
			want_thp = 1;
		else
			ksft_exit_fail_msg("usage: %s [--iterations N] [--thp]\n",
					   argv[0]);
	}
	if (iterations < 1)
		ksft_exit_fail_msg("--iterations must be at least 1\n");

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);

	ksft_print_header();
	ksft_set_plan(8 + want_thp);
	test_mmap_cycles();
	test_partial_munmap();
	test_mprotect();
	test_fork_cow();
	test_shared();
	test_child_unmap();
	test_mremap();
	test_fork_exec();
	if (want_thp)
		test_thp_fork();
	ksft_finished();
}
