#!/bin/bash
# boot.sh CONFIG [TEST...]: boot the built kernel in the rig with rig/configs/CONFIG.sh and run
# the given selftests (default: those tests/expect/CONFIG.txt names) and the rig programs it
# names (rigtest:<name>, tests/rig-progs/). Leaves the kernel log in
# $LOGS/CONFIG.console.log and the TAP results in $LOGS/CONFIG.results.log.
. "$(dirname "$0")/lib.sh"

cfg=$1; shift
# shellcheck source=../rig/configs/default.sh
. "$TOP/rig/configs/$cfg.sh"
if [ $# -gt 0 ]; then tests=("$@"); else
	mapfile -t tests < <(sed -n 's/^selftest:\([^ \t]*\).*/\1/p' "$TOP/tests/expect/$cfg.txt")
fi
mapfile -t progs < <(sed -n 's/^rigtest:\([^ \t]*\).*/\1/p' "$TOP/tests/expect/$cfg.txt")
st=$(IFS=,; echo "${tests[*]}")
rt=$(IFS=,; echo "${progs[*]}")
con=$LOGS/$cfg.console.log
res=$LOGS/$cfg.results.log
rm -f "$con" "$res"

stage "rig: boot '$cfg' and run ${#tests[@]} selftests, ${#progs[@]} rig programs"
cmdline="console=ttyS0 panic=-1 nmi_watchdog=0 st=$st rt=$rt kvm=$KVM_ARGS kamd=$KAMD_ARGS $CMDLINE_EXTRA"
# shellcheck disable=SC2086
timeout -k 30 "${RIG_TIMEOUT:-1500}" "$BUILD/qemu-bin/qemu-system-x86_64" \
	-accel tcg -cpu "$QEMU_CPU" -smp "$QEMU_SMP" -m 4G $QEMU_EXTRA \
	-L /usr/share/qemu -L /usr/share/seabios -net none -no-reboot \
	-display none -monitor none -serial "file:$con" -serial "file:$res" \
	-kernel "$KOBJ/arch/x86/boot/bzImage" -initrd "$BUILD/initramfs.cpio.gz" \
	-append "$cmdline" > "$LOGS/$cfg.qemu.log" 2>&1 || msg "qemu exited with $? (see $LOGS/$cfg.qemu.log)"
stage_end
