"""The one judge: Results of a run against the committed expectations.

Expectations (tests/expect/<config>.txt, tests/stage0/expect.txt), one line each:
    <result name or glob>  pass
    <result name or glob>  skip <text the skip reason must contain>
    <result name or glob>  xfail <why it is expected to fail>
    <result name or glob>  same <where>     same status (and skip reason) as the result of
                                            the same name elsewhere: <where> is CONFIG (its
                                            same phase), CONFIG/PHASE, or /PHASE (this
                                            configuration); PHASE 'main' is the first,
                                            unprefixed phase. A name carries its value
                                            (param:x=Y), so `same` also compares values.
Precedence: an exact name beats any glob; among globs, the one with more literal
characters wins; a tie goes to the earlier line. Each result is judged by exactly one line.
A result that no line matches fails as unlisted: top-level results and KUnit results at
any depth (kunit:SUITE.CASE...). A program's own TAP sub-tests (selftest:NAME.SUB) are
judged only when a line matches them, and otherwise count through their parent (which
fails when one of them fails). A line whose pattern matches no result fails as "no result".
"""
import fnmatch
import re

from . import paths
from .model import Verdict

KINDS = ('pass', 'skip', 'xfail', 'same')
# Sub-results that must be listed like top-level ones (KUnit cases at any depth).
LISTED_SUBRESULTS = ('kunit:', )


class ExpectError(Exception):
    pass


class Expectation:
    def __init__(self, pattern, want, arg, where, order):
        self.pattern, self.want, self.arg, self.where, self.order = pattern, want, arg, where, order
        self.glob = any(ch in pattern for ch in '*?[')
        self.literal = len(re.sub(r'\[[^]]*\]|[*?]', '', pattern))

    def matches(self, name):
        return fnmatch.fnmatchcase(name, self.pattern) if self.glob else name == self.pattern

    def rank(self):
        """Higher is more specific (see the module docstring)."""
        return (0 if self.glob else 1, self.literal, -self.order)


def load_expectations(path):
    exp = []
    with open(path) as f:
        for i, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith('#'):
                continue
            parts = line.split(None, 2)
            where = f'{paths.show(path)}:{i}'
            if len(parts) < 2 or parts[1] not in KINDS:
                raise ExpectError(f'{where}: expected "<name> pass|skip|xfail|same ...": {line}')
            arg = parts[2].strip() if len(parts) > 2 else ''
            if parts[1] != 'pass' and not arg:
                raise ExpectError(f'{where}: {parts[0]}: "{parts[1]}" needs '
                                  f'{"a place" if parts[1] == "same" else "a reason"}')
            if parts[1] == 'pass' and arg:
                raise ExpectError(f'{where}: {parts[0]}: "pass" takes no reason: {arg}')
            exp.append(Expectation(parts[0], parts[1], arg, where, len(exp)))
    return exp


def best_match(exps, name):
    hits = [e for e in exps if e.matches(name)]
    return max(hits, key=Expectation.rank) if hits else None


def phase_of(name):
    """'phase/result' -> ('phase', 'result'); an unprefixed result is in phase 'main'."""
    head, sep, rest = name.partition('/')
    if sep and ':' not in head:
        return head, rest
    return 'main', name


def _verdict_for(r, e, lookup, config):
    st, why = r.status, r.reason
    if e.want == 'same':
        ref_cfg, _, ref_phase = e.arg.partition('/')
        ref_cfg = ref_cfg or config
        own_phase, bare = phase_of(r.name)
        ref_phase = ref_phase or own_phase
        ref_name = bare if ref_phase == 'main' else f'{ref_phase}/{bare}'
        ref = lookup(ref_cfg, ref_name)
        if ref is None:
            key = ref_name.split('=', 1)[0] + '=' if '=' in ref_name else None
            other = lookup(ref_cfg, key) if key else None
            text = (f'{ref_cfg} has {other.name} instead' if other else 'which has no result')
            return Verdict(r.name, False, st, f'expected the same result as {ref_cfg}:{ref_name},'
                           f' {text} ({e.where})')
        same = ref.status == st and (st != 'skip' or ref.reason == why)
        if same and st in ('pass', 'skip'):
            return Verdict(r.name, True, st, why if st == 'skip' else '')
        got = f'{st}{" (" + why + ")" if why else ""}'
        exp = f'{ref.status}{" (" + ref.reason + ")" if ref.reason else ""}'
        return Verdict(r.name, False, st, f'expected the same as {ref_cfg}:{ref_name}, {exp}; '
                       f'got {got}', r.output[-15:])
    if e.want == 'pass' and st == 'pass':
        return Verdict(r.name, True, 'pass')
    if e.want == 'skip' and st == 'skip' and e.arg in why:
        return Verdict(r.name, True, 'skip', why)
    if e.want == 'xfail' and st in ('fail', 'timeout', 'crash'):
        return Verdict(r.name, True, 'xfail', e.arg)
    text = f'expected {e.want}{" (" + e.arg + ")" if e.arg else ""}, got {st}'
    text += f' ({why})' if why else ''
    return Verdict(r.name, False, st, text, r.output[-15:])


def judge_results(results, exps, config='', lookup=lambda cfg, name: None, where=''):
    """Verdicts of a list of top-level Results (with their sub-results) against exps."""
    verdicts, used = [], set()
    for top in results:
        for r in top.walk():
            e = best_match(exps, r.name)
            if e is None:
                if r is top or r.name.startswith(LISTED_SUBRESULTS):
                    verdicts.append(Verdict(r.name, False, r.status,
                                            f'unexpected result {r.status}'
                                            f'{" (" + r.reason + ")" if r.reason else ""}: '
                                            f'add it to {where or "the expectations"}',
                                            r.output[-15:]))
                continue
            used.add(e.order)
            verdicts.append(_verdict_for(r, e, lookup, config))
    names = [r.name for top in results for r in top.walk()]
    for e in exps:
        if e.order not in used and not any(e.matches(n) for n in names):
            verdicts.append(Verdict(e.pattern, False, 'missing',
                                    f'no result (expected {e.want}{" " + e.arg if e.arg else ""};'
                                    f' {e.where})'))
    return verdicts


def judge_splats(name, splats, allowlist):
    """One verdict for a log: every splat whose signature is not allowlisted fails it."""
    bad = [(s, ctx) for s, ctx in splats if s not in allowlist]
    if not bad:
        return Verdict(name, True, 'pass')
    details = []
    for s, ctx in bad:
        details.append(f'--- kernel splat: {s}')
        details.extend('    ' + c for c in ctx)
    return Verdict(name, False, 'fail', f'{len(bad)} splat(s): ' +
                   '; '.join(sorted({s for s, _ in bad})), details)


def load_allowlist(path):
    allow = {}
    with open(path) as f:
        for i, raw in enumerate(f, 1):
            raw = raw.strip()
            if not raw or raw.startswith('#'):
                continue
            sig, _, reason = raw.partition(' | ')
            if not reason.strip():
                raise ExpectError(f'{path}:{i}: allowlist entry without a reason: {raw}')
            allow[sig.strip()] = reason.strip()
    return allow


def stale_allowlist(allowlist, seen_signatures):
    """Verdicts for allowlist entries that no log of the run produced."""
    return [Verdict('splat-allowlist:' + re.sub(r'\s+', '_', sig), False, 'fail',
                    'stale entry in tests/splat-allowlist.txt: no log of this run has it; '
                    'remove it')
            for sig in allowlist if sig not in seen_signatures]


# --- output checks (tests/output-checks.txt) ------------------------------------------
def load_output_checks(path):
    """NAME | RESULT | forbid|require | REGEX, one per line."""
    checks = []
    try:
        f = open(path)
    except FileNotFoundError:
        return checks
    with f:
        for i, raw in enumerate(f, 1):
            raw = raw.strip()
            if not raw or raw.startswith('#'):
                continue
            parts = [p.strip() for p in raw.split(' | ', 3)]
            if len(parts) != 4 or parts[2] not in ('forbid', 'require'):
                raise ExpectError(f'{path}:{i}: bad line: {raw}')
            checks.append((parts[0], parts[1], parts[2], re.compile(parts[3])))
    return checks


def output_check_results(results, checks):
    """Checks of a test's printed output become Results named output:NAME. A check of a
    test that did not pass is a skip (nothing to look at), never a vacuous pass."""
    from .model import Result
    by_name = {r.name: r for r in results}
    out = []
    for name, test, kind, rx in checks:
        r = by_name.get(test)
        if r is None:
            continue
        if r.status != 'pass':
            out.append(Result('output:' + name, 'skip', f'{test} did not pass ({r.status})'))
            continue
        hits = [o for o in r.output if rx.search(o)]
        if kind == 'forbid' and hits:
            out.append(Result('output:' + name, 'fail', f'{test} printed: {hits[0]}', hits))
        elif kind == 'require' and not hits:
            out.append(Result('output:' + name, 'fail', f'{test} never printed /{rx.pattern}/'))
        else:
            out.append(Result('output:' + name, 'pass'))
    return out
