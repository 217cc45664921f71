#!/bin/bash
# `make build-variants`: the series built the ways distributions configure KVM and perf,
# beyond the rig's own configuration (kconfig/variants/<variant>.config: kvm_intel or kvm_amd
# alone, KVM built in, KVM off, FRED, no AMD or no Intel CPU support). Each variant is the
# rig's .config plus the variant's fragment, in its own object directory
# (build/variants/<variant>), where only the directories the series touches are built after
# a `prepare` of that configuration; ccache serves what the configurations share. One TAP
# line per variant, `build:<variant>`, in build/variants.tap, then `warnings:w1-sparse` (W=1
# and sparse on the files the series touches: no warning the base lacks, see
# lib/steps/warnings.sh); exits 1 if any fails.
# VARIANTS="a b" builds only those. Not part of `make check` (about 2-4 minutes a variant):
# run it before resolving anything that touches Kconfig, the entry code or a vendor module.
. "$(dirname "$0")/../lib/common.sh"

DIRS=(kernel/events/ arch/x86/events/ arch/x86/entry/ arch/x86/kvm/ virt/kvm/)
export KBUILD_BUILD_TIMESTAMP="Thu Jan  1 00:00:00 UTC 1970" KBUILD_BUILD_USER=rig KBUILD_BUILD_HOST=rig
KMAKE=(make -s -C "$KTREE" -j"$(nproc)" CC="ccache gcc" HOSTCC="ccache gcc")

"$TOP/scripts/kernel.sh"	# the tree at the series, and the rig's .config it derives from
if [ -n "${VARIANTS:-}" ]; then
	read -ra names <<< "$VARIANTS"
else
	mapfile -t names < <(basename -s .config "$TOP"/kconfig/variants/*.config)
fi
tap=$BUILD/variants.tap
: > "$tap"
bad=0
for v in "${names[@]}"; do
	frag=$TOP/kconfig/variants/$v.config
	obj=$BUILD/variants/$v
	log=$LOGS/variant-$v.log
	[ -f "$frag" ] || die "no variant '$v' (kconfig/variants/)"
	step "build variant '$v'"
	mkdir -p "$obj"
	cp "$KOBJ/.config" "$obj/.config.rig"
	verdict=ok why=
	if ! { "$KTREE/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config.rig" "$frag" &&
	       "${KMAKE[@]}" O="$obj" olddefconfig; } > "$log" 2>&1; then
		verdict="not ok" why="configuration failed: see $log"
	elif ! kconfig_check "$obj/.config" "$frag" 2>> "$log"; then
		verdict="not ok" why="the configuration lost options of $frag: see $log"
	elif ! "${KMAKE[@]}" O="$obj" prepare >> "$log" 2>&1 ||
	     ! "${KMAKE[@]}" O="$obj" "${DIRS[@]}" >> "$log" 2>&1; then
		grep -E ': (error|fatal error):|^make.*Error' "$log" | head -n 10 >&2 || true
		verdict="not ok" why="the build failed: see $log"
	fi
	if [ "$verdict" = ok ]; then
		echo "ok build:$v # $(sed -n '1s/^# *//p' "$frag")" >> "$tap"
	else
		echo "not ok build:$v # $why" >> "$tap"
		bad=1
	fi
	step_end
done
# W=1 and sparse: no new warnings (lib/steps/warnings.sh).
if [ -z "${VARIANTS:-}" ] && ! "$TOP/lib/steps/warnings.sh" >> "$tap"; then
	grep -q 'warnings:w1-sparse' "$tap" ||
		echo "not ok warnings:w1-sparse # the check itself failed (see above)" >> "$tap"
	bad=1
fi
cat "$tap"
exit $bad
