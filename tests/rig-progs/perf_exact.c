// SPDX-License-Identifier: GPL-2.0
/*
 * Stage 1 of the rig's PMU proof: the L1 host's perf, driving the emulated
 * AMD PMU, counts user-space work exactly.
 *
 * - Counting: retired instructions and branches (exclude_kernel) of a known
 *   loop, measured differentially: count(N2) - count(N1) must equal exactly
 *   the hand-computed difference (2 instructions and 1 branch per
 *   iteration), so the fixed cost of enabling and disabling cancels out.
 * - Sampling: instructions with sample_period P over the same loop; the
 *   number of PERF_RECORD_SAMPLE records must be exactly floor(count / P),
 *   where count is the event's own total (the counting part proves it
 *   exact), every sample IP must lie in the loop, and perf must not throttle.
 *
 * Arguments (the L2 guest of rig/guest/init runs the parts one by one): none
 * runs both parts; "count" or "sample" runs one; "loop N" only runs the loop
 * with N iterations, without perf (a workload of 2N + 1 instructions for perf
 * stat); "work N TAG" runs the benchmark's workload (below) of N rounds
 * between "L2-SYNC work-TAG-begin" and "L2-SYNC work-TAG-end", each answered
 * by a line on standard input (the host reads its counts there).
 *
 * Output: "# ..." lines with expected and measured values; exit 0 (pass),
 * 4 (skip: no hardware PMU) or 1 (fail).
 */
#include <errno.h>
#include <linux/perf_event.h>
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

static int failed;

static long perf_open(struct perf_event_attr *attr)
{
	return syscall(__NR_perf_event_open, attr, 0, -1, -1, 0);
}

static void check(const char *what, uint64_t want, uint64_t got)
{
	printf("# %s: expected %llu, measured %llu%s\n", what,
	       (unsigned long long)want, (unsigned long long)got,
	       want == got ? "" : "  <-- MISMATCH");
	if (want != got)
		failed = 1;
}

/*
 * The measured loop: "mov n, %rcx" then n x ("dec %rcx; jnz"): 1 + 2n
 * instructions, n branches (n >= 1).  loop_begin/loop_end bracket the
 * instructions a PMI can interrupt.
 */
extern char loop_begin[], loop_end[];
static __attribute__((noinline)) void run_loop(int fd, uint64_t n)
{
	ioctl(fd, PERF_EVENT_IOC_RESET, 0);
	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	asm volatile("mov %0, %%rcx\n"
		     "loop_begin:\n\t"
		     "1: dec %%rcx\n\t"
		     "jnz 1b\n"
		     "loop_end:"
		     : : "r"(n) : "rcx", "cc");
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
}

static uint64_t count_loop(struct perf_event_attr *attr, uint64_t n)
{
	uint64_t v = 0;
	int fd = perf_open(attr);

	if (fd < 0) {
		printf("# perf_event_open: %s\n", strerror(errno));
		failed = 1;
		return 0;
	}
	run_loop(fd, n);
	if (read(fd, &v, sizeof(v)) != sizeof(v))
		failed = 1;
	close(fd);
	return v;
}

static void counting(uint64_t config, const char *name, uint64_t per_iter)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(attr),
		.config = config,
		.disabled = 1,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};
	const uint64_t n1 = 1000, n2 = 1001000;
	char what[128];
	int i;

	for (i = 0; i < 3; i++) {
		uint64_t c1 = count_loop(&attr, n1), c2 = count_loop(&attr, n2);

		printf("# %s:u, loop of %llu: %llu; loop of %llu: %llu\n", name,
		       (unsigned long long)n1, (unsigned long long)c1,
		       (unsigned long long)n2, (unsigned long long)c2);
		snprintf(what, sizeof(what), "%s:u, difference (run %d)", name, i + 1);
		check(what, per_iter * (n2 - n1), c2 - c1);
	}
}

static void sampling(void)
{
	const uint64_t period = 100000, n = 2000000;
	struct perf_event_attr attr = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_HW_INSTRUCTIONS,
		.sample_period = period,
		.sample_type = PERF_SAMPLE_IP,
		.disabled = 1,
		.exclude_kernel = 1,
		.exclude_hv = 1,
		.wakeup_events = 1000000,
	};
	const size_t pages = 1 + 64, psz = sysconf(_SC_PAGESIZE);
	uint64_t count = 0, samples = 0, outside = 0, throttled = 0, lost = 0;
	struct perf_event_mmap_page *meta;
	uint64_t head, off;
	char *data;
	void *map;
	int fd;

	fd = perf_open(&attr);
	if (fd < 0) {
		printf("# perf_event_open (sampling): %s\n", strerror(errno));
		failed = 1;
		return;
	}
	map = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		printf("# mmap: %s\n", strerror(errno));
		failed = 1;
		return;
	}
	run_loop(fd, n);
	if (read(fd, &count, sizeof(count)) != sizeof(count))
		failed = 1;
	meta = map;
	data = (char *)map + psz;
	head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	for (off = meta->data_tail; off < head;) {
		struct perf_event_header *h =
			(void *)(data + (off % ((pages - 1) * psz)));

		if (h->type == PERF_RECORD_SAMPLE) {
			uint64_t ip = *(uint64_t *)(h + 1);

			samples++;
			if (ip < (uint64_t)loop_begin || ip > (uint64_t)loop_end)
				outside++;
		} else if (h->type == PERF_RECORD_THROTTLE) {
			throttled++;
		} else if (h->type == PERF_RECORD_LOST) {
			lost++;
		}
		off += h->size;
	}
	printf("# sampling instructions:u, period %llu, loop of %llu: count %llu\n",
	       (unsigned long long)period, (unsigned long long)n,
	       (unsigned long long)count);
	check("samples = floor(count / period)", count / period, samples);
	check("count >= the loop's own 2n + 1 instructions", 1,
	      count >= 2 * n + 1);
	check("sample IPs outside the loop", 0, outside);
	check("PERF_RECORD_THROTTLE records", 0, throttled);
	check("PERF_RECORD_LOST records", 0, lost);
	munmap(map, pages * psz);
	close(fd);
}

static void loop_only(uint64_t n)
{
	asm volatile("mov %0, %%rcx\n"
		     "2: dec %%rcx\n\t"
		     "jnz 2b\n"
		     : : "r"(n) : "rcx", "cc");
}

/*
 * The benchmark's workload (make bench, rig/guest/init): integer arithmetic
 * (a xorshift generator), a data-dependent four-way branch per round (a jump
 * table or compare chain, mispredicted on hardware most of the time) and
 * loads and stores into a 16 KiB table: the mix of SPECint's integer
 * programs, deterministic and without I/O.  About 20 instructions per round.
 * What a vPMU costs depends on the guest's PMU use and on time, not on what
 * the workload computes: the rig has no caches or branch predictor to
 * disturb, so any such loop stands in for SPECint there.
 */
static __attribute__((noinline)) uint64_t work(uint64_t n)
{
	static uint32_t table[4096];
	uint64_t x = 88172645463325252ull, sum = 0, i;
	uint32_t k;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		k = x & 4095;
		switch ((x >> 12) & 3) {
		case 0:
			table[k] += (uint32_t)i;
			break;
		case 1:
			sum += table[k];
			break;
		case 2:
			if (table[k] & 1)
				sum ^= x;
			else
				table[k] >>= 1;
			break;
		default:
			table[(k + 1) & 4095] = table[k] ^ (uint32_t)sum;
			break;
		}
	}
	return sum;
}

static void sync_host(const char *tag, const char *when)
{
	char line[64];

	printf("L2-SYNC work-%s-%s\n", tag, when);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		printf("# no answer to L2-SYNC work-%s-%s\n", tag, when);
}

static int work_only(uint64_t n, const char *tag)
{
	struct timespec t0, t1;
	uint64_t sum;

	sync_host(tag, "begin");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sum = work(n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	sync_host(tag, "end");
	printf("# work %s: %llu rounds, checksum %#llx\n", tag, (unsigned long long)n,
	       (unsigned long long)sum);
	printf("MEASURE work_%s_guest_ns=%lld\n", tag,
	       (long long)(t1.tv_sec - t0.tv_sec) * 1000000000 + t1.tv_nsec - t0.tv_nsec);
	return 0;
}

int main(int argc, char **argv)
{
	const char *part = argc > 1 ? argv[1] : "";
	struct perf_event_attr probe = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(probe),
		.config = PERF_COUNT_HW_INSTRUCTIONS,
		.disabled = 1,
		.exclude_kernel = 1,
	};
	int fd;

	if (!strcmp(part, "work") && argc > 3)
		return work_only(strtoull(argv[2], NULL, 0), argv[3]);
	if (!strcmp(part, "loop") && argc > 2) {
		loop_only(strtoull(argv[2], NULL, 0));
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = perf_open(&probe);
	if (fd < 0) {
		printf("# perf_event_open(instructions): %s\n", strerror(errno));
		printf("SKIP: no hardware PMU (perf_event_open: %s)\n",
		       strerror(errno));
		return KSFT_SKIP;
	}
	close(fd);
	if (strcmp(part, "sample")) {
		counting(PERF_COUNT_HW_INSTRUCTIONS, "instructions", 2);
		counting(PERF_COUNT_HW_BRANCH_INSTRUCTIONS, "branches", 1);
	}
	if (strcmp(part, "count"))
		sampling();
	printf("# %s\n", failed ? "FAIL" : "PASS");
	return failed;
}
