"""conic.nn: exact training and certificates from numpy, and the PyTorch conventions."""
import numpy as np
import pytest

import conic


def data(n=12, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, 1))
    return X, np.sin(2 * X[:, 0]) + 0.1 * rng.standard_normal(n)


def numpy_objective(network, X, y, beta):
    """p(θ) = ½‖f(X) − y‖² + (β/2)(‖W1‖² + ‖b1‖² + ‖W2‖²), written out independently."""
    hidden = np.maximum(X @ network.W1.T + network.b1, 0)
    f = hidden @ network.W2.T
    weights = np.sum(network.W1 ** 2) + np.sum(network.b1 ** 2) + np.sum(network.W2 ** 2)
    return 0.5 * np.sum((f[:, 0] - y) ** 2) + 0.5 * beta * weights


def test_exact_training_is_certified_optimal():
    X, y = data()
    result = conic.nn.train(X, y, beta=1e-2, bias=True, patterns="exact")
    certificate = result.certificate
    assert certificate.exact and certificate.bound_method == "exact"
    assert certificate.lower_bound <= certificate.objective + 1e-12
    assert certificate.relative_gap < 1e-5
    # The reported objective is the rebuilt network's, recomputed here from its weights.
    assert certificate.objective == pytest.approx(numpy_objective(result.network, X, y, 1e-2), rel=1e-9)
    assert result.info["neurons"] == result.network.width > 0
    assert result.network.W1.shape == (result.network.width, 1) and result.network.W2.shape == (1, result.network.width)


def test_certify_a_given_network():
    X, y = data()
    optimum = conic.nn.train(X, y, beta=1e-2, bias=True, patterns="exact").certificate
    rng = np.random.default_rng(1)
    W1, b1, W2 = rng.standard_normal((5, 1)), rng.standard_normal(5), rng.standard_normal((1, 5))
    result = conic.nn.certify((W1, b1, W2), X, y, beta=1e-2, patterns="exact")
    certificate = result.certificate
    network = conic.nn.Network(W1, b1, W2)
    assert certificate.objective == pytest.approx(numpy_objective(network, X, y, 1e-2), rel=1e-9)
    # The bound is on the global optimum: it matches exact training, and the random network is above it.
    assert certificate.lower_bound == pytest.approx(optimum.lower_bound, rel=1e-5)
    assert certificate.lower_bound <= certificate.best_objective <= certificate.objective
    assert certificate.gap == pytest.approx(certificate.objective - certificate.lower_bound)


@pytest.mark.parametrize("loss, reduction", [("squared", "mean"), ("squared", "sum"), ("hinge", "mean"), ("hinge", "sum")])
def test_pytorch_convention_converts_the_objective(loss, reduction):
    X, y = data(n=10)
    if loss == "hinge":
        y = np.where(y >= 0, 1.0, -1.0)
    wd = 1e-3
    result = conic.nn.train(X, y, loss=loss, weight_decay=wd, loss_reduction=reduction, bias=True, patterns="exact")
    network, certificate = result.network, result.certificate
    f = network.predict(X)[:, 0]
    terms = (f - y) ** 2 if loss == "squared" else np.maximum(0, 1 - y * f)  # PyTorch: MSELoss has no ½
    data_term = terms.mean() if reduction == "mean" else terms.sum()
    weights = np.sum(network.W1 ** 2) + np.sum(network.b1 ** 2) + np.sum(network.W2 ** 2)
    pytorch_objective = data_term + 0.5 * wd * weights
    assert certificate.pytorch.objective == pytest.approx(pytorch_objective, rel=1e-9)
    assert certificate.pytorch.lower_bound <= certificate.pytorch.objective
    # The library's scale: p = L / scale with β = wd / scale.
    scale = certificate.convention.scale
    assert certificate.beta == pytest.approx(wd / scale)
    assert certificate.objective == pytest.approx(pytorch_objective / scale, rel=1e-9)
    assert certificate.relative_gap == pytest.approx(certificate.pytorch.gap / certificate.pytorch.objective, rel=1e-6)


def test_weight_decay_and_beta_give_the_same_certificate():
    X, y = data(n=10)
    converted = conic.nn.convention("squared", weight_decay=1e-3, loss_reduction="mean", samples=10)
    assert converted.beta == pytest.approx(10 * 1e-3 / 2) and converted.scale == pytest.approx(2 / 10)
    W1, b1, W2 = np.ones((2, 1)), np.zeros(2), np.ones((1, 2))
    by_beta = conic.nn.certify((W1, b1, W2), X, y, beta=converted.beta, patterns="exact").certificate
    by_wd = conic.nn.certify((W1, b1, W2), X, y, weight_decay=1e-3, loss_reduction="mean", patterns="exact").certificate
    assert by_wd.lower_bound == pytest.approx(by_beta.lower_bound, rel=1e-9)
    assert by_wd.pytorch.lower_bound == pytest.approx(converted.scale * by_beta.lower_bound, rel=1e-9)


@pytest.mark.parametrize("call, message", [
    (lambda X, y: conic.nn.train(X, y), "either beta"),
    (lambda X, y: conic.nn.train(X, y, beta=1, weight_decay=1), "either beta"),
    (lambda X, y: conic.nn.train(X, y, beta=-1), "beta must be positive"),
    (lambda X, y: conic.nn.train(X, y, beta=1, loss_reduction="mean"), "loss_reduction goes with weight_decay"),
    (lambda X, y: conic.nn.train(X, y, weight_decay=1, loss_reduction="max"), "loss_reduction must be"),
    (lambda X, y: conic.nn.train(X, y, beta=1, loss="cubic"), "loss must be one of"),
    (lambda X, y: conic.nn.train(np.full_like(X, np.nan), y, beta=1), "X: holds nan"),
    (lambda X, y: conic.nn.train(X, y[:-1], beta=1), "y: 11 rows but X has 12"),
    (lambda X, y: conic.nn.train(X[:, 0], y, beta=1), "X: expected a 2-dimensional array"),
    (lambda X, y: conic.nn.train(X, y, beta=1, loss="hinge"), "±1 labels"),
    (lambda X, y: conic.nn.train(X, y, beta=1, nonsense=3), "unknown training setting 'nonsense'"),
    (lambda X, y: conic.nn.train(X, y, beta=1, patterns="many"), "patterns must be exact, auto or a count"),
    (lambda X, y: conic.nn.train(X, y, beta=1, subsample_bound=1.5), "subsample_bound must lie in"),
    (lambda X, y: conic.nn.certify((np.ones((2, 3)), None, np.ones((1, 2))), X, y, beta=1), "takes 3 inputs"),
    (lambda X, y: conic.nn.certify((np.ones((2, 1)), None, np.ones((1, 3))), X, y, beta=1), "W1 has 2 neurons"),
    (lambda X, y: conic.nn.certify((np.ones((2, 1)), None, np.ones((1, 2))), X, y, beta=1, free_bias=True), "no hidden bias"),
    (lambda X, y: conic.nn.certify("model", X, y, beta=1), "expected a Network"),
])
def test_bad_input_raises(call, message):
    X, y = data()
    with pytest.raises(ValueError, match=message):
        call(X, y)


def test_the_c_abi_checks_training_data():
    """Arrays that bypass the Python checks are refused by the library with a message."""
    from conic._lib import Result, Settings, lib
    X = np.array([[1.0], [np.inf]])
    y = np.array([1.0, 2.0])
    with Settings({}, beta=1.0) as settings:
        with pytest.raises(conic.InvalidInputError, match="X holds inf"):
            Result(lib.conic_nn_train(settings.handle, 2, 1, X.ctypes.data, 1, y.ctypes.data))
        with pytest.raises(conic.InvalidInputError, match="null pointer"):
            Result(lib.conic_nn_train(settings.handle, 2, 1, None, 1, y.ctypes.data))
        with pytest.raises(conic.InvalidInputError, match="n ≥ 1 samples"):
            Result(lib.conic_nn_train(settings.handle, 0, 1, X.ctypes.data, 1, y.ctypes.data))
    with Settings({}) as solver_settings:
        with pytest.raises(conic.InvalidInputError, match="conic_nn_settings_new"):
            Result(lib.conic_nn_train(solver_settings.handle, 2, 1, X.ctypes.data, 1, y.ctypes.data))


def test_vector_outputs_average_over_every_entry():
    """MSELoss(mean) averages over the n·c entries: scale 2/(n·c), β = n·c·wd/2."""
    X, y = data(n=12)
    Y = np.column_stack([y, np.cos(X[:, 0])])
    wd = 1e-3
    result = conic.nn.train(X, Y, weight_decay=wd, bias=True)
    network, certificate = result.network, result.certificate
    assert network.W2.shape == (2, network.width)
    assert certificate.convention.scale == pytest.approx(2 / 24) and certificate.beta == pytest.approx(24 * wd / 2)
    f = network.predict(X)
    weights = np.sum(network.W1 ** 2) + np.sum(network.b1 ** 2) + np.sum(network.W2 ** 2)
    assert certificate.pytorch.objective == pytest.approx(np.mean((f - Y) ** 2) + 0.5 * wd * weights, rel=1e-9)
    assert certificate.lower_bound <= certificate.objective


def test_bias_kinds_have_one_meaning():
    """bias="regularized" is bias=True, bias="free" is free_bias=True (the command line's --bias)."""
    X, y = data()
    def objective(**kwargs):
        return conic.nn.train(X, y, beta=1e-2, patterns="exact", **kwargs).certificate.objective
    regularized, free = objective(bias="regularized"), objective(bias="free")
    assert regularized == objective(bias=True)
    assert free == objective(bias=True, free_bias=True)
    assert free < regularized  # a free bias relaxes the regularized one (here strictly)
    with pytest.raises(conic.InvalidInputError, match="'regularized' or 'free'"):
        conic.nn.train(X, y, beta=1e-2, bias="maybe")


def numpy_objective_with_offset(network, X, y, beta):
    """p(θ) with the output bias b2 in the predictions and out of the weight decay."""
    f = np.maximum(X @ network.W1.T + network.b1, 0) @ network.W2.T + network.b2
    weights = np.sum(network.W1 ** 2) + np.sum(network.b1 ** 2) + np.sum(network.W2 ** 2)
    return 0.5 * np.sum((f[:, 0] - y) ** 2) + 0.5 * beta * weights


def test_output_bias_is_a_free_offset_with_an_exact_certificate():
    X, y = data()
    y = y + 3.0  # far from zero: the offset matters
    result = conic.nn.train(X, y, beta=1e-2, bias=True, output_bias=True, patterns="exact")
    network, certificate = result.network, result.certificate
    assert network.b2 is not None and network.b2.shape == (1,)
    assert result.info["has_output_bias"] and result.info["output_bias"] == pytest.approx(list(network.b2))
    assert certificate.exact and certificate.relative_gap < 1e-4
    assert certificate.objective == pytest.approx(numpy_objective_with_offset(network, X, y, 1e-2), rel=1e-9)
    plain = conic.nn.train(X, y, beta=1e-2, bias=True, patterns="exact").certificate
    assert certificate.objective < plain.objective
    # The bound holds for every network with an output bias, including the best offset for random neurons.
    rng = np.random.default_rng(2)
    for width in (2, 5, 9):
        W1, b1, W2 = rng.standard_normal((width, 1)), rng.standard_normal(width), rng.standard_normal((1, width))
        f = np.maximum(X @ W1.T + b1, 0) @ W2.T
        b2 = np.array([np.mean(y - f[:, 0])])
        other = conic.nn.Network(W1, b1, W2, b2)
        assert certificate.lower_bound <= numpy_objective_with_offset(other, X, y, 1e-2)


def test_certify_numpy_weights_with_an_output_bias():
    X, y = data()
    y = y + 3.0
    optimum = conic.nn.train(X, y, beta=1e-2, bias=True, output_bias=True, patterns="exact").certificate
    rng = np.random.default_rng(3)
    W1, b1, W2, b2 = rng.standard_normal((4, 1)), rng.standard_normal(4), rng.standard_normal((1, 4)), np.array([2.5])
    result = conic.nn.certify((W1, b1, W2, b2), X, y, beta=1e-2, patterns="exact")
    certificate = result.certificate
    given = conic.nn.Network(W1, b1, W2, b2)
    assert certificate.objective == pytest.approx(numpy_objective_with_offset(given, X, y, 1e-2), rel=1e-9)
    assert conic.nn.objective(given, X, y, beta=1e-2) == pytest.approx(certificate.objective, rel=1e-9)
    assert certificate.lower_bound == pytest.approx(optimum.lower_bound, rel=1e-5)
    assert certificate.lower_bound <= certificate.best_objective <= certificate.objective
    assert result.network.b2 is not None
    with pytest.raises(ValueError, match="b2: expected 1 entries"):
        conic.nn.certify((W1, b1, W2, np.zeros(2)), X, y, beta=1e-2)


def test_subsample_bound_lifts_a_weak_lower_bound():
    # One feature with a bias: 50 samples enumerate exactly, so the subset's optimum is proven;
    # three sampled patterns and no generation leave the full data's bound weak.
    X, y = data(n=100, seed=3)
    weak = dict(beta=1e-2, bias=True, patterns=3, max_rounds=0)
    alone = conic.nn.train(X, y, **weak)
    lifted = conic.nn.train(X, y, **weak, subsample_bound=0.5)
    assert alone.info["lower_bound_samples"] is None
    assert lifted.info["lower_bound_samples"] == 50
    assert lifted.certificate.lower_bound > alone.certificate.lower_bound
    # Still a lower bound: below the exact optimum.
    exact = conic.nn.train(X, y, beta=1e-2, bias=True, patterns="exact")
    assert lifted.certificate.lower_bound <= exact.certificate.objective * (1 + 1e-6)
