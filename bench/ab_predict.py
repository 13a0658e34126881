"""File-to-file labelling speed of two checkouts of dualuse, run alternately on the same dump (one machine, one run).

    python bench/ab_predict.py DUMP.csv --column G31_1 OLD_CHECKOUT NEW_CHECKOUT [--rounds 3]

Each round runs ``predict`` (``--jobs 1``, 10,000-row chunks, no entity or code columns where the checkout has them)
once per checkout in a fresh process with that checkout first on ``PYTHONPATH``, and prints rows/s and the process's
peak RSS (the model loaded and the whole run); alternating
keeps the load of a shared machine from favouring one side.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

CHILD = r"""
import inspect, sys, time
try:
    from pipeline.model.core import load_model
    from pipeline.run.predict import predict
except ImportError:  # the flat layout of older checkouts
    from pipeline.model import load_model
    from pipeline.predict import predict
dump, column = sys.argv[1], sys.argv[2]
params = inspect.signature(predict).parameters
kw = {k: v for k, v in (("entities", "none"), ("code_column", False)) if k in params}
model = load_model()
t = time.perf_counter()
out = dump + ".ab_out.csv"
s = predict(dump, out, text_columns=[column], model=model, jobs=1, chunk_size=10000, overwrite=True, **kw)
import resource
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(f"{s.rows / (time.perf_counter() - t):.0f} rows/s, peak RSS {rss} MB")
"""


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dump")
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--column", default="G31_1", help="text column of the dump")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    for r in range(args.rounds):
        for name, tree in (("old", args.old), ("new", args.new)):
            env = dict(os.environ, PYTHONPATH=tree)
            out = subprocess.run([sys.executable, "-c", CHILD, args.dump, args.column], env=env, cwd=tree,
                                 capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
            print(f"round {r + 1} {name}: {out}", flush=True)
    os.unlink(args.dump + ".ab_out.csv")


if __name__ == "__main__":
    main()
