#!/bin/bash
# `make`: build what is needed, boot the patched kernel in the rig, load KVM, run a guest
# and print a short summary.
. "$(dirname "$0")/lib.sh"

cold_start
build_rig
guest=${GUEST_TEST:-svm_vmcall_test}
# The rig configuration with the emulated PMU (rig/PMU-MODEL.md): the host as users run it.
cfg=${CONFIG:-pmu}
"$TOP/scripts/boot.sh" "$cfg" "$guest"

con=$LOGS/$cfg.console.log
res=$LOGS/$cfg.results.log
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
pmu=$(sed -E 's/^\[[ 0-9.]+\] //' "$con" | awk '/^Performance Events:/ && !n++')
echo "Host PMU:        ${pmu:-no \"Performance Events\" line in $con}"
sed -E 's/^\[[ 0-9.]+\] //' "$con" | grep -E '^kvm_amd: .*PMU|^kvm_amd: .*mediated' | sed 's/^/                 /' || true
echo "KVM parameters:  $(grep -E '^# param (kvm\.enable_pmu|kvm_amd\..*pmu.*|kvm_intel\..*pmu.*)=' "$res" | sed 's/^# param //' | tr '\n' ' ')"
line=$(grep -E "^(not )?ok [0-9]+ selftest:$guest" "$res" || true)
echo "Guest:           $guest: ${line:-no result (see $con)}"
case $line in ok*) exit 0 ;; *) exit 1 ;; esac
