// SPDX-License-Identifier: GPL-2.0
/*
 * The rig's work accounting (rig/PMU-MODEL.md, "Work accounting"): the PMU
 * model of the rig's QEMU counts, from outside any guest, the instructions
 * and the costly instruction classes of the CPU per mode (host, guest), and
 * serves the counts as read-only MSRs that no CPU defines: class C in host
 * mode at 0x52490000 + 2 * C, in guest mode at + 1.
 *
 *   rig_acct        (a rigtest) checks the accounting against work this
 *                   program does itself: N reads of an ordinary MSR and of a
 *                   PMU MSR through /dev/cpu/N/msr add at least N to their
 *                   classes (the kernel may add its own accesses), and no
 *                   more than N + SLACK; the instruction count grows; with no
 *                   guest running, nothing is counted in guest mode and no
 *                   VMRUN or #VMEXIT happens.
 *   rig_acct read begin|end
 *                   prints every count as "<class>_<mode> <value>", and KVM's
 *                   exit count (debugfs "exits") as "kvm_exits <value>", for
 *                   tests/rig-progs/vmm.sh, which reads them around the L2
 *                   guest's benchmark workloads.  KVM's count is read right
 *                   after the MSRs at the window's begin and right before them
 *                   at its end, so that every exit KVM counts in its window is
 *                   in the model's.
 *
 * Exit: 0 pass, 1 fail, 4 skip (no MSR device; a CPU, whose RDMSR #GPs so
 * that read() fails with EIO; or a QEMU without the accounting, which reads
 * unknown MSRs as 0).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define KSFT_SKIP	4
#define ACCT_MSR	0x52490000u
#define N		1000
#define SLACK		100
#define MSR_TSC		0x10u
#define MSR_PERF_CTL0	0xc0010200u

enum { INSNS, VMRUNS, VMEXITS, PMU_MSRS, CTR_WRITES, MSRS, RDPMCS, APIC, NR_ACCT };

static const char * const names[NR_ACCT] = {
	"insns", "vmruns", "vmexits", "pmu_msrs", "ctr_writes", "msrs", "rdpmcs", "apic",
};

static int fd;
static int failed;

static int read_all(uint64_t acct[NR_ACCT][2])
{
	int c, m;

	for (c = 0; c < NR_ACCT; c++)
		for (m = 0; m < 2; m++)
			if (pread(fd, &acct[c][m], 8, ACCT_MSR + 2 * c + m) != 8)
				return -1;
	return 0;
}

/* KVM's count of VM-exits, of all VMs (debugfs). */
static int kvm_exits(unsigned long long *v)
{
	FILE *f = fopen("/sys/kernel/debug/kvm/exits", "r");
	int ok = f && fscanf(f, "%llu", v) == 1;

	if (f)
		fclose(f);
	if (!ok)
		printf("# reading /sys/kernel/debug/kvm/exits failed\n");
	return !ok;
}

static void reads(uint32_t msr, int n)
{
	uint64_t v;

	while (n--)
		if (pread(fd, &v, 8, msr) != 8)
			printf("# reading MSR %#x: %s\n", msr, strerror(errno));
}

static void check(const char *what, uint64_t got, uint64_t lo, uint64_t hi)
{
	int ok = got >= lo && got <= hi;

	printf("# %s: %llu (want %llu..%llu) %s\n", what, (unsigned long long)got,
	       (unsigned long long)lo, (unsigned long long)hi, ok ? "ok" : "FAIL");
	failed |= !ok;
}

int main(int argc, char **argv)
{
	uint64_t a[NR_ACCT][2], b[NR_ACCT][2];
	unsigned long long exits;
	char path[64];
	int c;

	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", sched_getcpu());
	fd = open(path, O_RDONLY);
	if (fd < 0 || read_all(a)) {
		printf("SKIP: no work accounting MSRs (%s: %s)\n", path, strerror(errno));
		return KSFT_SKIP;
	}
	if (!a[INSNS][0]) {
		printf("SKIP: no work accounting MSRs (they read 0: not the rig's QEMU)\n");
		return KSFT_SKIP;
	}
	if (argc > 2 && !strcmp(argv[1], "read")) {
		if (!strcmp(argv[2], "end") && (kvm_exits(&exits) || read_all(a)))
			return 1;
		if (strcmp(argv[2], "end") && kvm_exits(&exits))
			return 1;
		printf("kvm_exits %llu\n", exits);
		for (c = 0; c < NR_ACCT; c++)
			printf("%s_host %llu\n%s_guest %llu\n",
			       names[c], (unsigned long long)a[c][0],
			       names[c], (unsigned long long)a[c][1]);
		return 0;
	}

	reads(MSR_TSC, N);
	reads(MSR_PERF_CTL0, N);
	if (read_all(b)) {
		printf("# reading the accounting again: %s\n", strerror(errno));
		return 1;
	}
	for (c = 0; c < NR_ACCT; c++)
		printf("# %s: host %llu, guest %llu\n", names[c],
		       (unsigned long long)(b[c][0] - a[c][0]),
		       (unsigned long long)(b[c][1] - a[c][1]));
	check("other MSR accesses (host)", b[MSRS][0] - a[MSRS][0], N, N + SLACK);
	check("PMU MSR accesses (host)", b[PMU_MSRS][0] - a[PMU_MSRS][0], N, N + SLACK);
	check("PMU counter writes (host)", b[CTR_WRITES][0] - a[CTR_WRITES][0], 0, SLACK);
	/* Each read is a system call and more: far more instructions than reads. */
	check("host instructions", b[INSNS][0] - a[INSNS][0], 10 * 2 * N, UINT64_MAX);
	check("VMRUNs", b[VMRUNS][0] - a[VMRUNS][0], 0, 0);
	check("#VMEXITs", b[VMEXITS][0] - a[VMEXITS][0], 0, 0);
	for (c = 0; c < NR_ACCT; c++)
		check(names[c], b[c][1] - a[c][1], 0, 0);
	printf("# %s\n", failed ? "FAIL" : "PASS");
	return failed;
}
