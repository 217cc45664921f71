#!/bin/bash
# Install the tree's UAPI headers and build, statically, the KVM selftests that the
# expectations files name (selftest:<name>), from the patched tree.
. "$(dirname "$0")/lib.sh"

hdr=$BUILD/obj/headers
sto=$BUILD/obj/selftests
mapfile -t tests < <(sed -n 's/^selftest:\([^ \t]*\).*/\1/p' "$TOP"/tests/expect/*.txt | sort -u)

stage "selftests: headers and ${#tests[@]} tests"
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
for t in "${tests[@]}"; do
	src=""
	for c in x86_64/"$t".c "$t".c; do
		[ -e "$KTREE/tools/testing/selftests/kvm/$c" ] && { src=$c; break; }
	done
	[ -n "$src" ] || die "selftest '$t' (named in tests/expect/) does not exist in the tree"
	targets+=("$sto/${src%.c}")
done
mkdir -p "$sto"
run_logged "$LOGS/selftests-build.log" make -C "$KTREE/tools/testing/selftests/kvm" \
	-j"$(nproc)" OUTPUT="$sto" KHDR_INCLUDES="-isystem $hdr/usr/include" \
	LINUX_HDR_PATH="$hdr/usr/include/" EXTRA_CFLAGS=-static CC="ccache gcc" "${targets[@]}"
# The project's own rig programs (rigtest:<name> = tests/rig-progs/<name>.c), static,
# against the patched tree's UAPI headers.
rto=$BUILD/obj/rigtests
mkdir -p "$rto"
for t in $(sed -n 's/^rigtest:\([^ \t]*\).*/\1/p' "$TOP"/tests/expect/*.txt | sort -u); do
	src=$TOP/tests/rig-progs/$t.c
	[ -e "$src" ] || die "rig program '$t' (named in tests/expect/) has no $src"
	run_logged "$LOGS/rigtest-$t-build.log" ccache gcc -static -O2 -Wall -Wextra -Werror \
		-isystem "$hdr/usr/include" -o "$rto/$t" "$src"
done
stage_end
