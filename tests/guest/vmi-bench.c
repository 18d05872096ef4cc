// SPDX-License-Identifier: GPL-2.0
/*
 * vmi-bench: the guest half of `make bench` (scripts/bench is the host half).
 *
 *   vmi-bench [--only NAME,...] [--scale N] [--reps R] [--list]
 *
 * Runs fixed workloads (fork+exit of touched 1/16/64 MiB processes,
 * fork+exec, mmap+touch+munmap and munmap alone of 64 MiB, an mprotect
 * sweep over 64 MiB, a page-fault storm, pipe ping-pong) and, around each
 * measured run, takes two snapshots:
 *   - instructions: RDTSC. The host runs QEMU with -icount shift=0, where
 *     the TSC is the virtual clock and advances by exactly one per
 *     instruction retired (plus any idle skip; the workloads never idle on
 *     one vCPU, the host checks that the guest ran with one);
 *   - ROM counters: /sys/kernel/debug/vmi/calls, which the kernel reads
 *     from the ROM's own state block (every call and the modelled
 *     transitions). Without a ROM there are none and the deltas are 0.
 * The snapshots themselves cost a little; a "null" workload (nothing
 * between the snapshots) measures that, and the host subtracts it once
 * per measured window (munmap-64m has one window per op, the others one).
 *
 * Each workload runs once unmeasured (warm-up), then OPS times measured;
 * all of that R times (--reps, default 3; the host takes the median).
 * Output, one line each, for the host to parse:
 *   vmi-bench: result NAME rep=K ops=N windows=W insns=I calls=C transitions=T
 *              marks=A:B,...   (vmi_bench_mark() counts at each window's ends)
 *   vmi-bench: calls NAME rep=K Call=delta ...   (non-zero deltas only)
 * after "vmi-bench: counters N" (how many ROM counters the guest sees: 0
 * without a ROM) and before "vmi-bench: done failures=N"; the exit status is 1 if any workload
 * failed (a child that did not exit 0, a failed syscall, wrong data).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE		4096UL
#define MIB		(1024UL * 1024)
#define CALLS_FILE	"/sys/kernel/debug/vmi/calls"
#define MAX_COUNTERS	96
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct snapshot {
	unsigned long long tsc;
	unsigned int mark;	/* vmi_bench_mark() calls so far, this one included */
	int n;
	char name[MAX_COUNTERS][24];
	unsigned long long count[MAX_COUNTERS];
};

struct workload {
	const char *name;
	const char *what;
	int ops;
	int (*setup)(void);
	int (*run)(int ops);
	void (*teardown)(void);
};

/* Accumulated counter and TSC deltas of one or more windows. */
struct delta {
	int windows;
	unsigned long long insns;
	char marks[256];	/* "a:b,..." the marks of each window */
	struct snapshot sum;	/* counts are deltas, names from the snapshots */
};

static void add(struct delta *d, const struct snapshot *a, const struct snapshot *b)
{
	int i;

	if (!d->windows) {
		memset(&d->sum, 0, sizeof(d->sum));
		d->sum.n = a->n < b->n ? a->n : b->n;
		for (i = 0; i < d->sum.n; i++)
			snprintf(d->sum.name[i], sizeof(d->sum.name[0]), "%s",
				 a->name[i]);
	}
	d->windows++;
	d->insns += b->tsc - a->tsc;
	if (strlen(d->marks) < sizeof(d->marks) - 24)
		snprintf(d->marks + strlen(d->marks), sizeof(d->marks) - strlen(d->marks),
			 "%s%u:%u", d->windows > 1 ? "," : "", a->mark, b->mark);
	for (i = 0; i < d->sum.n; i++)
		d->sum.count[i] += b->count[i] - a->count[i];
}

static int failures;

static unsigned long long rdtsc(void)
{
	unsigned int lo, hi;

	asm volatile("rdtsc" : "=a" (lo), "=d" (hi));
	return (unsigned long long)hi << 32 | lo;
}

/*
 * The window marker. With `scripts/bench --rom-profile` QEMU logs every
 * run of this function's first block (its address, from the binary's
 * symbols, is in the log filter) next to the ROM's blocks, so the host
 * splits the ROM's instructions at each call: those between a window's
 * two marks ran inside it.
 */
static unsigned int marks;

__attribute__((noinline, used)) void vmi_bench_mark(void)
{
	asm volatile("" ::: "memory");
	marks++;
}

/* Counters first, TSC last: the read of the file is outside the window. */
static void take(struct snapshot *s, int tsc_first)
{
	static char buf[16384];
	char *line, *save;
	ssize_t len = 0, r;
	int fd;

	if (tsc_first) {
		s->tsc = rdtsc();
		vmi_bench_mark();
		s->mark = marks;
	}
	s->n = 0;
	fd = open(CALLS_FILE, O_RDONLY);
	if (fd >= 0) {
		while ((r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
			len += r;
		close(fd);
	}
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line && s->n < MAX_COUNTERS;
	     line = strtok_r(NULL, "\n", &save)) {
		char first[8], name[24];
		char *last = strrchr(line, ' ');

		/* "NR Name reloc target count" or " - Name - - count" */
		if (!last || sscanf(line, "%7s %23s", first, name) != 2)
			continue;
		snprintf(s->name[s->n], sizeof(s->name[0]), "%s", name);
		s->count[s->n] = strtoull(last + 1, NULL, 10);
		s->n++;
	}
	if (!tsc_first) {
		vmi_bench_mark();
		s->mark = marks;
		s->tsc = rdtsc();
	}
}

static void report(const struct workload *w, int rep, int ops, const struct delta *d)
{
	unsigned long long calls = 0, transitions = 0, v;
	char detail[4096];
	size_t used = 0;
	int i;

	detail[0] = '\0';
	for (i = 0; i < d->sum.n; i++) {
		v = d->sum.count[i];
		if (!strcmp(d->sum.name[i], "transitions")) {
			transitions = v;
			continue;
		}
		/* A RING=1 ROM's real crossings: listed, not a call. */
		if (!strcmp(d->sum.name[i], "crossings")) {
			if (used < sizeof(detail) - 64)
				used += snprintf(detail + used, sizeof(detail) - used,
						 " crossings=%llu", v);
			continue;
		}
		calls += v;
		if (v && used < sizeof(detail) - 64)
			used += snprintf(detail + used, sizeof(detail) - used,
					 " %s=%llu", d->sum.name[i], v);
	}
	printf("vmi-bench: result %s rep=%d ops=%d windows=%d ", w->name, rep,
	       ops, d->windows);
	printf("insns=%llu calls=%llu transitions=%llu marks=%s\n", d->insns, calls,
	       transitions, d->marks);
	printf("vmi-bench: calls %s rep=%d%s\n", w->name, rep, detail);
	fflush(stdout);
}

static void fail(const char *what)
{
	fprintf(stderr, "vmi-bench: %s: %s\n", what, strerror(errno));
	failures++;
}

static int wait_ok(pid_t pid)
{
	int status;

	if (pid < 0) {
		fail("fork");
		return -1;
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "vmi-bench: child %d failed (status %#x)\n",
			pid, status);
		failures++;
		return -1;
	}
	return 0;
}

static char *map_touched(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED) {
		fail("mmap");
		return NULL;
	}
	for (i = 0; i < len; i += PAGE)
		p[i] = (char)(i >> 12) | 1;
	return p;
}

/* --- workloads --------------------------------------------------------- */

static char *region;
static size_t region_len;

static void free_region(void)
{
	if (region)
		munmap(region, region_len);
	region = NULL;
}

static int setup_region(size_t len)
{
	region_len = len;
	region = map_touched(len);
	return region ? 0 : -1;
}

static int setup_1m(void) { return setup_region(1 * MIB); }
static int setup_16m(void) { return setup_region(16 * MIB); }
static int setup_64m(void) { return setup_region(64 * MIB); }

static int run_null(int ops)
{
	return 0;
}

/* fork a process with touched memory; the child exits at once. */
static int run_fork_exit(int ops)
{
	int i;

	for (i = 0; i < ops; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(region[region_len - PAGE] ? 0 : 1);
		if (wait_ok(pid))
			return -1;
	}
	return 0;
}

static char self_exe[256];

static int run_fork_exec(int ops)
{
	int i;

	for (i = 0; i < ops; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			execl(self_exe, "vmi-bench", "--exit", NULL);
			_exit(127);
		}
		if (wait_ok(pid))
			return -1;
	}
	return 0;
}

static int run_mmap_touch_munmap(int ops)
{
	int i;

	for (i = 0; i < ops; i++) {
		char *p = map_touched(64 * MIB);

		if (!p || munmap(p, 64 * MIB))
			return -1;
	}
	return 0;
}

/* mprotect sweep: each 1 MiB chunk read-only, then each back to RW. */
static int run_mprotect(int ops)
{
	size_t off;
	int i;

	for (i = 0; i < ops; i++) {
		for (off = 0; off < region_len; off += MIB)
			if (mprotect(region + off, MIB, PROT_READ))
				return fail("mprotect"), -1;
		for (off = 0; off < region_len; off += MIB)
			if (mprotect(region + off, MIB, PROT_READ | PROT_WRITE))
				return fail("mprotect"), -1;
	}
	return region[0] ? 0 : -1;
}

/*
 * Page-fault storm over 16 MiB: a read fault (zero page) and a write
 * fault (the zero page replaced) per page, then MADV_DONTNEED.
 */
static int run_faults(int ops)
{
	size_t off;
	int i, sum = 0;

	for (i = 0; i < ops; i++) {
		for (off = 0; off < region_len; off += PAGE) {
			sum += region[off];
			region[off] = 1;
		}
		if (madvise(region, region_len, MADV_DONTNEED))
			return fail("madvise"), -1;
	}
	return sum == 0 ? 0 : -1;	/* the reads saw zero pages */
}

static int setup_faults(void)
{
	region_len = 16 * MIB;
	region = mmap(NULL, region_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		region = NULL;
		fail("mmap");
		return -1;
	}
	return 0;
}

/* One byte back and forth between two processes over two pipes. */
static int run_pipe(int ops)
{
	int ab[2], ba[2], i;
	char c = 0;
	pid_t pid;

	if (pipe(ab) || pipe(ba))
		return fail("pipe"), -1;
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < ops; i++)
			if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	for (i = 0; i < ops; i++) {
		c = (char)i;
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1 ||
		    c != (char)i) {
			fail("pipe ping-pong");
			break;
		}
	}
	close(ab[0]);
	close(ab[1]);
	close(ba[0]);
	close(ba[1]);
	return wait_ok(pid) || i != ops ? -1 : 0;
}

static const struct workload workloads[] = {
	{
		.name = "null",
		.what = "nothing (the snapshots' own cost)",
		.ops = 1,
		.run = run_null,
	},
	{
		.name = "fork-exit-1m",
		.what = "fork + exit, 1 MiB touched",
		.ops = 40,
		.setup = setup_1m,
		.run = run_fork_exit,
		.teardown = free_region,
	},
	{
		.name = "fork-exit-16m",
		.what = "fork + exit, 16 MiB touched",
		.ops = 10,
		.setup = setup_16m,
		.run = run_fork_exit,
		.teardown = free_region,
	},
	{
		.name = "fork-exit-64m",
		.what = "fork + exit, 64 MiB touched",
		.ops = 4,
		.setup = setup_64m,
		.run = run_fork_exit,
		.teardown = free_region,
	},
	{
		.name = "fork-exec",
		.what = "fork + exec + exit + wait",
		.ops = 20,
		.run = run_fork_exec,
	},
	{
		.name = "mmap-touch-munmap-64m",
		.what = "mmap + touch + munmap 64 MiB",
		.ops = 4,
		.run = run_mmap_touch_munmap,
	},
	{
		.name = "munmap-64m",
		.what = "munmap of 64 MiB touched (mapped outside the window)",
		.ops = 4,
	},
	{
		.name = "mprotect-64m",
		.what = "mprotect sweep 64 MiB (1 MiB chunks, RO then RW)",
		.ops = 4,
		.setup = setup_64m,
		.run = run_mprotect,
		.teardown = free_region,
	},
	{
		.name = "fault-storm-16m",
		.what = "read + write fault per page, 16 MiB",
		.ops = 4,
		.setup = setup_faults,
		.run = run_faults,
		.teardown = free_region,
	},
	{
		.name = "pipe-pingpong",
		.what = "pipe round trip between two processes",
		.ops = 2000,
		.run = run_pipe,
	},
};

/*
 * munmap alone: each op maps and touches 64 MiB outside the window; the
 * window holds only the munmap call (one window per op).
 */
static int run_munmap(int ops, struct delta *d)
{
	static struct snapshot a, b;
	int i;

	for (i = 0; i < ops; i++) {
		char *p = map_touched(64 * MIB);

		if (!p)
			return -1;
		take(&a, 0);
		if (munmap(p, 64 * MIB))
			return fail("munmap"), -1;
		take(&b, 1);
		if (d)
			add(d, &a, &b);
	}
	return 0;
}

static int bench(const struct workload *w, int rep, int scale)
{
	static struct snapshot a, b;
	static struct delta d;
	int ops = w->ops * scale, ret = -1;

	memset(&d, 0, sizeof(d));
	if (w->setup && w->setup())
		return -1;
	/* Warm-up: one unmeasured op (page cache, allocator, exec image). */
	if (w->run ? w->run(1) : run_munmap(1, NULL))
		goto out;
	if (w->run) {
		take(&a, 0);
		if (w->run(ops))
			goto out;
		take(&b, 1);
		add(&d, &a, &b);
	} else if (run_munmap(ops, &d)) {
		goto out;
	}
	report(w, rep, ops, &d);
	ret = 0;
out:
	if (w->teardown)
		w->teardown();
	return ret;
}

static int selected(const char *only, const char *name)
{
	size_t n = strlen(name);
	const char *p = only;

	if (!only || !strcmp(name, "null"))
		return 1;
	while ((p = strstr(p, name))) {
		if ((p == only || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return 1;
		p += n;
	}
	return 0;
}

static int list(void)
{
	int i;

	for (i = 0; i < (int)ARRAY_SIZE(workloads); i++)
		printf("%-22s %4d  %s\n", workloads[i].name, workloads[i].ops,
		       workloads[i].what);
	return 0;
}

static int bad_usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [--only NAME,...] [--scale N] [--reps R]",
		argv0);
	fprintf(stderr, " [--list]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	int scale = 1, reps = 3, i, rep;
	ssize_t n;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--exit"))
			return 0;
		if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--scale") && i + 1 < argc)
			scale = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--list"))
			return list();
		else
			return bad_usage(argv[0]);
	}
	if (scale < 1 || scale > 100 || reps < 1 || reps > 100) {
		fprintf(stderr, "vmi-bench: --scale and --reps must be 1..100\n");
		return 2;
	}
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n <= 0) {
		fail("readlink /proc/self/exe");
		return 1;
	}
	self_exe[n] = '\0';
	setvbuf(stdout, NULL, _IOLBF, 0);
	{
		static struct snapshot probe;

		take(&probe, 0);
		printf("vmi-bench: counters %d\n", probe.n);
	}

	for (rep = 0; rep < reps; rep++) {
		for (i = 0; i < (int)ARRAY_SIZE(workloads); i++) {
			const struct workload *w = &workloads[i];

			if (!selected(only, w->name))
				continue;
			printf("vmi-bench: workload %s rep=%d: %s\n", w->name,
			       rep, w->what);
			if (bench(w, rep, scale)) {
				printf("vmi-bench: failed %s\n", w->name);
				failures++;
			}
		}
	}
	printf("vmi-bench: done failures=%d\n", failures);
	return failures ? 1 : 0;
}
