"""``python -m bench`` (``make bench``): every figure with its target and verdict."""

import argparse

from bench.harness import run

parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
parser.add_argument("--quick", action="store_true", help="shorter loads, 1 M events")
raise SystemExit(run(parser.parse_args().quick))
