"""Issue 10, item 11: worker processes must not outlive a parent killed with SIGKILL."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .test_predict import make_dump

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")

SCRIPT = """
import sys, time
from pipeline.run.predict import predict
predict(sys.argv[1], sys.argv[2], model=sys.argv[3], jobs=2, chunk_size=5, progress=lambda p: time.sleep(0.5))
"""


def _children(pid):
    out = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out.update(int(c) for c in (task / "children").read_text().split())
        except OSError:
            pass
    return out


def _alive(pid):
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def test_workers_exit_when_the_parent_is_killed(tiny_model_dir, tmp_path):
    src = make_dump(tmp_path / "in.csv", n=400)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(src), str(tmp_path / "out.csv"), str(tiny_model_dir)], env=env
    )
    try:
        deadline = time.monotonic() + 60
        workers = set()
        while time.monotonic() < deadline and len(workers) < 2:
            time.sleep(0.2)
            workers = _children(proc.pid)
            assert proc.poll() is None, "the run ended before its workers could be seen"
        assert len(workers) >= 2
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(map(_alive, workers)):
            time.sleep(0.2)
        left = [w for w in workers if _alive(w)]
        for w in left:
            os.kill(w, signal.SIGKILL)
        assert not left, f"worker(s) {left} outlived their parent"
    finally:
        if proc.poll() is None:
            proc.kill()
