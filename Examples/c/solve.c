/* The C ABI from C: an LP and a tiny network, errors included (Sources/ConicCAPI/include/conic.h).
 *   cc -std=c99 -I Sources/ConicCAPI/include Examples/c/solve.c -L .build/release -lConicCAPI \
 *      -Wl,-rpath,.build/release -o solve && ./solve
 */
#include <math.h>
#include <stdio.h>
#include "conic.h"

int main(void) {
    /* min −x₀ − 2x₁  s.t.  x₀ + x₁ = 1,  x ≥ 0,  x₁ ≤ 0.7: optimum −1.7 at (0.3, 0.7).
     * A (4 × 2, CSC): column 0 = rows {0: 1, 1: −1}, column 1 = rows {0: 1, 2: −1, 3: 1}. */
    int64_t colptr[] = {0, 2, 5}, rowval[] = {0, 1, 0, 2, 3};
    double nzval[] = {1, -1, 1, -1, 1}, q[] = {-1, -2}, b[] = {1, 0, 0, 0.7};
    int32_t types[] = {CONIC_CONE_ZERO, CONIC_CONE_NONNEGATIVE};
    int64_t dims[] = {1, 3};
    conic_settings *settings = conic_settings_new();
    if (conic_settings_set(settings, "tol", 1e-9) != CONIC_OK) return 1;
    if (conic_settings_set(settings, "no_such_key", 1) != CONIC_ERROR_ARGUMENT) return 2;
    printf("unknown key: %s\n", conic_settings_error(settings));
    conic_result *result = conic_solve(2, 4, NULL, NULL, NULL, q, colptr, rowval, nzval, b, 2, types, dims, NULL, settings);
    if (conic_result_error(result) != CONIC_OK) return 3;
    double objective, x[2];
    conic_result_number(result, "objective", &objective);
    conic_result_copy(result, "x", x, 2);
    printf("%s %.9f x = (%.6f, %.6f)\n", conic_result_string(result, "status"), objective, x[0], x[1]);
    conic_result_free(result);

    /* A NaN in b: an error code and a message, not a crash. */
    b[1] = NAN;
    result = conic_solve(2, 4, NULL, NULL, NULL, q, colptr, rowval, nzval, b, 2, types, dims, NULL, settings);
    printf("NaN in b: code %d: %s\n", conic_result_error(result), conic_result_error_message(result));
    conic_result_free(result);
    conic_settings_free(settings);

    /* Exact training on four 1-D samples with a bias, and its certificate. */
    double X[] = {-2, -1, 0, 1}, Y[] = {1, -1, 1, 1};
    conic_settings *nn = conic_nn_settings_new(0.01);
    conic_settings_set(nn, "bias", 1);
    conic_settings_set_string(nn, "patterns", "exact");
    result = conic_nn_train(nn, 4, 1, X, 1, Y);
    if (conic_result_error(result) != CONIC_OK) return 4;
    double lower, neurons;
    conic_result_number(result, "objective", &objective);
    conic_result_number(result, "lower_bound", &lower);
    conic_result_number(result, "neurons", &neurons);
    printf("network: %.0f neurons, objective %.8f, lower bound %.8f\n", neurons, objective, lower);
    conic_result_free(result);
    conic_settings_free(nn);
    printf("conic %s (ABI %d)\n", conic_version(), conic_abi_version());
    return 0;
}
