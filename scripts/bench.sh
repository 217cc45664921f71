#!/bin/bash
# `make bench [N=accesses] [P=PMIs] [W=rounds]`: the benchmark (issue 15): one boot of
# the deterministic rig configuration "bench" that runs, with the perf-based vPMU, the
# mediated one, and the mediated one with an event filter, the real VMM's Linux guest with
# its workload (the macro rows) and mediated_pmu_bench (the host side of an exit and the
# attribution rows), then prints the tables and writes them to bench/results.md (committed,
# quoted by the cover letter). Two runs give byte-identical tables. Not part of `make
# check`, which runs the same programs with tiny counts as smoke tests and never compares
# numbers.
. "$(dirname "$0")/../lib/common.sh"
export RIG_LOGS=$LOGS/bench
# The benchmark's own kernel: the rig's configuration without lockdep and the other debugging
# aids (kconfig/bench.config), in its own object directory so that `make check`'s stays built.
export RIG_KOBJ=$BUILD/obj/bench-linux RIG_KCONFIG_EXTRA=$TOP/kconfig/bench.config
KOBJ=$RIG_KOBJ
[ -z "${N:-}" ] || export RIG_VAR_N=$N
[ -z "${P:-}" ] || export RIG_VAR_P=$P
[ -z "${W:-}" ] || export RIG_VAR_W=$W
build_rig
step "rig: boot 'bench'"
harness boot bench
step_end
rc=0
harness judge-boot bench || rc=$?
harness bench-table bench "$TOP/bench/results.md" || rc=1
echo "bench: $([ $rc = 0 ] && echo "every row measured; written to bench/results.md" ||
	echo FAILED) (log: $RIG_LOGS/bench.results.log)"
exit $rc
