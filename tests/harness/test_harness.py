"""Tests of the harness's parser, judge and reporters (lib/harness/), in the style of
kunit_tool_test.py: saved logs in fixtures/<case>/ (console.log = the kernel log,
results.log = rig/init's stream, expect.txt), judged as `make check` judges a boot; the
verdict each must get is fixtures/<case>/verdict.tap. Run by `make check` first, as
harness:<test>, or alone: PYTHONPATH=lib python3 -m harness selftest.
"""
import gzip
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), 'lib'))

from harness import boot, judge, paths, parse, report, rig, waivers  # noqa: E402
from harness.model import Result, Verdict  # noqa: E402

FIXTURES = os.path.join(HERE, 'fixtures')


def fixture_names():
    return sorted(d for d in os.listdir(FIXTURES) if os.path.isdir(os.path.join(FIXTURES, d)))


class Sandbox:
    """A BUILD directory of its own, so that a test never touches the real one."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix='harness-test-')
        self.saved = paths.BUILD, paths.LOGS
        paths.BUILD = self.dir
        paths.LOGS = os.path.join(self.dir, 'logs')
        os.makedirs(paths.LOGS)
        return self

    def __exit__(self, *exc):
        paths.BUILD, paths.LOGS = self.saved
        shutil.rmtree(self.dir)


def judge_fixture(name, config='fx'):
    """The verdict lines `make check` would print for the fixture's logs."""
    src = os.path.join(FIXTURES, name)
    cfg = os.path.join(src, 'config.toml')
    if not os.path.exists(cfg):
        cfg = os.path.join(FIXTURES, 'config.toml')
    with Sandbox():
        for k in ('console', 'results'):
            shutil.copy(os.path.join(src, f'{k}.log'), paths.log(f'{config}.{k}.log'))
        allow = os.path.join(src, 'allowlist.txt')
        if not os.path.exists(allow):
            allow = os.path.join(FIXTURES, 'allowlist.txt')
        out = io.StringIO()
        boot.judge_boot(config, os.path.join(src, 'expect.txt'), allow, out=out,
                        err=io.StringIO(), config_path=cfg)
    return out.getvalue().splitlines()


class FixtureTest(unittest.TestCase):
    """One test per fixture directory (added below)."""

    def check_fixture(self, name):
        with open(os.path.join(FIXTURES, name, 'verdict.tap')) as f:
            want = f.read().splitlines()
        self.assertEqual(judge_fixture(name), want)


for _name in fixture_names():
    setattr(FixtureTest, 'test_fixture_' + _name.replace('-', '_'),
            lambda self, n=_name: self.check_fixture(n))


class ParserTest(unittest.TestCase):
    def test_splat_forms(self):
        """Every splat form 6.12 prints is found, each with its own signature."""
        forms = [
            ('WARNING: CPU: 1 PID: 7 at arch/x86/kvm/pmu.c:42 kvm_pmu_refresh+0x1c/0x40 [kvm]',
             'WARNING at arch/x86/kvm/pmu.c kvm_pmu_refresh [kvm]'),
            ('WARNING: CPU: 0 PID: 1 at perf_load_guest_context+0x10/0x20',
             'WARNING at perf_load_guest_context'),
            ('WARNING: possible circular locking dependency detected',
             'WARNING: possible circular locking dependency detected'),
            ('WARNING: suspicious RCU usage', 'WARNING: suspicious RCU usage'),
            ('kernel BUG at mm/slub.c:553!', 'kernel BUG at mm/slub.c'),
            ('BUG: KASAN: slab-use-after-free in kvm_pmu_reset+0x1/0x2',
             'BUG: KASAN: slab-use-after-free in kvm_pmu_reset+0x?/0x?'),
            ('BUG: sleeping function called from invalid context at kernel/sched.c:1',
             'BUG: sleeping function called from invalid context at kernel/sched.c:N'),
            ('Oops: general protection fault, probably for non-canonical address '
             '0xdead000000000100: 0000 [#1] PREEMPT SMP NOPTI',
             'Oops: general protection fault, probably for non-canonical address 0x?'),
            ('general protection fault, probably for non-canonical address 0x1: 0000 [#1] SMP',
             'general protection fault, probably for non-canonical address 0x?'),
            ('Kernel panic - not syncing: Fatal exception',
             'Kernel panic - not syncing: Fatal exception'),
            ('watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [state_test:93]',
             'soft lockup in state_test'),
            ('watchdog: Watchdog detected hard LOCKUP on cpu 1', 'hard LOCKUP'),
            ('NMI watchdog: Watchdog detected hard LOCKUP on cpu 0', 'hard LOCKUP'),
            ('rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:', 'RCU stall (rcu_preempt)'),
            ('rcu: INFO: rcu_sched self-detected stall on CPU', 'RCU stall (rcu_sched)'),
            ('INFO: task kworker/0:1:12 blocked for more than 120 seconds.',
             'hung task kworker/0:1'),
            ('UBSAN: shift-out-of-bounds in arch/x86/kvm/pmu.c:12:3',
             'UBSAN: shift-out-of-bounds in arch/x86/kvm/pmu.c:N:N'),
            ('rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 0-... } 21 jiffies',
             'RCU stall (rcu_preempt)'),
            ('INFO: trying to register non-static key.', 'INFO: trying to register non-static key.'),
            ('WARNING: CPU: 0 PID: 1 at some new form', 'WARNING: CPU: N PID: N at some new form'),
        ]
        for line, sig in forms:
            with self.subTest(line=line):
                self.assertEqual([s for s, _ in parse.find_splats([line])], [sig])
        quiet = ['kvm_amd: PMU virtualization is disabled', 'Performance Events: AMD PMU driver.',
                 'ok 1 list-kunit-test', 'RIG: phase main', 'rcu: Hierarchical RCU implementation.']
        self.assertEqual(parse.find_splats(quiet), [])

    def test_ktap_any_depth(self):
        lines = ['KTAP version 1', '1..1', '    # Subtest: s', '    1..1',
                 '        # Subtest: c', '        1..2', '            # Subtest: p',
                 '            ok 1 x', '        ok 1 p', '        ok 2 q # SKIP why',
                 '    ok 1 c', 'ok 1 s']
        top, plan = parse.parse_tap(lines)
        parse.qualify(top, 'kunit:')
        self.assertEqual(plan, 1)
        self.assertEqual([(r.name, r.status) for r in top[0].walk()],
                         [('kunit:s', 'pass'), ('kunit:s.c', 'pass'), ('kunit:s.c.p', 'pass'),
                          ('kunit:s.c.p.x', 'pass'), ('kunit:s.c.q', 'skip')])

    def test_ktap_cut_off_without_headers(self):
        """A log cut off two levels down, with no '# Subtest:' lines, still gives a result."""
        top, _ = parse.parse_tap(['1..1', '        ok 1 deep'])
        self.assertEqual([(r.name, r.status) for r in top[0].walk()],
                         [('(unnamed)', 'crash'), ('(unnamed)', 'crash'), ('deep', 'pass')])

    def test_program_plan_shortfall(self):
        """A program that exits 0 but reports fewer sub-tests than its plan fails."""
        r, _, _ = parse.parse_rig_stream(['# running selftest:t', '# | 1..3', '# | ok 1 a',
                                          'ok 1 selftest:t'])
        self.assertEqual((r[0].status, r[0].reason), ('fail', 'planned 3 sub-tests, 1 reported'))

    def test_plan_shortfall_fails_parent(self):
        """A passing test that planned more sub-tests than it reported fails."""
        top, _ = parse.parse_tap(['    1..3', '    ok 1 a', '    ok 2 b', 'ok 1 t'])
        self.assertEqual((top[0].status, top[0].reason), ('fail', 'planned 3 sub-tests, 2 reported'))

    def test_measurements(self):
        r, complete, _ = parse.parse_rig_stream(
            ['# running rigtest:x', '# | MEASURE exits=12', '# | MEASURE ns_per_exit=31.5 ns',
             '# | MEASURE bad=12abc', 'ok 1 rigtest:x', '1..1', '# RIG-DONE'])
        self.assertTrue(complete)
        self.assertEqual(r[0].measurements, {'exits': 12, 'ns_per_exit': 31.5})

    def test_console_phases(self):
        p = parse.console_phases(['a', 'RIG: phase p2', 'b', 'RIG: phase p3', 'c'])
        self.assertEqual(p, {'main': ['a'], 'p2': ['b'], 'p3': ['c']})


class JudgeTest(unittest.TestCase):
    def exps(self, text):
        with tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False) as f:
            f.write(text)
        try:
            return judge.load_expectations(f.name)
        finally:
            os.unlink(f.name)

    def test_unlisted_and_missing_fail(self):
        v = judge.judge_results([Result('selftest:a', 'pass')], self.exps('selftest:b pass\n'))
        self.assertEqual([x.tap() for x in v], [
            'not ok selftest:a # unexpected result pass: add it to the expectations',
            'not ok selftest:b # no result (expected pass; ' + v[1].text.split('; ')[1]])

    def test_kunit_cases_must_be_listed(self):
        """KUnit cases are results of their own; a program's sub-tests count via the parent."""
        kunit = Result('kunit:s', 'pass', children=[Result('kunit:s.a', 'pass'),
                                                    Result('kunit:s.new', 'skip', 'x')])
        prog = Result('selftest:t', 'pass', children=[Result('selftest:t.sub', 'pass')])
        v = judge.judge_results([kunit, prog], self.exps(
            'kunit:s pass\nkunit:s.a pass\nselftest:t pass\n'))
        self.assertEqual([x.tap().split(' # ')[0] for x in v],
                         ['ok kunit:s', 'ok kunit:s.a', 'not ok kunit:s.new', 'ok selftest:t'])

    def test_empty_expectations_fail_everything(self):
        v = judge.judge_results([Result('a', 'pass')], [])
        self.assertEqual([x.ok for x in v], [False])

    def test_same_across_configurations(self):
        """`same CONFIG` reads the other configuration's own logs, whatever the order."""
        with Sandbox():
            src = os.path.join(FIXTURES, 'clean')
            for c in ('fx', 'other'):
                for k in ('console', 'results'):
                    shutil.copy(os.path.join(src, f'{k}.log'), paths.log(f'{c}.{k}.log'))
            cfgdir = os.path.join(paths.BUILD, 'configs')
            os.makedirs(cfgdir)
            shutil.copy(os.path.join(FIXTURES, 'config.toml'), os.path.join(cfgdir, 'other.toml'))
            saved = rig.CONFIG_DIR
            rig.CONFIG_DIR = cfgdir
            try:
                with open(os.path.join(paths.BUILD, 'e.txt'), 'w') as f:
                    f.write('selftest:* same other\nkunit:* same other\n* same other\n')
                v = boot.judge_boot('fx', os.path.join(paths.BUILD, 'e.txt'),
                                    os.path.join(FIXTURES, 'allowlist.txt'), out=io.StringIO(),
                                    err=io.StringIO(),
                                    config_path=os.path.join(FIXTURES, 'config.toml'))
            finally:
                rig.CONFIG_DIR = saved
        self.assertEqual([x.name for x in v if not x.ok], [])
        self.assertIn('p2/selftest:state_test', [x.name for x in v])

    def test_xpass_fails(self):
        v = judge.judge_results([Result('t', 'pass')], self.exps('t xfail known bug\n'))
        self.assertFalse(v[0].ok)

    def test_skip_reason_must_match(self):
        e = self.exps('t skip no PMU\n')
        self.assertTrue(judge.judge_results([Result('t', 'skip', 'no PMU here')], e)[0].ok)
        self.assertFalse(judge.judge_results([Result('t', 'skip', 'other')], e)[0].ok)

    def test_bad_expectation_lines(self):
        for text in ('t maybe\n', 't skip\n', 't xfail\n', 't pass because\n', 't same\n'):
            with self.subTest(text=text), self.assertRaises(judge.ExpectError):
                self.exps(text)

    def test_stale_allowlist(self):
        allow = {'WARNING at a.c f': 'base bug', 'hard LOCKUP': 'base bug'}
        v = judge.stale_allowlist(allow, {'WARNING at a.c f'})
        self.assertEqual([x.tap() for x in v], [
            'not ok splat-allowlist:hard_LOCKUP # stale entry in tests/splat-allowlist.txt: no '
            'log of this run has it; remove it'])
        s = judge.judge_splats('x', [('hard LOCKUP', [])], allow)
        self.assertTrue(s.ok)


class ReportTest(unittest.TestCase):
    def test_closing_line_counts_xfail_apart(self):
        with Sandbox() as sb:
            d = os.path.join(sb.dir, 'results')
            os.makedirs(d)
            with open(os.path.join(d, '10-a.tap'), 'w') as f:
                f.write('ok a\nok b # SKIP why\nok c # TODO expected failure: bug\n')
            with open(os.path.join(d, '20-b.tap'), 'w') as f:
                f.write('not ok d # broke\nok e # 3 patches\n')
            with open(os.path.join(d, 'times.tsv'), 'w') as f:
                f.write('kernel: build\t75\n')
            text, bad = report.summary(d)
        self.assertTrue(bad)
        lines = text.splitlines()
        self.assertEqual(lines[:7], ['TAP version 13', 'ok 1 a', 'ok 2 b # SKIP why',
                                     'ok 3 c # TODO expected failure: bug', 'not ok 4 d # broke',
                                     'ok 5 e # 3 patches', '1..5'])
        self.assertIn('  kernel: build   1m15s', lines)
        self.assertEqual(lines[-1], '2 passed, 1 failed, 1 skipped, 1 xfail')


class RigTest(unittest.TestCase):
    def test_plan_and_archive(self):
        cfg = rig.load_config('fx', os.path.join(FIXTURES, 'config.toml'))
        lines = rig.plan_lines(cfg)
        self.assertEqual(lines, [
            'phase main', 'load kvm enable_pmu=1', 'param kvm.enable_pmu',
            'run rigtest perf_exact 600', 'run selftest state_test 600',
            'run selftest pmu_event_filter_test 600', 'phase p2', 'unload kvm',
            'load kvm enable_pmu=0', 'param kvm.enable_pmu', 'run selftest state_test 600'])
        self.assertEqual(rig.plan_lines(cfg, ['a'], shell=True)[4:7],
                         ['run selftest a 600', 'shell', 'phase p2'])
        data = gzip.decompress(rig.plan_archive(cfg, lines))
        self.assertTrue(data.startswith(b'070701'))
        name_len = int(data[94:102], 16)
        self.assertEqual(data[110:110 + name_len], b'plan\0')
        self.assertIn(b'TRAILER!!!', data)
        self.assertEqual(len(data) % 4, 0)

    def test_program_arguments_and_variables(self):
        """A word starting with '-' is an argument of the program before it; {VAR} is the
        configuration's variable, or RIG_VAR_<VAR> from the environment."""
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'c.toml')
            with open(path, 'w') as f:
                f.write('check = false\nvariables = { SEED = "1" }\n'
                        '[qemu]\ncpu = "x"\n[[phase]]\nname = "main"\n'
                        'steps = ["selftest a -s{SEED} -w/tmp/r b", "rigtest c -x"]\n')
            cfg = rig.load_config('c', path)
            self.assertFalse(cfg.check)
            self.assertEqual(cfg.steps('selftest'), ['a', 'b'])
            self.assertEqual(rig.plan_lines(cfg)[1:],
                             ['run selftest a 600 -s1 -w/tmp/r', 'run selftest b 600',
                              'run rigtest c 600 -x'])
            os.environ['RIG_VAR_SEED'] = '42'
            try:
                self.assertEqual(rig.plan_lines(cfg)[1], 'run selftest a 600 -s42 -w/tmp/r')
            finally:
                del os.environ['RIG_VAR_SEED']
            with open(path, 'w') as f:
                f.write('[qemu]\ncpu = "x"\n[[phase]]\nname = "main"\n'
                        'steps = ["selftest -x a"]\n')
            with self.assertRaisesRegex(rig.ConfigError, 'before any program'):
                rig.load_config('c', path)

    def test_boot_order(self):
        """Single-threaded boots (icount) are queued longest first, by the last boot's wall
        time or else the timeout; a multi-threaded boot runs alone."""
        def cfg(name, smp, icount, timeout):
            return rig.Config(name=name, description='', cpu='x', smp=smp, memory='1G',
                              icount=icount, boot_timeout=timeout)
        cfgs = [cfg('a', 1, 'shift=0', 300), cfg('b', 2, 'shift=0', 200),
                cfg('c', 1, 'shift=0', 250), cfg('d', 2, '', 900), cfg('e', 1, '', 100)]
        with tempfile.TemporaryDirectory() as d:
            saved = rig.paths.LOGS
            rig.paths.LOGS = d
            try:
                self.assertEqual(rig.boot_order(cfgs), (['a', 'c', 'b', 'e'], ['d']))
                with open(os.path.join(d, 'e.boot.json'), 'w') as f:
                    json.dump({'seconds': 1000}, f)
                self.assertEqual(rig.boot_order(cfgs), (['e', 'a', 'c', 'b'], ['d']))
            finally:
                rig.paths.LOGS = saved

    def test_bench_table(self):
        """make bench's tables: one column per vPMU mode from the phases' MEASURE values of
        both programs, fixed formats, overheads raw and weighted by the cost table, and
        every cell without a measurement reported as missing."""
        from harness import bench
        m = {'exits_per_1000_rdpmc': 1000, 'exits_per_1000_ctr_rdmsr': 1000,
             'exits_per_1000_ctr_wrmsr': 1000, 'exits_per_1000_global_rdmsr': 1000,
             'exits_per_1000_sel_wrmsr': 1000, 'pmis': 200, 'exits_per_pmi': 12.5,
             'loads_per_1000_exits': 0, 'count_error': 0, 'count_error_contended': 0,
             'host_events': 16}
        for tag in ('nopmu', 'idle', 'counting'):
            m.update({f'cpuid_{k}_per_exit_{tag}': v for k, v in
                      (('insns', 1000.0), ('vmruns', 1.0), ('pmu_msrs', 2.0),
                       ('ctr_writes', 0.0), ('msrs', 1.0), ('rdpmcs', 0.0), ('apic', 0.0))})
        w = {}
        for run, insns, vmruns in (('base', 1000000, 10), ('record', 1200000, 110),
                                   ('multiplex', 1500000, 210)):
            w.update({f'work_{run}_insns_host': insns // 2, f'work_{run}_insns_guest': insns // 2,
                      f'work_{run}_vmruns_host': vmruns, f'work_{run}_vmruns_guest': 0,
                      f'work_{run}_samples': 7, f'work_{run}_kvm_exits': vmruns})
            w.update({f'work_{run}_{c}_{h}': 0 for c in ('pmu_msrs', 'msrs', 'apic', 'rdpmcs')
                      for h in ('host', 'guest')})
        med = dict(w, work_record_insns_host=510000, work_record_insns_guest=500000,
                   work_multiplex_insns_host=520000, work_multiplex_insns_guest=500000)
        results = [{'name': 'selftest:mediated_pmu_bench', 'measurements': m},
                   {'name': 'payload:vmm.sh', 'measurements': w},
                   {'name': 'mediated/selftest:mediated_pmu_bench',
                    'measurements': dict(m, exits_per_1000_rdpmc=0, exits_per_pmi=3.0)},
                   {'name': 'mediated/payload:vmm.sh', 'measurements': med},
                   {'name': 'filter/selftest:mediated_pmu_bench',
                    'measurements': {k: v for k, v in m.items() if k != 'pmis'}}]
        costs = {'instruction': 1, 'pmu_msr': 101, 'msr': 11, 'apic': 1, 'rdpmc': 1,
                 'world_switch': 1001}
        with tempfile.TemporaryDirectory() as d:
            saved = bench.paths.LOGS
            bench.paths.LOGS = d
            try:
                with open(os.path.join(d, 'bench.json'), 'w') as f:
                    json.dump({'results': results}, f)
                text, missing = bench.table('bench', costs)
            finally:
                bench.paths.LOGS = saved
        self.assertIn('| VM-exits per 1000 RDPMC (counter 0) | 1000 | 0 | 1000 |', text)
        self.assertIn('| VM-exits per guest PMI (Linux-like PerfMonV2 handler) | 12.50 | 3.00 '
                      '| 12.50 |', text)
        # 1000 instructions + 1 world switch (1000 more) + 2 PMU MSRs (100 more each) +
        # 1 other MSR (10 more).
        self.assertIn('| weighted CPUID exit with the world switch (cycles), vPMU idle | 2210 | 2210 '
                      '| 2210 |', text)
        self.assertIn('| weighted host work per CPUID exit (cycles), vPMU idle | 1210 | 1210 '
                      '| 1210 |', text)
        # Raw: (1200000 - 1000000) / 1000000; weighted: base 1000000 + 10 * 1000,
        # record 1200000 + 110 * 1000: (1310000 - 1010000) / 1010000.
        self.assertIn('| perf record -F 1000, 1 event: overhead, raw | 20.00% | 1.00% | missing |',
                      text)
        self.assertIn('| perf record -F 1000, 1 event: overhead, weighted | 29.70% | 10.89% |',
                      text)
        self.assertIn('- perf record -F 1000, 1 event, raw: perf-based / mediated = 20.0x', text)
        self.assertIn(('mediated + filter', 'guest PMIs taken (counter 0, every 10000 '
                       'instructions)'), missing)
        self.assertIn(('mediated + filter', 'workload without perf: VM-exits'), missing)
        self.assertNotIn(('mediated', 'workload without perf: VM-exits'), missing)
        # A calibrated world switch: the published exit (5000) less the weighted host work
        # of the mediated idle CPUID exit (1210), plus the VMRUN's own instruction.
        cal, why = bench.calibrate(dict(costs, world_switch=('calibrated', 5000)),
                                   {'mediated': m})
        self.assertEqual(cal['world_switch'], 3791)
        self.assertIn('**3791 cycles**', why)
        # An instruction costing 2 cycles: each event costs its entry instead of 2.
        self.assertEqual(bench.weighted(10, {'vmruns': 1, 'pmu_msrs': 1},
                                        dict(costs, instruction=2, world_switch=5,
                                             pmu_msr=3, msr=2, apic=2, rdpmc=2)), 24)

    def test_qemu_command(self):
        cfg = rig.load_config('fx', os.path.join(FIXTURES, 'config.toml'))
        cmd = rig.rig_command(cfg, '/i', '/c', '/r')
        self.assertEqual(cmd[1:], [
            '-accel', 'tcg', '-L', '/usr/share/qemu', '-L', '/usr/share/seabios', '-net', 'none',
            '-no-reboot', '-display', 'none', '-monitor', 'none', '-cpu', 'EPYC-Genoa,+svm',
            '-smp', '1', '-m', '4G', '-serial', 'file:/c', '-serial', 'file:/r',
            '-kernel', os.path.join(paths.KOBJ, 'arch/x86/boot/bzImage'), '-initrd', '/i',
            '-append', 'console=ttyS0 panic=-1'])

    def test_every_config_loads(self):
        for name in rig.config_names():
            with self.subTest(config=name):
                cfg = rig.load_config(name)
                self.assertTrue(os.path.exists(os.path.join(paths.TOP, 'tests', 'expect',
                                                            f'{name}.txt')))
                facts = rig.load_log_facts()
                for w in cfg.steps('log'):
                    self.assertIn(w, facts)


class LogFactTest(unittest.TestCase):
    """rig/log-facts.toml: `match` facts (first matching rule) and `count` facts (how many
    lines), read from one phase's kernel log."""
    FACTS = {
        'reason': {'match': [['enabled', r'x: feature enabled$'],
                             [r'off:\1', r'x: feature=1 not honoured: (.*); feature disabled']],
                   'default': 'silent'},
        'lines': {'count': r'x: (feature enabled|feature=1 not honoured: )'},
    }

    def facts(self, phase, lines):
        return [(r.name, r.status) for r in
                boot.log_fact_results(phase, lines, ['reason', 'lines', 'nope'], self.FACTS)]

    def test_count_and_reason(self):
        log = ['x: feature=1 not honoured: no usable  PMU; feature disabled', 'other',
               'x: feature=1 not honoured: no usable  PMU; feature disabled']
        self.assertEqual(self.facts('p', log), [
            ('p/reason=off:no_usable_PMU', 'pass'), ('p/lines=2', 'pass'),
            ('p/nope', 'fail')])
        self.assertEqual(self.facts('main', ['a', 'b'])[:2],
                         [('reason=silent', 'pass'), ('lines=0', 'pass')])
        self.assertEqual(self.facts('main', ['x: feature enabled'])[:2],
                         [('reason=enabled', 'pass'), ('lines=1', 'pass')])

    def test_count_from_a_phase_of_the_console(self):
        """A count covers only its own phase's lines."""
        phases = parse.console_phases(['x: feature enabled', 'RIG: phase main',
                                       'RIG: phase p2', 'x: feature enabled',
                                       'x: feature enabled'])
        self.assertEqual(self.facts('main', phases['main'])[1], ('lines=1', 'pass'))
        self.assertEqual(self.facts('p2', phases['p2'])[1], ('p2/lines=2', 'pass'))

    def test_bad_fact_specs(self):
        for text in ('[fact.a]\ncount = "x"\nmatch = [["v", "x"]]\n',
                     '[fact.a]\ndefault = "d"\n',
                     '[fact.a]\ncount = "x"\ndefault = "0"\n',
                     '[fact.a]\ncount = "x"\nmin = 1\n'):
            with self.subTest(text=text):
                with tempfile.NamedTemporaryFile('w', suffix='.toml', delete=False) as f:
                    f.write(text)
                try:
                    with self.assertRaises(rig.ConfigError):
                        rig.load_log_facts(f.name)
                finally:
                    os.unlink(f.name)


class WaiverTest(unittest.TestCase):
    def run_check(self, patches, logs, waiver_text):
        d = tempfile.mkdtemp()
        try:
            paths_ = []
            for i, (subject, log) in enumerate(zip(patches, logs), 1):
                p = os.path.join(d, f'{i:04d}-x.patch')
                with open(p, 'w') as f:
                    f.write(f'From: x\nSubject: [PATCH {i}/{len(patches)}] {subject}\n\nbody\n')
                with open(os.path.join(d, f'checkpatch-{i:04d}-x.patch.log'), 'w') as f:
                    f.write(log)
                paths_.append(p)
            w = os.path.join(d, 'waivers.txt')
            with open(w, 'w') as f:
                f.write(waiver_text)
            return [v.tap().split(' # ')[0] for v in waivers.check('kernel', w, d, paths_)]
        finally:
            shutil.rmtree(d)

    def test_keyed_by_subject(self):
        log = 'x.patch:1: WARNING:MACRO_ARG_REUSE: reuse\n'
        w = 'perf: B | MACRO_ARG_REUSE | an iterator\n'
        # The waived patch is the second one, then (a patch inserted before it) the third.
        self.assertEqual(self.run_check(['perf: A', 'perf: B'], ['', log], w),
                         ['ok checkpatch:0001-x.patch', 'ok checkpatch:0002-x.patch'])
        self.assertEqual(self.run_check(['perf: A', 'perf: new', 'perf: B'], ['', '', log], w),
                         ['ok checkpatch:0001-x.patch', 'ok checkpatch:0002-x.patch',
                          'ok checkpatch:0003-x.patch'])

    def test_stale_and_errors(self):
        w = 'perf: A | MACRO_ARG_REUSE | x\nperf: A | SPACING | y\n'
        got = self.run_check(['perf: A'], ['x:1: ERROR:SPACING: bad\n'], w)
        self.assertEqual(got, ['not ok checkpatch:0001-x.patch',
                               'not ok checkpatch-waiver:perf-A-MACRO_ARG_REUSE',
                               'not ok checkpatch-waiver:perf-A-SPACING'])


if __name__ == '__main__':
    unittest.main()
