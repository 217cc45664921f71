#!/bin/bash
# `make check`: every check of the series, each one a result line, ending with the line
# `N passed, N failed, N skipped`. Order: the rig QEMU and its PMU model (QEMU checkpatch,
# Stage 0), style (checkpatch), the series applies, the kernel builds, the rig boots it and
# runs the tests of each rig configuration.
. "$(dirname "$0")/lib.sh"

cold_start
R=$BUILD/check.results
: > "$R"
finish() {
	$PY "$TOP/scripts/results.py" summary "$R" > "$BUILD/check.tap" || true
	echo "TAP results: $BUILD/check.tap; logs: $LOGS"
	sed -n '/^Failed checks:/,/^$/p' "$BUILD/check.tap"
	tail -n 1 "$BUILD/check.tap"	# the closing line: N passed, N failed, N skipped
	grep -q '^not ok' "$R" && exit 1
	exit 0
}
fail_stage() {	# fail_stage NAME WHY: record the failure, skip the rest
	echo "not ok $1 # $2" >> "$R"
	echo "ERROR: $1: $2" >&2
	finish
}

"$TOP/scripts/deps.sh"
"$TOP/scripts/build-qemu.sh" || fail_stage rig:qemu-build "see $LOGS/qemu-build.log"

# Stage 0: the rig QEMU's PMU model (rig/qemu-patches/) against hand-computed counts, and
# QEMU's own checkpatch on those patches.
stage "rig QEMU patches: QEMU's checkpatch.pl"
"$TOP/scripts/qemu-checkpatch.sh" >> "$R" || true
grep '^not ok qemu-checkpatch' "$R" || true
stage_end
if "$TOP/scripts/build-stage0.sh"; then
	echo "ok stage0:build" >> "$R"
	"$TOP/scripts/stage0.sh" >> "$R" || true
	grep '^not ok stage0' "$R" | sed 's/^/    /' || true
else
	echo "not ok stage0:build # see $LOGS/stage0-build.log" >> "$R"
fi

stage "series: apply"
if "$TOP/scripts/tree.sh" --check; then echo "ok series:applies" >> "$R"; else
	fail_stage series:applies "the series could not be applied to the tree (see above)"; fi
stage_end

stage "series: identity and checkpatch --strict"
mapfile -t patches < <(series_patches)
bad=0
for p in "${patches[@]}"; do
	if ! grep -qxF "From: $SERIES_IDENTITY" "$p" || ! grep -qxF "Signed-off-by: $SERIES_IDENTITY" "$p"; then
		echo "not ok series:identity # $(basename "$p") is not authored and signed off by $SERIES_IDENTITY (config/identity)" >> "$R"
		bad=1
	fi
done
[ $bad = 1 ] || echo "ok series:identity # ${#patches[@]} patches" >> "$R"
"$TOP/scripts/checkpatch.sh" >> "$R" || true
grep '^not ok checkpatch' "$R" || true
stage_end

"$TOP/scripts/build-kernel.sh" && echo "ok kernel:builds" >> "$R" ||
	fail_stage kernel:builds "see $LOGS/kernel-build.log"
"$TOP/scripts/build-selftests.sh" && echo "ok selftests:build" >> "$R" ||
	fail_stage selftests:build "see $LOGS/selftests-build.log"
"$TOP/scripts/mkinitramfs.sh" || fail_stage rig:initramfs "see above"

for e in "$TOP"/tests/expect/*.txt; do
	cfg=$(basename "$e" .txt)
	"$TOP/scripts/boot.sh" "$cfg"
	stage "rig: results of '$cfg' against tests/expect/$cfg.txt"
	$PY "$TOP/scripts/results.py" rig "$cfg" "$e" "$LOGS/$cfg.console.log" \
		"$LOGS/$cfg.results.log" "$TOP/tests/splat-allowlist.txt" >> "$R" || true
	grep "^not ok" "$R" | sed 's/^/    /' || true
	stage_end
done
finish
