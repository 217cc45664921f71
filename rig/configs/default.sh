# Rig configuration "default": no PMU model; fast (-smp 2, no icount). Used by every test
# that does not need a PMU. Expectations: tests/expect/default.txt.
QEMU_CPU=EPYC-Genoa,+svm
QEMU_SMP=2
QEMU_EXTRA=""
KVM_ARGS=enable_pmu=1
KAMD_ARGS=""
CMDLINE_EXTRA=""
