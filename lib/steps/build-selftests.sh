#!/bin/bash
# Install the tree's UAPI headers and build, statically, every KVM selftest that a rig
# configuration runs (rig/configs/*.toml) plus every selftest the series adds, and the
# project's rig programs (tests/rig-progs/). Each one builds on its own: the verdicts go to
# $BUILD/obj/builds.tap (build:<name>), the names that did not build to
# $BUILD/obj/unbuilt (the rig leaves them out of its plan; build:<name> carries the failure).
# Fails only when the headers cannot be installed.
. "$(dirname "$0")/../common.sh"

hdr=$BUILD/obj/headers
sto=$BUILD/obj/selftests
rto=$BUILD/obj/rigtests
tap=$BUILD/obj/builds.tap
unbuilt=$BUILD/obj/unbuilt
sdir=tools/testing/selftests/kvm
base=$(tree_state base)
mapfile -t run < <(harness list selftest)
# Selftests the series adds: new test sources of the selftest directory (not its library).
mapfile -t added < <(kgit diff --name-only --diff-filter=A "$base" HEAD -- "$sdir" 2>/dev/null |
	grep -E "^$sdir/(x86_64/)?[^/]+\.c$" | xargs -r -n1 basename | sed 's/\.c$//')
mapfile -t tests < <(printf '%s\n' "${run[@]}" "${added[@]}" | grep . | sort -u)
mapfile -t progs < <(harness list rigtest)

step "selftests: headers, ${#tests[@]} tests, ${#progs[@]} rig programs"
: > "$tap"
: > "$unbuilt"
# Headers: keyed by the git trees of the UAPI directories (and any uncommitted change there).
key=$(kgit rev-parse HEAD:include/uapi HEAD:arch/x86/include/uapi | tr '\n' ' ')
key="$key $(kgit status --porcelain -- include/uapi arch/x86/include/uapi | sha256sum)"
if [ "$(cat "$hdr/.key" 2>/dev/null)" != "$key" ]; then
	rm -rf "$hdr" && mkdir -p "$hdr"
	run_logged "$LOGS/headers.log" make -s -C "$KTREE" O="$hdr" headers_install \
		INSTALL_HDR_PATH="$hdr/usr"
	echo "$key" > "$hdr/.key"
fi
targets=()
declare -A target_of
for t in "${tests[@]}"; do
	src=""
	for c in x86_64/"$t".c "$t".c; do
		[ -e "$KTREE/$sdir/$c" ] && { src=$c; break; }
	done
	if [ -z "$src" ]; then
		echo "not ok build:$t # no $sdir/{x86_64/,}$t.c in the tree (named in rig/configs/)" >> "$tap"
		echo "$t" >> "$unbuilt"
		continue
	fi
	target_of[$t]=$sto/${src%.c}
	targets+=("$sto/${src%.c}")
done
mkdir -p "$sto" "$rto"
KMAKE=(make -C "$KTREE/$sdir" OUTPUT="$sto" KHDR_INCLUDES="-isystem $hdr/usr/include"
	LINUX_HDR_PATH="$hdr/usr/include/" EXTRA_CFLAGS=-static CC="ccache gcc")
# One parallel make that keeps going past errors, then ask make which targets are up to date
# (a failed compile leaves a stale binary behind, which `make -q` does not accept).
log=$LOGS/selftests-build.log
"${KMAKE[@]}" -k -j"$(nproc)" "${targets[@]}" > "$log" 2>&1 || true
for t in "${tests[@]}"; do
	[ -n "${target_of[$t]:-}" ] || continue
	if "${KMAKE[@]}" -q "${target_of[$t]}" > /dev/null 2>&1; then
		echo "ok build:$t" >> "$tap"
	else
		why=$(grep -m1 -E "(^|/)$t\.c:[0-9]+:[0-9]+: (fatal )?error" "$log" ||
			grep -m1 -E 'error|Error' "$log" || echo "see $log")
		echo "not ok build:$t # ${why##*/} (log: $log)" >> "$tap"
		echo "$t" >> "$unbuilt"
		rm -f "${target_of[$t]}"
	fi
done
# The project's own rig programs (rigtest:<name> = tests/rig-progs/<name>.c), static,
# against the patched tree's UAPI headers.
for t in "${progs[@]}"; do
	src=$TOP/tests/rig-progs/$t.c
	if [ ! -e "$src" ]; then
		echo "not ok build:$t # no $src (named in rig/configs/)" >> "$tap"
		echo "$t" >> "$unbuilt"
	elif ccache gcc -static -O2 -Wall -Wextra -Werror -isystem "$hdr/usr/include" \
		-o "$rto/$t" "$src" > "$LOGS/rigtest-$t-build.log" 2>&1; then
		echo "ok build:$t" >> "$tap"
	else
		echo "not ok build:$t # $(grep -m1 error "$LOGS/rigtest-$t-build.log") (log: $LOGS/rigtest-$t-build.log)" >> "$tap"
		echo "$t" >> "$unbuilt"
		rm -f "$rto/$t"
	fi
done
# A selftest the series adds that no rig configuration runs would rot unnoticed.
for t in "${added[@]}"; do
	printf '%s\n' "${run[@]}" | grep -qxF "$t" ||
		echo "not ok selftest:$t # unlisted: the series adds it but no rig/configs/*.toml runs it" >> "$tap"
done
grep '^not ok' "$tap" | sed 's/^/    /' || true
step_end
