"""zhongfu: a Telegram bot that coordinates community social assistance."""

import os

# numpy (the digest's columns, the charts) does no linear algebra here, yet its OpenBLAS
# starts a thread per core when imported, spinning a tenth of a second of CPU for nothing
# (bench/README.md, bench_tick.py). Set before anything can import numpy; an operator's own
# setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
