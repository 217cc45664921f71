#!/bin/bash
# Pack the rig's initramfs, shared by every rig configuration: busybox (static), rig/init,
# the modules and the stripped, statically linked selftests and rig programs. Rebuilt only
# when one of them changed. A boot appends its own plan archive (lib/harness/boot.py).
. "$(dirname "$0")/../common.sh"

out=$BUILD/initramfs.cpio.gz
root=$BUILD/initramfs
sto=$BUILD/obj/selftests
# The modules a plan can load (`load NAME` / `kunit NAME` = /lib/modules/NAME.ko, the
# module's name: kvm-amd.ko is kvm_amd.ko).
mods=(virt/lib/irqbypass.ko arch/x86/kvm/kvm.ko arch/x86/kvm/kvm-amd.ko arch/x86/kvm/kvm-intel.ko
	lib/hashtable_test.ko)
bins=$(find "$sto" "$BUILD/obj/rigtests" -type f -perm -u+x ! -name '*.o' ! -name '*.d' 2>/dev/null |
	LC_ALL=C sort)
key=$( { hash_of /bin/busybox "$TOP/rig/init"; for m in "${mods[@]}"; do hash_of "$KOBJ/$m"; done
	for b in $bins; do hash_of "$b"; done; } | sha256sum)
[ -e "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ] && exit 0

step "initramfs"
rm -rf "$root" && mkdir -p "$root"/{bin,proc,sys,dev,tmp,lib/modules,tests}
cp /bin/busybox "$root/bin/busybox"
install -m 0755 "$TOP/rig/init" "$root/init"
for m in "${mods[@]}"; do
	strip --strip-debug -o "$root/lib/modules/$(basename "$m" | tr - _)" "$KOBJ/$m"
done
for b in $bins; do strip -o "$root/tests/$(basename "$b")" "$b"; done
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -n -1) > "$out.tmp"
mv "$out.tmp" "$out"
echo "$key" > "$out.key"
msg "$(du -h "$out" | cut -f1) with $(echo "$bins" | grep -c . || true) test programs"
step_end
