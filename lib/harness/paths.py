"""Where things are. The shell side (lib/common.sh) exports BUILD (COLD=1 moves it);
everything else derives from it, exactly as lib/common.sh derives it."""
import os

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get('BUILD') or os.path.join(TOP, 'build')
# RIG_LOGS: where boots outside `make check` (make, make boot, make shell) keep their logs,
# so that `make judge` still finds the last check's.
LOGS = os.environ.get('RIG_LOGS') or os.path.join(BUILD, 'logs')
# RIG_KOBJ: the kernel build of `make bench` (kconfig/bench.config), as in lib/common.sh.
KOBJ = os.environ.get('RIG_KOBJ') or os.path.join(BUILD, 'obj', 'linux')


def log(name):
    return os.path.join(LOGS, name)


def show(path):
    """A path as messages print it: relative to the checkout, or under $BUILD."""
    path = os.path.abspath(path)
    if path.startswith(BUILD + os.sep):
        return '$BUILD/' + os.path.relpath(path, BUILD) if not BUILD.startswith(TOP + os.sep) \
            else os.path.relpath(path, TOP)
    if path.startswith(TOP + os.sep):
        return os.path.relpath(path, TOP)
    return path
