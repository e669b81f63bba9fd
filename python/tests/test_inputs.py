"""Bad input gives a Python exception with a message, never a crash; awkward input is converted."""
import re

import numpy as np
import pytest
import scipy.sparse as sp

import conic

A = np.array([[1.0, 1.0], [-1, 0], [0, -1]])
b = np.array([1.0, 0, 0])
q = np.array([-1.0, -1.0])
cones = [conic.NonnegativeCone(3)]


def test_non_contiguous_and_integer_arrays_are_converted():
    wide = np.zeros((3, 4))
    wide[:, ::2] = A  # a strided view
    strided = wide[:, ::2]
    assert not strided.flags.c_contiguous
    base = conic.solve(None, q, A, b, cones)
    assert conic.solve(None, q[::1].astype(np.float32), strided, b.astype(np.int64) * 1, cones).obj_val == \
        pytest.approx(base.obj_val, rel=1e-6)
    assert conic.solve(None, [-1, -1], sp.coo_matrix(A), [1, 0, 0], [("nonneg", 3)]).obj_val == \
        pytest.approx(base.obj_val, rel=1e-9)
    assert conic.solve(None, np.array([[-1.0], [-1.0]]), A, b, cones).status == "solved"  # column vector


@pytest.mark.parametrize("args, message", [
    ((None, [np.nan, 1], A, b, cones), "q has nan at stored entry 0"),
    ((None, q, A, [1, np.inf, 0], cones), "b has inf at stored entry 1"),
    ((None, q, sp.csc_matrix(np.array([[1, np.nan], [0, 0], [0, 1.0]])), b, cones), "A has nan at stored entry 1"),
    ((sp.csc_matrix(np.array([[1, np.inf], [0, 1.0]])), q, A, b, cones), "P has inf"),
    ((None, q, A[:, :1], b, cones), "A: expected shape (3, 2)"),
    ((None, q, A, b[:2], cones), "cones: their dimensions add up to 3 rows but b has 2"),
    ((None, q, A, b, [conic.NonnegativeCone(2)]), "add up to 2 rows"),
    ((None, q, A, b, [conic.NonnegativeCone(-3)]), "non-negative integer"),
    ((None, q, A, b, ["cone"]), "cones[0]"),
    ((None, ["a", "b"], A, b, cones), "expected numbers"),
    ((None, [1j, 1], A, b, cones), "complex"),
    ((None, q, np.ones((3, 2, 1)), b, cones), "expected a matrix"),
    ((np.ones((3, 3)), q, A, b, cones), "P: expected shape (2, 2)"),
    ((np.array([[1.0, 0], [1, 1]]), q, A, b, cones), "upper triangle or the whole symmetric"),
    ((-sp.eye(2), q, A, b, cones), "not positive semidefinite"),
])
def test_invalid_problems_raise(args, message):
    with pytest.raises(conic.InvalidInputError, match=re.escape(message)):
        conic.solve(*args)


@pytest.mark.parametrize("settings, message", [
    ({"nonsense": 1}, "unknown solver setting 'nonsense'"),
    ({"max_iter": -1}, "max_iter must be an integer"),
    ({"max_iter": 1.5}, "max_iter must be an integer"),
    ({"tol": 0}, "tol must be positive"),
    ({"newton_system": "magic"}, "newton_system must be one of"),
    ({"verbose": 2}, "verbose must be 0 or 1"),
    ({"time_limit": object()}, "expected a number"),
])
def test_invalid_settings_raise(settings, message):
    with pytest.raises(conic.InvalidSettingError, match=message):
        conic.solve(None, q, A, b, cones, **settings)


def test_errors_are_value_errors():
    assert issubclass(conic.InvalidInputError, ValueError) and issubclass(conic.InvalidSettingError, ValueError)


def test_the_c_abi_refuses_inconsistent_csc_arrays():
    """The Swift side validates too: arrays that bypass the Python checks give an error, not a crash."""
    import ctypes
    from conic._lib import Result, lib
    colptr = np.array([0, 2, 1], dtype=np.int64)  # decreasing
    rowval = np.array([0, 1], dtype=np.int64)
    values = np.array([1.0, 1.0])
    vec = np.zeros(2)
    types, dims = np.array([1], dtype=np.int32), np.array([2], dtype=np.int64)
    raw = lib.conic_solve(2, 2, None, None, None, vec.ctypes.data, colptr.ctypes.data, rowval.ctypes.data,
                          values.ctypes.data, vec.ctypes.data, 1, types.ctypes.data, dims.ctypes.data, None, None)
    with pytest.raises(conic.InvalidInputError, match="colptr|columnStarts"):
        Result(raw)
    raw = lib.conic_solve(2, 2, None, None, None, None, None, None, None, None, 1, types.ctypes.data,
                          dims.ctypes.data, None, None)
    with pytest.raises(conic.InvalidInputError, match="null pointer"):
        Result(raw)
    bad_type = np.array([9], dtype=np.int32)
    colptr = np.array([0, 1, 2], dtype=np.int64)
    raw = lib.conic_solve(2, 2, None, None, None, vec.ctypes.data, colptr.ctypes.data, rowval.ctypes.data,
                          values.ctypes.data, vec.ctypes.data, 1, bad_type.ctypes.data, dims.ctypes.data, None, None)
    with pytest.raises(conic.InvalidInputError, match="unknown cone type 9"):
        Result(raw)
    exponential = np.array([4], dtype=np.int32)
    raw = lib.conic_solve(2, 2, None, None, None, vec.ctypes.data, colptr.ctypes.data, rowval.ctypes.data,
                          values.ctypes.data, vec.ctypes.data, 1, exponential.ctypes.data, dims.ctypes.data, None, None)
    with pytest.raises(conic.InvalidInputError, match="exponential"):
        Result(raw)
    assert lib.conic_result_error(None) == 1 and lib.conic_result_number(None, b"x", ctypes.byref(ctypes.c_double())) == 1


def test_the_c_abi_refuses_sizes_no_memory_can_hold():
    """A size given wrong by a C caller is refused before any entry is read, not read past the array."""
    from conic._lib import Result, Settings, lib
    v = np.zeros(2)
    with pytest.raises(conic.ProblemTooLargeError, match="exceed the machine's memory"):
        Result(lib.conic_solve(2 ** 62, 0, None, None, None, v.ctypes.data, None, None, None, None, 0, None, None,
                               None, None))
    with pytest.raises(conic.InvalidInputError, match="too large"):
        Result(lib.conic_solve(2 ** 63 - 1, 0, None, None, None, v.ctypes.data, None, None, None, None, 0, None, None,
                               None, None))
    with Settings({}, beta=1.0) as settings:
        with pytest.raises(conic.InvalidInputError, match="overflow"):
            Result(lib.conic_nn_certify(settings.handle, 2 ** 40, 2 ** 40, v.ctypes.data, 1, v.ctypes.data, 1,
                                        v.ctypes.data, v.ctypes.data, 1))
        with pytest.raises(conic.ProblemTooLargeError, match="X: .* entries exceed"):
            Result(lib.conic_nn_train(settings.handle, 1, 2 ** 62, v.ctypes.data, 1, v.ctypes.data))
