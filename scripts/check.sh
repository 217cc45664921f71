#!/bin/bash
# `make check`: every check of the series, each one a verdict line, ending with the line
# `N passed, N failed, N skipped, N xfail`. Order: the harness's own tests, the rig QEMU and
# its PMU model (QEMU checkpatch, Stage 0), the series (applies, identity, checkpatch), the
# builds, then one boot per rig configuration, judged from its logs once all have booted.
# Each producer writes its verdicts to $BUILD/results/NN-<producer>.tap; the report
# (lib/harness/report.py) numbers them, adds the time per step and the closing line.
. "$(dirname "$0")/../lib/common.sh"

cold_start
RES=$BUILD/results
rm -rf "$RES" && mkdir -p "$RES"
export TIMES=$RES/times.tsv
rm -f "$LOGS"/*.json

finish() {
	local rc=0
	harness summary > "$BUILD/check.tap" || rc=1
	echo "TAP results: $BUILD/check.tap (JSON: $BUILD/check.json); logs: $LOGS"
	# Everything after the TAP stream: failed checks, time table, measurements, closing line.
	sed -n '/^1\.\.[0-9]*$/,$p' "$BUILD/check.tap" | tail -n +2
	exit $rc
}
fail_step() {	# fail_step FILE NAME WHY: record the failure, skip the rest
	echo "not ok $2 # $3" >> "$RES/$1.tap"
	echo "ERROR: $2: $3" >&2
	finish
}
show_failures() { grep -h '^not ok' "$@" 2>/dev/null | sed 's/^/    /' || true; }
# produce FILE NAME CMD...: CMD's verdict lines go to $RES/FILE.tap. Exit 0 or 1 is a
# verdict; any other exit (a crash, a die) or a failure without a `not ok` line is recorded
# as `not ok NAME`, so that a producer that breaks can never count as a pass.
produce() {
	local file=$RES/$1.tap name=$2 rc=0
	shift 2
	"$@" > "$file" || rc=$?
	if [ $rc -gt 1 ] || { [ $rc = 1 ] && ! grep -q '^not ok' "$file"; }; then
		echo "not ok $name # '$*' exited with $rc without its verdicts (see above)" >> "$file"
	fi
	show_failures "$file"
}

"$TOP/lib/steps/deps.sh"	# first: python3 itself may be missing on a new machine
step "harness: parser and judge tests"
produce 00-harness harness:selftest harness selftest
step_end
"$TOP/lib/steps/build-qemu.sh" || fail_step 10-qemu rig:qemu-build "see $LOGS/qemu-build.log"

# Stage 0: the rig QEMU's PMU model (rig/qemu-patches/) against hand-computed counts, and
# QEMU's own checkpatch on those patches.
step "rig QEMU patches: QEMU's checkpatch.pl"
produce 11-qemu-checkpatch qemu-checkpatch "$TOP/scripts/qemu-checkpatch.sh"
step_end
if "$TOP/lib/steps/build-stage0.sh"; then
	echo "ok stage0:build" > "$RES/20-stage0-build.tap"
	step "stage0: the PMU model against hand-computed counts"
	harness stage0 "$BUILD/qemu-bin/qemu-system-x86_64" "$BUILD/stage0/stage0.bin" ||
		echo "not ok stage0:run # the Stage 0 runner failed (see above)" > "$RES/20-stage0-run.tap"
	produce 21-stage0 stage0:judge harness stage0-judge
	step_end
else
	echo "not ok stage0:build # see $LOGS/stage0-build.log" > "$RES/20-stage0-build.tap"
fi

step "series: apply"
if "$TOP/scripts/tree.sh" --check; then echo "ok series:applies" > "$RES/30-series.tap"; else
	fail_step 30-series series:applies "the series could not be applied to the tree (see above)"; fi
step_end

step "series: identity and checkpatch --strict"
mapfile -t patches < <(series_patches)
bad=0
for p in "${patches[@]}"; do
	if ! grep -qxF "From: $SERIES_IDENTITY" "$p" || ! grep -qxF "Signed-off-by: $SERIES_IDENTITY" "$p"; then
		echo "not ok series:identity # $(basename "$p") is not authored and signed off by $SERIES_IDENTITY (inputs/identity)" >> "$RES/31-identity.tap"
		bad=1
	fi
done
[ $bad = 1 ] || echo "ok series:identity # ${#patches[@]} patches" > "$RES/31-identity.tap"
produce 32-checkpatch checkpatch "$TOP/scripts/checkpatch.sh"
step_end

"$TOP/lib/steps/build-kernel.sh" && echo "ok kernel:builds" > "$RES/40-kernel.tap" ||
	fail_step 40-kernel kernel:builds "see $LOGS/kernel-build.log"
# Each selftest and rig program builds on its own: a failure is build:<name> alone.
"$TOP/lib/steps/build-selftests.sh" ||
	fail_step 41-builds selftests:headers "see $LOGS/headers.log and $LOGS/selftests-build.log"
cp "$BUILD/obj/builds.tap" "$RES/41-builds.tap"
show_failures "$RES/41-builds.tap"
"$TOP/lib/steps/build-initramfs.sh" || fail_step 42-initramfs rig:initramfs "see above"
"$TOP/lib/steps/build-vmm.sh" || fail_step 43-vmm rig:vmm-archive "see above"

mapfile -t configs < <(harness configs) || true
[ ${#configs[@]} -gt 0 ] || fail_step 50-rig rig:configs "no rig configuration could be read (rig/configs/)"
boot_one() {
	step "rig: boot '$1'"
	harness boot "$1" ||
		echo "not ok rig:$1:boot # the boot runner failed (see above)" > "$RES/49-boot-$1.tap"
	step_end
}
# A boot keeps one host thread busy (icount) or one per vCPU. The single-threaded ones are
# queued longest first (harness boot-order), and one lane per core takes the next from the
# queue whenever it is free; the others boot alone afterwards.
mapfile -t order < <(harness boot-order) || true
queue=$RES/boot-queue
sed -n 's/^queue //p' <<< "$(printf '%s\n' "${order[@]}")" > "$queue"
lane() {
	local cfg
	while cfg=$(flock "$queue.lock" sh -c 'head -n1 "$1"; sed -i 1d "$1"' _ "$queue") &&
		[ -n "$cfg" ]; do
		boot_one "$cfg"
	done
}
step "rig: every boot ($(grep -c . "$queue") queued for $(nproc) lanes, then the rest alone)"
pids=()
for _ in $(seq "$(nproc)"); do lane & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || true; done
for l in "${order[@]}"; do [ "${l%% *}" != alone ] || ( boot_one "${l#alone }" ); done
step_end
# Judged once every configuration has booted: an expectation may refer to another
# configuration's result ("same").
for cfg in "${configs[@]}"; do
	produce "50-rig-$cfg" "rig:$cfg:judge" harness judge-boot "$cfg"
done
produce 59-allowlist splat-allowlist harness stale-allowlist "${configs[@]}"
finish
