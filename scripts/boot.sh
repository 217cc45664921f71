#!/bin/bash
# `make boot [CONFIG=default] [TESTS="a b"] [DRY_RUN=1]`: build what a boot needs, boot the
# rig configuration CONFIG (rig/configs/CONFIG.toml) and judge it against
# tests/expect/CONFIG.txt. TESTS replaces the configuration's selftests (the judgement then
# reports the others as missing). DRY_RUN=1 prints the QEMU command line and the plan only.
. "$(dirname "$0")/../lib/common.sh"
export RIG_LOGS=$LOGS/adhoc	# keep the last `make check`'s logs for `make judge`

cfg=${CONFIG:-default}
args=("$cfg")
[ -z "${TESTS:-}" ] || args+=("--tests=$TESTS")
if [ "${DRY_RUN:-0}" = 1 ]; then
	harness boot "${args[@]}" --dry-run
	exit 0
fi
build_rig
step "rig: boot '$cfg'"
harness boot "${args[@]}"
step_end
harness judge-boot "$cfg"
