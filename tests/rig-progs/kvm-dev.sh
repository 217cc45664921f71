#!/bin/sh
# Payload of rig configuration "default" (phase "reload"): after kvm and kvm_amd were
# unloaded and loaded again, /dev/kvm must be back (the reloaded kvm registered its misc
# device) and kvm_amd loaded. (The svm_vmcall_test after it drives the device for real.)
[ -c /dev/kvm ] || { echo "no /dev/kvm after the reload"; exit 1; }
grep -q '^kvm_amd ' /proc/modules || { echo "kvm_amd is not loaded"; exit 1; }
echo "/dev/kvm is back: $(ls -l /dev/kvm)"
