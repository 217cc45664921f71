#!/usr/bin/python3
"""Turn rig logs into checks compared with the committed expectations, and summarise.

  results.py rig CONFIG EXPECT CONSOLE RESULTS ALLOWLIST   -> result lines on stdout
  results.py summary FILE                                  -> numbered TAP + closing line

A result line is `ok NAME`, `ok NAME # SKIP reason`, `ok NAME # TODO reason` (an expected
failure) or `not ok NAME # why`. Exit status 1 when any line is `not ok`.
"""
import fnmatch
import re
import sys

TS = re.compile(r'^\[\s*\d+\.\d+\]\s?')
TAP = re.compile(r'^(not )?ok \d+ (\S+)(?: # (.*))?$')


def strip_ts(line):
    return TS.sub('', line.rstrip('\r\n'))


def parse_rig_results(path):
    """The rig's own TAP stream (second serial port): name -> (status, detail, output)."""
    res, out, done, plan = {}, [], False, False
    try:
        lines = open(path, errors='replace').read().splitlines()
    except FileNotFoundError:
        lines = []
    for line in lines:
        line = line.rstrip('\r')
        if line.startswith('# | '):
            out.append(line[4:])
            continue
        if line == '# RIG-DONE':
            done = True
        if re.match(r'^1\.\.\d+$', line):
            plan = True
        m = TAP.match(line)
        if not m:
            continue
        failed, name, directive = m.group(1), m.group(2), m.group(3) or ''
        if failed:
            res[name] = ('fail', directive, out)
        elif directive.upper().startswith('SKIP'):
            res[name] = ('skip', directive[4:].strip(), out)
        else:
            res[name] = ('pass', '', out)
        out = []
    return res, done and plan


def parse_ktap(lines):
    """KUnit's KTAP in the kernel log: kunit:SUITE and kunit:SUITE.CASE."""
    res, suite = {}, None
    for line in lines:
        m = re.match(r'^    # Subtest: (\S+)', line)
        if m:
            suite = m.group(1)
            continue
        m = re.match(r'^(    )?(not )?ok \d+ (\S+)(?: # (.*))?$', line)
        if not m:
            continue
        indent, failed, name, directive = m.groups()
        directive = directive or ''
        if indent and suite:
            name = f'{suite}.{name}'
        st = 'fail' if failed else 'skip' if directive.upper().startswith('SKIP') else 'pass'
        detail = directive[4:].strip() if st == 'skip' else directive
        if st == 'skip' and not detail and not indent:
            # A skipped suite gives no reason of its own: its cases do.
            detail = '; '.join(sorted({d for n, (t, d, _) in res.items()
                                       if n.startswith(f'kunit:{name}.') and t == 'skip'}))
        res['kunit:' + name] = (st, detail, [])
    return res


SPLAT = [
    re.compile(r'^WARNING: CPU: \d+ PID: \d+ at (\S+?)(?::\d+)? (\S+?)(?:\+0x[0-9a-f]+/0x[0-9a-f]+)?( \[\S+\])?$'),
    re.compile(r'^(WARNING: .*)$'),
    re.compile(r'^(kernel BUG at \S+?)(?::\d+)?!?$'),
    re.compile(r'^(BUG: .*)$'),
    re.compile(r'^(Oops: .*|general protection fault.*|Kernel panic .*)$'),
    re.compile(r'^(KASAN: .*|UBSAN: .*|.* corruption\..*)$'),
    re.compile(r'^(INFO: task .* blocked for more than .*|INFO: rcu_.*stall.*|rcu: INFO: .*stall.*)$'),
]


def normalise(sig):
    sig = re.sub(r'0x[0-9a-f]+', '0x?', sig)
    sig = re.sub(r'\b\d+\b', 'N', sig)
    return sig.strip()


def find_splats(lines):
    """(signature, context lines) for every kernel splat in the log."""
    found = []
    for i, line in enumerate(lines):
        for n, rx in enumerate(SPLAT):
            m = rx.match(line)
            if not m:
                continue
            if n == 0:
                sig = 'WARNING at %s %s%s' % (m.group(1), m.group(2), m.group(3) or '')
            else:
                sig = normalise(m.group(1))
                if n == 1 and line.startswith('WARNING: CPU:'):
                    break
            found.append((sig, lines[max(0, i - 2):i + 30]))
            break
    return found


def load_allowlist(path):
    allow = {}
    for raw in open(path):
        raw = raw.strip()
        if not raw or raw.startswith('#'):
            continue
        sig, _, reason = raw.partition(' | ')
        if not reason.strip():
            sys.exit(f'{path}: allowlist entry without a reason: {raw}')
        allow[sig.strip()] = reason.strip()
    return allow


def load_expect(path):
    exp = []
    for raw in open(path):
        raw = raw.split('#', 1)[0].strip() if raw.lstrip().startswith('#') else raw.strip()
        if not raw:
            continue
        parts = raw.split(None, 2)
        if len(parts) < 2 or parts[1] not in ('pass', 'skip', 'xfail'):
            sys.exit(f'{path}: bad line: {raw}')
        reason = parts[2].strip() if len(parts) > 2 else ''
        if parts[1] != 'pass' and not reason:
            sys.exit(f'{path}: {parts[0]}: {parts[1]} needs a reason')
        exp.append((parts[0], parts[1], reason))
    return exp


def load_output_checks(path):
    """tests/output-checks.txt: NAME | RESULT | forbid|require | REGEX."""
    checks = []
    try:
        f = open(path)
    except FileNotFoundError:
        return checks
    for raw in f:
        raw = raw.strip()
        if not raw or raw.startswith('#'):
            continue
        parts = [p.strip() for p in raw.split(' | ', 3)]
        if len(parts) != 4 or parts[2] not in ('forbid', 'require'):
            sys.exit(f'{path}: bad line: {raw}')
        checks.append((parts[0], parts[1], parts[2], re.compile(parts[3])))
    return checks


def output_checks(actual, path):
    """Checks of a test's printed output, as results named output:NAME. A check of a test
    that did not pass is a skip (nothing to look at), never a vacuous pass."""
    res = {}
    for name, test, kind, rx in load_output_checks(path):
        if test not in actual:
            continue
        st, detail, out = actual[test]
        if st != 'pass':
            res['output:' + name] = ('skip', f'{test} did not pass ({st})', [])
            continue
        hits = [o for o in out if rx.search(o)]
        if kind == 'forbid' and hits:
            res['output:' + name] = ('fail', f'{test} printed: {hits[0]}', hits)
        elif kind == 'require' and not hits:
            res['output:' + name] = ('fail', f'{test} never printed /{rx.pattern}/', [])
        else:
            res['output:' + name] = ('pass', '', [])
    return res


def rig(config, expect, console, results, allowlist):
    actual, complete = parse_rig_results(results)
    try:
        klines = [strip_ts(l) for l in open(console, errors='replace')]
    except FileNotFoundError:
        klines = []
    actual.update(parse_ktap(klines))
    # Checks of printed output, defined next to the allowlist (tests/output-checks.txt).
    actual.update(output_checks(actual, allowlist.rsplit('/', 1)[0] + '/output-checks.txt'))
    lines, seen = [], set()
    tag = f'rig:{config}'
    lines.append(f'ok {tag}:boot-complete' if complete else
                 f'not ok {tag}:boot-complete # the rig did not finish: see {console}')
    for name, want, reason in load_expect(expect):
        hits = sorted(n for n in actual if fnmatch.fnmatchcase(n, name))
        if not hits:
            lines.append(f'not ok {name} # no result (expected {want}); see {console}')
            continue
        for n in hits:
            seen.add(n)
            st, detail, out = actual[n]
            if st == want == 'pass':
                lines.append(f'ok {n}')
            elif st == want == 'skip' and reason in detail:
                lines.append(f'ok {n} # SKIP {detail}')
            elif want == 'xfail' and st == 'fail':
                lines.append(f'ok {n} # TODO expected failure: {reason}')
            else:
                why = f'expected {want}{" (" + reason + ")" if reason else ""}, got {st}'
                why += f' ({detail})' if detail else ''
                lines.append(f'not ok {n} # {why}')
                for o in out[-15:]:
                    print(f'    {n}: {o}', file=sys.stderr)
    for n in sorted(set(actual) - seen):
        lines.append(f'not ok {n} # unexpected result {actual[n][0]}: add it to {expect}')
    allow = load_allowlist(allowlist)
    bad = [(s, ctx) for s, ctx in find_splats(klines) if s not in allow]
    for s, ctx in bad:
        print(f'--- kernel splat in {console}: {s}', file=sys.stderr)
        for c in ctx:
            print('    ' + c, file=sys.stderr)
    if bad:
        lines.append(f'not ok {tag}:no-kernel-splats # {len(bad)} splat(s): ' +
                     '; '.join(sorted({s for s, _ in bad})))
    else:
        lines.append(f'ok {tag}:no-kernel-splats')
    print('\n'.join(lines))
    return 1 if any(l.startswith('not ok') for l in lines) else 0


def summary(path):
    p = f = s = 0
    out = ['TAP version 13']
    rows = [l.rstrip('\n') for l in open(path) if re.match(r'^(not )?ok ', l)]
    for i, l in enumerate(rows, 1):
        m = re.match(r'^(not )?ok (.*)$', l)
        out.append(f'{"not " if m.group(1) else ""}ok {i} {m.group(2)}')
        if m.group(1):
            f += 1
        elif '# SKIP' in l:
            s += 1
        else:
            p += 1
    out.append(f'1..{len(rows)}')
    print('\n'.join(out))
    if f:
        print('\nFailed checks:')
        for l in rows:
            if l.startswith('not ok'):
                print('  ' + l)
        print()
    print(f'{p} passed, {f} failed, {s} skipped')
    return 1 if f else 0


if __name__ == '__main__':
    if len(sys.argv) == 7 and sys.argv[1] == 'rig':
        sys.exit(rig(*sys.argv[2:]))
    if len(sys.argv) == 3 and sys.argv[1] == 'summary':
        sys.exit(summary(sys.argv[2]))
    sys.exit(__doc__)
