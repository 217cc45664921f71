#!/bin/sh
# Payload of rig configuration "mediated": a real VMM end to end. The rig host's QEMU
# (with KVM) boots an L2 guest, the rig's own kernel with the archive of rig/guest/init,
# and the guest's perf counts, samples and multiplexes on the vPMU that KVM gives it.
#   vmm.sh run CPUOPT      boot with -cpu host,CPUOPT; forward the guest's results, read
#                          KVM's statistics around the guest's counting phase, report the
#                          vPMU mode the statistics show
#   vmm.sh bench W CPUOPT [filter]
#                          the benchmark's macro rows (make bench): the guest runs its
#                          workload of W rounds without perf, with perf record, and
#                          multiplexed (rig/guest/init); around each run, the rig's work
#                          accounting (rig_acct read) and KVM's statistics are read, and
#                          their differences printed as MEASURE work_<run>_<count>=N.
#                          With "filter", the VMM's VM gets an event filter that allows
#                          the two events the guest's perf uses (cycles 0x76, instructions
#                          0xc0) when it is created (the LD_PRELOAD shim rig_pmu_filter.so)
#   vmm.sh refused CPUOPT  QEMU must fail to start the VM (an include-guest perf event is
#                          open in the rig host): its error, and KVM's warning, reported
# The VMM's files are under /vmm (lib/steps/build-vmm.sh). Results are TAP lines, one per
# check, and MEASURE lines; the exit code is 0 when every check passed.
V=/vmm
K=/sys/kernel/debug/kvm
mode=$1
rounds="" filter=""
if [ "$mode" = bench ]; then rounds=$2; filter=${4:-}; shift; fi
cpuopt=$2
n=0 bad=0
tap() {	# tap ok|not-ok NAME [REASON]
	n=$((n + 1))
	if [ "$1" = ok ]; then echo "ok $n $2${3:+ # $3}"; else
		echo "not ok $n $2${3:+ # $3}"
		bad=1
	fi
}
stat() { cat "$K/$1" 2>/dev/null || echo 0; }
kvm_stats() {	# the statistics of a window beside the exit count: the mediated loads, and
		# the exits that go out to the VMM or halt (where the host's work is not KVM's)
	for k in mediated_pmu_loads io_exits mmio_exits halt_exits; do echo "kvm_$k $(stat $k)"; done
}
acct() {	# acct begin|end FILE: the rig's work accounting and KVM's exit count into FILE
	rig_acct read $1 > "$2" 2>&1 || { sed 's/^/# rig_acct: /' "$2"; : > "$2"; }
}

[ -x $V/bin/qemu-system-x86_64 ] || { echo "SKIP: no VMM in this initramfs ($V)"; exit 4; }
[ -c /dev/kvm ] || { echo "SKIP: no /dev/kvm"; exit 4; }

# The L2 guest's kernel command line: quiet (the serial port is an exit per byte), no KUnit,
# the hard-lockup detector on (a KVM guest turns it off by default: arch/x86/kernel/kvm.c,
# kvm_guest_init()) with the shortest period the kernel allows.
append="console=ttyS0 quiet panic=-1 kunit.enable=0 nmi_watchdog=1 watchdog_thresh=1 rdinit=/init"
# The benchmark's guest: no watchdog (its counter and NMIs are no part of the workload),
# no address-space randomisation (the same run every time).
[ -z "$rounds" ] || append="console=ttyS0 quiet panic=-1 kunit.enable=0 nmi_watchdog=0 nokaslr norandmaps rdinit=/init rigbench=$rounds"
# Each run has its own FIFOs: nothing of an earlier run can write into this one's.
d=/tmp/vmm.$$
rm -rf $d && mkdir $d && mkfifo $d/l2.in $d/l2.out
dmesg -c > /dev/null
t0=$(cut -d' ' -f1 /proc/uptime)
pre=""
[ -z "$filter" ] || pre="LD_PRELOAD=$V/lib/rig_pmu_filter.so RIG_PMU_FILTER=0x76,0xc0"
env $pre $V/bin/qemu-system-x86_64 -L $V/share -nodefaults -no-user-config -display none \
	-M pc -accel kvm,kernel-irqchip=on \
	-cpu "host,$cpuopt" -smp 1 -m 256M -no-reboot \
	-chardev pipe,id=s0,path=$d/l2 -serial chardev:s0 \
	-kernel $V/guest/bzImage -initrd $V/guest/initrd.cpio -append "$append" \
	> $d/qemu.out 2>&1 &
qpid=$!
# (A zombie still answers kill -0: the shell reaps QEMU only in the "wait" below.)
alive() { grep -qs '^State:[[:space:]]*[^Z]' "/proc/$1/status"; }

if [ "$mode" = refused ]; then
	wait $qpid
	rc=$?
	sed 's/^/# qemu: /' $d/qemu.out
	err=$(grep -v '^$' $d/qemu.out | tail -n 1)
	if [ $rc -ne 0 ]; then tap ok qemu-fails "exit code $rc: $err"; else
		tap not-ok qemu-fails "QEMU exited 0"
	fi
	w=$(dmesg | grep -m1 'kvm: .*mediated')
	echo "# kvm: $w"
	if [ -n "$w" ]; then tap ok kvm-warning; else tap not-ok kvm-warning "no warning from KVM"; fi
	echo "1..$n"
	exit $bad
fi

# Read-write opens of the FIFOs never block, even if QEMU died before opening its ends; the
# watcher writes into the console FIFO once QEMU is gone so that the reader below stops.
exec 3<> $d/l2.in
exec 4<> $d/l2.out
(while alive $qpid; do sleep 1; done; echo L2-QEMU-EXITED > $d/l2.out) &
wpid=$!

# Forward the guest's console: its TAP lines renumbered, MEASURE lines as they are, the rest
# as comments. At each L2-SYNC the statistics are read and the guest is let go on.
cr=$(printf '\r')
exits0=0 exits1=0 loads0=0 loads1=0
booted="" done=""
while IFS= read -r line; do
	line=${line%"$cr"}
	echo "L2| $line" > /dev/kmsg
	case $line in
	"# L2: "*) [ -n "$booted" ] || booted=$(cut -d' ' -f1 /proc/uptime)
		echo "# | $line" ;;
	"L2-TAP: ok "*) r=${line#L2-TAP: ok }
		tap ok "${r%% # *}" "$(echo "$r" | sed -n 's/^[^#]* # //p')" ;;
	"L2-TAP: not ok "*) r=${line#L2-TAP: not ok }
		tap not-ok "${r%% # *}" "$(echo "$r" | sed -n 's/^[^#]* # //p')" ;;
	"MEASURE "*) echo "$line" ;;
	"L2-SYNC count-begin")
		exits0=$(stat exits) loads0=$(stat mediated_pmu_loads)
		echo go >&3 ;;
	"L2-SYNC count-end")
		exits1=$(stat exits) loads1=$(stat mediated_pmu_loads)
		echo go >&3 ;;
	"L2-SYNC work-"*-begin) t=${line#L2-SYNC work-}
		t=${t%-begin}
		# KVM's statistics, then the accounting (with KVM's exit count, read
		# inside the model's window): as little as possible of this shell's work
		# falls into the window.
		kvm_stats > $d/kvm.$t.0
		acct begin $d/acct.$t.0
		[ "$t" != record ] || { exits0=$(stat exits); loads0=$(stat mediated_pmu_loads); }
		echo go >&3 ;;
	"L2-SYNC work-"*-end) t=${line#L2-SYNC work-}
		t=${t%-end}
		[ "$t" != record ] || { exits1=$(stat exits); loads1=$(stat mediated_pmu_loads); }
		acct end $d/acct.$t.1
		kvm_stats > $d/kvm.$t.1
		cat $d/acct.$t.0 $d/kvm.$t.0 > $d/begin.$t
		cat $d/acct.$t.1 $d/kvm.$t.1 > $d/end.$t
		awk -v t="$t" 'NR == FNR { a[$1] = $2; next }
			($1 in a) { printf "MEASURE work_%s_%s=%.0f\n", t, $1, $2 - a[$1] }' \
			$d/begin.$t $d/end.$t | tee $d/measure.$t
		# The model counts every exit KVM counts, and at most 2 more (L2's, should
		# L1 switch to its vCPU between the two reads of rig_acct); every exit is
		# followed by a VMRUN (the window starts and ends in the host).
		if r=$(awk -F= -v p="MEASURE work_${t}_" '{ sub(p, "", $1); v[$1] = $2 }
			END { x = v["vmexits_host"]; k = v["kvm_exits"]; r = v["vmruns_host"]
			      printf "%d #VMEXITs, KVM %d exits, %d VMRUNs", x, k, r
			      exit !(x != "" && k <= x && x <= k + 2 && r == x) }' $d/measure.$t); then
			tap ok "accounting:$t" "$r"
		else
			tap not-ok "accounting:$t" "$r"
		fi
		echo go >&3 ;;
	"L2-SYNC "*) echo go >&3 ;;
	L2-DONE) done=1
		break ;;
	L2-QEMU-EXITED) break ;;
	*) echo "# | $line" ;;
	esac
done <&4
# The guest powers off after L2-DONE: QEMU must exit within a minute.
i=0
while alive $qpid && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
if alive $qpid; then
	echo "# QEMU has not exited $i s after the guest's power-off:"
	grep -E '^(State|Threads)' /proc/$qpid/status | sed 's/^/#   /'
	for t in /proc/$qpid/task/*; do
		echo "#   task $(basename "$t") $(grep '^State' "$t/status" | tr -s '\t ' ' ')"
		sed 's/^/#     /' "$t/stack" 2>/dev/null
	done
	tap not-ok qemu-exits "QEMU still running $i s after the guest's power-off"
	kill -9 $qpid
	sleep 2
else
	tap ok qemu-exits
fi
exec 3>&- 4>&-
# (Never wait for a QEMU that even SIGKILL did not end: it is stuck in the kernel.)
if alive $qpid; then rc=stuck; else wait $qpid; rc=$?; fi
kill $wpid 2>/dev/null
sed 's/^/# qemu: /' $d/qemu.out
t1=$(cut -d' ' -f1 /proc/uptime)
if [ -n "$filter" ]; then
	f=$(grep -m1 '^rig_pmu_filter:' $d/qemu.out)
	case $f in
	*" events allowed "*) tap ok vm-event-filter "${f#rig_pmu_filter: }" ;;
	*) tap not-ok vm-event-filter "${f:-the shim said nothing}" ;;
	esac
fi
if [ -n "$done" ] && [ "$rc" = 0 ]; then tap ok guest-completes; else
	tap not-ok guest-completes "QEMU exit code $rc$([ -n "$done" ] || echo ', the guest did not finish')"
fi
[ -n "$booted" ] && echo "MEASURE l2_boot_s=$(awk -v a="$t0" -v b="$booted" 'BEGIN {print b - a}') s"
echo "MEASURE l2_run_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}') s"

# The vPMU mode, from KVM's statistics over the counting phase: mediated VMs load the guest's
# PMU state at every entry (mediated_pmu_loads); the perf-based vPMU never does.
echo "MEASURE count_phase_exits=$((exits1 - exits0))"
echo "MEASURE count_phase_mediated_loads=$((loads1 - loads0))"
if [ "$exits1" -eq 0 ]; then tap not-ok vpmu-mode=unknown "no KVM statistics in $K"
elif [ $((loads1 - loads0)) -gt 0 ]; then tap ok vpmu-mode=mediated
else tap ok vpmu-mode=perf
fi
echo "1..$n"
exit $bad
