"""One checker for both style checks: the kernel's checkpatch.pl on patches/ and QEMU's on
rig/qemu-patches/. Errors fail. A warning (or a kernel CHECK) passes only with a
justification in the waiver file, keyed by the patch's *subject* (so that inserting,
renumbering or retitling another patch leaves the waiver alone) and by the problem: the
checkpatch type for the kernel (--show-types), the message text for QEMU. A waiver that
matches nothing of this run fails as stale.

Waiver files, one entry per line:  <patch subject> | <TYPE or message> | <justification>

  python3 -m harness waivers kernel|qemu WAIVERS LOGDIR PATCH...
reads LOGDIR/<tool>-<patch file name>.log for each patch and prints one verdict per patch
and per stale waiver.
"""
import os
import re
import sys

from .model import Verdict

TOOLS = {
    # name: (result prefix, log prefix, regex of a problem line: (level, key))
    'kernel': ('checkpatch', 'checkpatch',
               re.compile(r'(?P<level>ERROR|WARNING|CHECK):(?P<key>[A-Z0-9_]+):')),
    'qemu': ('qemu-checkpatch', 'qemu-checkpatch',
             re.compile(r'^(?P<level>ERROR|WARNING): (?P<key>.*)$')),
}


class WaiverError(Exception):
    pass


def patch_subject(path):
    """The Subject: of a git format-patch file, without its [PATCH i/N] prefix, unfolded."""
    with open(path, errors='replace') as f:
        lines = f.read().split('\n\n', 1)[0].splitlines()
    subj = None
    for i, line in enumerate(lines):
        if line.startswith('Subject: '):
            subj = line[9:]
            for cont in lines[i + 1:]:
                if not cont.startswith((' ', '\t')):
                    break
                subj += ' ' + cont.strip()
            break
    if subj is None:
        raise WaiverError(f'{path}: no Subject: line')
    return re.sub(r'^\[[^]]*PATCH[^]]*\]\s*', '', subj).strip()


def load_waivers(path):
    out = []
    with open(path) as f:
        for i, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith('#'):
                continue
            parts = [p.strip() for p in line.split(' | ', 2)]
            if len(parts) != 3 or not all(parts):
                raise WaiverError(f'{path}:{i}: expected "<patch subject> | <problem> | '
                                  f'<justification>": {line}')
            out.append(tuple(parts))
    return out


def check(tool, waiver_file, logdir, patches):
    prefix, logprefix, rx = TOOLS[tool]
    try:
        waivers = load_waivers(waiver_file)
    except (WaiverError, FileNotFoundError) as e:
        return [Verdict(f'{prefix}-waivers', False, 'fail', str(e))]
    used, verdicts = set(), []
    for p in patches:
        name = os.path.basename(p)
        log = os.path.join(logdir, f'{logprefix}-{name}.log')
        subj = patch_subject(p)
        bad = []
        try:
            with open(log, errors='replace') as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            verdicts.append(Verdict(f'{prefix}:{name}', False, 'fail', f'no log {log}'))
            continue
        for line in lines:
            m = rx.search(line)
            if not m:
                continue
            key = (subj, m.group('key').strip())
            if m.group('level') != 'ERROR' and any(w[:2] == key for w in waivers):
                used.add(key)
                continue
            bad.append(line)
        if bad:
            verdicts.append(Verdict(f'{prefix}:{name}', False, 'fail',
                                    f'{len(bad)} unjustified problem(s): {bad[0]} (see {log})',
                                    bad))
        else:
            verdicts.append(Verdict(f'{prefix}:{name}', True, 'pass'))
    for subj, key, _ in waivers:
        if (subj, key) not in used:
            slug = re.sub(r'[^A-Za-z0-9_.-]+', '-', f'{subj[:50]}:{key[:30]}')
            verdicts.append(Verdict(f'{prefix}-waiver:{slug}',
                                    False, 'fail', f'stale entry in '
                                    f'{os.path.basename(waiver_file)}: "{subj} | {key}" matches '
                                    'no problem of this run: remove it'))
    return verdicts


def main(args):
    if len(args) < 3 or args[0] not in TOOLS:
        sys.exit('usage: waivers kernel|qemu WAIVERS LOGDIR PATCH...')
    verdicts = check(args[0], args[1], args[2], args[3:])
    for v in verdicts:
        if not v.ok:
            for d in v.details:
                print('    ' + d, file=sys.stderr)
        print(v.tap())
    return 1 if any(not v.ok for v in verdicts) else 0
