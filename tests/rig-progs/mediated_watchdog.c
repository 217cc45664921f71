// SPDX-License-Identifier: GPL-2.0
/*
 * The perf NMI watchdog against a mediated VM, in one run (rig configuration
 * "mediated", phase "watchdog"; issue 12).  Distro kernels run the perf NMI
 * watchdog: a pinned CPU-cycles kernel counter per CPU with exclude_guest=0,
 * i.e. an include-guest event, the most common reason a mediated VM cannot be
 * created.  The rig kernel builds it (kconfig/rig.config: HARDLOCKUP_DETECTOR)
 * and boots with nmi_watchdog=0; this program turns it on and off through
 * /proc/sys/kernel/nmi_watchdog.
 *
 * What 6.12 does on a write of kernel.nmi_watchdog (kernel/watchdog.c,
 * kernel/watchdog_perf.c), which the assertions below follow:
 *  - proc_nmi_watchdog() refuses writes with -ENOTSUPP only when
 *    watchdog_hardlockup_available is false, i.e. when the boot-time probe
 *    failed (the file is then 0444 too).  The probe,
 *    watchdog_hardlockup_probe() from lockup_detector_init() (before SMP
 *    bring-up, whatever nmi_watchdog= says), creates the perf event on the boot
 *    CPU and releases it at once with perf_event_release_kernel(), so at boot
 *    nothing is left that would block a mediated VM.
 *  - A write that changes the value reconfigures synchronously:
 *    proc_watchdog_common() -> proc_watchdog_update() ->
 *    __lockup_detector_reconfigure() -> softlockup_stop_all()/
 *    softlockup_start_all() (smp_call_on_cpu(), waited for) ->
 *    watchdog_enable() -> watchdog_hardlockup_enable() ->
 *    hardlockup_detector_event_create(); turning it off releases the events
 *    (watchdog_hardlockup_disable() -> perf_event_release_kernel()).  So when
 *    write() returns, the event exists (on) or is gone (off).
 *  - When the event cannot be created (with the series: perf_event_alloc() ->
 *    mediated_pmu_account_event() returns -EOPNOTSUPP while a mediated VM
 *    exists), hardlockup_detector_event_create() tries the identical fallback
 *    attr, logs only with pr_debug() and returns the error;
 *    watchdog_hardlockup_enable() just returns.  The error reaches nobody:
 *    the sysctl write SUCCEEDS, nothing is printed (no "NMI watchdog: Enabled"
 *    line either: that one is printed on the 0 -> 1 transition of
 *    watchdog_cpus, which only a created event bumps), the detector is NOT
 *    marked unavailable (watchdog_hardlockup_available stays true), and a
 *    read of the file gives 1 (it reports watchdog_enabled, the requested
 *    state, not whether an event is armed).  It is not retried later: the
 *    watchdog stays unarmed until it is written again.
 * "Fails cleanly" is therefore: the write is accepted, the detector silently
 * stays unarmed (the phase's kernel log has no second "Enabled" line, a log
 * fact), no splat, and the VM keeps running.
 *
 * Sub-tests (TAP), one VM with an in-kernel irqchip and a real-mode guest
 * that counts in AL and does OUT AL to port 0xe0 in a loop:
 *  1 busy-while-watchdog-armed: nmi_watchdog=1, then the VM's first
 *    KVM_CREATE_VCPU fails with EBUSY (the kernel prints the warning that
 *    names the fix once: log fact, the plan's expectation).
 *  2 vcpu-after-watchdog-off: nmi_watchdog=0, KVM_CREATE_VCPU on the SAME VM
 *    succeeds (the failed attempt left nothing behind).
 *  3 guest-runs: RUN_EXITS OUT exits, AL = 1, 2, 3, ...
 *  4 watchdog-write-while-mediated: nmi_watchdog=1 while the mediated VM
 *    exists: the write is accepted and reads back 1 (6.12, above), and an
 *    include-guest perf event is refused with EOPNOTSUPP (why the watchdog
 *    cannot arm).
 *  5 guest-runs-after-write: RUN_EXITS more OUT exits, the sequence goes on.
 *  6 watchdog-off-while-mediated: nmi_watchdog=0 is accepted (nothing to
 *    release).
 *  7 watchdog-rearms-after-vm: the VM closed (destroyed), an include-guest
 *    perf event can be opened again and nmi_watchdog=1 arms the watchdog (the
 *    second "NMI watchdog: Enabled" line of the phase: log fact), then
 *    nmi_watchdog=0.
 * nmi_watchdog is 0 again at exit, whatever happened.
 *
 * Exit 0 (pass), 1 (fail), 4 (skip, with the reason) when
 * /sys/module/kvm_amd/parameters/enable_mediated_pmu is not Y.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KSFT_SKIP	4

#define MEDIATED_PARAM	"/sys/module/kvm_amd/parameters/enable_mediated_pmu"
#define NMI_WATCHDOG	"/proc/sys/kernel/nmi_watchdog"

#define MEM_SIZE	0x10000UL	/* one slot at GPA 0 */
#define GPA_CODE	0x1000
#define PORT		0xe0
#define RUN_EXITS	200		/* OUT exits per run part */

/* Real mode at GPA_CODE: 1: inc %ax; out %al, $0xe0; jmp 1b */
static const uint8_t guest_code[] = {
	0x40,			/* inc %ax */
	0xe6, PORT,		/* out %al, $PORT */
	0xeb, 0xfb,		/* jmp -5 */
};

static int kvm_fd = -1, vm_fd = -1, vcpu_fd = -1, run_size;
static struct kvm_run *run;
static uint8_t *mem;
static uint8_t next_al = 1;	/* the value the guest's next OUT must carry */
static int failed, ntap;

static void skip(const char *why)
{
	printf("SKIP: %s\n", why);
	exit(KSFT_SKIP);
}

static void die(const char *what)
{
	printf("# FAIL: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void tap(int ok, const char *name)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++ntap, name);
	if (!ok)
		failed = 1;
}

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* Write kernel.nmi_watchdog; 0 or -errno (async-signal-safe: used at exit). */
static int set_watchdog(int on)
{
	int fd = open(NMI_WATCHDOG, O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, on ? "1\n" : "0\n", 2) != 2)
		err = -errno;
	close(fd);
	return err;
}

/* kernel.nmi_watchdog as read back: 0, 1, or -1. */
static int get_watchdog(void)
{
	char buf[16];

	if (read_line(NMI_WATCHDOG, buf, sizeof(buf)))
		return -1;
	return atoi(buf);
}

static int watchdog_touched;

static void restore_watchdog(void)
{
	if (watchdog_touched && set_watchdog(0))
		printf("# could not restore nmi_watchdog=0\n");
}

static void on_alarm(int sig)
{
	static const char msg[] = "# FAIL: timeout (a KVM_RUN or a sysctl write hung)\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	set_watchdog(0);
	_exit(1);
}

/* Step and print a sysctl write, with the errno text 6.12 gives. */
static int watchdog_write(int on)
{
	int err = set_watchdog(on);

	watchdog_touched = 1;
	printf("# write %d > " NMI_WATCHDOG ": %s%s", on, err ? "refused: " : "accepted",
	       err ? strerror(-err) : "");
	if (err == -524)	/* ENOTSUPP, kernel-internal */
		printf(" (ENOTSUPP: the perf NMI watchdog probe failed at boot)");
	printf("; reads back %d\n", get_watchdog());
	return err;
}

/* An include-guest (exclude_guest=0) CPU-cycles event on this task: fd or -errno. */
static int open_include_guest_event(void)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_HW_CPU_CYCLES,
		.disabled = 1,
	};
	int fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);

	return fd < 0 ? -errno : fd;
}

static void create_vm(void)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE,
	};

	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm_fd < 0)
		die("KVM_CREATE_VM");
	/* An in-kernel irqchip: without one the VM silently gets no PMU. */
	if (ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0))
		die("KVM_CREATE_IRQCHIP");
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap guest memory");
	memcpy(mem + GPA_CODE, guest_code, sizeof(guest_code));
	region.userspace_addr = (uint64_t)mem;
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region))
		die("KVM_SET_USER_MEMORY_REGION");
}

/* The vCPU exists (vcpu_fd): CPUID, real mode at GPA_CODE, kvm_run mapped. */
static void setup_vcpu(void)
{
	struct kvm_cpuid2 *cpuid;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int nent = 256;

	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");
	/* Everything KVM supports, the PMU among it: a mediated vCPU with a PMU. */
	cpuid = calloc(1, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
	if (!cpuid)
		die("calloc");
	cpuid->nent = nent;
	if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid))
		die("KVM_GET_SUPPORTED_CPUID");
	if (ioctl(vcpu_fd, KVM_SET_CPUID2, cpuid))
		die("KVM_SET_CPUID2");
	free(cpuid);

	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs))
		die("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sregs))
		die("KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = GPA_CODE;
	regs.rflags = 0x2;
	if (ioctl(vcpu_fd, KVM_SET_REGS, &regs))
		die("KVM_SET_REGS");
}

/* n OUT exits, each carrying the next AL: 1 if all came as expected. */
static int run_guest(int n)
{
	int i;

	for (i = 0; i < n; i++) {
		uint8_t al;

		if (ioctl(vcpu_fd, KVM_RUN, 0)) {
			printf("# KVM_RUN: %s (after %d exits)\n", strerror(errno), i);
			return 0;
		}
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != PORT ||
		    run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 1) {
			printf("# unexpected exit (reason %u, port 0x%x) after %d exits\n",
			       run->exit_reason, run->exit_reason == KVM_EXIT_IO ?
			       run->io.port : 0, i);
			return 0;
		}
		al = *((uint8_t *)run + run->io.data_offset);
		if (al != next_al) {
			printf("# OUT %u, expected %u, after %d exits\n", al, next_al, i);
			return 0;
		}
		next_al++;
	}
	printf("# %d OUT exits as expected\n", n);
	return 1;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	char param[16];
	int err, fd, ok, initial, busy;

	setvbuf(stdout, NULL, _IOLBF, 0);

	if (read_line(MEDIATED_PARAM, param, sizeof(param)))
		skip("enable_mediated_pmu is not Y (no " MEDIATED_PARAM ")");
	if (strcmp(param, "Y"))
		skip("enable_mediated_pmu is not Y");
	/* Not a skip: the rig kernel must have the perf NMI watchdog (kconfig/rig.config). */
	initial = get_watchdog();
	if (initial < 0) {
		printf("# FAIL: no " NMI_WATCHDOG ": the kernel lacks "
		       "CONFIG_HARDLOCKUP_DETECTOR (kconfig/rig.config)\n");
		return 1;
	}
	printf("# enable_mediated_pmu=Y; nmi_watchdog reads %d at start (boot: nmi_watchdog=0)\n",
	       initial);

	kvm_fd = open("/dev/kvm", O_RDWR);
	if (kvm_fd < 0)
		skip("no /dev/kvm");
	if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) <= 0)
		skip("no in-kernel irqchip (KVM_CAP_IRQCHIP)");
	run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0)
		die("KVM_GET_VCPU_MMAP_SIZE");

	atexit(restore_watchdog);
	sigaction(SIGALRM, &sa, NULL);
	alarm(120);
	printf("1..7\n");

	/* 1: the armed watchdog's include-guest event blocks the first vCPU. */
	err = watchdog_write(1);
	create_vm();
	vcpu_fd = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
	busy = vcpu_fd < 0 && errno == EBUSY;
	if (vcpu_fd >= 0)
		printf("# KVM_CREATE_VCPU succeeded with nmi_watchdog=1: no include-guest "
		       "event was in the way (is the perf NMI watchdog armed?)\n");
	else
		printf("# KVM_CREATE_VCPU with nmi_watchdog=1: %s\n", strerror(errno));
	tap(!err && busy, "busy-while-watchdog-armed");

	/* 2: watchdog off, the same VM gets its first vCPU. */
	err = watchdog_write(0);
	if (vcpu_fd < 0) {
		vcpu_fd = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
		if (vcpu_fd < 0)
			printf("# KVM_CREATE_VCPU with nmi_watchdog=0: %s\n", strerror(errno));
	}
	tap(!err && vcpu_fd >= 0, "vcpu-after-watchdog-off");
	if (vcpu_fd < 0) {
		printf("# FAIL: no vCPU, the remaining steps cannot run\n");
		return 1;
	}
	setup_vcpu();

	/* 3: it runs. */
	tap(run_guest(RUN_EXITS), "guest-runs");

	/* 4: nmi_watchdog=1 while the mediated VM exists (see the header for 6.12). */
	err = watchdog_write(1);
	ok = !err && get_watchdog() == 1;
	fd = open_include_guest_event();
	if (fd >= 0) {
		printf("# an include-guest perf event opened while a mediated VM exists\n");
		close(fd);
		ok = 0;
	} else {
		printf("# include-guest perf event while the VM exists: %s\n", strerror(-fd));
		ok = ok && fd == -EOPNOTSUPP;
	}
	tap(ok, "watchdog-write-while-mediated");

	/* 5: the VM keeps running. */
	tap(run_guest(RUN_EXITS), "guest-runs-after-write");

	/* 6: and the watchdog can be turned off again with the VM alive. */
	err = watchdog_write(0);
	tap(!err && get_watchdog() == 0, "watchdog-off-while-mediated");

	/* 7: once the VM is gone, the watchdog arms again. */
	munmap(run, run_size);
	close(vcpu_fd);
	close(vm_fd);
	vcpu_fd = vm_fd = -1;
	fd = open_include_guest_event();
	if (fd >= 0)
		close(fd);
	else
		printf("# include-guest perf event after the VM was closed: %s\n",
		       strerror(-fd));
	ok = fd >= 0 && !watchdog_write(1) && get_watchdog() == 1;
	ok = !watchdog_write(0) && ok;
	tap(ok, "watchdog-rearms-after-vm");

	alarm(0);
	printf("# %s\n", failed ? "FAIL" : "PASS");
	return failed;
}
