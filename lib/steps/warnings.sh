#!/bin/bash
# W=1 and sparse on the C files the series touches, against the unpatched base: the series
# must add no warning. Both trees are built with the rig's configuration minus WERROR and
# KVM_WERROR (which would turn the base's own W=1 warnings into build failures), in their
# own object directories (build/warnings/), with `W=1 C=2` (sparse on every file built),
# for exactly the object files of those C sources. A warning's key is its file and text
# without line and column, so that moved code does not count as new; a key the series has
# more often than the base is new. Prints one TAP line, `warnings:w1-sparse`, and the new
# warnings; exits 1 if there are any.
. "$(dirname "$0")/../common.sh"

command -v sparse > /dev/null || die "sparse is not installed (inputs/apt-packages)"
base=$(tree_state base)
wt=$BUILD/warnings/base
if [ ! -e "$wt/.git" ]; then mkdir -p "$(dirname "$wt")"; kgit worktree add -q --detach "$wt" "$base"; fi
git -C "$wt" checkout -q --detach "$base"
mapfile -t files < <(kgit diff --name-only --diff-filter=AM "$base" HEAD -- '*.c' | grep -v '^tools/')
export KBUILD_BUILD_TIMESTAMP="Thu Jan  1 00:00:00 UTC 1970" KBUILD_BUILD_USER=rig KBUILD_BUILD_HOST=rig

# warnings TREE NAME: build the touched files in TREE, print their warnings' keys.
warnings() {
	local tree=$1 obj=$BUILD/warnings/obj-$2 log=$LOGS/warnings-$2.log f targets=() rel
	mkdir -p "$obj"
	sed -e '/^CONFIG_WERROR=/d' -e '/^CONFIG_KVM_WERROR=/d' "$KOBJ/.config" > "$obj/.config"
	printf '# CONFIG_WERROR is not set\n# CONFIG_KVM_WERROR is not set\n' >> "$obj/.config"
	make -s -C "$tree" O="$obj" olddefconfig > "$log" 2>&1 || die "olddefconfig failed: $log"
	# Only what the rig's configuration builds (e.g. not the FRED entry without FRED).
	for f in "${files[@]}"; do
		[ -e "$tree/$f" ] && [ -e "$KOBJ/${f%.c}.o" ] && targets+=("${f%.c}.o")
	done
	make -C "$tree" O="$obj" -j"$(nproc)" CC="ccache gcc" HOSTCC="ccache gcc" \
		W=1 "${targets[@]}" >> "$log" 2>&1 || die "the W=1 build of the $2 tree failed: see $log"
	# sparse on the same files (C=2: even if up to date). Its errors fail make, but are
	# only reported here, like its warnings.
	make -k -C "$tree" O="$obj" -j"$(nproc)" CC="ccache gcc" HOSTCC="ccache gcc" \
		W=1 C=2 CHECK=sparse "${targets[@]}" >> "$log" 2>&1 || true
	rel=$(realpath --relative-to="$obj" "$tree")
	grep -E '^[^ :]+\.[ch]:[0-9]+(:[0-9]+)?: (warning|error):' "$log" |
		sed -E -e "s|^$tree/||" -e "s|^$rel/||" -e 's/^([^:]+):[0-9]+(:[0-9]+)?: /\1: /' | sort
}

step "warnings: W=1 and sparse of ${#files[@]} files, base and series"
warnings "$wt" base > "$BUILD/warnings/base.txt"
warnings "$KTREE" series > "$BUILD/warnings/series.txt"
new=$(comm -13 "$BUILD/warnings/base.txt" "$BUILD/warnings/series.txt")
step_end
nb=$(wc -l < "$BUILD/warnings/base.txt"); ns=$(wc -l < "$BUILD/warnings/series.txt")
if [ -z "$new" ]; then
	echo "ok warnings:w1-sparse # ${#files[@]} files: $nb warnings in the base, $ns with the series, none new"
else
	echo "not ok warnings:w1-sparse # $(grep -c . <<< "$new") new warnings (W=1 or sparse) of the series"
	sed 's/^/    /' <<< "$new" >&2
	exit 1
fi
