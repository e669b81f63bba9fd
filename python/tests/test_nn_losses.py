"""conic.nn with the logistic and cross-entropy losses (exponential cones): gaps, objectives, conventions."""
import numpy as np
import pytest

import conic


def binary_data(n=12, seed=3):
    """Points on a line with ±1 labels that one neuron cannot separate."""
    rng = np.random.default_rng(seed)
    X = np.sort(rng.uniform(-2, 2, size=(n, 1)), axis=0)
    y = np.where(np.sin(2.5 * X[:, 0]) + 0.3 * rng.standard_normal(n) > 0, 1.0, -1.0)
    return X, y


def class_data(n=15, classes=3, seed=5):
    """Points in the plane with class labels from a noisy angular rule."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    angle = np.arctan2(X[:, 1], X[:, 0]) + 0.4 * rng.standard_normal(n)
    labels = np.clip(np.floor((angle + np.pi) / (2 * np.pi) * classes), 0, classes - 1).astype(int)
    return X, labels


def softplus_objective(network, X, y, beta):
    """Σ log(1 + e^{−y f}) + (β/2)(‖W1‖² + ‖b1‖² + ‖W2‖²), written out independently."""
    f = network.predict(X)[:, 0]
    weights = np.sum(network.W1 ** 2) + np.sum(network.b1 ** 2) + np.sum(network.W2 ** 2)
    return np.sum(np.log1p(np.exp(-y * f))) + 0.5 * beta * weights


def softmax_objective(network, X, labels, beta, free_bias=False):
    """Σᵢ [log Σₖ e^{fᵢₖ} − fᵢ,labelᵢ] + (β/2)(‖W1‖² + ‖b1‖² + ‖W2‖²), written out independently."""
    f = network.predict(X)
    loss = np.sum(np.log(np.exp(f).sum(axis=1)) - f[np.arange(len(labels)), labels])
    weights = np.sum(network.W1 ** 2) + np.sum(network.W2 ** 2) + (0 if free_bias else np.sum(network.b1 ** 2))
    return loss + 0.5 * beta * weights


def test_logistic_exact_training_is_certified():
    X, y = binary_data()
    result = conic.nn.train(X, y, beta=0.1, loss="logistic", bias=True, patterns="exact")
    certificate = result.certificate
    assert certificate.exact and certificate.bound_method == "exact"
    assert certificate.lower_bound <= certificate.objective + 1e-12
    assert certificate.relative_gap < 1e-4
    # The objective is the returned network's, recomputed here, and it realizes the convex program.
    assert certificate.objective == pytest.approx(softplus_objective(result.network, X, y, 0.1), rel=1e-9)
    assert certificate.objective == pytest.approx(result.info["convex_objective"], rel=1e-6)
    assert certificate.objective < len(y) * np.log(2) - 0.5  # below the zero network
    assert result.info["loss"] == "logistic"


@pytest.mark.parametrize("bias", [True, "free"])
def test_cross_entropy_training_from_labels_is_certified(bias):
    X, labels = class_data()
    result = conic.nn.train(X, labels, beta=0.1, loss="cross-entropy", bias=bias)
    certificate, network = result.certificate, result.network
    assert network.W2.shape == (3, network.width)  # one output per class
    assert certificate.bound_method == "exact"
    assert certificate.lower_bound <= certificate.objective + 1e-12
    assert certificate.relative_gap < 1e-4
    free = bias == "free"
    assert certificate.objective == pytest.approx(softmax_objective(network, X, labels, 0.1, free), rel=1e-9)
    assert certificate.objective == pytest.approx(result.info["convex_objective"], rel=1e-6)
    # One-hot rows are the same targets as the labels.
    onehot = np.eye(3)[labels]
    again = conic.nn.train(X, onehot, beta=0.1, loss="cross-entropy", bias=bias)
    assert again.certificate.objective == pytest.approx(certificate.objective, rel=1e-6)
    # The predicted classes: a trained network fits most of the training labels.
    assert np.mean(network.predict(X).argmax(axis=1) == labels) > 0.7


def test_cross_entropy_certifies_a_given_network():
    X, labels = class_data(n=12, seed=8)
    rng = np.random.default_rng(2)
    W1, b1, W2 = rng.standard_normal((4, 2)), rng.standard_normal(4), rng.standard_normal((3, 4))
    result = conic.nn.certify((W1, b1, W2), X, labels, beta=0.1, loss="cross-entropy")
    certificate = result.certificate
    given = conic.nn.Network(W1, b1, W2)
    assert certificate.objective == pytest.approx(softmax_objective(given, X, labels, 0.1), rel=1e-9)
    assert certificate.lower_bound <= certificate.best_objective <= certificate.objective
    assert conic.nn.objective(given, X, labels, beta=0.1, loss="cross-entropy") == pytest.approx(certificate.objective, rel=1e-12)


@pytest.mark.parametrize("loss", ["logistic", "cross-entropy"])
def test_pytorch_convention_converts_the_objective(loss):
    """BCEWithLogitsLoss and CrossEntropyLoss (mean over samples) plus (wd/2)‖θ‖², computed in numpy."""
    if loss == "logistic":
        X, y = binary_data(n=10)
    else:
        X, y = class_data(n=10)
    wd = 1e-2
    result = conic.nn.train(X, y, loss=loss, weight_decay=wd, loss_reduction="mean", bias=True)
    network, certificate = result.network, result.certificate
    f = network.predict(X)
    if loss == "logistic":
        target = (y + 1) / 2  # BCEWithLogits takes 0/1 targets
        terms = np.maximum(f[:, 0], 0) - f[:, 0] * target + np.log1p(np.exp(-np.abs(f[:, 0])))
    else:
        terms = np.log(np.exp(f).sum(axis=1)) - f[np.arange(len(y)), y]
    weights = np.sum(network.W1 ** 2) + np.sum(network.b1 ** 2) + np.sum(network.W2 ** 2)
    assert certificate.pytorch.objective == pytest.approx(terms.mean() + 0.5 * wd * weights, rel=1e-9)
    assert certificate.beta == pytest.approx(wd * len(y))
    assert certificate.pytorch.lower_bound <= certificate.pytorch.objective


@pytest.mark.parametrize("loss, y, message", [
    ("logistic", np.array([0.0, 1.0, 1.0, 0.0]), "±1"),
    ("cross-entropy", np.array([0, 0, 0, 0]), "class labels"),
    ("cross-entropy", np.array([0.5, 1.0, 2.0, 0.0]), "class labels"),
    ("cross-entropy", np.array([[1.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]), "one-hot"),
])
def test_bad_targets_raise(loss, y, message):
    X = np.arange(4.0).reshape(4, 1)
    with pytest.raises(conic.InvalidInputError, match=message):
        conic.nn.train(X, y, beta=0.1, loss=loss)
