/*
 * conic.h — the C ABI of the Conic solver (library product `ConicCAPI`, libConicCAPI.so).
 *
 * Build:  swift build -c release --product ConicCAPI   (then link .build/release/libConicCAPI.so)
 *
 * Design
 * - Two opaque handle types: settings (conic_settings) and results (conic_result). No Swift type
 *   crosses the boundary; values are read by key, so new settings and report keys never change
 *   the ABI. CONIC_ABI_VERSION changes only when a function's signature or meaning changes.
 * - Errors are codes with messages, kept per handle: every call that can fail returns a code
 *   (CONIC_OK = 0) and leaves its message on the handle it was given (conic_settings_error) or
 *   on the result it returns (conic_result_error_message). Invalid input never aborts the process.
 * - Thread safety: handles are independent; there is no global state (except OpenBLAS's process-wide
 *   thread count, which the solver sets and restores under a lock when asked to). A settings
 *   handle must not be modified while another thread reads it. A result is immutable once
 *   returned and may be read from several threads at once.
 * - Strings returned by the library (messages, status, JSON) are owned by the handle and stay
 *   valid until the handle is freed.
 * - Every array must hold the entries its sizes say; sizes no memory could hold are refused
 *   (CONIC_ERROR_TOO_LARGE) before any entry is read.
 * - Dense matrices are row-major (C order). Sparse matrices are CSC with 64-bit indices: column j
 *   holds rowval[colptr[j] .. colptr[j+1]-1], strictly increasing within a column.
 *
 * The problem solved by conic_solve:
 *
 *     minimize    ½xᵀPx + qᵀx
 *     subject to  Ax + s = b,   s ∈ K = K₁ × … × Kₚ
 *
 * with P symmetric positive semidefinite, given by its upper triangle, and the cones in row order.
 */
#ifndef CONIC_H
#define CONIC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CONIC_ABI_VERSION 1

/* Error codes. */
enum {
    CONIC_OK = 0,
    CONIC_ERROR_ARGUMENT = 1,   /* a null pointer, a negative size, an unknown cone type or key */
    CONIC_ERROR_DATA = 2,       /* the problem or data are invalid: CSC arrays, dimensions, NaN/Inf, not convex */
    CONIC_ERROR_SETTING = 3,    /* a setting's value is out of range or of the wrong kind */
    CONIC_ERROR_TOO_LARGE = 4,  /* the problem would not fit in memory */
    CONIC_ERROR_SOLVER = 5,     /* training could not finish because the solver failed (the message says how) */
    CONIC_ERROR_INTERNAL = 6    /* anything else (the message says what) */
};

/* Cone types, the `types` array of conic_solve. `dims` holds each cone's size; `params` (may be
 * NULL when no cone needs one) holds one parameter per cone, read only for the power cones (their
 * exponent α ∈ (0, 1)) and ignored for the others. Codes are stable: cones added later get new
 * codes. The three-dimensional cones list their entries in the order of SCS, Clarabel and CVXPY
 * (ExpCone(x, y, z), PowCone3D(x, y, z, α)); CBF lists the exponential cone reversed. */
enum {
    CONIC_CONE_ZERO = 0,          /* {0}ⁿ: equalities; dims[k] = n ≥ 0 */
    CONIC_CONE_NONNEGATIVE = 1,   /* ℝⁿ₊: inequalities Ax ≤ b; dims[k] = n ≥ 0 */
    CONIC_CONE_SECOND_ORDER = 2,  /* {(t, x) : ‖x‖₂ ≤ t}; dims[k] = n ≥ 1 (t included) */
    CONIC_CONE_PSD_TRIANGLE = 3,  /* n×n PSD matrices in svec form (upper triangle by columns,
                                     off-diagonals × √2); dims[k] = order n ≥ 1, n(n+1)/2 rows */
    CONIC_CONE_EXPONENTIAL = 4,   /* closure{(x, y, z) : y e^{x/y} ≤ z, y > 0}; dims[k] = 3 */
    CONIC_CONE_POWER = 5,         /* {(x, y, z) : x^α y^{1−α} ≥ |z|, x, y ≥ 0}, α = params[k] ∈ (0, 1);
                                     dims[k] = 3 */
    CONIC_CONE_DUAL_EXPONENTIAL = 6, /* closure{(u, v, w) : −u e^{v/u} ≤ e·w, u < 0}; dims[k] = 3 */
    CONIC_CONE_DUAL_POWER = 7     /* {(u, v, w) : (u/α)^α (v/(1−α))^{1−α} ≥ |w|, u, v ≥ 0},
                                     α = params[k] ∈ (0, 1); dims[k] = 3 */
};

typedef struct conic_settings conic_settings;
typedef struct conic_result conic_result;

/* The library's version string ("1.0.0") and ABI version (CONIC_ABI_VERSION it was built with). */
const char *conic_version(void);
int32_t conic_abi_version(void);

/* ---- Settings ----------------------------------------------------------------------------- */

/* Solver settings with the defaults of docs/solver.md. Keys (numbers; booleans as 0/1):
 *   max_iter, time_limit, verbose, threads, tol (sets every gap, feasibility and infeasibility
 *   tolerance, like `conic solve --tol`), tol_gap_abs, tol_gap_rel, tol_feas, tol_infeas_abs,
 *   tol_infeas_rel, reduced_tol_gap, reduced_tol_feas, reduced_tol_infeas, max_step_fraction,
 *   equilibrate_max_iter, static_regularization_constant, equality_regularization,
 *   iterative_refinement_max_iter, iterative_refinement_reltol, memory_limit (bytes),
 *   facial_reduction, chordal_decomposition.
 * Keys (strings): newton_system = automatic | reduced | quasi-definite | schur. */
conic_settings *conic_settings_new(void);

/* Settings of exact two-layer ReLU training and certification (weight decay beta > 0). Keys:
 *   numbers: beta, seed, patterns (a count of sampled gate vectors), bias, free_bias, output_bias
 *            (one free offset per output: f(x) = Σⱼ αⱼ(x̃ᵀuⱼ)₊ + b2), max_rounds,
 *            time_limit (the whole run), tolerance, relaxation_limit, threads, verbose (progress
 *            and the solver's log on standard error), memory_limit, exact_enumeration_limit,
 *            patterns_per_round, random_starts, growth_rounds (squared loss: rounds of non-convex
 *            neuron growth before generation; default 0), subsample_bound (share in [0, 1) of a
 *            finite time_limit kept for lower bounds from the worst-fitted subsamples; default 0,
 *            the command line uses 0.3 and 20 growth rounds);
 *   strings: loss = squared | hinge | logistic (Y: one column of ±1) | cross-entropy (Y: n × c
 *            one-hot rows, c ≥ 2, softmax over the c outputs); patterns = exact | auto | N.
 * Every solver key above is accepted with the prefix "solver." (e.g. "solver.max_iter"). */
conic_settings *conic_nn_settings_new(double beta);

void conic_settings_free(conic_settings *settings);
int32_t conic_settings_set(conic_settings *settings, const char *key, double value);
int32_t conic_settings_set_string(conic_settings *settings, const char *key, const char *value);
/* The message of the last failed set on this handle ("" when none). */
const char *conic_settings_error(const conic_settings *settings);

/* ---- Solving ------------------------------------------------------------------------------ */

/* Solves the problem above. P may be omitted (P_colptr == NULL) for a linear objective.
 * settings may be NULL (defaults). Always returns a result (NULL only when memory runs out);
 * check conic_result_error first. */
conic_result *conic_solve(int64_t n, int64_t m,
                          const int64_t *P_colptr, const int64_t *P_rowval, const double *P_nzval,
                          const double *q,
                          const int64_t *A_colptr, const int64_t *A_rowval, const double *A_nzval,
                          const double *b,
                          int64_t cone_count, const int32_t *cone_types, const int64_t *cone_dims,
                          const double *cone_params,
                          const conic_settings *settings);

/* ---- Two-layer ReLU networks -------------------------------------------------------------- */

/* Trains f(x) = Σⱼ αⱼ (x̃ᵀuⱼ)₊ exactly through its convex program and certifies it: minimizes
 *   p(θ) = ℓ(f(X), Y) + (β/2) Σⱼ (‖uⱼ‖² + ‖αⱼ‖²),  ℓ = ½‖F − Y‖²_F (squared) or Σᵢ max(0, 1 − yᵢfᵢ) (hinge),
 * summed over samples (docs/nn-certificates.md). X is n×d, Y is n×c, both row-major. */
conic_result *conic_nn_train(const conic_settings *settings, int64_t n, int64_t d, const double *X,
                             int64_t c, const double *Y);

/* Certifies a given network: p(θ), a proven lower bound on the global optimum over networks of any
 * width, and the best network the convex program found. U is width × (d + has_bias), row j the
 * input weights of neuron j with its bias last; alpha is width × c. The bias is regularized unless
 * the settings' free_bias is 1. */
conic_result *conic_nn_certify(const conic_settings *settings, int64_t n, int64_t d, const double *X,
                               int64_t c, const double *Y, int64_t width, const double *U,
                               const double *alpha, int32_t has_bias);

/* conic_nn_certify for a network with an output bias: b2 holds its c offsets, unregularized
 * (PyTorch's bias of the last Linear). b2 == NULL is conic_nn_certify (zeros when the settings'
 * output_bias is 1). */
conic_result *conic_nn_certify_output_bias(const conic_settings *settings, int64_t n, int64_t d,
                                           const double *X, int64_t c, const double *Y, int64_t width,
                                           const double *U, const double *alpha, int32_t has_bias,
                                           const double *b2);

/* ---- Results ------------------------------------------------------------------------------ */

void conic_result_free(conic_result *result);
/* CONIC_OK, or the code of the error that stopped the call; its message ("" when none). */
int32_t conic_result_error(const conic_result *result);
const char *conic_result_error_message(const conic_result *result);

/* A number by key into *out (booleans as 0/1, absent or non-finite values as NaN). Returns
 * CONIC_ERROR_ARGUMENT for an unknown key. The keys are those of the JSON report:
 *   solve:        objective, dual_objective, primal_residual, dual_residual, gap, iterations,
 *                 solve_time, setup_time, n, m;
 *   train/certify: the keys of `conic nn train|certify --json` (objective, lower_bound, gap,
 *                 relative_gap, proven, exact, neurons, patterns, iterations, solve_time, ...) and
 *                 input_columns, outputs, has_bias, has_output_bias of the network found. */
int32_t conic_result_number(const conic_result *result, const char *key, double *out);
/* A string by key (status, and for networks bound_method, stop); NULL for an unknown key. */
const char *conic_result_string(const conic_result *result, const char *key);
/* The report as one JSON object (the keys above, as the CLI prints them with --json). */
const char *conic_result_json(const conic_result *result);

/* Vectors: "x", "s", "z" of a solve; "input_weights" (neurons × input_columns, row-major),
 * "output_weights" (neurons × outputs) and "output_bias" (outputs; zeros when has_output_bias
 * is 0) of the network a training or certification found.
 * conic_result_length returns -1 for an unknown name; conic_result_copy copies exactly
 * `length` entries (which must equal conic_result_length) into out. */
int64_t conic_result_length(const conic_result *result, const char *name);
int32_t conic_result_copy(const conic_result *result, const char *name, double *out, int64_t length);

#ifdef __cplusplus
}
#endif

#endif /* CONIC_H */
