"""`make bench`'s table: the MEASURE lines of mediated_pmu_bench in each phase of the rig
configuration "bench" (perf-based vPMU, mediated, mediated with an event filter), as one
Markdown table whose bytes depend only on the measurements and the versions it names."""
import glob
import json
import os
import re

from . import paths, rig

# (phase, column heading)
MODES = [('main', 'perf-based'), ('mediated', 'mediated'), ('filter', 'mediated + filter')]
# (measurement key, row heading, format)
ROWS = [
    ('exits_per_1000_rdpmc', 'VM-exits per 1000 RDPMC (counter 0)', '{:d}'),
    ('exits_per_1000_ctr_rdmsr', 'VM-exits per 1000 RDMSR PERF_CTR0', '{:d}'),
    ('exits_per_1000_ctr_wrmsr', 'VM-exits per 1000 WRMSR PERF_CTR0', '{:d}'),
    ('exits_per_1000_global_rdmsr', 'VM-exits per 1000 RDMSR PerfCntrGlobalStatus', '{:d}'),
    ('exits_per_1000_sel_wrmsr', 'VM-exits per 1000 WRMSR PERF_CTL0 (always intercepted)',
     '{:d}'),
    ('pmis', 'guest PMIs taken (counter 0, every 10000 instructions)', '{:d}'),
    ('exits_per_pmi', 'VM-exits per guest PMI (Linux-like PerfMonV2 handler)', '{:.2f}'),
    ('loads_per_1000_exits', 'mediated PMU loads per 1000 VM-exits (PMI region)', '{:d}'),
    ('count_error', 'count error, instructions of 100000 counted', '{:d}'),
    ('count_error_contended', 'count error, with every counter pinned by host events',
     '{:d}'),
    ('host_events', 'pinned exclude_guest host events on the vCPU task', '{:d}'),
]
PROGRAM = 'selftest:mediated_pmu_bench'


def measurements(config='bench'):
    """{phase: {key: value}} from LOGS/<config>.json."""
    with open(paths.log(f'{config}.json')) as f:
        results = json.load(f)['results']
    out = {}
    for r in results:
        phase, _, name = r['name'].rpartition('/')
        if name == PROGRAM:
            out[phase or 'main'] = r.get('measurements', {})
    return out


def _read(path, default='unknown'):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def table(config='bench'):
    """(text, missing): the table, and the (mode, row) cells that have no measurement."""
    cfg = rig.load_config(config)
    got = measurements(config)
    missing = []
    lines = ['| Row | ' + ' | '.join(h for _, h in MODES) + ' |',
             '|---|' + '---:|' * len(MODES)]
    for key, heading, fmt in ROWS:
        cells = []
        for phase, mode in MODES:
            v = got.get(phase, {}).get(key)
            if v is None:
                missing.append((mode, key))
                cells.append('missing')
            else:
                cells.append(fmt.format(v))
        lines.append(f'| {heading} | ' + ' | '.join(cells) + ' |')
    # Without the tree's commit id, which differs between machines for the same series.
    kernel = re.sub(r'-g[0-9a-f]+(-dirty)?$', '', _read(os.path.join(
        paths.BUILD, 'obj', 'linux', 'include', 'config', 'kernel.release')))
    nr_patches = len(glob.glob(os.path.join(paths.TOP, 'patches', '0*.patch'))) - 1
    kernel += f' + the series ({nr_patches} patches)'
    qemu = _read(os.path.join(paths.BUILD, 'qemu-bin', 'version'))
    head = [
        '# Benchmark: the attribution rows (make bench)',
        '',
        f'Rig: QEMU {qemu} (TCG, the rig\'s emulated AMD PerfMonV2 PMU), '
        f'`-cpu {cfg.cpu}`, `-smp {cfg.smp}`, `-icount {cfg.icount}`, '
        f'`{" ".join(cfg.qemu_extra)}`; host kernel {kernel} with `{cfg.cmdline}`; '
        f'L2 guests of KVM in that host, built by the selftest mediated_pmu_bench '
        f'({", ".join(f"{k}={v}" for k, v in sorted(cfg.variables.items()))}).',
        '',
        'Units: VM-exits as KVM\'s per-vCPU statistics count them (`exits`, '
        '`mediated_pmu_loads`), in a deterministic rig where virtual time is the count of '
        'retired instructions. These are not cycles and not hardware figures.',
        '',
    ]
    foot = [
        '',
        'Not measured yet (issue 15): the macro rows (a workload with and without perf '
        'sampling in the real-VMM guest, overhead in %), a modelled cost per instruction '
        'class, and host instructions per slow-path exit. The published hardware figures (upstream, Sapphire Rapids, SPECint-2017 '
        'with `perf record`: 33.62% perf-based vs 4.24% mediated; 79.32% vs 7.34% when '
        'multiplexing) are not ours and are not comparable with these rows.',
    ]
    return '\n'.join(head + lines + foot) + '\n', missing
