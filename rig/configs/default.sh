# Rig configuration "default": no PMU (pmu=off, QEMU's PMU model off); fast (-smp 2, no
# icount). Used by every test that does not need a PMU, and it is the "host without a PMU"
# of Stage 1. Expectations: tests/expect/default.txt.
# -svme-addr-chk: with the SVME_ADDR_CHK feature (EPYC-Milan and EPYC-Genoa models), L1 KVM
# stops intercepting #GP and QEMU 10.2.2's TCG then reports the #DF that nested_exceptions_test
# expects from L2 as a SHUTDOWN #VMEXIT (exit code 0x7f instead of 0x48). EPYC and EPYC-Rome,
# which lack the feature, pass; so does EPYC-Genoa without it (measured).
QEMU_CPU=EPYC-Genoa,+svm,-svme-addr-chk,pmu=off
QEMU_SMP=2
QEMU_EXTRA=""
KVM_ARGS=enable_pmu=1
KAMD_ARGS=""
CMDLINE_EXTRA=""
