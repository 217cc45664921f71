#!/bin/bash
# `make`: build what is needed, boot the patched kernel in the rig, load KVM, run a guest
# and print a short summary.
. "$(dirname "$0")/../lib/common.sh"
export RIG_LOGS=$LOGS/adhoc	# keep the last `make check`'s logs for `make judge`

cold_start
build_rig
# The mediated vPMU as users run it: the rig's emulated PMU (rig/PMU-MODEL.md) with
# kvm_amd enable_mediated_pmu=1, and a guest that counts through its passed-through counters.
guest=${GUEST_TEST:-mediated_pmu_test}
cfg=${CONFIG:-mediated}
step "rig: boot '$cfg' and run $guest"
harness boot "$cfg" --tests="$guest"
step_end
# Judged like any boot (the configuration's other tests did not run: not shown here).
harness judge-boot "$cfg" > "$RIG_LOGS/$cfg.tap" 2> /dev/null || true

base=$(tree_state base)
repo=$(base_repo "$base")
n=$(kgit rev-list --count "$base..HEAD")
echo
echo "== Mediated vPMU series: summary"
echo "Base:            $(cat "$repo/base-version" 2>/dev/null || kgit log -1 --format=%s "$base") ($(make -s -C "$KTREE" kernelversion))"
echo "Patches applied: $n"
kgit log --reverse --format='                 %s' "$base..HEAD"
echo "Kernel:          $(cat "$KOBJ/include/config/kernel.release")"
echo "QEMU:            $(cat "$BUILD/qemu-bin/version") ($("$BUILD/qemu-bin/qemu-system-x86_64" --version | head -n1))"
harness main-summary "$cfg" "selftest:$guest"
