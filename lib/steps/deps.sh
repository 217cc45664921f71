#!/bin/bash
# Install every Debian package the harness needs (inputs/apt-packages); a no-op when all are
# present. Runs `apt-get update` only when something is missing.
. "$(dirname "$0")/../common.sh"

mapfile -t pkgs < <(sed -e 's/#.*//' -e '/^\s*$/d' "$TOP/inputs/apt-packages")
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
[ ${#missing[@]} -gt 0 ] || exit 0
step "deps: apt-get install ${missing[*]}"
[ "$(id -u)" = 0 ] || die "missing packages (${missing[*]}); run as root or install them"
export DEBIAN_FRONTEND=noninteractive
run_logged "$LOGS/apt-update.log" apt-get update -q
run_logged "$LOGS/apt-install.log" apt-get install -y -q --no-install-recommends "${missing[@]}"
step_end
