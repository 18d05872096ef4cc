// SPDX-License-Identifier: GPL-2.0
/*
 * vmi_timer: are the kernel's clocks the VMI ROM's, and do they keep time?
 *
 *   vmi_timer --expect rom|native [--cpus N] [--tick oneshot|periodic]
 *             [--idle SECONDS] [--sleeps] [--epoch UNIX_TIME]
 *
 * --expect rom: the clocksource and every online CPU's tick device are
 * "vmi-timer", /sys/kernel/debug/vmi/timer exists, the alarm interrupt has
 * reached every CPU and "cpu MHz" is the ROM's cycle rate. --expect native:
 * none of that. --cpus: that many CPUs are online. --tick: the mode of
 * every per-CPU tick device.
 *
 * --idle: sleep that long while the host times it. The guest prints
 * "@@VMI-HARNESS-SNAP idle-start" and "... idle-end" around the sleep, so
 * the harness notes the arrival times and reads the ROM's counters (alarms
 * set) at both ends. Checked here: the sleep was not short, and with the
 * ROM, the cycle counter and CLOCK_MONOTONIC advanced at the same rate.
 * --sleeps: 10 ms x20, 100 ms x10 and 1 s x5 on CLOCK_MONOTONIC, none
 * may return early. --epoch: CLOCK_REALTIME is that host time plus the
 * boot (-5 s to +120 s).
 *
 * Numbers for the harness go to lines that start with "vmi-timer: "; the
 * comparisons with the host and with a native boot are made there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest.h"

#define TIMER_FILE	"/sys/kernel/debug/vmi/timer"
#define MAX_CPUS	64
#define NSEC		1000000000LL

static int expect_rom = -1;
static int want_cpus;
static const char *want_tick;
static int idle_seconds;
static int do_sleeps;
static long long epoch = -1;

struct rom_time {
	unsigned long long freq, cycles, mono;
	char alarms[64];
	unsigned long irqs[MAX_CPUS];
	int cpus;
};

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

static void sleep_ns(long long ns)
{
	struct timespec req = { ns / NSEC, ns % NSEC }, rem;

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem) == EINTR)
		req = rem;
}

static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, size, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* /sys/kernel/debug/vmi/timer; 0 if read, -errno if absent. */
static int read_rom_time(struct rom_time *t)
{
	char line[128];
	unsigned long v;
	FILE *f;
	int cpu;

	memset(t, 0, sizeof(*t));
	f = fopen(TIMER_FILE, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "frequency_hz: %llu", &t->freq) == 1 ||
		    sscanf(line, "cycles: %llu", &t->cycles) == 1 ||
		    sscanf(line, "monotonic_ns: %llu", &t->mono) == 1 ||
		    sscanf(line, "alarms: %63[^\n]", t->alarms) == 1)
			continue;
		if (sscanf(line, "cpu%d_alarm_irqs: %lu", &cpu, &v) == 2 &&
		    cpu >= 0 && cpu < MAX_CPUS) {
			t->irqs[cpu] = v;
			if (cpu >= t->cpus)
				t->cpus = cpu + 1;
		}
	}
	fclose(f);
	return 0;
}

/* One row of /proc/interrupts ("PLT:", "LOC:"), per CPU. */
static int read_irq_row(const char *row, unsigned long *counts, int ncpus)
{
	char line[1024], *p, *end;
	int n = 0;
	FILE *f = fopen("/proc/interrupts", "r");

	memset(counts, 0, sizeof(*counts) * ncpus);
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		p = line + strspn(line, " ");
		if (strncmp(p, row, strlen(row)))
			continue;
		p += strlen(row);
		for (n = 0; n < ncpus; n++) {
			counts[n] = strtoul(p, &end, 10);
			if (end == p)
				break;
			p = end;
		}
		break;
	}
	fclose(f);
	return n;
}

static void print_counts(const char *name, const unsigned long *a,
			 const unsigned long *b, int n)
{
	int i;

	printf(" %s=", name);
	for (i = 0; i < n; i++)
		printf("%s%lu", i ? "," : "", b[i] - a[i]);
}

static void test_clocksource(void)
{
	char buf[64];
	int ret = read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource",
			    buf, sizeof(buf));

	if (ret) {
		ksft_test_result_fail("current clocksource readable: %s\n",
				      strerror(-ret));
		return;
	}
	if (expect_rom)
		ksft_test_result(!strcmp(buf, "vmi-timer"),
				 "clocksource is vmi-timer (%s)\n", buf);
	else
		ksft_test_result(strcmp(buf, "vmi-timer"),
				 "clocksource is not vmi-timer (%s)\n", buf);
}

static void test_tick_devices(int ncpus)
{
	char path[96], buf[64], seen[256] = "";
	int cpu, good = 0;

	for (cpu = 0; cpu < ncpus; cpu++) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/clockevents/clockevent%d/current_device",
			 cpu);
		if (read_line(path, buf, sizeof(buf)))
			snprintf(buf, sizeof(buf), "?");
		good += (strcmp(buf, "vmi-timer") == 0) == expect_rom;
		snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen),
			 "%s%s", cpu ? "," : "", buf);
	}
	ksft_test_result(good == ncpus && (!want_cpus || ncpus == want_cpus),
			 "%d CPUs online%s, tick devices %s vmi-timer (%s)\n",
			 ncpus, want_cpus ? (ncpus == want_cpus ? " as expected" :
					     " (wrong count)") : "",
			 expect_rom ? "all" : "none", seen);
}

/* "Tick Device: mode: N" of each "Per CPU device"; 0 periodic, 1 oneshot. */
static void test_tick_mode(int ncpus)
{
	int want = strcmp(want_tick, "periodic") ? 1 : 0, mode = -1, cpu;
	int found = 0, good = 0;
	char line[256];
	FILE *f = fopen("/proc/timer_list", "r");

	if (!f) {
		ksft_test_result_fail("/proc/timer_list readable\n");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Tick Device: mode: %d", &mode) == 1)
			continue;
		if (sscanf(line, "Per CPU device: %d", &cpu) == 1) {
			found++;
			good += mode == want;
		}
	}
	fclose(f);
	ksft_test_result(found == ncpus && good == ncpus,
			 "%d of %d per-CPU tick devices in %s mode\n", good,
			 ncpus, want_tick);
}

static void test_rom_file(int ncpus, struct rom_time *t)
{
	int ret = read_rom_time(t), cpu, reached = 0;

	if (!expect_rom) {
		ksft_test_result(ret == -ENOENT, "no %s when native\n",
				 TIMER_FILE);
		return;
	}
	for (cpu = 0; cpu < ncpus && cpu < MAX_CPUS; cpu++)
		reached += t->irqs[cpu] > 0;
	ksft_test_result(!ret && t->freq && !strncmp(t->alarms, "rom:", 4) &&
			 reached == ncpus,
			 "%s: %llu Hz, alarms \"%s\", alarm interrupts on %d of %d CPUs\n",
			 TIMER_FILE, t->freq, t->alarms, reached, ncpus);
}

/* cpu_khz comes from GetCycleFrequency / 1000 with the ROM. */
static void test_cpu_mhz(const struct rom_time *t)
{
	unsigned int mhz = 0, khz_frac = 0;
	char line[256];
	long long khz, want;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "cpu MHz : %u.%u", &mhz, &khz_frac) == 2)
			break;
	if (f)
		fclose(f);
	khz = mhz * 1000LL + khz_frac;
	want = t->freq / 1000;
	ksft_test_result(khz && llabs(khz - want) <= 1,
			 "cpu MHz %u.%03u is the ROM's cycle rate (%llu Hz)\n",
			 mhz, khz_frac, t->freq);
}

static void test_idle(int ncpus)
{
	unsigned long plt0[MAX_CPUS], plt1[MAX_CPUS], loc0[MAX_CPUS],
		      loc1[MAX_CPUS];
	long long t0, t1, want = idle_seconds * NSEC;
	struct rom_time r0, r1;
	double rom_ns = 0, ppm = 0;

	read_rom_time(&r0);
	read_irq_row("PLT:", plt0, ncpus);
	read_irq_row("LOC:", loc0, ncpus);
	t0 = mono_ns();
	printf("@@VMI-HARNESS-SNAP idle-start\n");
	fflush(stdout);
	sleep_ns(want);
	t1 = mono_ns();
	printf("@@VMI-HARNESS-SNAP idle-end\n");
	fflush(stdout);
	read_irq_row("PLT:", plt1, ncpus);
	read_irq_row("LOC:", loc1, ncpus);
	read_rom_time(&r1);

	printf("vmi-timer: idle mono_ns=%lld", t1 - t0);
	if (expect_rom && r0.freq) {
		rom_ns = (double)(r1.cycles - r0.cycles) * 1e9 / r0.freq;
		ppm = (rom_ns / (double)(r1.mono - r0.mono) - 1) * 1e6;
		printf(" rom_ns=%.0f pair_mono_ns=%llu", rom_ns, r1.mono - r0.mono);
	}
	print_counts("plt", plt0, plt1, ncpus);
	print_counts("loc", loc0, loc1, ncpus);
	printf("\n");

	ksft_test_result(t1 - t0 >= want,
			 "idle sleep of %d s took %.6f s on CLOCK_MONOTONIC\n",
			 idle_seconds, (t1 - t0) / 1e9);
	if (!expect_rom)
		return;
	ksft_test_result(r0.freq && r1.mono > r0.mono && ppm > -100 && ppm < 100,
			 "ROM cycle counter and CLOCK_MONOTONIC agree over the idle sleep (%+.2f ppm)\n",
			 ppm);
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static void test_sleep(long long req, int n)
{
	long long over[32], t0, t1;
	int i, early = 0;

	for (i = 0; i < n; i++) {
		t0 = mono_ns();
		sleep_ns(req);
		t1 = mono_ns();
		over[i] = t1 - t0 - req;
		early += over[i] < 0;
	}
	qsort(over, n, sizeof(over[0]), cmp_ll);
	printf("vmi-timer: sleep req_ns=%lld n=%d early=%d", req, n, early);
	printf(" min_ns=%lld median_ns=%lld max_ns=%lld\n", over[0],
	       over[n / 2], over[n - 1]);
	ksft_test_result(!early,
			 "sleep %lld ms x%d never early (overshoot min %lld us, median %lld us, max %lld us)\n",
			 req / 1000000, n, over[0] / 1000, over[n / 2] / 1000,
			 over[n - 1] / 1000);
}

static void test_wallclock(void)
{
	struct timespec ts;
	long long diff;

	clock_gettime(CLOCK_REALTIME, &ts);
	diff = ts.tv_sec - epoch;
	ksft_test_result(diff >= -5 && diff <= 120,
			 "CLOCK_REALTIME is the host's time plus the boot (%+lld s)\n",
			 diff);
}

/* The kernel's record of the ROM's alarms (fired early, how late), for the log. */
static void print_alarm_record(void)
{
	char line[160];
	FILE *f = fopen(TIMER_FILE, "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "cpu", 3))
			ksft_print_msg("%s", line);
	if (f)
		fclose(f);
}

static void usage(const char *prog)
{
	ksft_exit_fail_msg("%s --expect rom|native [--cpus N] [--tick oneshot|periodic]\n"
			   "\t[--idle S] [--sleeps] [--epoch T]\n", prog);
}

int main(int argc, char **argv)
{
	struct rom_time t;
	int i, ncpus, plan;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(arg, "--sleeps")) {
			do_sleeps = 1;
			continue;
		}
		if (!val)
			usage(argv[0]);
		i++;
		if (!strcmp(arg, "--expect") && !strcmp(val, "rom"))
			expect_rom = 1;
		else if (!strcmp(arg, "--expect") && !strcmp(val, "native"))
			expect_rom = 0;
		else if (!strcmp(arg, "--cpus"))
			want_cpus = atoi(val);
		else if (!strcmp(arg, "--tick") && (!strcmp(val, "oneshot") ||
						    !strcmp(val, "periodic")))
			want_tick = val;
		else if (!strcmp(arg, "--idle"))
			idle_seconds = atoi(val);
		else if (!strcmp(arg, "--epoch"))
			epoch = atoll(val);
		else
			usage(argv[0]);
	}
	if (expect_rom < 0)
		usage(argv[0]);

	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpus > MAX_CPUS)
		ncpus = MAX_CPUS;

	plan = 3 + (expect_rom ? 1 : 0) + (want_tick ? 1 : 0) +
	       (idle_seconds ? 1 + expect_rom : 0) + (do_sleeps ? 3 : 0) +
	       (epoch >= 0 ? 1 : 0);
	ksft_print_header();
	ksft_set_plan(plan);

	test_clocksource();
	test_tick_devices(ncpus);
	if (want_tick)
		test_tick_mode(ncpus);
	test_rom_file(ncpus, &t);
	if (expect_rom)
		test_cpu_mhz(&t);
	if (epoch >= 0)
		test_wallclock();
	if (idle_seconds)
		test_idle(ncpus);
	if (do_sleeps) {
		test_sleep(10 * 1000000LL, 20);
		test_sleep(100 * 1000000LL, 10);
		test_sleep(NSEC, 5);
	}
	if (expect_rom)
		print_alarm_record();
	ksft_finished();
}
