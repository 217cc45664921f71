# Rig configuration "pmu": the rig QEMU's emulated AMD PerfMonV2 PMU (rig/PMU-MODEL.md),
# proven by Stage 0. The model needs precise icount and is exact per vCPU with one vCPU,
# so this configuration is slower than "default": only tests that need a PMU, or that
# must behave the same with one, run here. Expectations: tests/expect/pmu.txt.
QEMU_CPU=EPYC-Genoa,+svm,-svme-addr-chk,pmu=on,+perfmon-v2,x-amd-pmu=on
QEMU_SMP=1
QEMU_EXTRA="-icount shift=0"
KVM_ARGS=enable_pmu=1
KAMD_ARGS=""
CMDLINE_EXTRA=""
