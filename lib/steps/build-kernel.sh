#!/bin/bash
# Configure and build the kernel tree out of tree, with ccache: bzImage plus the KVM modules.
# The .config is regenerated from x86_64_defconfig + kvm_guest.config + kconfig/rig.config
# (+ kconfig/series.config, the options the series itself adds, except for the unpatched base
# of `make baseline`; + $RIG_KCONFIG_EXTRA, a last fragment: kconfig/bench.config for
# `make bench`, which builds in its own $RIG_KOBJ) and replaced only when its content changes,
# so an unchanged tree rebuilds in seconds.
. "$(dirname "$0")/../common.sh"

export KBUILD_BUILD_TIMESTAMP="Thu Jan  1 00:00:00 UTC 1970" KBUILD_BUILD_USER=rig KBUILD_BUILD_HOST=rig
KMAKE=(make -s -C "$KTREE" -j"$(nproc)" CC="ccache gcc" HOSTCC="ccache gcc")

step "kernel: configure"
gen=$BUILD/obj/config-gen
mkdir -p "$gen" "$KOBJ"
run_logged "$LOGS/kconfig.log" "${KMAKE[@]}" O="$gen" x86_64_defconfig kvm_guest.config
fragments=("$TOP/kconfig/rig.config")
[ "${SERIES_NONE:-0}" = 1 ] || fragments+=("$TOP/kconfig/series.config")
[ -z "${RIG_KCONFIG_EXTRA:-}" ] || fragments+=("$RIG_KCONFIG_EXTRA")
run_logged "$LOGS/kconfig-merge.log" "$KTREE/scripts/kconfig/merge_config.sh" -m -O "$gen" \
	"$gen/.config" "${fragments[@]}"
run_logged "$LOGS/kconfig-olddefconfig.log" "${KMAKE[@]}" O="$gen" olddefconfig
# Kconfig silently drops options whose dependencies are unmet: check every one we asked for
# (where fragments disagree, the last one's word, as merge_config.sh takes it).
awk '{ k = $0; sub(/^# /, "", k); sub(/[= ].*/, "", k) } k ~ /^CONFIG_/ { v[k] = $0; o[k] = NR }
	END { for (k in v) print o[k], v[k] }' "${fragments[@]}" | sort -n | cut -d' ' -f2- \
	> "$gen/fragments.merged"
kconfig_check "$gen/.config" "$gen/fragments.merged" ||
	die "the kernel config lost options of kconfig/*.config (dependencies unmet?)"
if ! cmp -s "$gen/.config" "$KOBJ/.config"; then
	cp "$gen/.config" "$KOBJ/.config"
	msg "new .config"
fi
step_end

step "kernel: build (bzImage, modules)"
if ! "${KMAKE[@]}" O="$KOBJ" bzImage modules > "$LOGS/kernel-build.log" 2>&1; then
	grep -E ': (error|fatal error):|^make.*Error' "$LOGS/kernel-build.log" | head -n 20 >&2 || true
	# Name the patch that wrote each line the compiler complains about (git blame), or
	# else every patch that touched the file.
	base=$(tree_state base)
	rel=$(realpath --relative-to="$KOBJ" "$KTREE")
	grep -oE '^[^ :]+\.[chS]:[0-9]+:[0-9]+: (fatal )?error' "$LOGS/kernel-build.log" |
		cut -d: -f1,2 | sed "s|^$rel/||; s|^$KTREE/||" | awk '!seen[$0]++' | head -n 5 |
		while IFS=: read -r f line; do
		c=$(kgit blame -L "$line,$line" --porcelain HEAD -- "$f" 2>/dev/null | head -n1 | cut -d' ' -f1)
		if [ -n "$c" ] && kgit merge-base --is-ancestor "$base" "$c" && [ "$c" != "$base" ]; then
			kgit log -1 --format="    culprit: patch '%s' wrote $f:$line" "$c"
		else
			kgit log --format="    culprit?: patch '%s' touched $f" "$base..HEAD" -- "$f"
		fi
	done >&2 || true
	die "kernel build failed: see $LOGS/kernel-build.log"
fi
for m in arch/x86/boot/bzImage arch/x86/kvm/kvm.ko arch/x86/kvm/kvm-amd.ko \
	arch/x86/kvm/kvm-intel.ko virt/lib/irqbypass.ko; do
	[ -e "$KOBJ/$m" ] || die "kernel build did not produce $m (config?)"
done
msg "$(cat "$KOBJ/include/config/kernel.release") built; ccache: $(ccache -s 2>/dev/null | grep -iE '^ *hits' | head -n1 | tr -s ' ')"
step_end
