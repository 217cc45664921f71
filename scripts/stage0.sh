#!/bin/bash
# `make stage0 [QEMU=dev]`: Stage 0, the rig QEMU's PMU model against hand-computed counts
# (tests/stage0/). QEMU=dev runs build/qemu-dev (the `make qemu-dev` build of
# build/qemu-tree) instead of the cached build of rig/qemu-patches/.
. "$(dirname "$0")/../lib/common.sh"

"$TOP/lib/steps/deps.sh"
if [ "${QEMU:-}" = dev ]; then
	qemu=$BUILD/qemu-dev/qemu-system-x86_64
else
	"$TOP/lib/steps/build-qemu.sh"
	qemu=$BUILD/qemu-bin/qemu-system-x86_64
fi
[ -x "$qemu" ] || die "no QEMU at $qemu"
"$TOP/lib/steps/build-stage0.sh"
step "stage0: the PMU model against hand-computed counts"
harness stage0 "$qemu" "$BUILD/stage0/stage0.bin"
step_end
harness stage0-judge
