"""Parsers: every log the rig writes becomes Results here, and nowhere else.

- parse_tap(): TAP / KTAP at any depth (4 spaces of indentation per level, as KTAP and
  kselftest's nested output print it) into a tree of Results; a log cut off inside a
  sub-test gives that sub-test (and each enclosing one) the status 'crash'.
- parse_rig_stream(): the rig's own result stream (rig/init, second serial port).
- find_splats(): every kernel splat form 6.12 prints, as (signature, context).
- console_phases(): the kernel log split at the phase markers rig/init writes to /dev/kmsg.
- measurements(): `MEASURE <key>=<number> [unit]` lines a program prints.
"""
import re

from .model import Result

TIMESTAMP = re.compile(r'^\[\s*\d+\.\d+\]\s?')
TAP_RESULT = re.compile(
    r'^(?P<indent> *)(?P<bad>not )?ok (?P<num>\d+)(?: -)?(?: (?P<name>[^#]*?))?\s*'
    r'(?:#\s*(?P<directive>.*?))?\s*$')
TAP_PLAN = re.compile(r'^(?P<indent> *)1\.\.(?P<n>\d+)(?:\s*#.*)?$')
SUBTEST = re.compile(r'^(?P<indent> *)# Subtest: (?P<name>\S+)')
# The declared form of a measurement in a program's output (see README, "Measurements").
MEASURE = re.compile(r'^\s*(?:# )?MEASURE (?P<key>[A-Za-z0-9_.:-]+)=(?P<value>-?\d+(?:\.\d+)?)'
                     r'(?:\s+(?P<unit>\S+))?\s*$')
PHASE_MARK = re.compile(r'^RIG: phase (\S*)$')
FAILED = ('fail', 'crash', 'timeout', 'missing')


def read_lines(path):
    """A log's lines; a log that was never written has none."""
    try:
        with open(path, errors='replace') as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def strip_timestamp(line):
    return TIMESTAMP.sub('', line.rstrip('\r\n'))


def _status(bad, directive):
    d = directive.upper()
    if d.startswith('TIMEOUT'):
        return 'timeout', directive[7:].strip()
    if bad:
        return 'fail', directive
    if d.startswith('SKIP'):
        return 'skip', directive[4:].strip()
    return 'pass', directive if not d.startswith('TODO') else directive


def child_name(raw):
    """A sub-test's own name as it goes into a dotted result name: white space folded."""
    return re.sub(r'\s+', '_', raw.strip()) or '(unnamed)'


def parse_tap(lines):
    """TAP/KTAP lines (timestamps already stripped) -> (top-level Results, their plan).

    Results carry their raw names; qualify() turns them into full dotted names.
    """
    level = {}      # depth -> Results collected at that depth, not yet claimed
    header = {}     # depth -> name from '# Subtest:' (KTAP), used when the log is cut off
    plan = {}       # depth -> planned number of results

    def close(depth, res):
        """res (at depth) claims the pending results one level below as its children."""
        kids = level.pop(depth + 1, [])
        planned = plan.pop(depth + 1, None)
        header.pop(depth + 1, None)
        res.children = kids
        if res.status == 'pass':
            bad = [k for k in kids if k.status in FAILED]
            if bad:
                res.status, res.reason = 'fail', f'sub-test {bad[0].name}: {bad[0].status}'
            elif planned is not None and len(kids) < planned:
                res.status = 'fail'
                res.reason = f'planned {planned} sub-tests, {len(kids)} reported'
        if res.status == 'skip' and not res.reason:
            # A skipped suite often gives no reason of its own: its cases do.
            res.reason = '; '.join(sorted({k.reason for k in kids
                                           if k.status == 'skip' and k.reason}))
        level.setdefault(depth, []).append(res)

    for raw in lines:
        line = raw.rstrip('\r\n')
        m = SUBTEST.match(line)
        if m:
            header[len(m.group('indent')) // 4] = m.group('name')
            continue
        m = TAP_PLAN.match(line)
        if m:
            plan[len(m.group('indent')) // 4] = int(m.group('n'))
            continue
        m = TAP_RESULT.match(line)
        if not m:
            continue
        depth = len(m.group('indent')) // 4
        status, reason = _status(m.group('bad'), m.group('directive') or '')
        name = m.group('name') or header.get(depth + 1) or f'test-{m.group("num")}'
        close(depth, Result(name.strip(), status, reason))
    # Cut off: whatever is still open lost its result line (deepest first, so that each
    # enclosing level claims what the level below it left).
    for depth in range(max(set(level) | set(header) | {0}), 0, -1):
        if depth in level or depth in header:
            name = header.get(depth, '(unnamed)')
            close(depth - 1, Result(name, 'crash', 'the log ends before its result'))
    return level.get(0, []), plan.get(0)


def qualify(results, prefix='', sep='.'):
    """Give every Result of a tree its full name: prefix + name, children name.child."""
    for r in results:
        r.name = prefix + child_name(r.name)
        _qualify_children(r, sep)
    return results


def _qualify_children(r, sep):
    for c in r.children:
        c.name = r.name + sep + child_name(c.name)
        _qualify_children(c, sep)


def measurements(lines):
    out = {}
    for line in lines:
        m = MEASURE.match(line)
        if m:
            v = m.group('value')
            out[m.group('key')] = float(v) if '.' in v else int(v)
    return out


def parse_rig_stream(lines):
    """rig/init's stream -> (Results, complete?, comments).

    complete is True when the stream has its plan and the end marker and the plan counts
    every result: the rig ran its whole plan. A step that was running when the stream
    ended becomes a 'crash' result.
    """
    results, out, running, done, planned, notes = [], [], None, False, None, []
    for raw in lines:
        line = raw.rstrip('\r\n')
        if line.startswith('# | '):
            out.append(line[4:])
            continue
        if line == '# RIG-DONE':
            done = True
            continue
        m = re.match(r'^# running (\S+)$', line)
        if m:
            running, out = m.group(1), []
            continue
        m = re.match(r'^1\.\.(\d+)$', line)
        if m:
            planned = int(m.group(1))
            continue
        m = re.match(r'^(not )?ok \d+ (\S+)(?: # (.*))?$', line)
        if not m:
            if line.startswith('# '):
                notes.append(line[2:])
            continue
        status, reason = _status(m.group(1), m.group(3) or '')
        kids, kid_plan = parse_tap(out)
        r = Result(m.group(2), status, reason, out, measurements=measurements(out))
        r.children = qualify(kids, r.name + '.')
        if r.status == 'pass' and kid_plan is not None and len(kids) < kid_plan:
            r.status, r.reason = 'fail', f'planned {kid_plan} sub-tests, {len(kids)} reported'
        if r.status == 'pass' and any(k.status in FAILED for k in r.walk() if k is not r):
            bad = next(k for k in r.walk() if k is not r and k.status in FAILED)
            r.status, r.reason = 'fail', f'sub-test {bad.name}: {bad.status}'
        results.append(r)
        running, out = None, []
    if running:
        results.append(Result(running, 'crash', 'the rig stopped while this ran', out))
    complete = done and planned is not None and planned == len(results)
    return results, complete, notes


def console_phases(lines):
    """Kernel log lines (timestamps stripped) -> {phase: lines}. The first phase, 'main',
    starts at the beginning of the log (boot messages belong to it)."""
    phases, cur = {'main': []}, 'main'
    for line in lines:
        m = PHASE_MARK.match(line)
        if m:
            cur = m.group(1)
            phases.setdefault(cur, [])
            continue
        phases[cur].append(line)
    return phases


# --- kernel splats --------------------------------------------------------------------
# Every form 6.12 prints (kernel/panic.c, lib/bug.c, arch/x86/kernel/dumpstack.c and
# traps.c, kernel/watchdog*.c, kernel/rcu/tree_stall.h, kernel/locking/lockdep.c,
# mm/kasan/report.c, lib/ubsan.c, kernel/hung_task.c). Each entry: regex, signature.
_HEX = re.compile(r'0x[0-9a-f]+')
_NUM = re.compile(r'\b\d+\b')


def normalise(sig):
    return _NUM.sub('N', _HEX.sub('0x?', sig)).strip()


def _warn(m):
    # __warn(): "at %s:%d %pS" with a file, "at %pS" without one.
    where = f'{m.group("file")} ' if m.group('file') else ''
    return f'WARNING at {where}{m.group("func")}{" " + m.group("mod") if m.group("mod") else ""}'


SPLATS = [
    (re.compile(r'^WARNING: CPU: \d+ PID: \d+ at (?:(?P<file>\S+?):\d+ )?(?P<func>[^\s+]+)'
                r'(?:\+0x[0-9a-f]+/0x[0-9a-f]+)?(?: (?P<mod>\[\S+\]))?\s*$'), _warn),
    # Lockdep and the RCU checker ("WARNING: possible circular locking dependency
    # detected"), and any WARN line the form above does not parse.
    (re.compile(r'^(?P<s>WARNING: .*)$'), None),
    # Lockdep without a WARNING header (kernel/locking/lockdep.c: register_lock_class()).
    (re.compile(r'^(?P<s>INFO: trying to register non-static key\.?)$'), None),
    (re.compile(r'^kernel BUG at (?P<file>\S+?):\d+!?$'),
     lambda m: f'kernel BUG at {m.group("file")}'),
    # Also KASAN ("BUG: KASAN: ..."), sleeping in atomic, page faults, spinlock bugs.
    (re.compile(r'^(?:\S+: )?(?P<s>BUG: (?!soft lockup).*)$'), None),
    (re.compile(r'^(?:\S+: )?BUG: soft lockup - CPU#\d+ stuck for \d+s! \[(?P<comm>.*?):\d+\]$'),
     lambda m: f'soft lockup in {m.group("comm")}'),
    (re.compile(r'^(?:NMI )?watchdog: Watchdog detected hard LOCKUP on cpu \d+'),
     lambda m: 'hard LOCKUP'),
    (re.compile(r'^(?P<s>Oops: .*?)(?:: [0-9a-f]{4} \[#\d+\].*)?$'), None),
    (re.compile(r'^(?P<s>general protection fault.*?)(?:: [0-9a-f]{4} \[#\d+\].*)?$'), None),
    (re.compile(r'^(?P<s>Kernel panic - not syncing: .*)$'), None),
    (re.compile(r'^(?P<s>UBSAN: .*)$'), None),
    (re.compile(r'^(?:rcu: )?INFO: (?P<flavor>rcu_\w+) (?:detected (?:expedited )?stalls|'
                r'self-detected stall)'),
     lambda m: f'RCU stall ({m.group("flavor")})'),
    (re.compile(r'^INFO: task (?P<comm>.*?):\d+ blocked for more than \d+ seconds'),
     lambda m: f'hung task {m.group("comm")}'),
]


def find_splats(lines):
    """(signature, context lines) for every kernel splat in the log."""
    found = []
    for i, line in enumerate(lines):
        for rx, sig in SPLATS:
            m = rx.match(line)
            if m:
                found.append((sig(m) if sig else normalise(m.group('s')),
                              lines[max(0, i - 2):i + 30]))
                break
    return found
