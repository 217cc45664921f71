"""Stage 0: the rig QEMU's PMU model against hand-computed counts.

Boots the freestanding test image (tests/stage0/, built by lib/steps/build-stage0.sh) once
per line of tests/stage0/variants.txt, checks that QEMU refuses the model where its counts
could not be exact, and judges everything against tests/stage0/expect.txt.
"""
import os
import shlex
import subprocess
import sys
import time

from . import judge, parse, paths, rig
from .model import Result, Verdict

# Memory, devices and the exit port of the image (isa-debug-exit: status (code << 1) | 1).
IMAGE_ARGS = ['-device', 'isa-debug-exit,iobase=0xf4,iosize=4']

REFUSALS = [
    ('refuses-without-icount', 'x-amd-pmu: needs precise icount', '',
     'EPYC-Genoa,+svm,pmu=on,x-amd-pmu=on'),
    ('refuses-adaptive-icount', 'x-amd-pmu: needs precise icount', 'auto',
     'EPYC-Genoa,+svm,pmu=on,x-amd-pmu=on'),
    ('refuses-without-pmu-on', 'x-amd-pmu: needs pmu=on', 'shift=0',
     'EPYC-Genoa,+svm,x-amd-pmu=on'),
    ('refuses-intel-cpu', 'x-amd-pmu: needs an AMD CPU model', 'shift=0',
     'Skylake-Client,pmu=on,x-amd-pmu=on'),
]


def variants(path=None):
    path = path or os.path.join(paths.TOP, 'tests', 'stage0', 'variants.txt')
    out = []
    with open(path) as f:
        for raw in f:
            if not raw.strip() or raw.lstrip().startswith('#'):
                continue
            name, _, opts = raw.partition('|')
            out.append((name.strip(), shlex.split(opts)))
    return out


def image_command(qemu, img, append, serial, extra, icount='', cpu=None):
    return rig.qemu_command(qemu, cpu=cpu, smp=1, memory='256', icount=icount, kernel=img,
                            append=append, serials=[serial], extra=IMAGE_ARGS + list(extra))


def run(qemu, img):
    """Run every variant and refusal; leaves the logs in LOGS/stage0.*."""
    os.makedirs(paths.LOGS, exist_ok=True)
    console = paths.log('stage0.console.log')
    with open(console, 'w') as con:
        for name, opts in variants():
            log = paths.log(f'stage0.{name}.log')
            if os.path.exists(log):
                os.remove(log)
            con.write(f'=== variant {name}: {" ".join(opts)}\n')
            con.flush()
            t0 = time.time()
            rc, timed_out = _run(image_command(qemu, img, name, f'file:{log}', opts), con)
            res = parse.parse_rig_stream(parse.read_lines(log))[0]
            print(f'    {name}: {sum(r.status != "fail" for r in res)} ok, '
                  f'{sum(r.status == "fail" for r in res)} not ok '
                  f'({int((time.time() - t0) * 1000)} ms){" TIMED OUT" if timed_out else ""}',
                  file=sys.stderr)
        refusals = []
        for name, text, icount, cpu in REFUSALS:
            cmd = image_command(qemu, img, 'off', 'null', [], icount, cpu)
            p = subprocess.run(['timeout', '-k', '5', '60'] + cmd, capture_output=True,
                               text=True, stdin=subprocess.DEVNULL)
            out = p.stdout + p.stderr
            con.write(f'=== refusal {name}: {rig.shell_quote(cmd)} -> exit {p.returncode}\n{out}')
            refusals.append(f'{name} {p.returncode} {text in out}')
    with open(paths.log('stage0.refusals.log'), 'w') as f:
        f.write('\n'.join(refusals) + '\n')


def _run(cmd, con):
    p = subprocess.Popen(['timeout', '-k', '5', '60'] + cmd, stdout=con, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL)
    rc = p.wait()
    return rc, rc in (124, 137)


def collect():
    """Results of the last Stage 0 run, from its logs."""
    results = []
    for name, _ in variants():
        res, complete, _ = parse.parse_rig_stream(parse.read_lines(paths.log(f'stage0.{name}.log')))
        results += res
        results.append(Result(f'stage0:{name}:complete', 'pass' if complete else 'crash',
                              '' if complete else 'the image did not finish (no plan/end '
                              f'marker): see {paths.log(f"stage0.{name}.log")}'))
    for line in parse.read_lines(paths.log('stage0.refusals.log')):
        name, rc, found = line.split()
        ok = rc not in ('0', '124', '137') and found == 'True'
        text = [t for n, t, _, _ in REFUSALS if n == name][0]
        results.append(Result(f'stage0:qemu:{name}', 'pass' if ok else 'fail',
                              '' if ok else f"expected a non-zero exit and '{text}'; got exit {rc}"
                              f"{'' if found == 'True' else ' without that message'}"))
    return results


def judge_stage0(out=sys.stdout, err=sys.stderr):
    results = collect()
    expect = os.path.join(paths.TOP, 'tests', 'stage0', 'expect.txt')
    try:
        verdicts = judge.judge_results(results, judge.load_expectations(expect), 'stage0',
                                       where=paths.show(expect))
    except judge.ExpectError as e:
        verdicts = [Verdict('stage0:expectations', False, 'fail', str(e))]
    for v in verdicts:
        if not v.ok:
            print(f'--- {v.name}: {v.text}', file=err)
            for d in v.details:
                print('    ' + d, file=err)
        print(v.tap(), file=out)
    return verdicts
