#!/bin/bash
# `make bisect-check`: build the series patch by patch in a separate worktree and object
# directory: for each patch the directories it touches (a header-only patch builds the
# subsystems the series works in), and a full build for the last one.
. "$(dirname "$0")/../lib/common.sh"

"$TOP/scripts/tree.sh" --check
base=$(tree_state base)
[ -e "$KOBJ/.config" ] || "$TOP/lib/steps/build-kernel.sh"
# Same relative layout as build/linux and build/obj/linux, so that ccache (CCACHE_BASEDIR)
# serves objects of unchanged sources from the main build.
wt=$BUILD/bisect/linux
obj=$BUILD/bisect/obj/linux
if [ ! -e "$wt/.git" ]; then mkdir -p "$(dirname "$wt")"; kgit worktree add -q --detach "$wt" "$base"; fi
mkdir -p "$obj"
cp "$KOBJ/.config" "$obj/.config"
export KBUILD_BUILD_TIMESTAMP="Thu Jan  1 00:00:00 UTC 1970" KBUILD_BUILD_USER=rig KBUILD_BUILD_HOST=rig
mapfile -t commits < <(kgit rev-list --reverse "$base..HEAD")
[ ${#commits[@]} -gt 0 ] || { msg "no patches"; exit 0; }
i=0
for c in "${commits[@]}"; do
	i=$((i + 1))
	subj=$(kgit log -1 --format=%s "$c")
	step "bisect: [$i/${#commits[@]}] $subj"
	git -C "$wt" checkout -q --detach "$c"
	if [ $i -eq ${#commits[@]} ]; then
		targets=(bzImage modules)
	else
		mapfile -t targets < <(git -C "$wt" diff --name-only "$c~1" "$c" |
			grep -E '\.c$' | xargs -r -n1 dirname | sort -u | sed 's|$|/|')
		if git -C "$wt" diff --name-only "$c~1" "$c" | grep -qE '\.h$|Kconfig|Makefile'; then
			targets+=(kernel/events/ arch/x86/events/ arch/x86/kvm/ virt/kvm/)
		fi
		# A patch without C sources (documentation) leaves nothing to build.
		mapfile -t targets < <(printf '%s\n' "${targets[@]}" | grep -v -e '^tools/' -e '^$' |
			sort -u)
	fi
	[ ${#targets[@]} -gt 0 ] || { msg "nothing to build"; step_end; continue; }
	run_logged "$LOGS/bisect-olddefconfig.log" make -s -C "$wt" O="$obj" olddefconfig
	if ! make -s -C "$wt" O="$obj" -j"$(nproc)" CC="ccache gcc" HOSTCC="ccache gcc" "${targets[@]}" \
		> "$LOGS/bisect-$i.log" 2>&1; then
		grep -E 'error|Error' "$LOGS/bisect-$i.log" | head -n 20 >&2
		die "patch $i ('$subj') does not build: see $LOGS/bisect-$i.log"
	fi
	step_end
done
msg "every patch builds"
