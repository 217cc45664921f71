# Shared shell functions and paths of the harness: sourced by the entry points (scripts/)
# and the build steps (lib/steps/), never run.
# shellcheck shell=bash

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../inputs/versions
. "$TOP/inputs/versions"
# shellcheck source=../inputs/identity
. "$TOP/inputs/identity"

# Generated material lives under one ignored directory of the checkout; downloads, the
# built QEMU and ccache live in a machine-level cache keyed by content. COLD=1 uses a
# fresh, private cache and build directory (to measure a new machine) and leaves the
# developer's tree and the machine cache alone.
if [ "${COLD:-0}" = 1 ]; then
	BUILD=${BUILD:-$TOP/build/cold}
	CACHE=$BUILD/cache
else
	BUILD=${BUILD:-$TOP/build}
	CACHE=${CACHE:-/var/cache/mvpmu-series}
fi
export BUILD
KTREE=$BUILD/linux			# the kernel tree (a git repo: base + one commit per patch)
KOBJ=${RIG_KOBJ:-$BUILD/obj/linux}	# out-of-tree kernel build dir (make bench: its own)
LOGS=$BUILD/logs
PY=/usr/bin/python3			# Debian's python, not whatever is first on PATH
export CCACHE_DIR=$CACHE/ccache
export CCACHE_BASEDIR=$TOP
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
mkdir -p "$BUILD" "$CACHE" "$LOGS"

_step_name=""
_step_t0=0
_run_t0=${_run_t0:-$(date +%s)}
export _run_t0

# step NAME: print a step header; step_end prints its elapsed time and, in a run that keeps
# a time table (make check sets TIMES), adds a row to it.
step() {
	_step_name=$1
	_step_t0=$(date +%s)
	printf '==> %s\n' "$1"
}

step_end() {
	local t=$(( $(date +%s) - _step_t0 ))
	printf '<== %s: %dm%02ds (total %ds)\n' "$_step_name" $((t / 60)) $((t % 60)) \
		$(( $(date +%s) - _run_t0 ))
	[ -z "${TIMES:-}" ] || printf '%s\t%d\n' "$_step_name" "$t" >> "$TIMES"
}

# harness ARGS...: the Python run-and-judge path (lib/harness/).
harness() { PYTHONPATH=$TOP/lib $PY -m harness "$@"; }

msg() { printf '    %s\n' "$*"; }
warn() { printf '\n!!! WARNING: %s\n\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# hash_of FILE|DIR...: a content key for cache stamps (file names and contents).
hash_of() {
	local f
	for f in "$@"; do
		if [ -d "$f" ]; then
			(cd "$f" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum)
		elif [ -e "$f" ]; then
			printf '%s ' "$(basename "$f")"; sha256sum < "$f"
		else
			printf "missing %s\n" "$(basename "$f")"
		fi
	done | sha256sum | cut -c1-16
}

# meson for the rig's QEMU build (QEMU 10.2 needs >= 1.5, bookworm has 1.0): build-qemu.sh
# unpacks trixie's .deb here; use_meson puts it first on PATH and PYTHONPATH.
MESON_ROOT=$CACHE/meson/$MESON_VERSION
use_meson() {
	export PATH=$MESON_ROOT/usr/bin:$PATH
	export PYTHONPATH=$MESON_ROOT/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}
}

# run_logged LOG CMD...: run a command with its output in LOG; on failure show the tail.
run_logged() {
	local log=$1; shift
	if ! "$@" > "$log" 2>&1; then
		tail -n 40 "$log" >&2
		die "'$*' failed; full log: $log"
	fi
}

# kconfig_check CONFIG FRAGMENT...: does CONFIG have every option the fragments set or unset?
# (Kconfig silently drops options whose dependencies are unmet.) Says which it lost.
kconfig_check() {
	local config=$1 line opt missing=0
	shift
	while read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF "$line" "$config" || {
				echo "$(basename "$config"): asked for '$line', has '$(grep -E "^(# )?${line%%=*}[= ]" "$config" || echo "nothing")'" >&2
				missing=1; }
			;;
		"# CONFIG_"*" is not set")
			opt=${line#\# }; opt=${opt%% *}
			! grep -qE "^$opt=[ym]" "$config" || {
				echo "$(basename "$config"): asked for '$line', has '$(grep -E "^$opt=" "$config")'" >&2
				missing=1; }
			;;
		esac
	done < <(cat "$@")
	return $missing
}

# The private apt configuration used to reach newer Debian suites for source packages
# (QEMU, meson) without touching the system's apt configuration.
APT_PRIV=$CACHE/apt
apt_priv() {
	mkdir -p "$APT_PRIV/sources.list.d" "$APT_PRIV/lists/partial" "$APT_PRIV/archives/partial"
	if [ ! -e "$APT_PRIV/sources.list.d/debian.sources" ]; then
		cat > "$APT_PRIV/sources.list.d/debian.sources" <<-EOS
		Types: deb deb-src
		URIs: http://deb.debian.org/debian
		Suites: bookworm trixie sid experimental
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		EOS
	fi
	apt-get -o Dir::Etc::SourceList=/dev/null \
		-o Dir::Etc::SourceParts="$APT_PRIV/sources.list.d" \
		-o Dir::State::Lists="$APT_PRIV/lists" \
		-o Dir::Cache::Archives="$APT_PRIV/archives" \
		-o Dir::State::status=/dev/null \
		-o Debug::NoLocking=1 -o APT::Sandbox::User=root "$@"
}

# apt_priv_cache ARGS...: apt-cache with the same private configuration (madison, showsrc).
apt_priv_cache() {
	apt-cache -o Dir::Etc::SourceList=/dev/null \
		-o Dir::Etc::SourceParts="$APT_PRIV/sources.list.d" \
		-o Dir::State::Lists="$APT_PRIV/lists" \
		-o Dir::Cache::Archives="$APT_PRIV/archives" \
		-o Dir::State::status=/dev/null "$@"
}

# apt_priv_update: refresh the private lists at most once a day.
apt_priv_update() {
	local stamp=$APT_PRIV/updated
	if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440)" ]; then
		apt_priv update -q > "$LOGS/apt-priv-update.log" 2>&1 ||
			{ tail "$LOGS/apt-priv-update.log"; die "private apt update failed"; }
		touch "$stamp"
	fi
}

# --- the kernel tree and the series ---------------------------------------------------
# Git in the kernel tree, independent of the user's global git configuration.
kgit() { GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git -C "$KTREE" "$@"; }

series_patches() {	# the series' patch files in order, without the cover letter
	[ "${SERIES_NONE:-0}" = 1 ] && return 0	# the unpatched base (make baseline)
	find "$TOP/patches" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
		! -name '0000-cover-letter.patch' | LC_ALL=C sort
}

series_hash() { if [ "${SERIES_NONE:-0}" = 1 ]; then echo none; else hash_of "$TOP/patches"; fi; }

subject_prefix() {	# "PATCH", or "PATCH vN" from SERIES_REVISION (inputs/versions)
	if [ "${SERIES_REVISION:-1}" -gt 1 ]; then echo "PATCH v$SERIES_REVISION"; else echo PATCH; fi
}

# format_series DIR: write the tree's commits (base..HEAD) as patches into DIR, the way
# `make export` does: stable names, no commit ids, no tool version, numbered subjects.
format_series() {
	local base
	base=$(tree_state base)
	kgit format-patch -q --zero-commit --no-signature --numbered \
		--subject-prefix="$(subject_prefix)" \
		--stat=72 -o "$1" "$base..HEAD"
}

STATE_FILE=$KTREE/.git/mvpmu-state
tree_state() {	# tree_state KEY: base | series | head
	[ -f "$STATE_FILE" ] || return 0
	awk -v k="$1" '$1 == k {print $2}' "$STATE_FILE"
}

save_tree_state() {	# save_tree_state BASE: the tree now holds exactly patches/
	printf 'base %s\nseries %s\nhead %s\n' "$1" "$(series_hash)" \
		"$(kgit rev-parse HEAD)" > "$STATE_FILE"
}

# tree_unexported: print why the tree holds work that patches/ does not (empty if none).
tree_unexported() {
	[ -d "$KTREE/.git" ] || return 0
	if [ "$(kgit rev-parse HEAD)" != "$(tree_state head)" ]; then
		echo "its commits differ from the last apply/export"
	elif [ -n "$(kgit status --porcelain | head -n 3)" ]; then
		echo "it has uncommitted changes"
	fi
}

base_repo() {	# base_repo COMMIT: the cached base repo (lib/steps/fetch-base.sh) holding it
	local r
	for r in "$CACHE"/base/*.git; do
		[ "$(git -C "$r" rev-parse HEAD 2>/dev/null)" = "$1" ] && { echo "$r"; return 0; }
	done
	return 0
}

name_email() { sed -n 's/^\(.*\) <\(.*\)>$/\1\n\2/p' <<< "$SERIES_IDENTITY"; }

# build_rig: everything a boot of the rig needs, each step incremental.
build_rig() {
	local s
	"$TOP/lib/steps/deps.sh"
	"$TOP/lib/steps/build-qemu.sh"
	"$TOP/scripts/tree.sh"
	"$TOP/lib/steps/build-kernel.sh"
	"$TOP/lib/steps/build-selftests.sh"
	"$TOP/lib/steps/build-initramfs.sh"
	"$TOP/lib/steps/build-vmm.sh"
}

# cold_start: with COLD=1, the top-level targets start from an empty build dir and cache.
cold_start() {
	[ "${COLD:-0}" = 1 ] || return 0
	msg "COLD=1: starting from an empty $BUILD (cache: $CACHE)"
	rm -rf "$BUILD"
	mkdir -p "$BUILD" "$CACHE" "$LOGS"
}

# qemu_version: the Debian version of the rig's QEMU, recorded once, beside the cached binary
# (lib/steps/build-qemu.sh), so that a fresh clone with a warm cache knows it too.
qemu_version() {
	[ -f "$BUILD/qemu-bin/version" ] || "$TOP/lib/steps/build-qemu.sh" >&2
	cat "$BUILD/qemu-bin/version"
}
