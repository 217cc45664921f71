#!/bin/bash
# Pack the VMM archive (build/vmm.cpio.gz) that rig configurations with `vmm = true` append
# to their initrd: the rig's QEMU (stripped; it has KVM support) with the shared libraries
# its binary lists, the firmware of its microvm machine, the event-filter shim
# (tests/rig-progs/rig_pmu_filter.c, an LD_PRELOAD object), and the L2 guest: the rig's own
# bzImage and the guest's archive (rig/guest/init, busybox, perf_exact, Debian's perf with
# the libraries it lists). The guest's archive stays uncompressed inside the compressed
# VMM archive: the L2 kernel then copies it instead of inflating it at nested speed.
# Rebuilt only when one of its inputs changed.
. "$(dirname "$0")/../common.sh"

out=$BUILD/vmm.cpio.gz
root=$BUILD/vmm
qemu=$BUILD/qemu-bin/qemu-system-x86_64
perf=$(command -v perf || true)
prog=$BUILD/obj/rigtests/perf_exact
bz=$KOBJ/arch/x86/boot/bzImage
shim=$TOP/tests/rig-progs/rig_pmu_filter.c
hdr=$BUILD/obj/headers/usr/include
fw="/usr/share/seabios/bios-256k.bin /usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/kvmvapic.bin"
for f in "$qemu" "$perf" "$prog" "$bz" $fw; do
	[ -e "$f" ] || die "build-vmm: missing input ${f:-perf (package linux-perf)}"
done

# libs BINARY: the absolute paths of the shared objects BINARY needs, its loader included.
libs() {
	ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | LC_ALL=C sort -u
}

key=$( { hash_of /bin/busybox "$TOP/rig/guest/init" "$qemu" "$perf" "$prog" "$bz" $fw "$0" "$shim"
	for l in $(libs "$qemu") $(libs "$perf"); do hash_of "$l"; done; } | sha256sum)
[ -e "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ] && exit 0

step "vmm archive (L1 QEMU, L2 guest)"
rm -rf "$root" && mkdir -p "$root"/vmm/{bin,lib,share,guest} "$root/guest"
gcc -shared -fPIC -O2 -Wall -Wextra -Werror -isystem "$hdr" -o "$root/vmm/lib/rig_pmu_filter.so" \
	"$shim" -ldl || die "build-vmm: the event-filter shim does not build"
# copy_libs ROOT BINARY: BINARY's shared objects at their own paths under ROOT.
copy_libs() {
	local l
	for l in $(libs "$2"); do
		mkdir -p "$1$(dirname "$l")"
		cp -L "$l" "$1$l"
	done
}
strip -o "$root/vmm/bin/qemu-system-x86_64" "$qemu"
copy_libs "$root" "$qemu"
cp $fw "$root/vmm/share/"
cp "$bz" "$root/vmm/guest/bzImage"

g=$root/guest
mkdir -p "$g"/{bin,usr/bin,proc,sys,dev,tmp}
cp /bin/busybox "$g/bin/busybox"
install -m 0755 "$TOP/rig/guest/init" "$g/init"
strip -o "$g/bin/perf_exact" "$prog"
cp "$perf" "$g/usr/bin/perf"
copy_libs "$g" "$perf"
(cd "$g" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$root/vmm/guest/initrd.cpio"
rm -rf "$g"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -n -1) > "$out.tmp"
mv "$out.tmp" "$out"
echo "$key" > "$out.key"
msg "$(du -h "$out" | cut -f1) (guest archive $(du -h "$root/vmm/guest/initrd.cpio" | cut -f1)," \
	"QEMU $(du -h "$root/vmm/bin/qemu-system-x86_64" | cut -f1))"
step_end
