"""Rig configurations as records, the plan rig/init runs, and the one QEMU command line.

A rig configuration is rig/configs/<name>.toml (see rig/configs/README.md for the fields).
load_config() reads it; plan_lines() turns it into the plan rig/init runs; plan_archive()
packs the plan and the configuration's payload into a small gzip'd cpio that is appended to
the one shared initramfs (the kernel unpacks concatenated archives), so that a new or
changed configuration never rebuilds the initramfs; qemu_command() is the only place that
builds a QEMU command line.
"""
import gzip
import io
import json
import os
import shlex
import tomllib
from dataclasses import dataclass, field

from . import paths

# Steps rig/init runs as they are; the others are expanded here (see plan_lines).
INIT_STEPS = {'load', 'unload', 'params', 'param', 'sysfs', 'sysctl', 'kprobe',
              'tracepoint', 'hits', 'kunit', 'shell'}
RUN_STEPS = {'selftest', 'rigtest', 'payload'}
HOST_STEPS = {'log'}


class ConfigError(Exception):
    pass


@dataclass
class Phase:
    name: str
    steps: list


@dataclass
class Config:
    name: str
    description: str
    cpu: str
    smp: int
    memory: str
    icount: str = ''
    cmdline: str = ''
    qemu_extra: list = field(default_factory=list)
    boot_timeout: int = 1500
    test_timeout: int = 600
    test_timeouts: dict = field(default_factory=dict)
    payload: list = field(default_factory=list)
    vmm: bool = False
    check: bool = True
    variables: dict = field(default_factory=dict)
    phases: list = field(default_factory=list)
    path: str = ''

    def steps(self, kind):
        """Every argument of every step of this kind, in order (e.g. the selftests)."""
        out = []
        for ph in self.phases:
            for s in ph.steps:
                w = s.split()
                if w and w[0] == kind:
                    out.extend([n for n, _ in run_args(w[1:])] if kind != 'payload'
                               else w[1:2])
        return out


def run_args(words):
    """The programs of a selftest or rigtest step with their arguments: a word that starts
    with '-' is an argument of the program named before it ("selftest a b -x1 -y/tmp/f")."""
    out = []
    for w in words:
        if w.startswith('-'):
            if not out:
                raise ConfigError(f'argument "{w}" before any program name')
            out[-1][1].append(w)
        else:
            out.append((w, []))
    return out


CONFIG_DIR = os.path.join(paths.TOP, 'rig', 'configs')


def config_names(check_only=False):
    """Every configuration; with check_only, those `make check` boots (not `check = false`)."""
    names = sorted(f[:-5] for f in os.listdir(CONFIG_DIR) if f.endswith('.toml'))
    return [n for n in names if not check_only or load_config(n).check]


def host_threads(cfg):
    """Host threads a boot keeps busy: TCG runs a thread per vCPU, except under icount,
    which serialises every vCPU on one thread."""
    return 1 if cfg.icount else cfg.smp


def boot_cost(cfg):
    """Expected wall seconds of a boot: the last one's (LOGS/<name>.boot.json), else its
    timeout (a new machine has no log; the timeouts are in proportion)."""
    try:
        with open(os.path.join(paths.LOGS, f'{cfg.name}.boot.json')) as f:
            return float(json.load(f)['seconds'])
    except (OSError, ValueError, KeyError, TypeError):
        return float(cfg.boot_timeout)


def boot_order(configs):
    """How `make check` boots `configs`: (queue, alone). The boots that keep one host thread
    busy are queued longest first, for as many lanes as there are cores to take from the
    front as each lane becomes free, so that the longest runs while the others fill the
    other lanes. A boot that needs more threads than that runs alone, after the queue, so
    that nothing slows the wall clock a configuration without icount runs on."""
    queue, alone = [], []
    for cfg in sorted(configs, key=lambda c: (-boot_cost(c), c.name)):
        (queue if host_threads(cfg) == 1 else alone).append(cfg.name)
    return queue, alone


def load_config(name, path=None):
    path = path or os.path.join(CONFIG_DIR, f'{name}.toml')
    try:
        with open(path, 'rb') as f:
            d = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f'no rig configuration "{name}" ({path}); there are: '
                          f'{", ".join(config_names())}')
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f'{path}: {e}')
    known = {'description', 'qemu', 'kernel', 'timeouts', 'payload', 'vmm', 'check',
             'variables', 'phase'}
    unknown = set(d) - known
    if unknown:
        raise ConfigError(f'{path}: unknown keys {sorted(unknown)}')
    q, k, t = d.get('qemu', {}), d.get('kernel', {}), d.get('timeouts', {})
    for table, keys in ((q, {'cpu', 'smp', 'icount', 'memory', 'extra'}), (k, {'cmdline'}),
                        (t, {'boot', 'test', 'tests'})):
        if set(table) - keys:
            raise ConfigError(f'{path}: unknown keys {sorted(set(table) - keys)}')
    try:
        cfg = Config(name=name, description=d.get('description', ''), cpu=q['cpu'],
                     smp=int(q.get('smp', 1)), memory=str(q.get('memory', '4G')),
                     icount=q.get('icount', ''), qemu_extra=list(q.get('extra', [])),
                     cmdline=k.get('cmdline', ''),
                     boot_timeout=int(t.get('boot', 1500)), test_timeout=int(t.get('test', 600)),
                     test_timeouts=dict(t.get('tests', {})), payload=list(d.get('payload', [])),
                     vmm=bool(d.get('vmm', False)), check=bool(d.get('check', True)),
                     variables={str(k): str(v) for k, v in d.get('variables', {}).items()},
                     phases=[Phase(p.get('name', 'main'), list(p['steps']))
                             for p in d.get('phase', [])], path=path)
    except KeyError as e:
        raise ConfigError(f'{path}: missing {e}')
    if not cfg.phases or cfg.phases[0].name != 'main':
        raise ConfigError(f'{path}: the first [[phase]] must be named "main"')
    seen = set()
    for ph in cfg.phases:
        if ph.name in seen or '/' in ph.name or ':' in ph.name:
            raise ConfigError(f'{path}: phase name "{ph.name}" repeated or invalid')
        seen.add(ph.name)
        for s in ph.steps:
            w = s.split()
            if not w or w[0] not in INIT_STEPS | RUN_STEPS | HOST_STEPS:
                raise ConfigError(f'{path}: phase {ph.name}: unknown step "{s}"')
            if w[0] in ('selftest', 'rigtest'):
                try:
                    run_args(w[1:])
                except ConfigError as e:
                    raise ConfigError(f'{path}: phase {ph.name}: "{s}": {e}')
    return cfg


def load_log_facts(path=None):
    """rig/log-facts.toml: the facts a `log` step reads from the kernel log. Each has either
    `match` (rules [value, regex], and `default`) or `count` (a regex: the number of lines
    it matches)."""
    path = path or os.path.join(paths.TOP, 'rig', 'log-facts.toml')
    with open(path, 'rb') as f:
        facts = tomllib.load(f).get('fact', {})
    for name, spec in facts.items():
        keys = set(spec)
        if ('match' in keys) == ('count' in keys) or keys - {'match', 'default', 'count'} \
                or ('count' in keys and 'default' in keys):
            raise ConfigError(f'{path}: fact "{name}" needs either `match` (and `default`) '
                              f'or `count`: has {sorted(keys)}')
    return facts


def plan_lines(cfg, selftests=None, shell=False):
    """The plan rig/init runs. selftests replaces every selftest step (make boot TESTS=);
    shell appends an interactive shell to the first phase (make shell)."""
    out, replaced = [], False
    values = {k: os.environ.get(f'RIG_VAR_{k}', v) for k, v in cfg.variables.items()}
    for ph in cfg.phases:
        out.append(f'phase {ph.name}')
        for s in ph.steps:
            for k, v in values.items():
                s = s.replace('{' + k + '}', v)
            w = s.split()
            if w[0] in HOST_STEPS:
                continue
            if w[0] == 'selftest' and selftests is not None:
                w = ['selftest'] + ([] if replaced else list(selftests))
                replaced = True
            if w[0] in ('selftest', 'rigtest'):
                out += [f'run {w[0]} {t} {cfg.test_timeouts.get(t, cfg.test_timeout)}'
                        + ''.join(' ' + a for a in args)
                        for t, args in run_args(w[1:])]
            elif w[0] == 'payload':
                out.append(f'run payload {w[1]} {cfg.test_timeouts.get(w[1], cfg.test_timeout)} '
                           + ' '.join(w[2:]))
            else:
                out.append(' '.join(w))
        if ph.name == 'main':
            if selftests is not None and not replaced:
                out += [f'run selftest {t} {cfg.test_timeouts.get(t, cfg.test_timeout)}'
                        for t in selftests]
                replaced = True
            if shell:
                out.append('shell')
    return [line.rstrip() for line in out]


def _cpio(entries):
    """newc cpio of (name, mode, data) entries, with its trailer."""
    buf = io.BytesIO()
    for ino, (name, mode, data) in enumerate(entries + [('TRAILER!!!', 0, b'')], 1):
        nb = name.encode() + b'\0'
        hdr = b'070701' + b''.join(b'%08X' % v for v in (
            ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0))
        buf.write(hdr + nb)
        buf.write(b'\0' * (-(len(hdr) + len(nb)) % 4))
        buf.write(data)
        buf.write(b'\0' * (-len(data) % 4))
    return buf.getvalue()


def plan_archive(cfg, lines):
    """gzip'd cpio with /plan and /payload/* (files named in the record, relative to TOP)."""
    entries = [('plan', 0o100644, ('\n'.join(lines) + '\n').encode())]
    if cfg.payload:
        entries.append(('payload', 0o040755, b''))
    for p in cfg.payload:
        src = os.path.join(paths.TOP, p)
        with open(src, 'rb') as f:
            entries.append((f'payload/{os.path.basename(p)}', 0o100755, f.read()))
    return gzip.compress(_cpio(entries), mtime=0)


# --- the one QEMU command line ---------------------------------------------------------
FIRMWARE = ['-L', '/usr/share/qemu', '-L', '/usr/share/seabios']


def qemu_command(qemu, *, cpu=None, smp=1, memory='4G', icount='', kernel=None, initrd=None,
                 append=None, serials=(), extra=(), interactive=False):
    """The command line of every QEMU the harness starts: rig boots, make shell, Stage 0,
    make baseline. serials are QEMU -serial arguments in port order."""
    cmd = [qemu, '-accel', 'tcg'] + FIRMWARE + ['-net', 'none', '-no-reboot', '-display', 'none']
    if not interactive:
        cmd += ['-monitor', 'none']
    if cpu:
        cmd += ['-cpu', cpu]
    cmd += ['-smp', str(smp), '-m', memory]
    if icount:
        cmd += ['-icount', icount]
    cmd += list(extra)
    for s in serials:
        cmd += ['-serial', s]
    if kernel:
        cmd += ['-kernel', kernel]
    if initrd:
        cmd += ['-initrd', initrd]
    if append is not None:
        cmd += ['-append', append]
    return cmd


def kernel_cmdline(cfg):
    return ' '.join(x for x in ('console=ttyS0 panic=-1', cfg.cmdline) if x)


def rig_command(cfg, initrd, console, results, interactive=False):
    q = os.path.join(paths.BUILD, 'qemu-bin', 'qemu-system-x86_64')
    serials = (['mon:stdio'] if interactive else [f'file:{console}']) + [f'file:{results}']
    return qemu_command(q, cpu=cfg.cpu, smp=cfg.smp, memory=cfg.memory, icount=cfg.icount,
                        kernel=os.path.join(paths.KOBJ, 'arch/x86/boot/bzImage'),
                        initrd=initrd, append=kernel_cmdline(cfg), serials=serials,
                        extra=cfg.qemu_extra, interactive=interactive)


def shell_quote(cmd):
    return ' '.join(shlex.quote(c) for c in cmd)
