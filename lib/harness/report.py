"""Reporters: the numbered TAP and closing line of `make check`, the time per step, the
JSON of a run, and the table of measurements (the hook `make bench` prints through)."""
import glob
import json
import os

from . import paths
from .model import verdict_from_tap

RESULTS_DIR = 'results'


def results_dir():
    return os.path.join(paths.BUILD, RESULTS_DIR)


def read_verdicts(d=None):
    """Every verdict line of a run, in the order the run wrote its result files."""
    out = []
    for f in sorted(glob.glob(os.path.join(d or results_dir(), '*.tap'))):
        with open(f, errors='replace') as fh:
            out += [v for v in map(verdict_from_tap, fh) if v]
    return out


def read_times(d=None):
    rows = []
    try:
        with open(os.path.join(d or results_dir(), 'times.tsv')) as f:
            for line in f:
                name, _, secs = line.rstrip('\n').rpartition('\t')
                rows.append((name, int(secs)))
    except FileNotFoundError:
        pass
    return rows


def fmt_secs(s):
    return f'{s // 60}m{s % 60:02d}s'


def time_table(rows):
    if not rows:
        return []
    w = max(len(n) for n, _ in rows)
    out = ['Time per step (wall):', f'  {"step":<{w}}  time']
    out += [f'  {n:<{w}}  {fmt_secs(s):>6}' for n, s in rows]
    return out


def measurement_rows(configs):
    """(config, result, key, value) for every measurement of the given configurations'
    saved results (LOGS/<config>.json)."""
    rows = []
    for cfg in configs:
        try:
            with open(paths.log(f'{cfg}.json')) as f:
                results = json.load(f)['results']
        except FileNotFoundError:
            continue
        stack = list(results)
        while stack:
            r = stack.pop(0)
            for k, v in sorted(r.get('measurements', {}).items()):
                rows.append((cfg, r['name'], k, v))
            stack[0:0] = r.get('children', [])
    return rows


def measurement_table(rows):
    if not rows:
        return []
    w = [max(len(str(r[i])) for r in rows) for i in range(3)]
    out = ['Measurements:']
    out += [f'  {c:<{w[0]}}  {n:<{w[1]}}  {k:<{w[2]}}  {v}' for c, n, k, v in rows]
    return out


def counts(verdicts):
    c = {'pass': 0, 'fail': 0, 'skip': 0, 'xfail': 0}
    for v in verdicts:
        if not v.ok:
            c['fail'] += 1
        elif v.status in c:
            c[v.status] += 1
        else:
            c['pass'] += 1
    return c


def closing_line(c):
    return f'{c["pass"]} passed, {c["fail"]} failed, {c["skip"]} skipped, {c["xfail"]} xfail'


def summary(d=None):
    """The report of `make check` (and `make judge`): numbered TAP, failed checks, time per
    step, measurements, and the closing line last. Returns (text, any failure?)."""
    d = d or results_dir()
    verdicts = read_verdicts(d)
    out = ['TAP version 13']
    for i, v in enumerate(verdicts, 1):
        line = v.tap()
        out.append(line.replace(' ', f' {i} ', 1) if line.startswith('ok ')
                   else line.replace('not ok ', f'not ok {i} ', 1))
    out.append(f'1..{len(verdicts)}')
    bad = [v for v in verdicts if not v.ok]
    if bad:
        out += ['', 'Failed checks:'] + ['  ' + v.tap() for v in bad]
    out += [''] + time_table(read_times(d))
    configs = sorted(os.path.basename(f)[:-5] for f in glob.glob(paths.log('*.json'))
                     if not f.endswith('.boot.json'))
    m = measurement_table(measurement_rows(configs))
    if m:
        out += [''] + m
    c = counts(verdicts)
    out += ['', closing_line(c)]
    with open(os.path.join(paths.BUILD, 'check.json'), 'w') as f:
        json.dump({'counts': c, 'verdicts': [v.to_json() for v in verdicts],
                   'times': [{'step': n, 'seconds': s} for n, s in read_times(d)],
                   'measurements': [{'config': a, 'result': b, 'key': k, 'value': v}
                                    for a, b, k, v in measurement_rows(configs)]},
                  f, indent=1)
    return '\n'.join(out) + '\n', bool(bad)


def main_summary(config, guest):
    """The rig part of `make`'s summary, from the judged boot (LOGS/<config>.json) and its
    kernel log. Returns 0 when the guest passed."""
    from . import parse
    with open(paths.log(f'{config}.json')) as f:
        run = json.load(f)
    console = parse.console_phases(
        [parse.strip_timestamp(x) for x in parse.read_lines(paths.log(f'{config}.console.log'))])['main']
    pe = next((x for x in console if x.startswith('Performance Events:')), None)
    print(f'Host PMU:        {pe or "no Performance Events line in the kernel log"}')
    for x in console:
        if x.startswith('kvm_amd: ') and ('PMU' in x or 'mediated' in x):
            print(f'                 {x}')
    params = [n[6:] for n in run.get('notes', []) if n.startswith('param ')
              and (n.startswith('param kvm.enable_pmu=') or 'pmu' in n.split('=')[0])]
    print(f'KVM parameters:  {" ".join(params)}')
    v = next((v for v in run['verdicts'] if v['name'] == guest), None)
    r = next((r for r in run['results'] if r['name'] == guest), None)
    if v is None:
        print(f'Guest:           {guest}: no result (see {paths.log(config + ".console.log")})')
        return 1
    print(f'Guest:           {guest}: {"ok" if v["ok"] else "not ok"} ({r["status"] if r else "?"})'
          f'{" # " + v["text"] if v.get("text") else ""}')
    # What the guest counted through a passed-through counter (mediated_pmu_test prints it).
    for line in (r.get('output', []) if r else []):
        if 'passed-through' in line and 'instructions retired' in line:
            print(f'Guest counted:   {line.lstrip("# ").strip()}')
    # The real VMM (tests/rig-progs/vmm.sh): QEMU/KVM's L2 Linux guest and its perf.
    vmm = next((x for x in run['results'] if x['name'] == 'payload:vmm.sh'), None)
    if vmm:
        out = vmm.get('output', [])
        print(f'Real VMM:        QEMU/KVM, L2 Linux guest with perf: {vmm["status"]}')
        for line in out:
            if 'difference (run 1)' in line:
                print(f'                 {line.lstrip("#| ").strip()}')
        m = dict(x[8:].split('=', 1) for x in out if x.startswith('MEASURE count_phase'))
        if m:
            print(f'                 VM-exits of its counting phase: {m.get("count_phase_exits")}'
                  f' (mediated_pmu_loads {m.get("count_phase_mediated_loads")})')
    return 0 if v['ok'] else 1
