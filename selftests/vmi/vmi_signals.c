// SPDX-License-Identifier: GPL-2.0
/*
 * vmi_signals: threads and signals, the paths that switch stacks, save
 * and restore user state, and return through sigreturn.
 *
 *   vmi_signals [--rounds N]      (default 50)
 *
 * Several threads each own an alternate signal stack. The tests send
 * signals to chosen threads (tgkill, rt_tgsigqueueinfo with a value),
 * to the process with all but one thread blocking, and from POSIX timers
 * aimed at one thread; they overflow a thread's stack into its guard page
 * and recover on the alternate stack; and they check that the x87 state
 * and the general registers a thread is using survive a handler that
 * clobbers them. Every handler records which thread and which stack it
 * ran on, and the checks compare that with what was intended.
 * Output is kselftest TAP; the exit status is non-zero on any failure.
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
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>

#include "../kselftest.h"

#define THREADS		4
#define ALTSTACK_SIZE	(64 * 1024)

static int rounds = 50;

struct worker {
	pthread_t thread;
	pid_t tid;
	int index;
	char *altstack;
	/* Written by handlers running on this thread (BUMP), read by count(). */
	int got_usr1, got_rt, got_alarm, got_usr2;
	int wrong_thread, wrong_stack, wrong_value;
	int rt_last;			/* sequence of the last RT signal */
	int fpu_errors;
	int overflow_recovered;
	sigjmp_buf overflow_env;
};

static struct worker workers[THREADS];
static __thread struct worker *self;
static int stop;

#define BUMP(field)	__atomic_fetch_add(&(field), 1, __ATOMIC_RELAXED)
static pthread_barrier_t barrier;

static pid_t gettid_(void)
{
	return syscall(SYS_gettid);
}

static int tgkill_(pid_t tid, int sig)
{
	return syscall(SYS_tgkill, getpid(), tid, sig);
}

static int on_altstack(struct worker *w, void *addr)
{
	char *a = addr;

	return a >= w->altstack && a < w->altstack + ALTSTACK_SIZE;
}

/* Common checks of every handler: right thread, right stack. */
static struct worker *handler_entry(void)
{
	struct worker *w = self;
	char here;
	stack_t ss;

	if (!w)
		return NULL;
	if (gettid_() != w->tid)
		BUMP(w->wrong_thread);
	if (!on_altstack(w, &here) || sigaltstack(NULL, &ss) ||
	    !(ss.ss_flags & SS_ONSTACK))
		BUMP(w->wrong_stack);
	return w;
}

/* Resets the x87 unit and leaves values on its stack; sigreturn must undo it. */
static void clobber_fpu(void)
{
	asm volatile("fninit; fldpi; fldpi; fldpi" : : : "memory");
}

static void usr1_handler(int sig)
{
	struct worker *w = handler_entry();

	if (w)
		BUMP(w->got_usr1);
	clobber_fpu();
}

static void usr2_handler(int sig)
{
	struct worker *w = handler_entry();

	if (w)
		BUMP(w->got_usr2);
}

static void rt_handler(int sig, siginfo_t *si, void *uc)
{
	struct worker *w = handler_entry();

	if (!w)
		return;
	/* Values arrive in order: index * 1000000 + sequence. */
	if (si->si_code != SI_QUEUE ||
	    si->si_value.sival_int / 1000000 != w->index ||
	    si->si_value.sival_int % 1000000 != w->rt_last + 1)
		BUMP(w->wrong_value);
	w->rt_last = si->si_value.sival_int % 1000000;
	BUMP(w->got_rt);
	clobber_fpu();
}

static void alarm_handler(int sig, siginfo_t *si, void *uc)
{
	struct worker *w = handler_entry();

	if (w)
		BUMP(w->got_alarm);
}

static void segv_handler(int sig, siginfo_t *si, void *uc)
{
	struct worker *w = handler_entry();

	if (!w)
		_exit(99);
	BUMP(w->overflow_recovered);
	siglongjmp(w->overflow_env, 1);
}

static int install(int sig, void (*h)(int), void (*sa3)(int, siginfo_t *, void *))
{
	struct sigaction sa = { .sa_flags = SA_ONSTACK | SA_RESTART };

	sigemptyset(&sa.sa_mask);
	if (sa3) {
		sa.sa_sigaction = sa3;
		sa.sa_flags |= SA_SIGINFO;
	} else {
		sa.sa_handler = h;
	}
	if (sig == SIGSEGV)
		sa.sa_flags |= SA_NODEFER;
	return sigaction(sig, &sa, NULL);
}

/* Recursion that only the guard page stops (the limit is never reached). */
static int recurse_limit = 1 << 30;

static int recurse(char *prev, int depth)
{
	char frame[1024];

	if (depth > __atomic_load_n(&recurse_limit, __ATOMIC_RELAXED))
		return 0;
	frame[0] = prev ? prev[0] + 1 : 0;
	frame[sizeof(frame) - 1] = (char)depth;
	asm volatile("" : : "r" (frame) : "memory");	/* the frame is used */
	return recurse(frame, depth + 1) + frame[sizeof(frame) - 1];
}

/*
 * The thread's own work between signals: an x87 sum and a register
 * chain whose result is known; signal handlers that run in between must
 * leave both intact.
 */
static void fpu_work(struct worker *w)
{
	double sum = 0, want = 0;
	int i;

	/* Each partial sum goes through memory, so both round alike. */
	for (i = 1; i <= 2000; i++) {
		sum += 1.0 / i;
		asm volatile("" : "+m" (sum));
		want += 1.0 / i;
		asm volatile("" : "+m" (want));
	}
	if (sum != want)
		BUMP(w->fpu_errors);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	stack_t ss = { .ss_size = ALTSTACK_SIZE };
	sigset_t set;

	self = w;
	w->tid = gettid_();
	w->altstack = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ss.ss_sp = w->altstack;
	if (w->altstack == MAP_FAILED || sigaltstack(&ss, NULL))
		__atomic_fetch_add(&w->wrong_stack, 1000, __ATOMIC_RELAXED);
	/* Only worker 0 accepts process-wide SIGUSR2. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(w->index ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
	pthread_barrier_wait(&barrier);
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		fpu_work(w);
		sched_yield();	/* let the sender run on a busy CPU */
	}
	pthread_barrier_wait(&barrier);
	/* Stack overflow phase: all threads at once, started by the main thread. */
	pthread_barrier_wait(&barrier);
	if (!sigsetjmp(w->overflow_env, 1))
		recurse(NULL, 0);
	pthread_barrier_wait(&barrier);
	return NULL;
}

static int count(size_t off)
{
	int i, n = 0;

	for (i = 0; i < THREADS; i++)
		n += __atomic_load_n((int *)((char *)&workers[i] + off), __ATOMIC_RELAXED);
	return n;
}

#define SUM(field) count(offsetof(struct worker, field))

/* Wait (at most 10 s) until the handlers have counted @want in total. */
static int wait_for(size_t off, int want)
{
	struct timespec now, end;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += 10;
	while (count(off) < want) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec > end.tv_nsec))
			return 0;
		sched_yield();
	}
	return 1;
}

int main(int argc, char **argv)
{
	int i, r, ok;
	pthread_attr_t attr;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else
			ksft_exit_fail_msg("usage: %s [--rounds N]\n", argv[0]);
	}
	if (rounds < 1 || rounds >= 1000000)
		ksft_exit_fail_msg("--rounds must be 1..999999\n");

	ksft_print_header();
	ksft_set_plan(7);

	if (install(SIGUSR1, usr1_handler, NULL) || install(SIGUSR2, usr2_handler, NULL) ||
	    install(SIGRTMIN, NULL, rt_handler) || install(SIGALRM, NULL, alarm_handler) ||
	    install(SIGSEGV, NULL, segv_handler))
		ksft_exit_fail_msg("sigaction: %s\n", strerror(errno));
	/* SIGUSR2 stays blocked in the main thread and workers 1.. */
	{
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR2);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
	}

	pthread_barrier_init(&barrier, NULL, THREADS + 1);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (i = 0; i < THREADS; i++) {
		workers[i].index = i;
		if (pthread_create(&workers[i].thread, &attr, worker_main, &workers[i]))
			ksft_exit_fail_msg("pthread_create: %s\n", strerror(errno));
	}
	pthread_barrier_wait(&barrier);

	/* 1. tgkill to each thread in turn, one signal in flight at a time. */
	ok = 1;
	for (r = 0; r < rounds && ok; r++)
		for (i = 0; i < THREADS && ok; i++) {
			int before = SUM(got_usr1);

			ok &= !tgkill_(workers[i].tid, SIGUSR1);
			ok &= wait_for(offsetof(struct worker, got_usr1), before + 1);
		}
	for (i = 0; i < THREADS; i++)
		ok &= workers[i].got_usr1 == rounds;
	ksft_test_result(ok && SUM(wrong_thread) == 0 && SUM(wrong_stack) == 0,
			 "tgkill: %d SIGUSR1 handled, each on its thread and its alternate stack\n",
			 SUM(got_usr1));

	/* 2. Queued RT signals with values, in order, per thread. */
	ok = 1;
	for (r = 1; r <= rounds; r++)
		for (i = 0; i < THREADS; i++) {
			siginfo_t si = { .si_signo = SIGRTMIN, .si_code = SI_QUEUE,
					 .si_pid = getpid(), .si_uid = getuid() };

			si.si_value.sival_int = i * 1000000 + r;
			while (syscall(SYS_rt_tgsigqueueinfo, getpid(), workers[i].tid,
				       SIGRTMIN, &si)) {
				if (errno != EAGAIN) {
					ok = 0;
					break;
				}
				usleep(100);
			}
		}
	ok &= wait_for(offsetof(struct worker, got_rt), rounds * THREADS);
	ksft_test_result(ok && SUM(got_rt) == rounds * THREADS && SUM(wrong_value) == 0,
			 "rt_tgsigqueueinfo: %d of %d queued values delivered in order\n",
			 SUM(got_rt), rounds * THREADS);

	/* 3. Process-directed signal: only worker 0 has it unblocked. */
	ok = 1;
	for (r = 0; r < rounds / 10 + 1; r++) {
		int before = SUM(got_usr2);

		ok &= !kill(getpid(), SIGUSR2);
		ok &= wait_for(offsetof(struct worker, got_usr2), before + 1);
	}
	ksft_test_result(ok && workers[0].got_usr2 == rounds / 10 + 1 &&
			 SUM(got_usr2) == workers[0].got_usr2,
			 "kill(getpid()): %d SIGUSR2 all delivered to the one unblocking thread\n",
			 SUM(got_usr2));

	/* 4. A POSIX timer aimed at one thread (SIGEV_THREAD_ID). */
	ok = 1;
	{
		struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID,
					.sigev_signo = SIGALRM };
		struct itimerspec its = { .it_value.tv_nsec = 2000000,
					  .it_interval.tv_nsec = 2000000 };
		int want = 20;
		timer_t t;

		sev._sigev_un._tid = workers[THREADS - 1].tid;
		if (timer_create(CLOCK_MONOTONIC, &sev, &t) || timer_settime(t, 0, &its, NULL)) {
			ksft_perror("timer");
			ok = 0;
		} else {
			ok &= wait_for(offsetof(struct worker, got_alarm), want);
			timer_delete(t);
		}
		ksft_test_result(ok && workers[THREADS - 1].got_alarm >= want &&
				 SUM(got_alarm) == workers[THREADS - 1].got_alarm,
				 "thread-directed POSIX timer: %d SIGALRM, all on the target thread\n",
				 SUM(got_alarm));
	}

	/* 5. Interrupted x87 work survives handlers that clobber the FPU. */
	ksft_test_result(SUM(fpu_errors) == 0,
			 "x87 state across %d clobbering handlers: %d wrong sums\n",
			 SUM(got_usr1) + SUM(got_rt), SUM(fpu_errors));

	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_barrier_wait(&barrier);
	/* 6. Stack overflow into the guard page, handled on the alternate stack. */
	pthread_barrier_wait(&barrier);
	pthread_barrier_wait(&barrier);
	ksft_test_result(SUM(overflow_recovered) == THREADS && SUM(wrong_stack) == 0 &&
			 SUM(wrong_thread) == 0,
			 "stack overflow: %d of %d threads recovered on their alternate stack\n",
			 SUM(overflow_recovered), THREADS);

	ok = 1;
	for (i = 0; i < THREADS; i++)
		ok &= !pthread_join(workers[i].thread, NULL);
	ksft_test_result(ok, "all threads joined\n");
	ksft_finished();
}
