// SPDX-License-Identifier: GPL-2.0
/*
 * Proof that KVM's SVM exit fastpath runs on the rig (issue 11, item 5), with
 * its negative control.
 *
 * Witness: the hit count of a kprobe on svm_handle_exit (the plan creates it:
 * "kprobe NAME kvm_amd:svm_handle_exit"), read from tracefs before and after
 * each part.  vcpu_enter_guest() re-enters the guest without calling
 * svm_handle_exit() when svm_exit_handlers_fastpath() returns
 * EXIT_FASTPATH_REENTER_GUEST; every other exit goes through it once.  The
 * fastpath runs only with nrips && control->next_rip (6.12 svm.c).
 *
 * The guest (raw KVM API, 64-bit, in-kernel irqchip, both vCPUs in x2APIC mode):
 *  - vCPU1 enables its APIC and halts with RFLAGS.IF=0: it stays blocked in
 *    KVM (no exits), a valid IPI target whose IRR just collects the IPIs.
 *  - vCPU0, with RFLAGS.IF=0:
 *    calibration: K x CPUID, an exit KVM never completes in the fastpath:
 *             the probe must count at least K (it is live and counts every
 *             slow exit; a dead probe would "prove" anything);
 *    ipi:     N x WRMSR(x2APIC ICR) = fixed, physical, no shorthand, vector
 *             0x40, destination APIC ID 1: handle_fastpath_set_x2apic_icr_irqoff()
 *             takes exactly these; the target is another vCPU, so no request
 *             is left pending on the sender and the fastpath re-enters.
 *    hlt:     M cycles of: self-IPI (vector 0x41) with IF=0; STI; HLT; CLI.  At
 *             the HLT exit the interrupt is pending; skipping the HLT clears
 *             the STI shadow, so kvm_vcpu_has_events() finds an allowed
 *             interrupt, the vCPU stays runnable and handle_fastpath_hlt()
 *             re-enters the guest: the HLT resumes at once.  Without AVIC the
 *             pending interrupt still costs slow exits of its own (the
 *             self-IPI leaves KVM_REQ_EVENT pending, the armed interrupt
 *             window exits as VINTR, the handler's EOI write is intercepted),
 *             so the HLT is measured differentially:
 *    nop:     M cycles exactly like hlt, with NOP in place of HLT.
 *             hits(hlt) - hits(nop) = the slow HLT exits.
 *
 * Criterion ("far less": below a quarter).  With nrips=0 each of those exits
 * takes svm_handle_exit once, so the counts are at least N and M.  The other
 * slow exits are asynchronous: every host interrupt (mostly the HZ=1000 tick)
 * that arrives on vCPU0's CPU while vCPU0 is in the guest is an INTR exit of
 * its own; they grow with run time, not with N, and on a slow or loaded rig
 * they alone would approach N/4.  So each part's hits are taken net of the
 * host interrupts on vCPU0's CPU during it (/proc/interrupts; vCPU0 is pinned
 * to CPU 0, vCPU1 to CPU 1):
 *    slow(ipi) = hits(ipi) - irqs(ipi)
 *    slow(hlt) = (hits(hlt) - irqs(hlt)) - (hits(nop) - irqs(nop))
 *    ipi-fastpath:  slow(ipi) < N/4          hlt-fastpath:  slow(hlt) < M/4
 * Net of interrupts can only undercount by the interrupts that came while
 * vCPU0 was in the host, so a fastpath that did not run would still give
 * slow(ipi) >= N - irqs(ipi): the fastpath results also require
 * irqs(ipi) < 3N/4 and irqs(hlt) < 3M/4, else the rig was too slow to tell.
 * The negative control (kvm_amd nrips=0) asserts the opposite of each:
 *    ipi-control:   slow(ipi) >= N/4         hlt-control:   slow(hlt) >= M/4
 * The raw counts are printed too.
 * Which one runs: argv[1] "fastpath" or "control"; by default "fastpath" when
 * /sys/module/kvm_amd/parameters/nrips is 1 and "control" when it is 0.
 *
 * Output: "# ..." lines with the counts, TAP sub-tests, MEASURE lines; exit 0
 * (pass), 1 (fail) or 4 (skip, with the reason).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define KSFT_SKIP	4

#define K_CALIB		1000	/* CPUID exits of the calibration */
#define N_IPI		4000	/* ICR writes */
#define M_CYCLES	500	/* HLT cycles, and as many NOP cycles */

#define TRACEFS		"/sys/kernel/tracing"
#define NRIPS_PARAM	"/sys/module/kvm_amd/parameters/nrips"

/* Guest physical layout (one 2 MiB slot at 0, identity-mapped by one 2 MiB page). */
#define MEM_SIZE	0x200000UL
#define GPA_PML4	0x1000
#define GPA_PDPT	0x2000
#define GPA_PD		0x3000
#define GPA_GDT		0x4000
#define GPA_IDT		0x5000
#define GPA_IRQS	0x6000	/* u64: interrupts the guest handled */
#define GPA_CODE	0x8000
#define GPA_STACK0	0x20000
#define GPA_STACK1	0x30000

#define PORT_MARK	0xe0	/* OUT: AL = mark */
#define MARK_CALIB	1	/* the calibration starts */
#define MARK_IPI	2	/* the IPIs start */
#define MARK_HLT	3	/* the HLT cycles start */
#define MARK_NOP	4	/* the NOP cycles start */
#define MARK_DONE	5
#define MARK_VCPU1	0x80	/* vCPU1 is set up and halts next */
#define NR_MARKS	6

/*
 * Guest code, copied to GPA_CODE.  K, N, M come in r8, r9, r10.  Only
 * relative jumps and calls: the code runs at another address than here.
 */
asm(".pushsection .rodata\n"
    ".globl guest_code, guest_code_end, guest_vcpu0, guest_vcpu1, guest_irq\n"
    ".code64\n"
    "guest_code:\n"
    /* x2APIC mode (IA32_APIC_BASE.EN|EXTD), APIC software-enabled (SVR). */
    "x2apic_on:\n\t"
    "mov $0x1b, %ecx\n\t"
    "rdmsr\n\t"
    "or $0xc00, %eax\n\t"
    "wrmsr\n\t"
    "mov $0x80f, %ecx\n\t"
    "mov $0x1ff, %eax\n\t"
    "xor %edx, %edx\n\t"
    "wrmsr\n\t"
    "ret\n"
    "guest_vcpu1:\n\t"
    "call x2apic_on\n\t"
    "mov $0x80, %al\n\t"
    "outb %al, $0xe0\n"
    "1:\n\t"
    "cli\n\t"
    "hlt\n\t"
    "jmp 1b\n"
    "guest_vcpu0:\n\t"
    "call x2apic_on\n\t"
    "mov $1, %al\n\t"
    "outb %al, $0xe0\n\t"
    "mov %r8, %r11\n"
    "2:\n\t"
    "xor %eax, %eax\n\t"
    "cpuid\n\t"
    "dec %r11\n\t"
    "jnz 2b\n\t"
    "mov $2, %al\n\t"
    "outb %al, $0xe0\n\t"
    "mov %r9, %r11\n"
    "3:\n\t"
    "mov $0x830, %ecx\n\t"	/* ICR: fixed, physical, no shorthand */
    "mov $0x40, %eax\n\t"	/* vector 0x40 */
    "mov $1, %edx\n\t"		/* to APIC ID 1 */
    "wrmsr\n\t"
    "dec %r11\n\t"
    "jnz 3b\n\t"
    "mov $3, %al\n\t"
    "outb %al, $0xe0\n\t"
    "mov %r10, %r11\n"
    "4:\n\t"
    "mov $0x830, %ecx\n\t"
    "mov $0x41, %eax\n\t"	/* vector 0x41 */
    "xor %edx, %edx\n\t"	/* to APIC ID 0: itself */
    "wrmsr\n\t"
    "sti\n\t"
    "hlt\n\t"
    "cli\n\t"
    "dec %r11\n\t"
    "jnz 4b\n\t"
    "mov $4, %al\n\t"
    "outb %al, $0xe0\n\t"
    "mov %r10, %r11\n"
    "5:\n\t"
    "mov $0x830, %ecx\n\t"
    "mov $0x41, %eax\n\t"
    "xor %edx, %edx\n\t"
    "wrmsr\n\t"
    "sti\n\t"
    "nop\n\t"
    "cli\n\t"
    "dec %r11\n\t"
    "jnz 5b\n\t"
    "mov $5, %al\n\t"
    "outb %al, $0xe0\n"
    "6:\n\t"
    "cli\n\t"
    "hlt\n\t"
    "jmp 6b\n"
    /* Vectors 0x40 and 0x41: count, EOI (x2APIC EOI MSR), return. */
    "guest_irq:\n\t"
    "push %rax\n\t"
    "push %rcx\n\t"
    "push %rdx\n\t"
    "incq 0x6000\n\t"		/* GPA_IRQS */
    "mov $0x80b, %ecx\n\t"
    "xor %eax, %eax\n\t"
    "xor %edx, %edx\n\t"
    "wrmsr\n\t"
    "pop %rdx\n\t"
    "pop %rcx\n\t"
    "pop %rax\n\t"
    "iretq\n"
    "guest_code_end:\n"
    ".popsection\n");

extern const char guest_code[], guest_code_end[], guest_vcpu0[], guest_vcpu1[],
	guest_irq[];

#define GUEST_ADDR(sym)	(GPA_CODE + (uint64_t)((sym) - guest_code))

static int kvm_fd, vm_fd, vcpu_fd[2];
static struct kvm_run *run[2];
static uint8_t *mem;
static int run_size;
static volatile int vcpu1_ready, vcpu1_stop, vcpu1_done, vcpu1_exits, vcpu1_pinned;
static volatile pid_t vcpu1_tid;
static char vcpu1_error[256];

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

/* --- the witness: a kprobe event on svm_handle_exit ------------------------ */
static char probe_event[128];

/* The event of an enabled kprobe on svm_handle_exit ("p:GROUP/EVENT [MOD:]SYM"). */
static int find_probe(void)
{
	char line[512], path[512], val[16];
	FILE *f = fopen(TRACEFS "/kprobe_events", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char def[256], sym[256], *ev, *colon;

		if (sscanf(line, "%255s %255s", def, sym) != 2 || def[0] != 'p')
			continue;
		colon = strchr(sym, ':');
		if (strcmp(colon ? colon + 1 : sym, "svm_handle_exit"))
			continue;
		ev = strchr(def, ':');
		if (!ev)
			continue;
		snprintf(path, sizeof(path), TRACEFS "/events/%s/enable", ev + 1);
		if (read_line(path, val, sizeof(val)) || strcmp(val, "1"))
			continue;
		snprintf(probe_event, sizeof(probe_event), "%s", strchr(ev, '/') ?
			 strchr(ev, '/') + 1 : ev + 1);
		fclose(f);
		return 0;
	}
	fclose(f);
	return -1;
}

/* Hits and misses of the probe so far (kprobe_profile: "EVENT NHIT NMISSED"). */
static void probe_read(uint64_t *hits, uint64_t *missed)
{
	char line[512], name[256];
	unsigned long long h, m;
	FILE *f = fopen(TRACEFS "/kprobe_profile", "r");

	if (!f)
		die("open " TRACEFS "/kprobe_profile");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%255s %llu %llu", name, &h, &m) == 3 &&
		    !strcmp(name, probe_event)) {
			fclose(f);
			*hits = h;
			*missed = m;
			return;
		}
	}
	fclose(f);
	errno = ENOENT;
	die("the probe vanished from kprobe_profile");
}

/* --- the VM ------------------------------------------------------------------ */
static void setup_memory(void)
{
	uint64_t *pml4, *pdpt, *pd, *gdt, irq = GUEST_ADDR(guest_irq);
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE,
	};
	int v;

	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap guest memory");
	region.userspace_addr = (uint64_t)mem;
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region))
		die("KVM_SET_USER_MEMORY_REGION");

	pml4 = (void *)(mem + GPA_PML4);
	pdpt = (void *)(mem + GPA_PDPT);
	pd = (void *)(mem + GPA_PD);
	pml4[0] = GPA_PDPT | 0x3;		/* present, writable */
	pdpt[0] = GPA_PD | 0x3;
	pd[0] = 0x0 | 0x83;			/* 2 MiB page at 0 */

	gdt = (void *)(mem + GPA_GDT);
	gdt[1] = 0x00af9b000000ffffULL;		/* 0x08: 64-bit code */
	gdt[2] = 0x00cf93000000ffffULL;		/* 0x10: data */
	gdt[3] = 0x00008b000000ffffULL;		/* 0x18: 64-bit TSS (busy) at 0 */

	for (v = 0x40; v <= 0x41; v++) {	/* 64-bit interrupt gates */
		uint64_t *gate = (void *)(mem + GPA_IDT + 16 * v);

		gate[0] = (irq & 0xffff) | (0x08ULL << 16) | (0x8eULL << 40) |
			  ((irq >> 16 & 0xffff) << 48);
		gate[1] = irq >> 32;
	}
	memcpy(mem + GPA_CODE, guest_code, guest_code_end - guest_code);
}

static void setup_vcpu(int id, uint64_t rip, uint64_t rsp)
{
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = 0x08, .type = 0xb,
		.present = 1, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data = {
		.base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 0x3,
		.present = 1, .s = 1, .db = 1, .g = 1,
	};
	struct kvm_segment tr = {
		.base = 0, .limit = 0xffff, .selector = 0x18, .type = 0xb,
		.present = 1,
	};
	struct kvm_mp_state mp_state = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct kvm_cpuid2 *cpuid;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int fd, nent = 256;

	fd = ioctl(vm_fd, KVM_CREATE_VCPU, id);
	if (fd < 0)
		die("KVM_CREATE_VCPU");
	vcpu_fd[id] = fd;
	run[id] = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (run[id] == MAP_FAILED)
		die("mmap kvm_run");

	/* Everything KVM supports, x2APIC among it (KVM emulates it everywhere). */
	cpuid = calloc(1, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
	cpuid->nent = nent;
	if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid))
		die("KVM_GET_SUPPORTED_CPUID");
	if (ioctl(fd, KVM_SET_CPUID2, cpuid))
		die("KVM_SET_CPUID2");
	free(cpuid);

	if (ioctl(fd, KVM_GET_SREGS, &sregs))
		die("KVM_GET_SREGS");
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.tr = tr;
	sregs.gdt.base = GPA_GDT;
	sregs.gdt.limit = 5 * 8 - 1;	/* the TSS descriptor takes two */
	sregs.idt.base = GPA_IDT;
	sregs.idt.limit = 256 * 16 - 1;
	sregs.cr0 = 0x80050033;		/* PG WP NE ET MP PE */
	sregs.cr3 = GPA_PML4;
	sregs.cr4 = 0x20;		/* PAE */
	sregs.efer = 0x500;		/* LMA LME */
	if (ioctl(fd, KVM_SET_SREGS, &sregs))
		die("KVM_SET_SREGS");

	memset(&regs, 0, sizeof(regs));
	regs.rip = rip;
	regs.rsp = rsp;
	regs.rflags = 0x2;		/* IF = 0 */
	regs.r8 = K_CALIB;
	regs.r9 = N_IPI;
	regs.r10 = M_CYCLES;
	if (ioctl(fd, KVM_SET_REGS, &regs))
		die("KVM_SET_REGS");
	/* With the in-kernel LAPIC an AP would wait for INIT-SIPI: start it now. */
	if (ioctl(fd, KVM_SET_MP_STATE, &mp_state))
		die("KVM_SET_MP_STATE");
}

static const char *exit_text(int id)
{
	static char buf[128];
	struct kvm_run *r = run[id];

	if (r->exit_reason == KVM_EXIT_IO)
		snprintf(buf, sizeof(buf), "I/O port 0x%x", r->io.port);
	else if (r->exit_reason == KVM_EXIT_FAIL_ENTRY)
		snprintf(buf, sizeof(buf), "entry failed, reason 0x%llx",
			 (unsigned long long)r->fail_entry.hardware_entry_failure_reason);
	else
		snprintf(buf, sizeof(buf), "exit reason %u", r->exit_reason);
	return buf;
}

static int io_mark(int id)
{
	struct kvm_run *r = run[id];

	if (r->exit_reason != KVM_EXIT_IO || r->io.port != PORT_MARK ||
	    r->io.direction != KVM_EXIT_IO_OUT || r->io.size != 1)
		return -1;
	return *((uint8_t *)r + r->io.data_offset);
}

/*
 * Host interrupts on a CPU so far (every row of /proc/interrupts), and of them the
 * local timer's (LOC).  Each one that arrives while vCPU0 is in the guest there is
 * a slow exit (INTR) of its own: they explain the hits the fastpath leaves.
 */
static void host_irqs(int cpu, uint64_t *all, uint64_t *timer)
{
	char line[4096];
	FILE *f = fopen("/proc/interrupts", "r");

	*all = *timer = 0;
	if (!f || !fgets(line, sizeof(line), f)) {	/* the CPU0 CPU1 ... header */
		if (f)
			fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':'), *end;
		unsigned long long v = 0;
		int i;

		if (!p)
			continue;
		for (i = 0, p++; i <= cpu; i++, p = end) {
			v = strtoull(p, &end, 10);
			if (end == p)
				break;
		}
		if (i <= cpu)
			continue;
		*all += v;
		if (!strncmp(line + strspn(line, " "), "LOC:", 4))
			*timer = v;
	}
	fclose(f);
}

/*
 * Best effort: vCPU0 on CPU 0, vCPU1 on CPU 1, so that vCPU1's wake-ups never
 * preempt vCPU0 and the interrupts above are those of vCPU0's CPU.
 */
static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static void on_signal(int sig)
{
	(void)sig;
}

/* vCPU1: report once that it is set up, then stay halted until told to stop. */
static void *vcpu1_thread(void *arg)
{
	(void)arg;
	vcpu1_pinned = !pin(1);
	vcpu1_tid = syscall(SYS_gettid);
	while (!vcpu1_stop) {
		if (ioctl(vcpu_fd[1], KVM_RUN, 0)) {
			if (errno == EINTR)
				continue;
			snprintf(vcpu1_error, sizeof(vcpu1_error), "vCPU1 KVM_RUN: %s",
				 strerror(errno));
			break;
		}
		if (io_mark(1) == MARK_VCPU1) {
			vcpu1_ready = 1;
			continue;
		}
		vcpu1_exits++;
		snprintf(vcpu1_error, sizeof(vcpu1_error), "vCPU1: unexpected %s",
			 exit_text(1));
		break;
	}
	vcpu1_done = 1;
	return NULL;
}

/* The thread's scheduler state ('S': asleep, i.e. blocked in its HLT). */
static char thread_state(pid_t tid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	if (read_line(path, buf, sizeof(buf)))
		return '?';
	p = strrchr(buf, ')');
	return p && p[1] ? p[2] : '?';
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "# FAIL: timeout: a guest part did not finish "
				  "(a HLT that did not resume at once blocks forever)\n";
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

static int failed;
static int ntap;

static void tap(int ok, const char *name)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++ntap, name);
	if (!ok)
		failed = 1;
}

int main(int argc, char **argv)
{
	uint64_t hits[NR_MARKS] = {0}, missed[NR_MARKS] = {0}, irqs;
	uint64_t hirq[NR_MARKS] = {0}, htimer[NR_MARKS] = {0};
	double t[NR_MARKS] = {0};
	struct sigaction sa = { .sa_handler = on_signal };
	char nrips[16];
	int fastpath, mark = 0, i, pinned;
	pthread_t th;
	int64_t d_ipi, d_hlt, d_nop, d_cal, extra, i_ipi, i_hlt, i_nop, slow_ipi, slow_hlt;

	setvbuf(stdout, NULL, _IOLBF, 0);

	if (read_line(NRIPS_PARAM, nrips, sizeof(nrips)))
		skip("kvm_amd is not loaded (no " NRIPS_PARAM ")");
	if (argc > 1 && !strcmp(argv[1], "fastpath"))
		fastpath = 1;
	else if (argc > 1 && !strcmp(argv[1], "control"))
		fastpath = 0;
	else if (argc > 1)
		skip("usage: svm_fastpath [fastpath|control]");
	else
		fastpath = strcmp(nrips, "0") != 0;
	printf("# kvm_amd.nrips=%s: %s\n", nrips, fastpath ?
	       "the fastpath criterion must hold" :
	       "negative control: the fastpath criterion must fail");
	if (find_probe())
		skip("no enabled kprobe event on svm_handle_exit in " TRACEFS
		     "/kprobe_events (plan step: kprobe NAME kvm_amd:svm_handle_exit)");
	printf("# witness: kprobe event %s on svm_handle_exit\n", probe_event);

	kvm_fd = open("/dev/kvm", O_RDWR);
	if (kvm_fd < 0)
		skip("no /dev/kvm");
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm_fd < 0)
		die("KVM_CREATE_VM");
	if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) <= 0)
		skip("no in-kernel irqchip (KVM_CAP_IRQCHIP)");
	if (ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0))
		die("KVM_CREATE_IRQCHIP");
	run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	setup_memory();
	setup_vcpu(0, GUEST_ADDR(guest_vcpu0), GPA_STACK0);
	setup_vcpu(1, GUEST_ADDR(guest_vcpu1), GPA_STACK1);

	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(120);

	pinned = !pin(0);
	/* vCPU1 first: set up, then blocked in its HLT before vCPU0 starts. */
	if (pthread_create(&th, NULL, vcpu1_thread, NULL))
		die("pthread_create");
	for (i = 0; i < 2000 && !vcpu1_done; i++) {
		if (vcpu1_ready && thread_state(vcpu1_tid) == 'S')
			break;
		usleep(1000);
	}
	if (vcpu1_done || !vcpu1_ready) {
		printf("# FAIL: vCPU1 did not reach its HLT: %s\n",
		       vcpu1_error[0] ? vcpu1_error : "no ready mark");
		return 1;
	}
	usleep(20000);

	while (mark != MARK_DONE) {
		if (ioctl(vcpu_fd[0], KVM_RUN, 0))
			die("vCPU0 KVM_RUN");
		mark = io_mark(0);
		if (mark < MARK_CALIB || mark > MARK_DONE) {
			struct kvm_regs regs = {0};

			ioctl(vcpu_fd[0], KVM_GET_REGS, &regs);
			printf("# FAIL: vCPU0: unexpected %s at rip 0x%llx\n", exit_text(0),
			       (unsigned long long)regs.rip);
			return 1;
		}
		probe_read(&hits[mark], &missed[mark]);
		host_irqs(0, &hirq[mark], &htimer[mark]);
		t[mark] = now();
	}
	alarm(0);

	vcpu1_stop = 1;
	for (i = 0; i < 1000 && !vcpu1_done; i++) {
		pthread_kill(th, SIGUSR1);
		usleep(1000);
	}
	if (!vcpu1_done) {
		printf("# FAIL: vCPU1 did not stop\n");
		return 1;
	}
	pthread_join(th, NULL);
	memcpy(&irqs, mem + GPA_IRQS, sizeof(irqs));

	/* Each part ends with the OUT of the next mark: one slow exit, not its own. */
	d_cal = hits[MARK_IPI] - hits[MARK_CALIB] - 1;
	d_ipi = hits[MARK_HLT] - hits[MARK_IPI] - 1;
	d_hlt = hits[MARK_NOP] - hits[MARK_HLT] - 1;
	d_nop = hits[MARK_DONE] - hits[MARK_NOP] - 1;
	i_ipi = hirq[MARK_HLT] - hirq[MARK_IPI];
	i_hlt = hirq[MARK_NOP] - hirq[MARK_HLT];
	i_nop = hirq[MARK_DONE] - hirq[MARK_NOP];
	slow_ipi = d_ipi - i_ipi;
	extra = d_hlt - d_nop;
	slow_hlt = (d_hlt - i_hlt) - (d_nop - i_nop);

	printf("# calibration: %d CPUID exits: %lld svm_handle_exit hits (%.1f us/exit)\n",
	       K_CALIB, (long long)d_cal,
	       (t[MARK_IPI] - t[MARK_CALIB]) * 1e6 / K_CALIB);
	printf("# ipi: %d x2APIC ICR writes (fixed, physical, no shorthand, to vCPU1): "
	       "%lld hits, %.3f per IPI (%.1f us/IPI)\n", N_IPI, (long long)d_ipi,
	       (double)d_ipi / N_IPI, (t[MARK_HLT] - t[MARK_IPI]) * 1e6 / N_IPI);
	printf("# hlt: %d cycles of self-IPI, STI, HLT, CLI: %lld hits, %.3f per cycle "
	       "(%.1f us/cycle)\n", M_CYCLES, (long long)d_hlt, (double)d_hlt / M_CYCLES,
	       (t[MARK_NOP] - t[MARK_HLT]) * 1e6 / M_CYCLES);
	printf("# nop: %d cycles of self-IPI, STI, NOP, CLI: %lld hits, %.3f per cycle "
	       "(%.1f us/cycle)\n", M_CYCLES, (long long)d_nop, (double)d_nop / M_CYCLES,
	       (t[MARK_DONE] - t[MARK_NOP]) * 1e6 / M_CYCLES);
	printf("# hlt - nop: %lld hits for %d HLTs that resumed at once\n",
	       (long long)extra, M_CYCLES);
	printf("# host interrupts on vCPU0's CPU%s (each one that hits the guest is a slow "
	       "exit): calibration %llu, ipi %llu, hlt %llu, nop %llu (local timer: %llu, "
	       "%llu, %llu, %llu)\n", pinned && vcpu1_pinned ? " 0" : " 0 (not pinned)",
	       (unsigned long long)(hirq[MARK_IPI] - hirq[MARK_CALIB]),
	       (unsigned long long)(hirq[MARK_HLT] - hirq[MARK_IPI]),
	       (unsigned long long)(hirq[MARK_NOP] - hirq[MARK_HLT]),
	       (unsigned long long)(hirq[MARK_DONE] - hirq[MARK_NOP]),
	       (unsigned long long)(htimer[MARK_IPI] - htimer[MARK_CALIB]),
	       (unsigned long long)(htimer[MARK_HLT] - htimer[MARK_IPI]),
	       (unsigned long long)(htimer[MARK_NOP] - htimer[MARK_HLT]),
	       (unsigned long long)(htimer[MARK_DONE] - htimer[MARK_NOP]));
	printf("# guest interrupts handled: %llu (expected %d); kprobe misses: %llu; "
	       "vCPU1 exits to user space while halted: %d\n", (unsigned long long)irqs,
	       2 * M_CYCLES, (unsigned long long)(missed[MARK_DONE] - missed[MARK_CALIB]),
	       vcpu1_exits);
	printf("MEASURE ipi_n=%d\n", N_IPI);
	printf("MEASURE ipi_hits=%lld\n", (long long)d_ipi);
	printf("MEASURE hlt_n=%d\n", M_CYCLES);
	printf("MEASURE hlt_extra_hits=%lld\n", (long long)extra);
	printf("MEASURE calib_hits=%lld\n", (long long)d_cal);

	printf("1..4\n");
	/* The witness counts: every one of K slow exits, and no probe hit was missed. */
	tap(d_cal >= K_CALIB && missed[MARK_DONE] == missed[MARK_CALIB],
	    "probe-counts-slow-exits");
	/* The guest ran as designed: each HLT and NOP cycle got its interrupt. */
	tap(irqs == 2 * M_CYCLES && !vcpu1_error[0], "guest-as-designed");
	if (vcpu1_error[0])
		printf("# %s\n", vcpu1_error);
	printf("# slow exits net of host interrupts: ipi %lld (%.3f per IPI), "
	       "hlt %lld (%.3f per HLT); criterion: < 1/4 each\n", (long long)slow_ipi,
	       (double)slow_ipi / N_IPI, (long long)slow_hlt, (double)slow_hlt / M_CYCLES);
	printf("MEASURE ipi_slow=%lld\n", (long long)slow_ipi);
	printf("MEASURE hlt_slow=%lld\n", (long long)slow_hlt);
	if (fastpath) {
		if (i_ipi >= 3 * N_IPI / 4 || i_hlt >= 3 * M_CYCLES / 4)
			printf("# too slow to tell: host interrupts reach 3/4 of the exits\n");
		tap(slow_ipi < N_IPI / 4 && i_ipi < 3 * N_IPI / 4, "ipi-fastpath");
		tap(slow_hlt < M_CYCLES / 4 && i_hlt < 3 * M_CYCLES / 4, "hlt-fastpath");
	} else {
		tap(slow_ipi >= N_IPI / 4, "ipi-control");
		tap(slow_hlt >= M_CYCLES / 4, "hlt-control");
	}
	printf("# %s\n", failed ? "FAIL" : "PASS");
	return failed;
}
