// SPDX-License-Identifier: GPL-2.0
/*
 * VMI time: the ROM's timer calls as the kernel's clocks.
 *
 * Owns GetCycleFrequency (66), GetCycleCounter (67), SetAlarm (68),
 * CancelAlarm (69) and GetWallclockTime (70). They are bound as:
 *
 *  - the TSC and CPU rate: x86_platform.calibrate_tsc and calibrate_cpu
 *    return GetCycleFrequency / 1000 (the ABI makes the cycle rate the TSC
 *    rate), with X86_FEATURE_TSC_KNOWN_FREQ so nothing recalibrates it;
 *  - the "vmi-timer" clocksource and sched_clock, both on the REAL counter.
 *    The clocksource never returns less than it returned before (one
 *    global high-water mark); sched_clock starts from 0 at boot. (The 2.6
 *    guest read AVAILABLE for sched_clock; 6.12 wants sched_clock to agree
 *    across CPUs and takes stolen time from the steal clock instead, so
 *    the STOLEN counter feeds pv_steal_clock);
 *  - the wall clock: x86_platform.get_wallclock reads GetWallclockTime;
 *    set_wallclock refuses, since the host owns the wall clock;
 *  - per-CPU "vmi-timer" clockevents, one-shot and periodic: REAL alarms
 *    wired to the local APIC's LVT timer. The ROM fires the vector the
 *    guest left in LVTT. That vector is X86_PLATFORM_IPI_VECTOR, whose
 *    handler calls x86_platform_ipi_callback (the NumaChip timer does the
 *    same), so no new system vector is needed and LOCAL_TIMER_VECTOR is
 *    never raised. x86_init.timers.setup_percpu_clockev (boot CPU) and
 *    x86_cpuinit.setup_percpu_clockev (each AP) register this device in
 *    place of the local APIC timer, which is then never calibrated or
 *    registered.
 *
 * GetCycleFrequency is asked once, by the clock table's usable() check;
 * the other calls are hooks bound by bind.c from two tables:
 * vmi_clock_table (counter, and the wall clock if offered) and
 * vmi_alarm_table (SetAlarm, CancelAlarm); the debugfs file is vmi/timer.
 *
 * Rules: the timer is used only if GetCycleFrequency is CALL_REL and
 * vmi=notimer is absent. GetCycleCounter must then be CALL_REL too and the
 * rate sane, else all of time stays native with one message. Alarms also
 * need SetAlarm and CancelAlarm. Each CPU programs its LVTT itself (vector,
 * unmasked) through the APIC driver, as the 2.6 guest did; a ROM owns the
 * timer's mode and count but not the vector or the mask. Without the alarm
 * calls, in x2APIC mode, or when the platform IPI vector is taken, the
 * local APIC timer stays native and only the clocks come from the ROM.
 */
#define pr_fmt(fmt) "vmi: " fmt

#include <linux/atomic.h>
#include <linux/clockchips.h>
#include <linux/clocksource.h>
#include <linux/cpumask.h>
#include <linux/dcache.h>
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/irqflags.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/seq_file.h>
#include <linux/static_call.h>
#include <linux/time64.h>
#include <linux/timekeeping.h>
#include <asm/apic.h>
#include <asm/cpufeature.h>
#include <asm/irq.h>
#include <asm/irq_vectors.h>
#include <asm/paravirt.h>
#include <asm/x86_init.h>

#include "vmi.h"

/* Cycle rates the conversions below are made for: 1 MHz to 100 GHz. */
#define VMI_TIMER_MIN_HZ	1000000ULL
#define VMI_TIMER_MAX_HZ	100000000000ULL

/* The ROM's timer calls, bound by bind.c from the two tables below. */
struct vmi_timer_calls {
	vmi_GetCycleCounter_fn *get_cycle_counter;
	vmi_SetAlarm_fn *set_alarm;
	vmi_CancelAlarm_fn *cancel_alarm;
	vmi_GetWallclockTime_fn *get_wallclock;
};

static struct vmi_timer_calls vmi_timer __ro_after_init;
static u64 vmi_cycle_hz __ro_after_init;
static u32 vmi_ns_mult __ro_after_init;
static u32 vmi_ns_shift __ro_after_init;
static u64 vmi_sched_clock_base __ro_after_init;
static void (*vmi_native_get_wallclock)(struct timespec64 *ts) __ro_after_init;
static const char *vmi_alarm_state __ro_after_init = "native: not set up";

static __always_inline u64 vmi_read_real(void)
{
	return vmi_timer.get_cycle_counter(VMI_CYCLES_REAL);
}

static __always_inline u64 vmi_cycles_to_ns(u64 cycles)
{
	return mul_u64_u32_shr(cycles, vmi_ns_mult, vmi_ns_shift);
}

/* The largest shift whose multiplier still fits in 32 bits. */
static void __init vmi_ns_scale_init(void)
{
	u32 shift = 32;

	while (shift && div64_u64((u64)NSEC_PER_SEC << shift, vmi_cycle_hz) > U32_MAX)
		shift--;
	vmi_ns_shift = shift;
	vmi_ns_mult = div64_u64((u64)NSEC_PER_SEC << shift, vmi_cycle_hz);
}

/**** TSC rate, sched_clock, wall clock ****/

static unsigned long vmi_tsc_khz(void)
{
	setup_force_cpu_cap(X86_FEATURE_TSC_KNOWN_FREQ);
	return div_u64(vmi_cycle_hz, 1000);
}

static noinstr u64 vmi_sched_clock(void)
{
	return vmi_cycles_to_ns(vmi_read_real() - vmi_sched_clock_base);
}

/* 0 means the ROM could not read its clock: ask the hardware instead. */
static void vmi_get_wallclock(struct timespec64 *ts)
{
	u64 ns = vmi_timer.get_wallclock();

	if (!ns || ns > S64_MAX) {
		vmi_native_get_wallclock(ts);
		return;
	}
	*ts = ns_to_timespec64(ns);
}

static int vmi_set_wallclock(const struct timespec64 *ts)
{
	return -ENODEV;
}

/**** Clocksource ****/

static atomic64_t vmi_clocksource_last = ATOMIC64_INIT(0);

static u64 vmi_clocksource_read(struct clocksource *cs)
{
	u64 now = vmi_read_real();
	s64 last = atomic64_read(&vmi_clocksource_last);

	do {
		if (now <= (u64)last)
			return last;
	} while (!atomic64_try_cmpxchg(&vmi_clocksource_last, &last, now));
	return now;
}

static struct clocksource vmi_clocksource = {
	.name		= "vmi-timer",
	.rating		= 450,
	.read		= vmi_clocksource_read,
	.mask		= CLOCKSOURCE_MASK(64),
	.flags		= CLOCK_SOURCE_IS_CONTINUOUS,
};

/**** Clockevents ****/

#ifdef CONFIG_X86_LOCAL_APIC

#define VMI_ALARM_REAL_LVTT	(VMI_CYCLES_REAL | VMI_ALARM_WIRED_LVTT)
#define VMI_ALARM_VECTOR	X86_PLATFORM_IPI_VECTOR

/*
 * Per CPU: alarm interrupts; with vmi=stats also the expiry of the pending
 * one-shot alarm (0: none) and what the interrupts said about the ROM's
 * accuracy: fired before the expiry, or how late, measured on the REAL
 * counter in the interrupt handler (one more GetCycleCounter per alarm,
 * so only when asked for).
 */
struct vmi_alarm_stats {
	u64 expiry;
	unsigned long irqs;
	unsigned long timed;
	unsigned long early;
	u64 late_sum;
	u64 late_max;
};

static DEFINE_PER_CPU(struct clock_event_device, vmi_clockevent);
static DEFINE_PER_CPU(struct vmi_alarm_stats, vmi_alarm_stats);

/* A clockevent tick is 2^vmi_alarm_shift cycles, so its rate fits u32. */
static unsigned int vmi_alarm_shift __ro_after_init;
static void (*vmi_native_ap_clockev)(void) __ro_after_init;
static void (*vmi_native_boot_clockev)(void) __initdata;

static int vmi_alarm_next_event(unsigned long delta,
				struct clock_event_device *evt)
{
	u64 expiry = vmi_read_real() + ((u64)delta << vmi_alarm_shift);

	if (vmi_stats_on())
		this_cpu_write(vmi_alarm_stats.expiry, expiry);
	vmi_timer.set_alarm(VMI_ALARM_REAL_LVTT | VMI_ALARM_IS_ONESHOT,
			    expiry, 0);
	return 0;
}

static int vmi_alarm_set_periodic(struct clock_event_device *evt)
{
	u64 period = div_u64(vmi_cycle_hz + HZ / 2, HZ);

	vmi_timer.set_alarm(VMI_ALARM_REAL_LVTT | VMI_ALARM_IS_PERIODIC,
			    vmi_read_real() + period, period);
	return 0;
}

/* Shutdown, and the way into one-shot mode: a periodic alarm must stop. */
static int vmi_alarm_stop(struct clock_event_device *evt)
{
	this_cpu_write(vmi_alarm_stats.expiry, 0);
	vmi_timer.cancel_alarm(VMI_ALARM_REAL_LVTT);
	return 0;
}

static const struct clock_event_device vmi_clockevent_template = {
	.name			= "vmi-timer",
	.features		= CLOCK_EVT_FEAT_PERIODIC |
				  CLOCK_EVT_FEAT_ONESHOT,
	.rating			= 400,
	.irq			= -1,
	.set_next_event		= vmi_alarm_next_event,
	.set_state_periodic	= vmi_alarm_set_periodic,
	.set_state_oneshot	= vmi_alarm_stop,
	.set_state_oneshot_stopped = vmi_alarm_stop,
	.set_state_shutdown	= vmi_alarm_stop,
};

static void vmi_alarm_interrupt(void)
{
	struct clock_event_device *evt = this_cpu_ptr(&vmi_clockevent);
	struct vmi_alarm_stats *st = this_cpu_ptr(&vmi_alarm_stats);

	st->irqs++;
	if (vmi_stats_on() && st->expiry) {
		u64 now = vmi_read_real();

		st->timed++;
		if (now < st->expiry) {
			st->early++;
		} else {
			st->late_sum += now - st->expiry;
			st->late_max = max(st->late_max, now - st->expiry);
		}
		st->expiry = 0;
	}
	if (evt->event_handler)
		evt->event_handler(evt);
}

/*
 * On the CPU being brought up: program LVTT with the vector, unmasked (the
 * count stays 0 until the first alarm), and register the device. Limits:
 * 1 us to 1 s.
 */
static void vmi_alarm_setup_cpu(void)
{
	struct clock_event_device *evt = this_cpu_ptr(&vmi_clockevent);
	u32 hz = vmi_cycle_hz >> vmi_alarm_shift;

	apic_write(APIC_LVTT, VMI_ALARM_VECTOR);

	*evt = vmi_clockevent_template;
	evt->cpumask = cpumask_of(smp_processor_id());
	clockevents_config_and_register(evt, hz,
					max_t(u32, hz / USEC_PER_SEC, 1), hz);
}

static void __init vmi_alarm_setup_boot_cpu(void)
{
	const char *why = NULL;

	if (x2apic_mode)
		why = "x2APIC mode";
	else if (x86_platform_ipi_callback)
		why = "the platform IPI vector is taken";
	if (why) {
		pr_warn("timer: no ROM alarms (%s): local APIC timer\n", why);
		vmi_alarm_state = "native: x2APIC or platform IPI vector taken";
		vmi_unbind_table(&vmi_alarm_table);
		x86_cpuinit.setup_percpu_clockev = vmi_native_ap_clockev;
		vmi_native_boot_clockev();
		return;
	}

	x86_platform_ipi_callback = vmi_alarm_interrupt;
	vmi_alarm_state = "rom: LVTT, vector 0xf7";
	BUILD_BUG_ON(VMI_ALARM_VECTOR != 0xf7);
	vmi_alarm_setup_cpu();
	pr_info("timer: per-CPU clockevents on ROM alarms (LVTT, vector %#x)\n",
		VMI_ALARM_VECTOR);
}

/* Alarms only on the ROM's clock. */
static bool vmi_alarm_usable(void)
{
	return vmi_table_bound(&vmi_clock_table);
}

static const struct vmi_binding vmi_alarm_bindings[] = {
	VMI_HOOK(vmi_timer.set_alarm, SetAlarm, .skip_opts = VMI_OPT_NOTIMER),
	VMI_HOOK(vmi_timer.cancel_alarm, CancelAlarm,
		 .skip_opts = VMI_OPT_NOTIMER),
};

const struct vmi_binding_table vmi_alarm_table = {
	.name = "alarm",
	.bindings = vmi_alarm_bindings,
	.count = ARRAY_SIZE(vmi_alarm_bindings),
	.usable = vmi_alarm_usable,
};

static const char * __init vmi_alarm_init(void)
{
	if (!vmi_table_bound(&vmi_alarm_table)) {
		vmi_alarm_state = "native: no SetAlarm/CancelAlarm";
		return "no SetAlarm/CancelAlarm";
	}

	while ((vmi_cycle_hz >> vmi_alarm_shift) > U32_MAX)
		vmi_alarm_shift++;
	vmi_native_boot_clockev = x86_init.timers.setup_percpu_clockev;
	vmi_native_ap_clockev = x86_cpuinit.setup_percpu_clockev;
	x86_init.timers.setup_percpu_clockev = vmi_alarm_setup_boot_cpu;
	x86_cpuinit.setup_percpu_clockev = vmi_alarm_setup_cpu;
	return NULL;
}

/*
 * Per CPU: alarm interrupts, and of the one-shot ones, how many came
 * before their expiry and the mean and worst lateness of the others (ns).
 */
static void vmi_alarm_show(struct seq_file *m)
{
	int cpu;

	for_each_online_cpu(cpu) {
		const struct vmi_alarm_stats *st = per_cpu_ptr(&vmi_alarm_stats, cpu);
		unsigned long on_time = st->timed - st->early;

		seq_printf(m, "cpu%d_alarm_irqs: %lu\n", cpu, st->irqs);
		seq_printf(m, "cpu%d_alarm_oneshot: %lu early %lu late_avg_ns %llu late_max_ns %llu\n",
			   cpu, st->timed, st->early,
			   on_time ? vmi_cycles_to_ns(div_u64(st->late_sum, on_time)) : 0,
			   vmi_cycles_to_ns(st->late_max));
	}
}

#else /* !CONFIG_X86_LOCAL_APIC */

static const char * __init vmi_alarm_init(void)
{
	vmi_alarm_state = "native: no local APIC support";
	return "no local APIC support";
}

static void vmi_alarm_show(struct seq_file *m) { }

#endif /* CONFIG_X86_LOCAL_APIC */

/**** Setup ****/

/*
 * Whether the ROM's clock can be used (says why not if not): asked by
 * bind.c before the clock table is bound; reads the cycle rate once.
 */
static bool vmi_clock_usable(void)
{
	u64 hz;

	if (vmi_options & VMI_OPT_NOTIMER) {
		pr_info("timer: native (vmi=notimer)\n");
		return false;
	}
	if (!vmi_rom_has(GetCycleFrequency)) {
		pr_info("timer: native (no GetCycleFrequency in the ROM)\n");
		return false;
	}
	if (!vmi_rom_has(GetCycleCounter)) {
		pr_warn("timer: GetCycleFrequency without GetCycleCounter, staying native\n");
		return false;
	}
	hz = vmi_rom_call(GetCycleFrequency);
	if (hz < VMI_TIMER_MIN_HZ || hz > VMI_TIMER_MAX_HZ) {
		pr_warn("timer: cycle rate %llu Hz out of range, staying native\n",
			hz);
		return false;
	}
	vmi_cycle_hz = hz;		/* asked once: vmi_time_init() uses it */
	return true;
}

static const struct vmi_binding vmi_clock_bindings[] = {
	VMI_HOOK(vmi_timer.get_cycle_counter, GetCycleCounter,
		 .skip_opts = VMI_OPT_NOTIMER),
	VMI_HOOK(vmi_timer.get_wallclock, GetWallclockTime,
		 .skip_opts = VMI_OPT_NOTIMER, .optional = true),
};

const struct vmi_binding_table vmi_clock_table = {
	.name = "clock",
	.bindings = vmi_clock_bindings,
	.count = ARRAY_SIZE(vmi_clock_bindings),
	.usable = vmi_clock_usable,
};

/*
 * Called from vmi_init() at the top of setup_arch(), after binding: the
 * hooks must be in place before tsc_early_init() and timekeeping_init(),
 * and the per-CPU clockevent hooks before SMP setup.
 */
void __init vmi_time_init(void)
{
	const char *no_alarms;
	u64 hz, mhz;
	u32 rem;

	if (!vmi_table_bound(&vmi_clock_table))
		return;
	hz = vmi_cycle_hz;
	vmi_ns_scale_init();

	x86_platform.calibrate_tsc = vmi_tsc_khz;
	x86_platform.calibrate_cpu = vmi_tsc_khz;

	if (vmi_timer.get_wallclock) {
		vmi_native_get_wallclock = x86_platform.get_wallclock;
		x86_platform.get_wallclock = vmi_get_wallclock;
		x86_platform.set_wallclock = vmi_set_wallclock;
	}

	vmi_sched_clock_base = vmi_read_real();
	paravirt_set_sched_clock(vmi_sched_clock);

	if (hz <= U32_MAX)
		clocksource_register_hz(&vmi_clocksource, hz);
	else
		clocksource_register_khz(&vmi_clocksource, div_u64(hz, 1000));

	no_alarms = vmi_alarm_init();
	mhz = div_u64_rem(hz, 1000000, &rem);
	pr_info("timer: %llu.%06u MHz cycle counter: clocksource, sched_clock, TSC rate%s; %s%s\n",
		mhz, rem,
		vmi_timer.get_wallclock ? ", wall clock" : "",
		no_alarms ? "local APIC timer, " : "clockevents on ROM alarms",
		no_alarms ?: "");
}

/**** Stolen time ****/

static DEFINE_PER_CPU(u64, vmi_steal_ns);

/*
 * The scheduler's steal clock: the calling CPU's STOLEN counter in ns.
 * The ROM answers for the calling CPU only, so for another CPU this is
 * the value that CPU read last; steal accounting asks for its own CPU
 * (paravirt_steal_rq_enabled, the remote use, is left off).
 */
static u64 vmi_steal_clock(int cpu)
{
	u64 stolen;

	if (cpu == raw_smp_processor_id()) {
		stolen = vmi_timer.get_cycle_counter(VMI_CYCLES_STOLEN);
		this_cpu_write(vmi_steal_ns, vmi_cycles_to_ns(stolen));
	}
	return per_cpu(vmi_steal_ns, cpu);
}

static int __init vmi_steal_init(void)
{
	if (!vmi_timer.get_cycle_counter)
		return 0;
	static_call_update(pv_steal_clock, vmi_steal_clock);
	static_key_slow_inc(&paravirt_steal_enabled);
	return 0;
}
early_initcall(vmi_steal_init);

/**** debugfs: /sys/kernel/debug/vmi/timer ****/

/*
 * The REAL counter and CLOCK_MONOTONIC read back to back with interrupts
 * off, so a reader can compare the two rates over any interval.
 */
static int vmi_time_show(struct seq_file *m, void *unused)
{
	unsigned long flags;
	u64 cycles, mono;

	local_irq_save(flags);
	mono = ktime_get_ns();
	cycles = vmi_read_real();
	local_irq_restore(flags);

	seq_printf(m, "frequency_hz: %llu\n", vmi_cycle_hz);
	seq_printf(m, "cycles: %llu\nmonotonic_ns: %llu\n", cycles, mono);
	seq_printf(m, "available: %llu\nstolen: %llu\n",
		   vmi_timer.get_cycle_counter(VMI_CYCLES_AVAILABLE),
		   vmi_timer.get_cycle_counter(VMI_CYCLES_STOLEN));
	seq_printf(m, "wallclock: %s\n", vmi_timer.get_wallclock ? "rom" : "native");
	seq_printf(m, "alarms: %s\n", vmi_alarm_state);
	vmi_alarm_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmi_time);

/* debugfs.c's vmi directory: the timer file, when the ROM clock is used. */
void vmi_time_debugfs(struct dentry *dir)
{
	if (vmi_table_bound(&vmi_clock_table))
		debugfs_create_file("timer", 0444, dir, NULL, &vmi_time_fops);
}
