# Rig configuration "pmu-nov2": the emulated PMU with PerfMonV2 hidden (-perfmon-v2): a
# version-1 AMD core PMU (6 counters, no global control). Stage 1 checks what perf and KVM
# make of it. Expectations: tests/expect/pmu-nov2.txt.
QEMU_CPU=EPYC-Genoa,+svm,-svme-addr-chk,pmu=on,-perfmon-v2,x-amd-pmu=on
QEMU_SMP=1
QEMU_EXTRA="-icount shift=0"
KVM_ARGS=enable_pmu=1
KAMD_ARGS=""
CMDLINE_EXTRA=""
