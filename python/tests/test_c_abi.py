"""The C header against the library: Examples/c/solve.c, compiled with the shipped conic.h and
linked to the package's libConicCAPI, solves, reports errors and trains (skipped without a C compiler)."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import conic
from conic import _lib

EXAMPLE = Path(__file__).resolve().parents[2] / "Examples" / "c" / "solve.c"


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_c_example_through_the_header(tmp_path):
    library = Path(_lib._library_path())
    header = Path(conic.__file__).parent / "conic.h"
    include = header.parent if header.exists() else EXAMPLE.parents[2] / "Sources" / "ConicCAPI" / "include"
    binary = tmp_path / "solve"
    subprocess.run(["cc", "-std=c99", "-Wall", "-Werror", "-I", str(include), str(EXAMPLE), str(library),
                    f"-Wl,-rpath,{library.parent}", "-lm", "-o", str(binary)], check=True)
    output = subprocess.run([str(binary)], check=True, capture_output=True, text=True).stdout
    assert "unknown key: unknown solver setting 'no_such_key'" in output
    status, objective = re.search(r"^(\w+) (-?[\d.]+) x = ", output, re.M).groups()
    assert status == "solved" and float(objective) == pytest.approx(-1.7, abs=1e-7)
    assert "NaN in b: code 2: non-finite data: b has nan at stored entry 1" in output
    neurons, objective, lower = re.search(r"network: (\d+) neurons, objective ([\d.]+), lower bound ([\d.]+)", output).groups()
    assert int(neurons) > 0 and float(lower) <= float(objective) + 1e-8
    assert f"conic {conic.__version__} (ABI 1)" in output
