"""The harness's own tests (tests/harness/test_*.py), one verdict line each: harness:<test>.

  python3 -m harness selftest            run them (make check runs them first)
  python3 -m harness selftest --write    rewrite each fixture's verdict.tap from the current
                                         judge (review the diff: it is the expected verdict)
"""
import io
import re
import os
import sys
import unittest

from . import paths

TESTS = os.path.join(paths.TOP, 'tests', 'harness')


def _cases(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from _cases(t)
        else:
            yield t


def main(args):
    sys.path.insert(0, TESTS)
    if '--write' in args:
        import test_harness
        for name in test_harness.fixture_names():
            with open(os.path.join(test_harness.FIXTURES, name, 'verdict.tap'), 'w') as f:
                f.write('\n'.join(test_harness.judge_fixture(name)) + '\n')
            print(f'wrote {name}/verdict.tap')
        return 0
    suite = unittest.defaultTestLoader.discover(TESTS, pattern='test_*.py', top_level_dir=TESTS)
    bad = 0
    for case in _cases(suite):
        name = case.id().rsplit('.', 1)[-1].removeprefix('test_').replace('_', '-')
        res = unittest.TestResult()
        err = io.StringIO()
        saved = sys.stderr
        sys.stderr = err
        try:
            case.run(res)
        finally:
            sys.stderr = saved
        problems = res.errors + res.failures
        if problems:
            bad += 1
            text = problems[0][1].strip().splitlines()
            why = next((t for t in text if re.match(r'^\w+(Error|Exception)\b', t)), text[-1])
            print(f'not ok harness:{name} # {why[:300]}')
            for line in text:
                print('    ' + line, file=sys.stderr)
        elif res.skipped:
            print(f'ok harness:{name} # SKIP {res.skipped[0][1]}')
        else:
            print(f'ok harness:{name}')
    return 1 if bad else 0
