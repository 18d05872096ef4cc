// SPDX-License-Identifier: GPL-2.0
/*
 * vmi_status: does the kernel run the way the caller expects it to, and
 * does ordinary userspace work on it?
 *
 *   vmi_status [--expect active|native] [--reason TEXT] [--min-bound N]
 *
 * Reads /sys/kernel/debug/vmi/ (debugfs must be mounted): with
 * --expect active the ROM must be bound, publish an identity with API 3.0
 * and a call table of every call of the ABI (VMI_CALL_COUNT of abi.h) whose
 * VMI_Init counter is exactly 1;
 * with --expect native the status must name why (--reason is a substring
 * of it) and the ROM files must be absent. With --expect active it also
 * runs the kernel's lazy-mode protocol self-test (lazy_selftest). Then
 * it exercises fork/exec, a 16 MiB anonymous mapping and threads, since a
 * VMI kernel that reaches userspace but breaks it is no better than one
 * that does not boot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest.h"

/* The ABI header, freestanding (the Makefile defines __packed, __aligned). */
#include <vmi/abi.h>

#define VMI_DEBUGFS "/sys/kernel/debug/vmi"

static const char *expect;
static const char *reason;
static int min_bound = -1;

static int read_file(const char *name, char *buf, size_t size)
{
	char path[128];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), VMI_DEBUGFS "/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

static void test_status(void)
{
	char buf[256];
	int ret = read_file("status", buf, sizeof(buf));

	if (ret < 0) {
		ksft_test_result_fail("status readable: %s\n", strerror(-ret));
		ksft_test_result_fail("status as expected\n");
		return;
	}
	ksft_test_result_pass("status readable: %s", buf);

	if (!expect)
		ksft_test_result_skip("status as expected (no --expect)\n");
	else if (!strcmp(expect, "active"))
		ksft_test_result(!strcmp(buf, "active\n"), "status is active\n");
	else
		ksft_test_result(!strncmp(buf, "native: ", 8) &&
				 (!reason || strstr(buf, reason)),
				 "status is native%s%s\n", reason ? ": " : "",
				 reason ? reason : "");
}

static void test_identity(void)
{
	char buf[1024];
	int ret = read_file("identity", buf, sizeof(buf));
	unsigned int bound = 0;
	char *p;

	if (!expect) {
		ksft_test_result_skip("identity (no --expect)\n");
		return;
	}
	if (strcmp(expect, "active")) {
		ksft_test_result(ret == -ENOENT, "no identity when native\n");
		return;
	}
	p = ret > 0 ? strstr(buf, "ops_bound: ") : NULL;
	if (p)
		bound = strtoul(p + 11, NULL, 10);
	ksft_test_result(ret > 0 && strstr(buf, "api_version: 3.0\n") &&
			 (min_bound < 0 || (p && bound >= (unsigned int)min_bound)),
			 "identity: API 3.0, %u ops bound\n", bound);
}

static void test_calls(void)
{
	static char buf[16384];
	int ret = read_file("calls", buf, sizeof(buf));
	int lines = 0, nr, init_count = -1;
	char name[64], *line, *save;
	unsigned long long count;

	if (!expect) {
		ksft_test_result_skip("call table (no --expect)\n");
		return;
	}
	if (strcmp(expect, "active")) {
		ksft_test_result(ret == -ENOENT, "no call table when native\n");
		return;
	}
	for (line = strtok_r(ret > 0 ? buf : NULL, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%d %63s", &nr, name) == 2 && nr == lines)
			lines++;
		else if (sscanf(line, " - Init %*s %*s %llu", &count) == 1)
			init_count = count;
	}
	ksft_test_result(lines == VMI_CALL_COUNT && init_count == 1,
			 "call table: %d calls, VMI_Init counted %d time(s)\n",
			 lines, init_count);
}

/*
 * The lazy-mode protocol self-test (CONFIG_VMI_DEBUG): every line the
 * kernel prints must say pass. With the queue unbound (vmi=nolazy) the
 * kernel says so, and the lazy statistics must agree.
 */
static void test_lazy_selftest(void)
{
	char buf[1024], stats[2048];
	int ret = read_file("lazy_selftest", buf, sizeof(buf));
	int checks = 0, failed = 0;
	char *line, *save;

	if (!expect) {
		ksft_test_result_skip("lazy self-test (no --expect)\n");
		return;
	}
	if (strcmp(expect, "active")) {
		ksft_test_result(ret == -ENOENT, "no lazy self-test when native\n");
		return;
	}
	if (ret == -ENOENT) {
		ksft_test_result_skip("lazy self-test (kernel without CONFIG_VMI_DEBUG)\n");
		return;
	}
	if (ret > 0 && !strcmp(buf, "lazy queue not bound\n")) {
		ksft_test_result(read_file("lazy", stats, sizeof(stats)) > 0 &&
				 strstr(stats, "enabled: no\n"),
				 "lazy self-test: queue not bound, and lazy says so\n");
		return;
	}
	for (line = strtok_r(ret > 0 ? buf : NULL, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		checks++;
		failed += !strstr(line, ": pass");
		ksft_print_msg("lazy self-test: %s\n", line);
	}
	ksft_test_result(checks >= 9 && !failed,
			 "lazy self-test: %d checks, %d failed\n", checks, failed);
}

static void test_fork_exec(void)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		execl("/bin/true", "true", NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	ksft_test_result(pid > 0 && WIFEXITED(status) && !WEXITSTATUS(status),
			 "fork + exec + wait\n");
}

static void test_mmap(void)
{
	size_t size = 16 << 20, i;
	unsigned long sum = 0, want = 0;
	unsigned char *p;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		ksft_test_result_fail("mmap 16 MiB: %s\n", strerror(errno));
		return;
	}
	for (i = 0; i < size; i += 4096) {
		p[i] = (unsigned char)(i >> 12);
		want += (unsigned char)(i >> 12);
	}
	for (i = 0; i < size; i += 4096)
		sum += p[i];
	ksft_test_result(sum == want && !munmap(p, size),
			 "mmap, touch, munmap 16 MiB\n");
}

#define THREADS 4
#define ROUNDS 20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long shared_count;

static void *worker(void *arg)
{
	int i;

	for (i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		shared_count++;
		pthread_mutex_unlock(&lock);
	}
	return arg;
}

static void test_threads(void)
{
	pthread_t tid[THREADS];
	int i, created = 0;

	for (i = 0; i < THREADS; i++)
		if (!pthread_create(&tid[i], NULL, worker, NULL))
			created++;
	for (i = 0; i < created; i++)
		pthread_join(tid[i], NULL);
	ksft_test_result(created == THREADS &&
			 shared_count == THREADS * ROUNDS,
			 "%d threads, %lu locked increments\n", created,
			 shared_count);
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--expect") && i + 1 < argc)
			expect = argv[++i];
		else if (!strcmp(argv[i], "--reason") && i + 1 < argc)
			reason = argv[++i];
		else if (!strcmp(argv[i], "--min-bound") && i + 1 < argc)
			min_bound = atoi(argv[++i]);
		else
			ksft_exit_fail_msg("usage: %s [--expect active|native] %s\n",
					   argv[0], "[--reason TEXT] [--min-bound N]");
	}
	if (expect && strcmp(expect, "active") && strcmp(expect, "native"))
		ksft_exit_fail_msg("--expect takes active or native\n");

	ksft_print_header();
	ksft_set_plan(8);
	test_status();
	test_identity();
	test_calls();
	test_lazy_selftest();
	test_fork_exec();
	test_mmap();
	test_threads();
	ksft_finished();
}
