"""Builds the Swift library `ConicCAPI` from the repository and ships it inside the package.

`pip install ./python` (from the repository root) runs `swift build -c release --product ConicCAPI`
in the repository root, then copies `libConicCAPI.so` (and the C header) next to the Python
modules. `CONIC_SWIFT_CONFIGURATION=debug` builds the debug library instead (faster to build,
slower to run: what CI uses, where the debug build already exists from `swift test`).
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


class BuildSwiftLibrary(build_py):
    """Builds the Python modules, then the Swift library next to them."""

    def run(self):
        super().run()
        if not (ROOT / "Package.swift").exists():
            sys.exit(f"conic: {ROOT} holds no Package.swift; install from the repository: pip install ./python")
        if shutil.which("swift") is None:
            sys.exit("conic: building the package needs Swift (the `swift` command was not found)")
        configuration = os.environ.get("CONIC_SWIFT_CONFIGURATION", "release")
        command = ["swift", "build", "-c", configuration, "--product", "ConicCAPI"]
        print("conic: " + " ".join(command), flush=True)
        subprocess.run(command, cwd=ROOT, check=True)
        binaries = Path(subprocess.run(command + ["--show-bin-path"], cwd=ROOT, check=True,
                                       capture_output=True, text=True).stdout.strip())
        target = Path(self.build_lib) / "conic"
        target.mkdir(parents=True, exist_ok=True)
        for name in ("libConicCAPI.so", "libConicCAPI.dylib"):
            if (binaries / name).exists():
                shutil.copy2(binaries / name, target / name)
                break
        else:
            sys.exit(f"conic: swift build produced no libConicCAPI in {binaries}")
        shutil.copy2(ROOT / "Sources" / "ConicCAPI" / "include" / "conic.h", target / "conic.h")


class BinaryDistribution(Distribution):
    """The wheel holds a compiled library: tag it for this platform."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildSwiftLibrary}, distclass=BinaryDistribution)
