"""Run a process the way a container would: not as an all-powerful root.

Preferred: another uid (65534, like the images' 10001) through `setpriv`. On machines where that uid
cannot run this interpreter (pyenv under a 0700 /root), the fallback is root without any capability
(`setpriv --bounding-set=-all`): it still owns root's files, but a directory with mode 0555 is as
unwritable to it as to any user, which is what the tests need ("only the declared volumes writable").
"""

import functools
import os
import shutil
import subprocess
import sys

SETPRIV = shutil.which("setpriv")
OTHER_UID = 65534


@functools.cache
def _other_uid_runs_python() -> bool:
    if SETPRIV is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(
        [
            SETPRIV,
            f"--reuid={OTHER_UID}",
            f"--regid={OTHER_UID}",
            "--clear-groups",
            sys.executable,
            "-c",
            "import sys, sqlalchemy, redis; print(sys.version_info[:3])",
        ],
        capture_output=True,
        text=True,
        cwd="/",
        check=False,
    )
    return probe.returncode == 0 and probe.stdout.strip() == str(tuple(sys.version_info[:3]))


def unprivileged_prefix() -> tuple[list[str], str]:
    """(argv prefix, description). Not root: nothing to drop."""
    if os.geteuid() != 0:
        return [], f"uid {os.geteuid()}"
    if SETPRIV is None:
        raise RuntimeError("setpriv (util-linux) is needed to drop root in these tests")
    if _other_uid_runs_python():
        return [SETPRIV, f"--reuid={OTHER_UID}", f"--regid={OTHER_UID}", "--clear-groups"], f"uid {OTHER_UID}"
    return [SETPRIV, "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"], "root without capabilities"


def make_writable_for_child(path: "os.PathLike[str] | str") -> None:
    """A declared volume: writable by whichever identity `unprivileged_prefix` runs."""
    os.chmod(path, 0o777)
