// SPDX-License-Identifier: GPL-2.0
/*
 * rig_pmu_filter.so: an LD_PRELOAD shim that gives the VMM's VM a KVM PMU
 * event filter, for the benchmark's "mediated + filter" macro rows
 * (tests/rig-progs/vmm.sh bench ... filter).  QEMU 10.2 has no option for an
 * event filter, and KVM takes VM ioctls only from the VM's creator (another
 * process gets -EIO), so the VMM sets it itself: right after
 * ioctl(KVM_CREATE_VM) returns the VM's fd, KVM_SET_PMU_EVENT_FILTER allows
 * exactly the event selects listed in RIG_PMU_FILTER ("0x76,0xc0"), before
 * any vCPU exists.  The outcome goes to standard error as one line starting
 * with "rig_pmu_filter:"; a failure makes KVM_CREATE_VM fail, so that the
 * VMM does not run unfiltered.  Built by lib/steps/build-vmm.sh.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_EVENTS	16

int ioctl(int fd, unsigned long request, ...)
{
	static int (*real)(int, unsigned long, ...);
	struct {
		struct kvm_pmu_event_filter f;
		__u64 events[MAX_EVENTS];
	} filter = { .f = { .action = KVM_PMU_EVENT_ALLOW } };
	const char *list;
	char *end;
	va_list ap;
	void *arg;
	int vm, e;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real) {
		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
		if (!real) {
			errno = ENOSYS;
			return -1;
		}
	}
	vm = real(fd, request, arg);
	/* Nothing more than the call itself for every other ioctl (KVM_RUN...). */
	if (request != KVM_CREATE_VM || vm < 0)
		return vm;
	list = getenv("RIG_PMU_FILTER");
	if (!list)
		return vm;

	while (*list && filter.f.nevents < MAX_EVENTS) {
		filter.events[filter.f.nevents++] = strtoull(list, &end, 0);
		list = *end == ',' ? end + 1 : end + strlen(end);
	}
	if (real(vm, KVM_SET_PMU_EVENT_FILTER, &filter.f)) {
		e = errno;
		fprintf(stderr, "rig_pmu_filter: KVM_SET_PMU_EVENT_FILTER: %s\n", strerror(e));
		close(vm);
		errno = e;
		return -1;
	}
	fprintf(stderr, "rig_pmu_filter: %u events allowed in VM fd %d\n", filter.f.nevents, vm);
	return vm;
}
