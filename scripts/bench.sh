#!/bin/bash
# `make bench [N=accesses] [P=PMIs] [W=rounds]`: the benchmark (issue 15): one boot of
# the deterministic rig configuration "bench" that runs mediated_pmu_bench with the perf-based
# vPMU, the mediated one, and the mediated one with an event filter, then prints the table
# and writes it to bench/results.md (committed, quoted by the cover letter). Two runs give
# byte-identical tables. Not part of `make check`, which runs the same program with tiny
# counts as a smoke test and never compares numbers.
. "$(dirname "$0")/../lib/common.sh"
export RIG_LOGS=$LOGS/bench
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
