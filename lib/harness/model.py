"""The one result model of the harness.

A Result is what a run produced for one named check: its status, the reason the producer
gave, the output it printed, nested sub-results (a kselftest's own TAP sub-tests, KTAP at
any depth) and measurements (numbers a program printed in the declared form, see
parse.MEASURE). A Verdict is what the judge made of a Result against the expectations.
"""
from dataclasses import dataclass, field

# What a run can report. 'xfail' is never produced by a run, only by the judge.
RUN_STATUSES = ('pass', 'fail', 'skip', 'timeout', 'crash', 'missing')
STATUSES = RUN_STATUSES + ('xfail',)


@dataclass
class Result:
    name: str
    status: str
    reason: str = ''
    output: list = field(default_factory=list)
    children: list = field(default_factory=list)
    measurements: dict = field(default_factory=dict)

    def __post_init__(self):
        assert self.status in RUN_STATUSES, self.status

    def walk(self):
        """This result and every sub-result, depth first."""
        yield self
        for c in self.children:
            yield from c.walk()

    def to_json(self):
        d = {'name': self.name, 'status': self.status}
        if self.reason:
            d['reason'] = self.reason
        if self.output:
            d['output'] = self.output
        if self.measurements:
            d['measurements'] = self.measurements
        if self.children:
            d['children'] = [c.to_json() for c in self.children]
        return d

    @classmethod
    def from_json(cls, d):
        return cls(d['name'], d['status'], d.get('reason', ''), d.get('output', []),
                   [cls.from_json(c) for c in d.get('children', [])],
                   d.get('measurements', {}))


@dataclass
class Verdict:
    """One judged check: a line of the TAP report."""
    name: str
    ok: bool
    status: str         # pass, fail, skip, xfail, timeout, crash, missing
    text: str = ''      # the reason shown after '#'
    details: list = field(default_factory=list)     # lines shown under a failure

    def tap(self):
        if not self.ok:
            return f'not ok {self.name}' + (f' # {self.text}' if self.text else '')
        if self.status == 'skip':
            return f'ok {self.name} # SKIP {self.text}'
        if self.status == 'xfail':
            return f'ok {self.name} # TODO expected failure: {self.text}'
        return f'ok {self.name}' + (f' # {self.text}' if self.text else '')

    def to_json(self):
        d = {'name': self.name, 'ok': self.ok, 'status': self.status}
        if self.text:
            d['text'] = self.text
        return d


def verdict_from_tap(line):
    """Parse one line the harness itself wrote (`ok NAME [# ...]`, `not ok NAME [# ...]`),
    numbered or not. None for any other line."""
    import re
    m = re.match(r'^(not )?ok(?: \d+)? (\S+)(?: # (.*))?$', line.rstrip('\n'))
    if not m:
        return None
    bad, name, directive = m.group(1), m.group(2), m.group(3) or ''
    if bad:
        return Verdict(name, False, 'fail', directive)
    if directive.startswith('SKIP'):
        return Verdict(name, True, 'skip', directive[4:].strip())
    if directive.startswith('TODO'):
        return Verdict(name, True, 'xfail',
                       directive[4:].strip().removeprefix('expected failure:').strip())
    return Verdict(name, True, 'pass', directive)
