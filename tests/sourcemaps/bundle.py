"""A small app built as real sites build theirs: esbuild (the beacon's own, from
js-beacon/node_modules) bundles and minifies it, with a source map. Where its throw and its
call land, in the original sources and in the minified file, is found by searching their
texts, never asked of a source map."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# `make mutation` runs the tests from a copy of the project without node_modules: it names
# the repository's esbuild.
ESBUILD = Path(os.environ.get("BEACON_ESBUILD", REPO / "js-beacon/node_modules/.bin/esbuild"))
CART = """\
// A shopping cart whose total throws on a bad quantity.
export function addItem(cart, name, quantity) {
  cart.items.push({ name, quantity });
  return cart;
}

export function computeTotal(cart) {
  let total = 0;
  for (const item of cart.items) {
    if (item.quantity < 0) {
      throw new RangeError("negative quantity for " + item.name);
    }
    total += item.quantity;
  }
  return total;
}
"""
MAIN = """\
import { addItem, computeTotal } from "./cart.js";

function checkout() {
  const cart = addItem({ items: [] }, "apple", -1);
  return computeTotal(cart);
}

document.getElementById("buy").addEventListener("click", checkout);
"""
THROW = "new RangeError("  # V8 places an Error made by `new` at the `new`
CALL = "computeTotal(cart)"  # and a call at its callee
MESSAGE = "negative quantity for apple"


def position(text: str, needle: str) -> tuple[int, int]:
    """1-based (line, column) of the one occurrence of ``needle``, as stacks count."""
    assert text.count(needle) == 1, needle
    before = text[: text.index(needle)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


@dataclass(frozen=True)
class Bundle:
    folder: Path  # what the build wrote: assets/app.min.js and assets/app.min.js.map
    minified: str

    @property
    def script(self) -> Path:
        return self.folder / "assets" / "app.min.js"

    def throw_at(self) -> tuple[int, int]:
        """Where the minified `new RangeError(` is."""
        return position(self.minified, THROW)

    def call_at(self) -> tuple[int, int]:
        """Where the minified checkout calls computeTotal: after the "apple" cart is made,
        whatever names the minifier gave them (`...,"apple",-1);return r(t)`)."""
        found = re.search(r'"apple",-1\);return ', self.minified)
        assert found, self.minified
        line, column = position(self.minified, found[0])
        return line, column + len(found[0])


def build(root: Path) -> Bundle:
    """The app's sources under ``root/src``, bundled into ``root/dist/assets``."""
    (root / "src").mkdir(parents=True)
    (root / "src" / "cart.js").write_text(CART)
    (root / "src" / "main.js").write_text(MAIN)
    out = root / "dist" / "assets" / "app.min.js"
    done = subprocess.run(
        [str(ESBUILD), "src/main.js", "--bundle", "--minify", "--sourcemap", f"--outfile={out}"],
        cwd=root, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (root / "dist" / "assets" / "app.min.js.map").is_file()
    return Bundle(root / "dist", out.read_text())


def v8_stack(bundle: Bundle, url: str) -> str:
    """The stack Chrome gives the throw: computeTotal called by checkout, minified."""
    (line, column), (cline, ccolumn) = bundle.throw_at(), bundle.call_at()
    return (
        f"RangeError: {MESSAGE}\n    at r ({url}:{line}:{column})\n"
        f"    at HTMLButtonElement.i ({url}:{cline}:{ccolumn})"
    )
