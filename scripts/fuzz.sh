#!/bin/bash
# `make fuzz [SEED=N] [COUNT=N]`: the differential fuzz of the AMD PMU MSRs at length (rig
# configuration "fuzz"): COUNT accesses (default 200000) recorded with the mediated vPMU,
# replayed and compared with the perf-based one. SEED is random unless given; it is printed
# first and last, so that a failure can be replayed with `make fuzz SEED=N`.
. "$(dirname "$0")/../lib/common.sh"
export RIG_LOGS=$LOGS/fuzz
seed=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
export RIG_VAR_SEED=$seed
[ -z "${COUNT:-}" ] || export RIG_VAR_COUNT=$COUNT
echo "fuzz: seed $seed${COUNT:+, $COUNT accesses}"
build_rig
step "rig: boot 'fuzz' (seed $seed)"
harness boot fuzz
step_end
rc=0
harness judge-boot fuzz || rc=$?
grep -h '^# | ' "$RIG_LOGS"/fuzz.results.log | sed 's/^# | /    /' |
	grep -E 'seed|accesses|allowed difference|difference at|^ +[> ] +[0-9]+ ' || true
echo "fuzz: seed $seed: $([ $rc = 0 ] && echo 'no unlisted difference' || echo FAILED)" \
	"(log: $RIG_LOGS/fuzz.results.log)"
exit $rc
