#!/bin/bash
# Stage 0: boot the test image under the rig's QEMU once per line of
# tests/stage0/variants.txt, check that QEMU refuses the PMU model where it must, and
# compare everything with tests/stage0/expect.txt. Result lines on stdout.
# QEMU=dev runs build/qemu-dev (the `make qemu-dev` build of build/qemu-tree) instead.
. "$(dirname "$0")/lib.sh"

if [ "${QEMU:-}" = dev ]; then
	qemu=$BUILD/qemu-dev/qemu-system-x86_64
else
	qemu=$BUILD/qemu-bin/qemu-system-x86_64
fi
[ -x "$qemu" ] || die "no QEMU at $qemu"
img=$BUILD/stage0/stage0.bin
results=$LOGS/stage0.results.log
console=$LOGS/stage0.console.log
: > "$results"
: > "$console"
base=(-L /usr/share/qemu -L /usr/share/seabios -net none -display none -monitor none
	-accel tcg -smp 1 -m 256 -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4)

# Progress goes to stderr: stdout carries the result lines (make check appends them).
exec 3>&1 1>&2
stage "stage0: the PMU model against hand-computed counts"
while IFS='|' read -r variant opts; do
	variant=$(echo "$variant" | xargs)
	case $variant in ''|'#'*) continue ;; esac
	read -r -a o <<< "$opts"
	echo "=== variant $variant: ${opts# }" >> "$console"
	t0=$(date +%s%N)
	# The image exits through isa-debug-exit: status (code << 1) | 1.
	timeout -k 5 60 "$qemu" "${base[@]}" "${o[@]}" -kernel "$img" -append "$variant" \
		-serial "file:$LOGS/stage0.$variant.log" >> "$console" 2>&1 || true
	cat "$LOGS/stage0.$variant.log" >> "$results"
	msg "$variant: $(grep -c '^ok' "$LOGS/stage0.$variant.log") ok," \
		"$(grep -c '^not ok' "$LOGS/stage0.$variant.log") not ok" \
		"($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
done < "$TOP/tests/stage0/variants.txt"

# QEMU must refuse the model where its counts could not be exact, with a clear error.
refuse() {	# refuse NAME "ERROR TEXT" QEMU-OPTIONS...
	local name=$1 text=$2 out rc=0
	shift 2
	out=$(timeout -k 5 60 "$qemu" "${base[@]}" "$@" -kernel "$img" -append off \
		-serial null 2>&1) || rc=$?
	echo "=== refusal $name: $* -> exit $rc" >> "$console"
	echo "$out" >> "$console"
	if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $rc -ne 137 ] && grep -qF "$text" <<< "$out"; then
		echo "ok 0 stage0:qemu:$name" >> "$results"
	else
		echo "# | expected a non-zero exit and '$text'; got exit $rc: $(tail -n 1 <<< "$out")" >> "$results"
		echo "not ok 0 stage0:qemu:$name" >> "$results"
	fi
}
refuse refuses-without-icount "x-amd-pmu: needs precise icount" \
	-cpu EPYC-Genoa,+svm,pmu=on,x-amd-pmu=on
refuse refuses-adaptive-icount "x-amd-pmu: needs precise icount" \
	-icount auto -cpu EPYC-Genoa,+svm,pmu=on,x-amd-pmu=on
refuse refuses-without-pmu-on "x-amd-pmu: needs pmu=on" \
	-icount shift=0 -cpu EPYC-Genoa,+svm,x-amd-pmu=on
refuse refuses-intel-cpu "x-amd-pmu: needs an AMD CPU model" \
	-icount shift=0 -cpu Skylake-Client,pmu=on,x-amd-pmu=on
stage_end
exec 1>&3
$PY "$TOP/scripts/results.py" rig stage0 "$TOP/tests/stage0/expect.txt" "$console" \
	"$results" "$TOP/tests/splat-allowlist.txt"
