"""Loads libConicCAPI through ctypes and declares the C functions of conic.h.

The library is loaded with ``ctypes.CDLL``, which releases the GIL for the duration of every
foreign call: solves and trainings on several Python threads run in parallel.
"""
import ctypes
import os
from pathlib import Path

import numpy as np

from ._arrays import address
from ._errors import error_for

_c_double_p = ctypes.POINTER(ctypes.c_double)
_handle = ctypes.c_void_p
_pointer = ctypes.c_void_p  # array arguments are passed as addresses (numpy's .ctypes.data)


def _library_path():
    override = os.environ.get("CONIC_LIBRARY")
    if override:
        return override
    here = Path(__file__).resolve().parent
    for name in ("libConicCAPI.so", "libConicCAPI.dylib"):
        if (here / name).exists():
            return str(here / name)
    raise ImportError(
        f"conic: libConicCAPI was not found in {here}; install the package with `pip install ./python` "
        "from the repository (it builds the library with Swift), or set CONIC_LIBRARY to its path")


lib = ctypes.CDLL(_library_path())

_signatures = {
    "conic_version": ([], ctypes.c_char_p),
    "conic_abi_version": ([], ctypes.c_int32),
    "conic_settings_new": ([], _handle),
    "conic_nn_settings_new": ([ctypes.c_double], _handle),
    "conic_settings_free": ([_handle], None),
    "conic_settings_set": ([_handle, ctypes.c_char_p, ctypes.c_double], ctypes.c_int32),
    "conic_settings_set_string": ([_handle, ctypes.c_char_p, ctypes.c_char_p], ctypes.c_int32),
    "conic_settings_error": ([_handle], ctypes.c_char_p),
    "conic_solve": ([ctypes.c_int64, ctypes.c_int64, _pointer, _pointer, _pointer, _pointer, _pointer, _pointer,
                     _pointer, _pointer, ctypes.c_int64, _pointer, _pointer, _pointer, _handle], _handle),
    "conic_nn_train": ([_handle, ctypes.c_int64, ctypes.c_int64, _pointer, ctypes.c_int64, _pointer], _handle),
    "conic_nn_certify": ([_handle, ctypes.c_int64, ctypes.c_int64, _pointer, ctypes.c_int64, _pointer,
                          ctypes.c_int64, _pointer, _pointer, ctypes.c_int32], _handle),
    "conic_nn_certify_output_bias": ([_handle, ctypes.c_int64, ctypes.c_int64, _pointer, ctypes.c_int64, _pointer,
                                      ctypes.c_int64, _pointer, _pointer, ctypes.c_int32, _pointer], _handle),
    "conic_result_free": ([_handle], None),
    "conic_result_error": ([_handle], ctypes.c_int32),
    "conic_result_error_message": ([_handle], ctypes.c_char_p),
    "conic_result_number": ([_handle, ctypes.c_char_p, _c_double_p], ctypes.c_int32),
    "conic_result_string": ([_handle, ctypes.c_char_p], ctypes.c_char_p),
    "conic_result_json": ([_handle], ctypes.c_char_p),
    "conic_result_length": ([_handle, ctypes.c_char_p], ctypes.c_int64),
    "conic_result_copy": ([_handle, ctypes.c_char_p, _pointer, ctypes.c_int64], ctypes.c_int32),
}
for _name, (_arguments, _result) in _signatures.items():
    _function = getattr(lib, _name)
    _function.argtypes = _arguments
    _function.restype = _result

ABI_VERSION = 1
if lib.conic_abi_version() != ABI_VERSION:
    raise ImportError(f"conic: libConicCAPI has ABI version {lib.conic_abi_version()}, this package needs {ABI_VERSION}; "
                      "reinstall with `pip install ./python`")


class Settings:
    """A settings handle (solver settings, or training settings when ``beta`` is given)."""

    def __init__(self, values, beta=None):
        self.handle = lib.conic_settings_new() if beta is None else lib.conic_nn_settings_new(float(beta))
        if not self.handle:
            raise MemoryError("conic: could not allocate settings")
        try:
            for key, value in values.items():
                self.set(key, value)
        except BaseException:
            self.close()
            raise

    def set(self, key, value):
        name = key.encode()
        if isinstance(value, str):
            code = lib.conic_settings_set_string(self.handle, name, value.encode())
        elif isinstance(value, (bool, int, float)) or hasattr(value, "__float__"):
            try:
                number = float(value)
            except (TypeError, ValueError, OverflowError) as exc:
                raise error_for(3, f"setting {key}: {value!r} is not a number") from exc
            code = lib.conic_settings_set(self.handle, name, number)
        else:
            raise error_for(3, f"setting {key}: expected a number, a boolean or a string, got {type(value).__name__}")
        if code != 0:
            # An unknown key (an argument error in C) is a setting error to the Python caller.
            raise error_for(3 if code == 1 else code, lib.conic_settings_error(self.handle).decode())

    def close(self):
        if self.handle:
            lib.conic_settings_free(self.handle)
            self.handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Result:
    """Owns a result handle; reads its numbers, strings and vectors."""

    def __init__(self, handle):
        if not handle:
            raise MemoryError("conic: the library could not allocate a result")
        self.handle = handle
        code = lib.conic_result_error(handle)
        if code != 0:
            message = lib.conic_result_error_message(handle).decode()
            self.close()
            raise error_for(code, message)

    def number(self, key):
        out = ctypes.c_double()
        if lib.conic_result_number(self.handle, key.encode(), ctypes.byref(out)) != 0:
            raise KeyError(key)
        return out.value

    def string(self, key):
        value = lib.conic_result_string(self.handle, key.encode())
        if value is None:
            raise KeyError(key)
        return value.decode()

    def json(self):
        return lib.conic_result_json(self.handle).decode()

    def vector(self, name, length=None):
        """A vector by name (its length, when the caller knows it, saves a call)."""
        key = name.encode()
        if length is None:
            length = lib.conic_result_length(self.handle, key)
            if length < 0:
                raise KeyError(name)
        out = np.empty(length, dtype=np.float64)
        if lib.conic_result_copy(self.handle, key, address(out), length) != 0:
            raise KeyError(name)
        return out

    def close(self):
        if self.handle:
            lib.conic_result_free(self.handle)
            self.handle = None

    def __del__(self):
        # At interpreter exit the module globals may be gone already.
        if getattr(self, "handle", None) and lib is not None:
            self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
