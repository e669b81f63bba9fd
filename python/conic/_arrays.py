"""Input checks and conversions shared by the solver and the network functions.

Everything handed to C is a C-contiguous float64 (or int64) numpy array with finite entries;
anything else is converted here (copying when needed) or refused with an InvalidInputError that
names the argument.
"""
import ctypes

import numpy as np
import scipy.sparse as sp

from ._errors import InvalidInputError


def _to_numpy(value):
    """A numpy view of a torch tensor (detached, on the CPU); other values unchanged."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        return value.detach().cpu().numpy()
    return value


def dense(value, name, ndim=None, check_finite=True):
    """``value`` as a C-contiguous float64 array (with finite entries, when asked to check)."""
    if type(value) is np.ndarray and value.dtype == np.float64 and value.flags.c_contiguous:
        array = value  # the common case, checked without conversions
    else:
        array = _convert(value, name)
    if ndim is not None and array.ndim != ndim:
        raise InvalidInputError(f"{name}: expected a {ndim}-dimensional array, got shape {array.shape}")
    if check_finite:
        finite(array, name)
    return array


def _convert(value, name):
    value = _to_numpy(value)
    if sp.issparse(value):
        value = value.toarray()
    try:
        array = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise InvalidInputError(f"{name}: cannot be read as an array ({exc})") from exc
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
        raise InvalidInputError(f"{name}: expected numbers, got an array of dtype {array.dtype}")
    if np.iscomplexobj(array):
        raise InvalidInputError(f"{name}: complex values are not supported")
    return np.ascontiguousarray(array, dtype=np.float64)


def vector(value, name, length=None, check_finite=True):
    """A 1-D float64 vector; an ``(n, 1)`` or ``(1, n)`` array is flattened."""
    array = dense(value, name, check_finite=check_finite)
    if array.ndim == 2 and 1 in array.shape:
        array = array.reshape(-1)
    if array.ndim != 1:
        raise InvalidInputError(f"{name}: expected a vector, got shape {array.shape}")
    if length is not None and array.shape[0] != length:
        raise InvalidInputError(f"{name}: expected {length} entries, got {array.shape[0]}")
    return array


def finite(array, name):
    # A dot product is a fast first test (NaN and ±Inf make it non-finite); only when it is not
    # finite — bad data, or finite entries so large that their squares overflow — are the
    # entries checked one by one.
    if array.size and not np.isfinite(np.dot(array.ravel(), array.ravel())) and not np.isfinite(array).all():
        index = np.argwhere(~np.isfinite(array))[0]
        where = tuple(int(i) for i in index)
        raise InvalidInputError(f"{name}: holds {array[where]} at index {where if len(where) > 1 else where[0]}")


def csc(value, name, shape, check_finite=True):
    """A sparse or dense matrix as canonical CSC arrays ``(colptr, rowval, nzval)`` (int64, int64,
    float64), duplicates summed and row indices sorted."""
    value = _to_numpy(value)
    if sp.issparse(value) and value.format == "csc" and value.dtype == np.float64 and value.has_canonical_format:
        # Already canonical (the common case, and what CVXPY hands over): no copy of the entries.
        if value.shape != shape:
            raise InvalidInputError(f"{name}: expected shape {shape}, got {value.shape}")
        if check_finite:
            finite(value.data, name)
        return (value.indptr.astype(np.int64), value.indices.astype(np.int64), np.ascontiguousarray(value.data))
    if sp.issparse(value):
        if np.iscomplexobj(value.data):
            raise InvalidInputError(f"{name}: complex values are not supported")
        try:
            matrix = sp.csc_matrix(value, dtype=np.float64)
        except Exception as exc:
            raise InvalidInputError(f"{name}: cannot be converted to a float64 sparse matrix ({exc})") from exc
    else:
        array = dense(value, name, check_finite=check_finite)
        if array.ndim != 2:
            raise InvalidInputError(f"{name}: expected a matrix, got shape {array.shape}")
        matrix = sp.csc_matrix(array)
    if matrix.shape != shape:
        raise InvalidInputError(f"{name}: expected shape {shape}, got {matrix.shape}")
    matrix = matrix.copy()
    matrix.sum_duplicates()
    matrix.sort_indices()
    if check_finite:
        finite(matrix.data, name)
    return (np.ascontiguousarray(matrix.indptr, dtype=np.int64),
            np.ascontiguousarray(matrix.indices, dtype=np.int64),
            np.ascontiguousarray(matrix.data, dtype=np.float64))


def address(array):
    """The address of an array's data for a C call.

    Through ctypes' buffer protocol when it can (about 5× cheaper than ``array.ctypes.data``,
    which matters for a small problem's solve); read-only and empty arrays take the general path.
    """
    try:
        return ctypes.addressof(ctypes.c_char.from_buffer(array))
    except (TypeError, ValueError):
        return array.ctypes.data
