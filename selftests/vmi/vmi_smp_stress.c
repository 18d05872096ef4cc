// SPDX-License-Identifier: GPL-2.0
/*
 * vmi_smp_stress: page-table updates from several CPUs at once, for a
 * bounded time, with every mapping's contents checked.
 *
 *   vmi_smp_stress [--seconds N] [--threads T] [--seed S]   (default 10 s)
 *
 * T threads (default: 2 per online CPU, at least 4) run until the
 * deadline, each picking operations at random:
 *   - on its own regions: mmap and fill, verify, munmap, trim the tail,
 *     mremap (grow, maybe move), mprotect read-only and back, MADV_DONTNEED
 *     and refill, and fork (the child verifies and rewrites its copy, the
 *     parent checks that COW kept its own);
 *   - on shared slots, under a rwlock: a writer replaces a slot's pages
 *     in place (MAP_FIXED over the same address, new data) or makes it
 *     read-only; readers on other CPUs verify the data and probe that a
 *     read-only slot refuses writes. A stale TLB entry on any CPU shows
 *     up as old data or as a write that does not fault.
 * Every region holds a pattern derived from a seed and the word's offset,
 * so verification is a checksum of every word. TAP results: checksum
 * errors (must be 0), syscall failures (0), stale-permission probes (0),
 * fork children verified, every operation kind exercised, and the CPUs
 * the threads ran on (all online CPUs). Exit status non-zero on failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>

#include "../kselftest.h"

#define PAGE		4096UL
#define REGIONS		8	/* private regions per thread */
#define MAX_PAGES	64	/* per private region */
#define SLOTS		4	/* shared slots */
#define SLOT_PAGES	16
#define MAX_THREADS	64
#define MAX_CPUS	64

enum op {
	OP_MAP, OP_VERIFY, OP_UNMAP, OP_TRIM, OP_MREMAP, OP_MPROTECT,
	OP_DONTNEED, OP_FORK, OP_SLOT_REPLACE, OP_SLOT_RO, OP_SLOT_READ,
	OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"map", "verify", "unmap", "trim", "mremap", "mprotect", "dontneed",
	"fork", "slot-replace", "slot-ro", "slot-read",
};

struct region {
	char *addr;		/* NULL: free */
	size_t pages;
	__u32 seed;
};

struct slot {
	pthread_rwlock_t lock;
	char *addr;
	__u32 seed;
	int ro;
};

struct thread {
	pthread_t id;
	int index;
	__u32 rng;
	struct region region[REGIONS];
	unsigned long ops[OP_COUNT];
	unsigned long bad_words, bad_regions, sys_errors, stale_probes;
	unsigned long forks_ok, forks_bad;
	__u64 cpus;		/* bit per CPU seen */
};

static struct thread threads[MAX_THREADS];
static struct slot slots[SLOTS];
static int nthreads;
static struct timespec deadline;

/* --- data ---------------------------------------------------------------- */

static inline __u32 pattern(__u32 seed, size_t i)
{
	__u32 x = seed ^ (__u32)(i * 0x9e3779b1u);

	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	x ^= x >> 12;
	return x;
}

static void fill(char *p, size_t pages, __u32 seed)
{
	__u32 *w = (__u32 *)p;
	size_t i;

	for (i = 0; i < pages * PAGE / 4; i++)
		w[i] = pattern(seed, i);
}

static size_t bad_words(const char *p, size_t pages, __u32 seed)
{
	const __u32 *w = (const __u32 *)p;
	size_t i, bad = 0;

	for (i = 0; i < pages * PAGE / 4; i++)
		bad += w[i] != pattern(seed, i);
	return bad;
}

static __u32 rnd(struct thread *t)
{
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 17;
	t->rng ^= t->rng << 5;
	return t->rng;
}

static void verify(struct thread *t, const char *p, size_t pages,
		   __u32 seed, const char *what)
{
	size_t bad = bad_words(p, pages, seed);

	if (!bad)
		return;
	t->bad_words += bad;
	/* Report the first few; fprintf is fine, it only takes the FILE lock. */
	if (t->bad_regions++ < 3)
		ksft_print_msg("thread %d: %s at %p (%zu pages): %zu bad words\n",
			       t->index, what, p, pages, bad);
}

static char *map_anon(struct thread *t, void *hint, size_t len, int fixed)
{
	char *p = mmap(hint, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | (fixed ? MAP_FIXED : 0),
		       -1, 0);

	if (p == MAP_FAILED) {
		t->sys_errors++;
		return NULL;
	}
	return p;
}

static void sys_check(struct thread *t, int ret, const char *what)
{
	if (!ret)
		return;
	if (t->sys_errors++ < 3)
		ksft_print_msg("thread %d: %s: %s\n", t->index, what, strerror(errno));
}

/* --- write probes ---------------------------------------------------- */

static __thread sigjmp_buf probe_env;
static __thread int probing;

static void segv_handler(int sig, siginfo_t *si, void *uc)
{
	if (!__atomic_load_n(&probing, __ATOMIC_RELAXED)) {
		/* A real crash: let it be one. */
		signal(SIGSEGV, SIG_DFL);
		return;
	}
	siglongjmp(probe_env, 1);
}

/* 1 if writing @p faults. */
static int write_faults(__u32 *p)
{
	__atomic_store_n(&probing, 1, __ATOMIC_RELAXED);
	if (sigsetjmp(probe_env, 1)) {
		__atomic_store_n(&probing, 0, __ATOMIC_RELAXED);
		return 1;
	}
	/* A write of the value already there, in one instruction. */
	asm volatile("addl $0, %0" : "+m" (*p) : : "cc");
	__atomic_store_n(&probing, 0, __ATOMIC_RELAXED);
	return 0;
}

/* --- private regions -------------------------------------------------- */

static struct region *pick(struct thread *t, int used)
{
	int start = rnd(t) % REGIONS, i;

	for (i = 0; i < REGIONS; i++) {
		struct region *r = &t->region[(start + i) % REGIONS];

		if (!!r->addr == used)
			return r;
	}
	return NULL;
}

static void op_map(struct thread *t)
{
	struct region *r = pick(t, 0);
	size_t pages = 1 + rnd(t) % MAX_PAGES;

	if (!r)
		return;
	r->addr = map_anon(t, NULL, pages * PAGE, 0);
	if (!r->addr)
		return;
	r->pages = pages;
	r->seed = rnd(t);
	fill(r->addr, pages, r->seed);
}

static void op_unmap(struct thread *t, struct region *r)
{
	verify(t, r->addr, r->pages, r->seed, "before munmap");
	sys_check(t, munmap(r->addr, r->pages * PAGE), "munmap");
	r->addr = NULL;
}

static void op_trim(struct thread *t, struct region *r)
{
	size_t keep;

	if (r->pages < 2)
		return;
	keep = r->pages / 2;
	sys_check(t, munmap(r->addr + keep * PAGE, (r->pages - keep) * PAGE),
		  "munmap tail");
	r->pages = keep;
	verify(t, r->addr, r->pages, r->seed, "after trim");
}

static void op_mremap(struct thread *t, struct region *r)
{
	size_t pages = r->pages + 1 + rnd(t) % 16;
	__u32 *w;
	char *q;
	size_t i;

	if (pages > MAX_PAGES * 2)
		return;
	q = mremap(r->addr, r->pages * PAGE, pages * PAGE, MREMAP_MAYMOVE);
	if (q == MAP_FAILED) {
		sys_check(t, -1, "mremap");
		return;
	}
	r->addr = q;
	verify(t, q, r->pages, r->seed, "after mremap");
	w = (__u32 *)q;
	for (i = r->pages * PAGE / 4; i < pages * PAGE / 4; i++)
		w[i] = pattern(r->seed, i);
	r->pages = pages;
}

static void op_mprotect(struct thread *t, struct region *r)
{
	sys_check(t, mprotect(r->addr, r->pages * PAGE, PROT_READ), "mprotect RO");
	if (!write_faults((__u32 *)(r->addr + (rnd(t) % r->pages) * PAGE)))
		t->stale_probes++;
	verify(t, r->addr, r->pages, r->seed, "read-only");
	sys_check(t, mprotect(r->addr, r->pages * PAGE, PROT_READ | PROT_WRITE),
		  "mprotect RW");
	r->seed = rnd(t);
	fill(r->addr, r->pages, r->seed);
}

static void op_dontneed(struct thread *t, struct region *r)
{
	size_t i, nonzero = 0;

	sys_check(t, madvise(r->addr, r->pages * PAGE, MADV_DONTNEED), "madvise");
	for (i = 0; i < r->pages * PAGE / 4; i++)
		nonzero += ((__u32 *)r->addr)[i] != 0;
	if (nonzero && t->bad_regions++ < 3)
		ksft_print_msg("thread %d: %zu words not zero after MADV_DONTNEED\n",
			       t->index, nonzero);
	t->bad_words += nonzero;
	r->seed = rnd(t);
	fill(r->addr, r->pages, r->seed);
}

/* The child checks and rewrites its copies; the parent's stay as they were. */
static void op_fork(struct thread *t)
{
	int status, i;
	pid_t pid = fork();

	if (pid < 0) {
		sys_check(t, -1, "fork");
		return;
	}
	if (pid == 0) {
		size_t bad = 0;

		for (i = 0; i < REGIONS; i++) {
			struct region *r = &t->region[i];

			if (!r->addr)
				continue;
			bad += bad_words(r->addr, r->pages, r->seed);
			fill(r->addr, r->pages, ~r->seed);
			bad += bad_words(r->addr, r->pages, ~r->seed);
		}
		_exit(bad ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		t->forks_bad++;
		if (t->forks_bad < 3)
			ksft_print_msg("thread %d: fork child status %#x\n",
				       t->index, status);
	} else {
		t->forks_ok++;
	}
	for (i = 0; i < REGIONS; i++)
		if (t->region[i].addr)
			verify(t, t->region[i].addr, t->region[i].pages,
			       t->region[i].seed, "parent after fork");
}

/* --- shared slots ------------------------------------------------------ */

static void op_slot_replace(struct thread *t, struct slot *s)
{
	__u32 seed = rnd(t);

	pthread_rwlock_wrlock(&s->lock);
	/* New pages at the same address; the old ones are freed. */
	if (map_anon(t, s->addr, SLOT_PAGES * PAGE, 1)) {
		fill(s->addr, SLOT_PAGES, seed);
		s->seed = seed;
		s->ro = 0;
	}
	pthread_rwlock_unlock(&s->lock);
}

static void op_slot_ro(struct thread *t, struct slot *s)
{
	pthread_rwlock_wrlock(&s->lock);
	if (!s->ro) {
		sys_check(t, mprotect(s->addr, SLOT_PAGES * PAGE, PROT_READ),
			  "mprotect slot RO");
		s->ro = 1;
	} else {
		sys_check(t, mprotect(s->addr, SLOT_PAGES * PAGE,
				      PROT_READ | PROT_WRITE), "mprotect slot RW");
		s->seed = rnd(t);
		fill(s->addr, SLOT_PAGES, s->seed);
		s->ro = 0;
	}
	pthread_rwlock_unlock(&s->lock);
}

static void op_slot_read(struct thread *t, struct slot *s)
{
	pthread_rwlock_rdlock(&s->lock);
	verify(t, s->addr, SLOT_PAGES, s->seed, "shared slot");
	if (s->ro && !write_faults((__u32 *)(s->addr + (rnd(t) % SLOT_PAGES) * PAGE)))
		t->stale_probes++;
	pthread_rwlock_unlock(&s->lock);
}

/* --- threads ------------------------------------------------------------ */

static int past_deadline(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline.tv_sec ||
	       (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec);
}

static void *thread_main(void *arg)
{
	struct thread *t = arg;
	int i, cpu;

	while (!past_deadline()) {
		enum op op = rnd(t) % OP_COUNT;
		struct region *r = NULL;

		cpu = sched_getcpu();
		if (cpu >= 0 && cpu < MAX_CPUS)
			t->cpus |= 1ULL << cpu;
		/* Forks are costly; keep them to about one op in 90. */
		if (op == OP_FORK && rnd(t) % 8)
			op = OP_VERIFY;
		if (op != OP_MAP && op < OP_FORK) {
			r = pick(t, 1);
			if (!r)
				op = OP_MAP;
		}
		switch (op) {
		case OP_MAP:
			op_map(t);
			break;
		case OP_VERIFY:
			verify(t, r->addr, r->pages, r->seed, "region");
			break;
		case OP_UNMAP:
			op_unmap(t, r);
			break;
		case OP_TRIM:
			op_trim(t, r);
			break;
		case OP_MREMAP:
			op_mremap(t, r);
			break;
		case OP_MPROTECT:
			op_mprotect(t, r);
			break;
		case OP_DONTNEED:
			op_dontneed(t, r);
			break;
		case OP_FORK:
			op_fork(t);
			break;
		case OP_SLOT_REPLACE:
			op_slot_replace(t, &slots[rnd(t) % SLOTS]);
			break;
		case OP_SLOT_RO:
			op_slot_ro(t, &slots[rnd(t) % SLOTS]);
			break;
		default:
			op_slot_read(t, &slots[rnd(t) % SLOTS]);
			break;
		}
		t->ops[op]++;
	}
	for (i = 0; i < REGIONS; i++)
		if (t->region[i].addr)
			op_unmap(t, &t->region[i]);
	return NULL;
}

static unsigned long total(size_t off)
{
	unsigned long n = 0;
	int i;

	for (i = 0; i < nthreads; i++)
		n += *(unsigned long *)((char *)&threads[i] + off);
	return n;
}

#define TOTAL(field) total(offsetof(struct thread, field))

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_sigaction = segv_handler,
				.sa_flags = SA_SIGINFO | SA_NODEFER };
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long ops = 0, kinds_missing = 0, seed = 1;
	__u64 cpus = 0;
	char missing[256] = "";
	int seconds = 10, i, k, started = 0;

	nthreads = ncpus * 2 < 4 ? 4 : ncpus * 2;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			nthreads = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoul(argv[++i], NULL, 0);
		else
			ksft_exit_fail_msg("usage: %s [--seconds N] [--threads T] [--seed S]\n",
					   argv[0]);
	}
	if (seconds < 1)
		ksft_exit_fail_msg("--seconds must be at least 1\n");
	if (nthreads < 1 || nthreads > MAX_THREADS)
		ksft_exit_fail_msg("--threads must be 1..%d\n", MAX_THREADS);

	ksft_print_header();
	ksft_set_plan(6);
	ksft_print_msg("%d threads on %ld CPUs for %d s, seed %lu\n", nthreads,
		       ncpus, seconds, seed);

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	for (i = 0; i < SLOTS; i++) {
		struct thread *t = &threads[0];

		pthread_rwlock_init(&slots[i].lock, NULL);
		slots[i].addr = map_anon(t, NULL, SLOT_PAGES * PAGE, 0);
		if (!slots[i].addr)
			ksft_exit_fail_msg("mmap shared slot: %s\n", strerror(errno));
		slots[i].seed = seed * 7919 + i;
		fill(slots[i].addr, SLOT_PAGES, slots[i].seed);
	}

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += seconds;
	for (i = 0; i < nthreads; i++) {
		threads[i].index = i;
		threads[i].rng = (__u32)(seed * 2654435761u + i * 40503u) | 1;
		if (!pthread_create(&threads[i].id, NULL, thread_main, &threads[i]))
			started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(threads[i].id, NULL);
	for (i = 0; i < SLOTS; i++) {
		pthread_rwlock_rdlock(&slots[i].lock);
		verify(&threads[0], slots[i].addr, SLOT_PAGES, slots[i].seed,
		       "shared slot at the end");
		pthread_rwlock_unlock(&slots[i].lock);
	}

	for (k = 0; k < OP_COUNT; k++) {
		unsigned long n = 0;

		for (i = 0; i < nthreads; i++)
			n += threads[i].ops[k];
		ops += n;
		if (!n) {
			kinds_missing++;
			strncat(missing, " ", sizeof(missing) - strlen(missing) - 1);
			strncat(missing, op_names[k], sizeof(missing) - strlen(missing) - 1);
		}
	}
	for (i = 0; i < nthreads; i++)
		cpus |= threads[i].cpus;

	ksft_test_result(started == nthreads && TOTAL(bad_words) == 0,
			 "%lu operations by %d threads: %lu checksum errors (%lu bad words)\n",
			 ops, started, TOTAL(bad_regions), TOTAL(bad_words));
	ksft_test_result(TOTAL(sys_errors) == 0, "%lu syscall failures\n",
			 TOTAL(sys_errors));
	ksft_test_result(TOTAL(stale_probes) == 0,
			 "read-only pages refused writes on every CPU: %lu stale\n",
			 TOTAL(stale_probes));
	ksft_test_result(TOTAL(forks_bad) == 0 && TOTAL(forks_ok) > 0,
			 "fork children: %lu verified their copies, %lu did not\n",
			 TOTAL(forks_ok), TOTAL(forks_bad));
	ksft_test_result(kinds_missing == 0, "every operation kind ran%s%s\n",
			 kinds_missing ? "; never:" : "", missing);
	ksft_test_result(ncpus <= MAX_CPUS &&
			 (__u64)__builtin_popcountll(cpus) == (__u64)ncpus,
			 "threads ran on %d of %ld online CPUs\n",
			 __builtin_popcountll(cpus), ncpus);
	ksft_finished();
}
