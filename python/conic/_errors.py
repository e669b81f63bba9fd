"""Exceptions for the error codes of the C ABI (CONIC_ERROR_* in conic.h)."""


class ConicError(Exception):
    """Base class of the package's errors; ``code`` is the C ABI's error code."""

    code = 6


class InvalidInputError(ConicError, ValueError):
    """The problem or data are invalid: shapes, dtypes, NaN/Inf, CSC arrays, cones, convexity."""

    code = 2


class InvalidSettingError(ConicError, ValueError):
    """A setting is unknown, out of range or of the wrong kind."""

    code = 3


class ProblemTooLargeError(ConicError, MemoryError):
    """The problem would not fit in memory."""

    code = 4


class SolverError(ConicError, RuntimeError):
    """Training could not finish because the conic solver failed."""

    code = 5


def error_for(code, message):
    """The exception for a C error code (1: argument and 2: data are both invalid input)."""
    kind = {1: InvalidInputError, 2: InvalidInputError, 3: InvalidSettingError,
            4: ProblemTooLargeError, 5: SolverError}.get(code, ConicError)
    error = kind(message)
    error.code = code
    return error
