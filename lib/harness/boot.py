"""Run a rig boot (or a shell, or a dry run), and judge a boot from its saved logs."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

from . import judge, parse, paths, rig
from .model import Result, Verdict


def rig_dir(name):
    d = os.path.join(paths.BUILD, 'rig', name)
    os.makedirs(d, exist_ok=True)
    return d


def logs_of(name):
    return {k: paths.log(f'{name}.{k}.log') for k in ('console', 'results', 'qemu')}


def run_with_timeout(cmd, timeout, stdout):
    """Run cmd; on timeout SIGTERM, then SIGKILL 30 s later (QEMU can ignore SIGTERM while
    a vCPU spins). Returns (exit code or None, timed out?)."""
    p = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        return p.wait(timeout=timeout), False
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        return None, True


def unbuilt():
    """Programs that did not build (lib/steps/build-selftests.sh): left out of the plan and
    of the judgement, since their build:<name> verdict already fails."""
    return set(parse.read_lines(os.path.join(paths.BUILD, 'obj', 'unbuilt')))


def plan(cfg, selftests=None, shell=False):
    """The plan of a boot, without the programs that did not build."""
    skip = unbuilt()
    return [ln for ln in rig.plan_lines(cfg, selftests, shell)
            if not (ln.startswith('run ') and ln.split()[2] in skip)]


def prepare(cfg, selftests=None, shell=False):
    """Write the plan and the boot's initrd: the shared initramfs, the VMM archive if the
    configuration asks for it (lib/steps/build-vmm.sh), the plan archive."""
    d = rig_dir(cfg.name + ('-shell' if shell else ''))
    lines = plan(cfg, selftests, shell)
    with open(os.path.join(d, 'plan'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    parts = [os.path.join(paths.BUILD, 'initramfs.cpio.gz')]
    if cfg.vmm:
        parts.append(os.path.join(paths.BUILD, 'vmm.cpio.gz'))
    initrd = os.path.join(d, 'initrd.img')
    with open(initrd + '.tmp', 'wb') as out:
        for part in parts:
            if os.path.exists(part):
                with open(part, 'rb') as f:
                    shutil.copyfileobj(f, out)
        out.write(rig.plan_archive(cfg, lines))
    os.replace(initrd + '.tmp', initrd)
    return lines, initrd


def boot(name, selftests=None, dry_run=False, shell=False):
    cfg = rig.load_config(name)
    os.makedirs(paths.LOGS, exist_ok=True)
    logs = logs_of(name)
    if dry_run:
        lines = plan(cfg, selftests, shell)
        initrd = os.path.join(paths.BUILD, 'rig', name + ('-shell' if shell else ''), 'initrd.img')
        print(rig.shell_quote(rig.rig_command(cfg, initrd, logs['console'], logs['results'],
                                              interactive=shell)))
        print('# plan:')
        print('\n'.join('#   ' + line for line in lines))
        return 0
    lines, initrd = prepare(cfg, selftests, shell)
    cmd = rig.rig_command(cfg, initrd, logs['console'], logs['results'], interactive=shell)
    if shell:
        print(f'rig: booting "{name}" with a shell after the main phase\'s steps; '
              'Ctrl-A X quits QEMU', flush=True)
        return subprocess.call(cmd)
    for k in ('console', 'results'):
        if os.path.exists(logs[k]):
            os.remove(logs[k])
    t0 = time.time()
    with open(logs['qemu'], 'w') as q:
        rc, timed_out = run_with_timeout(cmd, cfg.boot_timeout, q)
    outcome = {'config': name, 'seconds': round(time.time() - t0, 1), 'exit': rc,
               'timed_out': timed_out, 'timeout': cfg.boot_timeout}
    with open(paths.log(f'{name}.boot.json'), 'w') as f:
        json.dump(outcome, f, indent=1)
    if timed_out:
        print(f'    qemu did not finish within {cfg.boot_timeout} s: killed', file=sys.stderr)
    elif rc:
        print(f'    qemu exited with {rc} (see {logs["qemu"]})', file=sys.stderr)
    return 0


def log_fact_results(phase, lines, wanted, facts):
    """Results of `log` steps, NAME=<value>: for a `match` fact the value of the first rule
    that matches a line (else its default); for a `count` fact the number of lines its regex
    matches. White space in a value is folded to '_' (a result name is one word)."""
    out = []
    prefix = '' if phase == 'main' else phase + '/'
    for name in wanted:
        spec = facts.get(name)
        if spec is None:
            out.append(Result(prefix + name, 'fail', f'no fact "{name}" in rig/log-facts.toml'))
            continue
        if 'count' in spec:
            rx = re.compile(spec['count'])
            value = str(sum(1 for line in lines if rx.search(line)))
        else:
            value = spec.get('default', 'absent')
            for rule_value, pattern in spec['match']:
                rx = re.compile(pattern)
                m = next((m for m in map(rx.search, lines) if m), None)
                if m:
                    value = m.expand(rule_value)
                    break
        value = re.sub(r'\s+', '_', value.strip()) or '(empty)'
        out.append(Result(f'{prefix}{name}={value}', 'pass'))
    return out


def collect(cfg, logs):
    """Every Result of a boot: the rig stream, KTAP, log facts and output checks."""
    results, complete, notes = parse.parse_rig_stream(parse.read_lines(logs['results']))
    console = [parse.strip_timestamp(line) for line in parse.read_lines(logs['console'])]
    phases = parse.console_phases(console)
    facts = rig.load_log_facts()
    for ph in cfg.phases:
        if ph.name not in phases:
            continue    # never reached: its results are missing, not made up
        lines = phases[ph.name]
        prefix = '' if ph.name == 'main' else ph.name + '/'
        ktap, _ = parse.parse_tap(lines)
        results += parse.qualify(ktap, prefix + 'kunit:')
        wanted = [w for s in ph.steps if s.split()[0] == 'log' for w in s.split()[1:]]
        results += log_fact_results(ph.name, lines, wanted, facts)
    checks = judge.load_output_checks(os.path.join(paths.TOP, 'tests', 'output-checks.txt'))
    for ph in cfg.phases:
        prefix = '' if ph.name == 'main' else ph.name + '/'
        mine = [r for r in results if judge.phase_of(r.name)[0] == ph.name]
        for r in judge.output_check_results(
                [Result(judge.phase_of(x.name)[1], x.status, x.reason, x.output) for x in mine],
                checks):
            r.name = prefix + r.name
            results.append(r)
    return results, complete, console, notes


def judge_boot(name, expect=None, allowlist=None, out=sys.stdout, err=sys.stderr,
               config_path=None):
    """Verdicts of a boot from its saved logs; writes LOGS/<name>.json. Returns the
    verdicts."""
    cfg = rig.load_config(name, config_path)
    logs = logs_of(name)
    expect = expect or os.path.join(paths.TOP, 'tests', 'expect', f'{name}.txt')
    allowlist = allowlist or os.path.join(paths.TOP, 'tests', 'splat-allowlist.txt')
    tag = f'rig:{name}'
    verdicts = []
    results, complete, console, notes = collect(cfg, logs)
    try:
        exps = judge.load_expectations(expect)
        allow = judge.load_allowlist(allowlist)
    except (judge.ExpectError, FileNotFoundError) as e:
        verdicts = [Verdict(f'{tag}:expectations', False, 'fail', str(e))]
        exps, allow = [], {}
    outcome = {}
    try:
        with open(paths.log(f'{name}.boot.json')) as f:
            outcome = json.load(f)
    except FileNotFoundError:
        pass
    if complete:
        verdicts.append(Verdict(f'{tag}:boot-complete', True, 'pass'))
    else:
        why = ('killed after its ' + str(outcome.get('timeout')) + ' s timeout'
               if outcome.get('timed_out') else 'the rig did not finish its plan')
        verdicts.append(Verdict(f'{tag}:boot-complete', False, 'crash',
                                f'{why}: see {paths.show(logs["console"])}'))

    cache = {name: {r.name: r for top in results for r in top.walk()}}

    def lookup(cfg_name, res_name):
        """The result of that name in that configuration (judged from its own logs, so that
        the order in which configurations are judged does not matter); a name ending in '='
        finds the result with that key and any value."""
        if cfg_name not in cache:
            try:
                other = rig.load_config(cfg_name)
                cache[cfg_name] = {r.name: r for top in collect(other, logs_of(cfg_name))[0]
                                   for r in top.walk()}
            except rig.ConfigError:
                cache[cfg_name] = {}
        found = cache[cfg_name]
        if res_name.endswith('='):
            return next((r for n, r in found.items() if n.startswith(res_name)), None)
        return found.get(res_name)

    skip = {f'{kind}:{t}' for t in unbuilt() for kind in ('selftest', 'rigtest')}
    skip |= {'output:' + c[0] for c in judge.load_output_checks(
        os.path.join(paths.TOP, 'tests', 'output-checks.txt')) if c[1] in skip}
    exps = [e for e in exps if judge.phase_of(e.pattern)[1] not in skip]
    verdicts += judge.judge_results(results, exps, name, lookup, paths.show(expect))
    splats = parse.find_splats(console)
    verdicts.append(judge.judge_splats(f'{tag}:no-kernel-splats', splats, allow))
    for v in verdicts:
        if not v.ok and v.details:
            print(f'--- {v.name}: {v.text}', file=err)
            for d in v.details:
                print('    ' + d, file=err)
    for v in verdicts:
        print(v.tap(), file=out)
    with open(paths.log(f'{name}.json'), 'w') as f:
        json.dump({'config': name, 'complete': complete, 'boot': outcome,
                   'splats': sorted({s for s, _ in splats}), 'notes': notes,
                   'results': [r.to_json() for r in results],
                   'verdicts': [v.to_json() for v in verdicts]}, f, indent=1)
    return verdicts
