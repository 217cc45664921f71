"""`make bench`'s tables, from the MEASURE lines of each phase of the rig configuration
"bench" (perf-based vPMU, mediated, mediated with an event filter): the macro rows of the
real VMM's Linux guest (payload vmm.sh bench), the host side of a slow-path exit and the
attribution rows (selftest mediated_pmu_bench). Raw counts come from the rig's PMU model
and KVM's statistics; the weighted rows apply bench/cost-table.toml. The text's bytes
depend only on the measurements, the cost table and the versions it names."""
import glob
import json
import os
import re
import tomllib

from . import paths, rig

# (phase, column heading)
MODES = [('main', 'perf-based'), ('mediated', 'mediated'), ('filter', 'mediated + filter')]
SELFTEST = 'selftest:mediated_pmu_bench'
VMM = 'payload:vmm.sh'
# The accounting classes the cost table weighs (rig_acct's names), with their table entry.
CLASSES = [('pmu_msrs', 'pmu_msr'), ('msrs', 'msr'), ('apic', 'apic'), ('rdpmcs', 'rdpmc')]
RUNS = [('record', 'perf record -F 1000, 1 event'),
        ('multiplex', 'perf record -F 1000, 8 events on 6 counters (multiplexed)')]

# (measurement key, row heading, format) of the attribution rows
ROWS = [
    ('exits_per_1000_rdpmc', 'VM-exits per 1000 RDPMC (counter 0)', '{:d}'),
    ('exits_per_1000_ctr_rdmsr', 'VM-exits per 1000 RDMSR PERF_CTR0', '{:d}'),
    ('exits_per_1000_ctr_wrmsr', 'VM-exits per 1000 WRMSR PERF_CTR0', '{:d}'),
    ('exits_per_1000_global_rdmsr', 'VM-exits per 1000 RDMSR PerfCntrGlobalStatus', '{:d}'),
    ('exits_per_1000_sel_wrmsr', 'VM-exits per 1000 WRMSR PERF_CTL0 (always intercepted)',
     '{:d}'),
    ('pmis', 'guest PMIs taken (counter 0, every 10000 instructions)', '{:d}'),
    ('exits_per_pmi', 'VM-exits per guest PMI (Linux-like PerfMonV2 handler)', '{:.2f}'),
    ('host_irq_exits_pmi_region', 'of those, exits of the host\'s own interrupts (its timer), '
     'in all', '{:d}'),
    ('exits_per_pmi_without_host_irqs', 'VM-exits per guest PMI without the host\'s '
     'interrupts', '{:.2f}'),
    ('loads_per_1000_exits', 'mediated PMU loads per 1000 VM-exits (PMI region)', '{:d}'),
    ('count_error', 'count error, instructions of 100000 counted', '{:d}'),
    ('count_error_contended', 'count error, with every counter pinned by host events',
     '{:d}'),
    ('host_events', 'pinned exclude_guest host events on the vCPU task', '{:d}'),
]

PUBLISHED = (
    'Published figures, **not ours** (upstream, on hardware: a 56-core Sapphire Rapids, '
    'SPECint-2017 with `perf record -F 1000` in the guest): sampling overhead 33.62% with '
    'the perf-based vPMU, 4.24% mediated (6.21% with an event filter), a ratio of 7.9x; '
    'when multiplexing 79.32% vs 7.34% (10.45%), a ratio of 10.8x. They are quoted for '
    'comparison only: this rig measures virtual instructions and modelled cost, not time.')


def measurements(config='bench'):
    """{phase: {key: value}}: the MEASURE values of the benchmark's two programs per phase."""
    with open(paths.log(f'{config}.json')) as f:
        results = json.load(f)['results']
    out = {}
    for r in results:
        phase, _, name = r['name'].rpartition('/')
        if name in (SELFTEST, VMM):
            out.setdefault(phase or 'main', {}).update(r.get('measurements', {}))
    return out


def load_costs(path=None):
    """{entry: cycles} of bench/cost-table.toml; a "calibrated" world switch comes as
    ('calibrated', exit_cycles)."""
    with open(path or os.path.join(paths.TOP, 'bench', 'cost-table.toml'), 'rb') as f:
        table = tomllib.load(f)
    return {k: (v['cycles'], v['exit_cycles']) if v['cycles'] == 'calibrated' else v['cycles']
            for k, v in table.items()}


def _cpuid_counts(m, tag):
    c = {k: m.get(f'cpuid_{k}_per_exit_{tag}')
         for k in ['insns', 'vmruns'] + [c for c, _ in CLASSES]}
    return None if any(v is None for v in c.values()) else c


def calibrate(costs, got):
    """(costs with a number for the world switch, the text that says how it was found).
    A calibrated world switch is the published CPUID-exit cost less the rig's weighted host
    work of its mediated CPUID exit with the vPMU idle (without a world switch of its own)."""
    ws = costs['world_switch']
    if not isinstance(ws, tuple):
        return costs, f'World switch: {ws} cycles (bench/cost-table.toml).'
    exit_cycles = ws[1]
    c = _cpuid_counts(got.get('mediated', {}), 'idle')
    if c is None:
        return dict(costs, world_switch=costs['instruction']), (
            'World switch: not calibrated (no mediated CPUID row): charged as one instruction.')
    host = weighted(c['insns'], dict(c, vmruns=0), dict(costs, world_switch=0))
    w = round(exit_cycles - host + c['vmruns'] * costs['instruction'])
    if w < costs['instruction']:
        return dict(costs, world_switch=costs['instruction']), (
            f'World switch: not calibrated: the rig\'s weighted host work of a mediated CPUID '
            f'exit ({host:.0f} cycles) exceeds the published {exit_cycles}; charged as one '
            f'instruction.')
    return dict(costs, world_switch=w), (
        f'World switch (VMRUN + #VMEXIT): **{w} cycles**, calibrated: the published mediated '
        f'CPUID exit on Turin ({exit_cycles} cycles, design P3) less the rig\'s weighted host '
        f'work of its mediated CPUID exit, vPMU idle ({host:.0f} cycles).')


def weighted(raw, counts, costs):
    """The weighted cost of work of `raw` instructions with `counts` {class: n} and
    `counts['vmruns']` world switches: an instruction costs the table's `instruction`, and
    each event its own entry instead of the one instruction it is counted as."""
    ci = costs['instruction']
    extra = counts.get('vmruns', 0) * (costs['world_switch'] - ci)
    for cls, entry in CLASSES:
        extra += counts.get(cls, 0) * (costs[entry] - ci)
    return raw * ci + extra


def _run_counts(m, run):
    """The host + guest counts of one workload run of the macro rows, or None."""
    keys = ['insns'] + ['vmruns'] + [c for c, _ in CLASSES]
    out = {}
    for k in keys:
        h, g = m.get(f'work_{run}_{k}_host'), m.get(f'work_{run}_{k}_guest')
        if h is None or g is None:
            return None
        out[k] = h + g
    return out


def _pct(x):
    return f'{x:.2f}%'


def _ratio(a, b):
    return f'{a / b:.1f}x' if b > 0 else 'n/a (mediated overhead <= 0)'


class _Table:
    def __init__(self, got):
        self.got = got
        self.missing = []
        self.lines = []

    def head(self):
        self.lines += ['| Row | ' + ' | '.join(h for _, h in MODES) + ' |',
                       '|---|' + '---:|' * len(MODES)]

    def row(self, heading, cell):
        """cell(measurements of a phase) -> text, or None when a measurement is missing."""
        cells = []
        for phase, mode in MODES:
            v = cell(self.got.get(phase, {}))
            if v is None:
                self.missing.append((mode, heading))
                v = 'missing'
            cells.append(v)
        self.lines.append(f'| {heading} | ' + ' | '.join(cells) + ' |')


def macro_values(m, costs):
    """{run: (raw, weighted)} of the three workload runs of one phase, or None."""
    out = {}
    for run in ('base', 'record', 'multiplex'):
        c = _run_counts(m, run)
        if c is None:
            return None
        out[run] = (c['insns'], weighted(c['insns'], c, costs))
    return out


def overheads(m, costs):
    """{(run, 'raw'|'weighted'): overhead in %} of one phase, or None."""
    v = macro_values(m, costs)
    if v is None:
        return None
    return {(run, kind): (v[run][i] - v['base'][i]) * 100.0 / v['base'][i]
            for run, _ in RUNS for i, kind in enumerate(('raw', 'weighted'))}


NOTES = """Reading these rows:

- Why basic sampling misses 8x here: per sample the mediated guest still takes about 4 exits
  (the PMI's interrupt; its LVTPC write, intercepted without AVIC; the IRET that KVM intercepts
  because the rig's nested SVM has no vNMI; presumably the selector writes of perf's frequency
  adjustment at each tick, not counted apart), each with a PMU switch (the CPUID rows below),
  and the guest's own perf work per sample is the same in every mode; the perf-based vPMU's
  exits cost the rig's host about 3.5k instructions each, its multiplexing far more.
- The three base runs (no perf) have the same guest instructions (within 0.01%) and about the
  same exits, but their host instructions differ by up to about 1% of the run: work of the L1
  host outside the VM's exits, whose cause is not established. That is the noise floor of the
  1-2% overheads, and of the filter column's difference from the mediated one.
- VM-exits per guest PMI: 3 per PMI are the PMI's interrupt, the LVTPC write and the
  intercepted IRET (the last one goes with vNMI hardware); the rest (a few hundredths) are
  not attributed by KVM's statistics (the selftest prints the exits of some kinds in its log;
  KVM injects 202 NMIs for 200 PMIs).
- The VM-exits to the VMM and the HLTs are the same in every mode: the base runs' spread is
  not there either."""


def _targets(got, oh):
    """The issue's targets, each with what this run measured."""
    med = got.get('mediated', {})
    out = ['Targets (issue 15), as measured here:', '']

    def verdict(ok):
        return 'met' if ok else '**missed**'
    if oh.get('main') and oh.get('mediated'):
        for run, what, want in (('record', 'basic sampling', 8), ('multiplex', 'multiplexing', 10)):
            for kind in ('raw', 'weighted'):
                a, b = oh['main'][(run, kind)], oh['mediated'][(run, kind)]
                r = a / b if b > 0 else float('inf')
                out.append(f'- mediated overhead at least {want}x lower than perf-based, '
                           f'{what}, {kind}: {r:.1f}x ({_pct(a)} vs {_pct(b)}): '
                           f'{verdict(r >= want)}')
    else:
        out.append('- overhead ratios: missing')
    e = med.get('exits_per_pmi')
    out.append(f'- at most 3 VM-exits per guest PMI, mediated: '
               + ('missing' if e is None else f'{e:.2f}: {verdict(e <= 3)}'))
    acc = [med.get(k) for k in ('exits_per_1000_rdpmc', 'exits_per_1000_ctr_rdmsr',
                                'exits_per_1000_ctr_wrmsr', 'exits_per_1000_global_rdmsr')]
    out.append('- 0 VM-exits for counter data accesses, mediated: ' +
               ('missing' if None in acc else
                f'{max(acc)} per 1000 at most: {verdict(max(acc) == 0)}'))
    c = med.get('count_error_contended')
    out.append('- count error 0 under host contention, mediated: ' +
               ('missing' if c is None else f'{c}: {verdict(c == 0)}'))
    out.append('- byte-identical tables from two consecutive runs: not judged by one run '
               '(`make bench` twice, then `cmp`; the closing note of issue 15 says the outcome)')
    return '\n'.join(out)


def table(config='bench', costs=None):
    """(text, missing): the tables, and the (mode, row) cells that have no measurement."""
    cfg = rig.load_config(config)
    got = measurements(config)
    costs, calibration = calibrate(costs or load_costs(), got)
    t = _Table(got)

    def key(k, fmt='{:d}'):
        return lambda m: None if m.get(k) is None else fmt.format(m[k])

    # 1. The macro rows.
    t.lines += ['## Sampling overhead of a Linux guest (the seed\'s method)', '']
    t.head()
    t.row('workload without perf: virtual instructions (L1 host + L2 guest)',
          lambda m: None if _run_counts(m, 'base') is None
          else f'{_run_counts(m, "base")["insns"]:d}')
    t.row('workload without perf: weighted cost (cycles)',
          lambda m: None if macro_values(m, costs) is None
          else f'{macro_values(m, costs)["base"][1]:d}')
    for run, what in RUNS:
        t.row(f'{what}: samples', key(f'work_{run}_samples'))
        for kind in ('raw', 'weighted'):
            t.row(f'{what}: overhead, {kind}',
                  lambda m, run=run, kind=kind: None if overheads(m, costs) is None
                  else _pct(overheads(m, costs)[(run, kind)]))
        t.row(f'{what}: VM-exits', key(f'work_{run}_kvm_exits'))
    t.row('workload without perf: VM-exits', key('work_base_kvm_exits'))
    for run, what in [('base', 'workload without perf')] + RUNS:
        t.row(f'{what}: of those, to the VMM (I/O and MMIO) / HLT',
              lambda m, run=run: None if any(m.get(f'work_{run}_kvm_{k}_exits') is None
                                             for k in ('io', 'mmio', 'halt')) else
              f'{m[f"work_{run}_kvm_io_exits"] + m[f"work_{run}_kvm_mmio_exits"]} / '
              f'{m[f"work_{run}_kvm_halt_exits"]}')
    ratios = []
    oh = {p: overheads(got.get(p, {}), costs) for p, _ in MODES}
    if oh['main'] and oh['mediated']:
        for run, what in RUNS:
            for kind in ('raw', 'weighted'):
                ratios.append(f'- {what}, {kind}: perf-based / mediated = '
                              f'{_ratio(oh["main"][(run, kind)], oh["mediated"][(run, kind)])}'
                              + (f', perf-based / mediated + filter = '
                                 f'{_ratio(oh["main"][(run, kind)], oh["filter"][(run, kind)])}'
                                 if oh['filter'] else ''))
    t.lines += ['', 'Overhead ratios (targets: at least 8x for one event, 10x multiplexed):',
                ''] + (ratios or ['- missing'])
    t.lines += ['', _targets(got, oh), '', NOTES]

    # 2. The host's side of a slow-path exit.
    t.lines += ['', '## The host side of a slow-path (CPUID) exit, per exit', '']
    t.head()
    for tag, what in (('nopmu', 'VM without a vPMU'), ('idle', 'guest counters idle'),
                      ('counting', 'one guest counter counting')):
        t.row(f'host instructions, {what}', key(f'cpuid_insns_per_exit_{tag}', '{:.2f}'))
    for tag, what in (('idle', 'idle'), ('counting', 'counting')):
        t.row(f'host PMU MSR accesses per world switch, {what}',
              key(f'cpuid_pmu_msrs_per_exit_{tag}', '{:.2f}'))
    t.row('of which counter WRMSRs, counting (12 without elision: 6 in put, 6 in load)',
          key('cpuid_ctr_writes_per_exit_counting', '{:.2f}'))
    t.row('host RDPMCs, idle', key('cpuid_rdpmcs_per_exit_idle', '{:.2f}'))
    t.row('host APIC accesses, idle', key('cpuid_apic_per_exit_idle', '{:.2f}'))
    t.row('host accesses of other MSRs, idle', key('cpuid_msrs_per_exit_idle', '{:.2f}'))
    def exit_cost(tag, with_switch):
        def cell(m):
            c = _cpuid_counts(m, tag)
            if c is None:
                return None
            if not with_switch:
                return f'{weighted(c["insns"], dict(c, vmruns=0), dict(costs, world_switch=0)):.0f}'
            return f'{weighted(c["insns"], c, costs):.0f}'
        return cell

    for tag, what in (('nopmu', 'VM without a vPMU'), ('idle', 'vPMU idle'),
                      ('counting', 'one guest counter counting')):
        t.row(f'weighted host work per CPUID exit (cycles), {what}', exit_cost(tag, False))
        t.row(f'weighted CPUID exit with the world switch (cycles), {what}',
              exit_cost(tag, True))
    t.lines += ['', calibration]

    # 3. The attribution rows.
    t.lines += ['', '## Attribution: VM-exits per guest PMU access and per PMI; accuracy', '']
    t.head()
    for k, heading, fmt in ROWS:
        t.row(heading, key(k, fmt))

    # Without the tree's commit id, which differs between machines for the same series.
    kernel = re.sub(r'-g[0-9a-f]+(-dirty)?$', '', _read(os.path.join(
        paths.KOBJ, 'include', 'config', 'kernel.release')))
    nr_patches = len(glob.glob(os.path.join(paths.TOP, 'patches', '0*.patch'))) - 1
    kernel += f' + the series ({nr_patches} patches)'
    qemu = _read(os.path.join(paths.BUILD, 'qemu-bin', 'version'))
    head = [
        '# Benchmark (make bench)',
        '',
        f'Rig: QEMU {qemu} (TCG, the rig\'s emulated AMD PerfMonV2 PMU), '
        f'`-cpu {cfg.cpu}`, `-smp {cfg.smp}`, `-icount {cfg.icount}`, '
        f'`{" ".join(cfg.qemu_extra)}`; host kernel {kernel} with `{cfg.cmdline}`. '
        f'Guests: the L2 Linux guest (the same kernel) of the rig\'s QEMU with KVM '
        f'(`-cpu host,pmu=on`, tests/rig-progs/vmm.sh, rig/guest/init), and the selftest '
        f'mediated_pmu_bench; '
        f'{", ".join(f"{k}={v}" for k, v in sorted(cfg.variables.items()))}.',
        '',
        'Units: virtual instructions (under `-icount shift=0` the virtual clock counts '
        'retired instructions of L1 host and L2 guest alike), counts of the rig PMU model\'s '
        'work accounting, VM-exits as KVM\'s statistics count them, and a **modelled cost** '
        '(bench/cost-table.toml: cycles per event class, each entry with its source). These '
        'are not cycles measured on hardware.',
        '',
        PUBLISHED,
        '',
    ]
    return '\n'.join(head + t.lines) + '\n', t.missing


def _read(path, default='unknown'):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default
