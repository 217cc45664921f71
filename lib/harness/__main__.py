"""The harness's run-and-judge path: python3 -m harness COMMAND (PYTHONPATH=lib).

  boot CONFIG [--tests T,T] [--dry-run] [--shell]   boot a rig configuration
  judge-boot CONFIG                                  verdicts of a boot from its saved logs
  stale-allowlist CONFIG...                          allowlist entries no boot produced
  judge [CONFIG]                                     re-judge the last run's saved logs and
                                                     print its report again (make judge)
  stage0 QEMU IMAGE                                  run Stage 0; stage0-judge: its verdicts
  summary                                            the report of the run (make check)
  plan CONFIG | configs | list selftest|rigtest      what the records say (configs: those
                                                    `make check` boots)
  bench-table [CONFIG [FILE]]                        make bench's table (also into FILE)
  boot-order                                         how make check boots them: `queue A`
                                                    (lanes, longest first), then `alone B`
  waivers kernel|qemu                                checkpatch output against the waivers
  selftest                                           the harness's own tests (harness:<test>)
"""
import glob
import json
import os
import sys

from . import boot, judge, paths, report, rig, stage0


def _tap_file(pattern):
    hits = sorted(glob.glob(os.path.join(report.results_dir(), pattern)))
    return hits[0] if hits else None


def rejudge(only=None):
    """make judge: rewrite the rig and Stage 0 result files of the last run from the saved
    logs (nothing is re-run), then print the report again."""
    if not os.path.isdir(report.results_dir()):
        sys.exit(f'no results of a run in {report.results_dir()}: run make check first')
    done = 0
    for f in sorted(glob.glob(os.path.join(report.results_dir(), '*-rig-*.tap'))):
        cfg = os.path.basename(f).split('-rig-', 1)[1][:-4]
        if only and cfg != only:
            continue
        with open(f, 'w') as out, open(os.devnull, 'w') as devnull:
            boot.judge_boot(cfg, out=out, err=devnull)
        done += 1
    f = _tap_file('*-allowlist.tap')
    if f and not only:
        cfgs = [os.path.basename(x).split('-rig-', 1)[1][:-4]
                for x in glob.glob(os.path.join(report.results_dir(), '*-rig-*.tap'))]
        with open(f, 'w') as out:
            stale_allowlist(cfgs, out)
    f = _tap_file('*-stage0.tap')
    if f and not only:
        with open(f, 'w') as out, open(os.devnull, 'w') as devnull:
            stage0.judge_stage0(out=out, err=devnull)
    if only and not done:
        sys.exit(f'the last run did not boot "{only}"')
    text, bad = report.summary()
    sys.stdout.write(text)
    return 1 if bad else 0


def stale_allowlist(configs, out=sys.stdout):
    """Allowlist entries that no boot of this run produced fail as stale."""
    allow = judge.load_allowlist(os.path.join(paths.TOP, 'tests', 'splat-allowlist.txt'))
    seen = set()
    for c in configs:
        try:
            with open(paths.log(f'{c}.json')) as f:
                seen |= set(json.load(f)['splats'])
        except FileNotFoundError:
            pass
    verdicts = judge.stale_allowlist(allow, seen)
    for v in verdicts:
        print(v.tap(), file=out)
    return 1 if verdicts else 0


def main(argv):
    if not argv:
        sys.exit(__doc__)
    cmd, args = argv[0], argv[1:]
    try:
        if cmd == 'boot':
            tests = None
            for a in args[1:]:
                if a.startswith('--tests='):
                    tests = [t for t in a[8:].replace(',', ' ').split() if t]
            return boot.boot(args[0], tests, '--dry-run' in args, '--shell' in args)
        if cmd == 'judge-boot':
            v = boot.judge_boot(args[0])
            return 1 if any(not x.ok for x in v) else 0
        if cmd == 'judge':
            return rejudge(args[0] if args else None)
        if cmd == 'stale-allowlist':
            return stale_allowlist(args)
        if cmd == 'stage0':
            stage0.run(args[0], args[1])
            return 0
        if cmd == 'stage0-judge':
            v = stage0.judge_stage0()
            return 1 if any(not x.ok for x in v) else 0
        if cmd == 'summary':
            text, bad = report.summary()
            sys.stdout.write(text)
            return 1 if bad else 0
        if cmd == 'main-summary':
            return report.main_summary(args[0], args[1])
        if cmd == 'plan':
            print('\n'.join(rig.plan_lines(rig.load_config(args[0]))))
            return 0
        if cmd == 'configs':
            print('\n'.join(rig.config_names(check_only=True)))
            return 0
        if cmd == 'bench-table':
            from . import bench
            text, missing = bench.table(args[0] if args else 'bench')
            if len(args) > 1:
                with open(args[1], 'w') as f:
                    f.write(text)
            sys.stdout.write(text)
            for mode, key in missing:
                print(f'bench: no {key} for the {mode} vPMU', file=sys.stderr)
            return 1 if missing else 0
        if cmd == 'boot-order':
            queue, alone = rig.boot_order([rig.load_config(n)
                                           for n in rig.config_names(check_only=True)])
            print('\n'.join(['queue ' + n for n in queue] + ['alone ' + n for n in alone]))
            return 0
        if cmd == 'list':
            names = sorted({t for c in rig.config_names()
                            for t in rig.load_config(c).steps(args[0])})
            print('\n'.join(names))
            return 0
        if cmd == 'waivers':
            from . import waivers
            return waivers.main(args)
        if cmd == 'selftest':
            from . import selftest
            return selftest.main(args)
    except rig.ConfigError as e:
        print(f'ERROR: {e}', file=sys.stderr)
        return 2
    sys.exit(__doc__)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
