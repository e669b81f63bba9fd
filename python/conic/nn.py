"""Exact training and certificates of two-layer ReLU networks (``conic nn train | certify``).

The network is PyTorch's ``Sequential(Linear(d, m), ReLU(), Linear(m, c))``:
``f(x) = W2 · relu(W1 x + b1) + b2``, the output bias ``b2`` optional (``bias=False`` on the last
layer) and never regularized. Two conventions for the objective (docs/python.md):

- ``conic`` (pass ``beta``): the library's own, losses summed over samples::

      p(θ) = ℓ(f(X), Y) + (β/2)(‖W1‖² + ‖b1‖² + ‖W2‖²),
      ℓ = ½ Σ (f − y)²  (squared),   Σ max(0, 1 − y f)  (hinge),   Σ log(1 + e^{−y f})  (logistic),
          y ∈ {−1, +1} for the hinge and logistic losses;
      ℓ = Σᵢ [log Σₖ e^{fᵢₖ} − fᵢ,yᵢ]  (cross-entropy: softmax over c ≥ 2 outputs, one per class)

- ``pytorch`` (pass ``weight_decay`` and ``loss_reduction="mean"`` or ``"sum"``): the objective
  PyTorch's SGD and Adam minimize with ``weight_decay=wd`` (they add ``wd·w`` to each gradient, the
  gradient of ``(wd/2)‖w‖²``; AdamW's decoupled decay is not a penalty and is not covered)::

      L(θ) = MSELoss(reduction)(f(X), Y) + (wd/2)‖θ‖²       (squared; no ½, mean over n·c entries)
      L(θ) = reduce(max(0, 1 − y f)) + (wd/2)‖θ‖²           (hinge; mean over n samples)
      L(θ) = BCEWithLogitsLoss(reduction)(f, (y + 1)/2) + (wd/2)‖θ‖²   (logistic; mean over n)
      L(θ) = CrossEntropyLoss(reduction)(f, labels) + (wd/2)‖θ‖²      (cross-entropy; mean over n)

  ``L = scale · p`` with ``β = wd / scale`` and ``scale = k / N``, where ``k`` is 2 for the squared
  loss (PyTorch has no ½) and 1 for the others, and ``N`` is the number of averaged loss terms
  (``n·c`` for the mean squared error, ``n`` for the other means, 1 for ``"sum"``). Certificates
  are reported in both scales (``certificate.objective`` and ``certificate.pytorch.objective``).

The hidden bias ``b1`` is covered by the weight decay, as PyTorch's optimizers do by default for
every parameter; ``free_bias=True`` leaves it out (for a parameter group without weight decay).
The output bias ``b2`` is a free offset (``train(..., output_bias=True)``; a model with one is
certified with it): it is left out of the weight decay, so put it in a parameter group with
``weight_decay=0`` in PyTorch for the objectives to agree.
"""
import json
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from . import _arrays
from ._errors import InvalidInputError, InvalidSettingError
from ._lib import Result, Settings, lib

_LOSSES = ("squared", "hinge", "logistic", "cross-entropy")


@dataclass(frozen=True)
class Convention:
    """How an objective in the user's convention relates to the library's: ``user = scale · p``,
    with the library's weight decay ``beta``."""
    name: str
    beta: float
    scale: float
    loss_reduction: Optional[str] = None
    weight_decay: Optional[float] = None


def convention(loss="squared", *, beta=None, weight_decay=None, loss_reduction=None, samples, outputs=1):
    """The library's ``beta`` and the scale of the user's objective, from either ``beta`` (the
    library's convention) or a PyTorch ``weight_decay`` with ``loss_reduction`` ("mean" or "sum",
    default "mean" as PyTorch's losses)."""
    if loss not in _LOSSES:
        raise InvalidSettingError(f"loss must be one of {_LOSSES}, got {loss!r}")
    if (beta is None) == (weight_decay is None):
        raise InvalidSettingError("give either beta (the library's objective) or weight_decay (PyTorch's), not both or neither")
    if beta is not None:
        if loss_reduction is not None:
            raise InvalidSettingError("loss_reduction goes with weight_decay (PyTorch's convention); beta is the "
                                      "library's own, with losses summed over samples")
        beta = _positive(beta, "beta")
        return Convention("conic", beta, 1.0)
    weight_decay = _positive(weight_decay, "weight_decay")
    loss_reduction = "mean" if loss_reduction is None else loss_reduction
    if loss_reduction not in ("mean", "sum"):
        raise InvalidSettingError(f"loss_reduction must be 'mean' or 'sum', got {loss_reduction!r}")
    terms = 1 if loss_reduction == "sum" else (samples * outputs if loss == "squared" else samples)
    scale = (2.0 if loss == "squared" else 1.0) / terms
    return Convention("pytorch", weight_decay / scale, scale, loss_reduction, weight_decay)


def _positive(value, name):
    try:
        value = float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidSettingError(f"{name} must be a positive number, got {value!r}") from exc
    if not (np.isfinite(value) and value > 0):
        raise InvalidSettingError(f"{name} must be positive and finite, got {value}")
    return value


@dataclass
class Network:
    """``f(x) = W2 · relu(W1 x + b1) + b2`` in PyTorch's layout: ``W1`` is m × d, ``b1`` has m
    entries (None without a hidden bias), ``W2`` is c × m, ``b2`` has c entries (None without an
    output bias)."""
    W1: np.ndarray
    b1: Optional[np.ndarray]
    W2: np.ndarray
    b2: Optional[np.ndarray] = None

    @property
    def width(self):
        return self.W1.shape[0]

    def predict(self, X):
        """Predictions (n × c) for inputs X (n × d)."""
        X = _arrays.dense(X, "X", ndim=2)
        hidden = X @ self.W1.T
        if self.b1 is not None:
            hidden += self.b1
        out = np.maximum(hidden, 0) @ self.W2.T
        if self.b2 is not None:
            out += self.b2
        return out

    def to_torch(self, dtype=None):
        """The network as ``torch.nn.Sequential(Linear, ReLU, Linear)`` (the last with a bias
        exactly when ``b2`` is not None)."""
        import torch
        dtype = dtype or torch.float64
        m, d = self.W1.shape
        first = torch.nn.Linear(d, m, bias=self.b1 is not None, dtype=dtype)
        second = torch.nn.Linear(m, self.W2.shape[0], bias=self.b2 is not None, dtype=dtype)
        with torch.no_grad():
            first.weight.copy_(torch.as_tensor(self.W1))
            if self.b1 is not None:
                first.bias.copy_(torch.as_tensor(self.b1))
            second.weight.copy_(torch.as_tensor(self.W2))
            if self.b2 is not None:
                second.bias.copy_(torch.as_tensor(self.b2))
        return torch.nn.Sequential(first, torch.nn.ReLU(), second)

    @classmethod
    def from_model(cls, model):
        """A network from a :class:`Network`, a ``(W1, b1, W2)`` or ``(W1, b1, W2, b2)`` tuple of
        arrays (PyTorch layout, ``b1`` and ``b2`` may be None) or a
        ``torch.nn.Sequential(Linear, ReLU, Linear)``."""
        if isinstance(model, Network):
            return model
        if isinstance(model, (tuple, list)):
            if len(model) not in (3, 4):
                raise InvalidInputError("a network as a tuple is (W1, b1, W2) or (W1, b1, W2, b2) in PyTorch's layout "
                                        "(b1 and b2 may be None)")
            W1, b1, W2, b2 = (*model, None) if len(model) == 3 else model
        else:
            W1, b1, W2, b2 = _torch_weights(model)
        W1 = _arrays.dense(W1, "W1", ndim=2)
        W2 = _arrays.dense(W2, "W2", ndim=2)
        if b1 is not None:
            b1 = _arrays.vector(b1, "b1", length=W1.shape[0])
        if W2.shape[1] != W1.shape[0]:
            raise InvalidInputError(f"W2 is {W2.shape[0]} × {W2.shape[1]} but W1 has {W1.shape[0]} neurons (rows)")
        if b2 is not None:
            b2 = _arrays.vector(b2, "b2", length=W2.shape[0])
        return cls(W1, b1, W2, b2)


def _torch_weights(model):
    """(W1, b1, W2, b2) of a ``torch.nn.Sequential(Linear, ReLU, Linear)``."""
    try:
        import torch
    except ImportError:
        torch = None
    if torch is None or not isinstance(model, torch.nn.Module):
        raise InvalidInputError("expected a Network, a (W1, b1, W2) tuple of arrays or a "
                                f"torch.nn.Sequential(Linear, ReLU, Linear); got {type(model).__name__}")
    layers = list(model) if isinstance(model, torch.nn.Sequential) else None
    if (layers is None or len(layers) != 3 or not isinstance(layers[0], torch.nn.Linear)
            or not isinstance(layers[1], torch.nn.ReLU) or not isinstance(layers[2], torch.nn.Linear)):
        raise InvalidInputError("the model must be torch.nn.Sequential(Linear(d, m), ReLU(), Linear(m, c)); "
                                f"got {model!r}")
    first, _, second = layers
    return first.weight, first.bias, second.weight, second.bias


@dataclass
class Bounds:
    """Objective, lower bound and gap in one convention's scale."""
    objective: float
    lower_bound: float
    gap: float
    best_objective: Optional[float] = None


@dataclass
class Certificate:
    """``lower_bound ≤ p* ≤ objective`` for the global optimum ``p*`` over networks of any width,
    in the library's convention; ``pytorch`` holds the same in PyTorch's scale when the call used
    ``weight_decay`` (``relative_gap`` is the same in both)."""
    objective: float
    lower_bound: float
    gap: float
    relative_gap: float
    proven: bool
    exact: bool
    bound_method: str
    beta: float
    convention: Convention
    best_objective: Optional[float] = None
    pytorch: Optional[Bounds] = None


@dataclass
class TrainingResult:
    """What :func:`train` and :func:`certify` return: the network the convex program found, its
    certificate (for :func:`certify`, about the given network), and the full report (the keys of
    ``conic nn train|certify --json``)."""
    network: Network
    certificate: Certificate
    info: dict = field(repr=False)


def _targets(y, samples, loss):
    if loss == "cross-entropy":
        return _class_targets(y, samples)
    y = _arrays.dense(y, "y")
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if y.ndim != 2:
        raise InvalidInputError(f"y: expected a vector or an n × c matrix, got shape {y.shape}")
    if y.shape[0] != samples:
        raise InvalidInputError(f"y: {y.shape[0]} rows but X has {samples} samples")
    if loss in ("hinge", "logistic") and (y.shape[1] != 1 or not np.isin(y, (-1.0, 1.0)).all()):
        raise InvalidInputError(f"y: the {loss} loss needs one column of ±1 labels")
    return np.ascontiguousarray(y)


def _class_targets(y, samples):
    """Cross-entropy targets: class labels ``0..K−1`` (a vector, ``K ≥ 2``) become one-hot rows;
    an ``n × c`` matrix (``c ≥ 2``) must hold probability rows (one-hot in practice)."""
    y = np.asarray(y)
    if y.ndim == 1:
        if y.shape[0] != samples:
            raise InvalidInputError(f"y: {y.shape[0]} labels but X has {samples} samples")
        labels = _arrays.dense(y, "y")
        if labels.size == 0 or np.any(labels < 0) or np.any(labels != np.round(labels)) or labels.max() < 1:
            raise InvalidInputError("y: the cross-entropy loss needs class labels 0..K-1 with K ≥ 2 (or one-hot rows)")
        onehot = np.zeros((samples, int(labels.max()) + 1))
        onehot[np.arange(samples), labels.astype(int)] = 1.0
        return onehot
    y = _arrays.dense(y, "y", ndim=2)
    if y.shape[0] != samples:
        raise InvalidInputError(f"y: {y.shape[0]} rows but X has {samples} samples")
    if y.shape[1] < 2 or np.any(y < 0) or not np.allclose(y.sum(axis=1), 1.0, rtol=0, atol=1e-9):
        raise InvalidInputError("y: the cross-entropy loss needs one-hot rows (one column per class, at least 2) or class labels")
    return np.ascontiguousarray(y)


def _data_loss(loss, f, y):
    """ℓ(F) of the library's convention (summed over samples), in numpy."""
    if loss == "squared":
        return 0.5 * np.sum((f - y) ** 2)
    if loss == "hinge":
        return np.sum(np.maximum(0, 1 - y * f))
    if loss == "logistic":
        return np.sum(np.logaddexp(0, -y * f))
    top = f.max(axis=1, keepdims=True)
    log_sum = top[:, 0] + np.log(np.exp(f - top).sum(axis=1))
    return np.sum(log_sum * y.sum(axis=1)) - np.sum(y * f)


def _settings(conv, loss, bias, free_bias, output_bias, patterns, seed, verbose, options):
    values = {"loss": loss, "bias": bool(bias), "free_bias": bool(free_bias), "output_bias": bool(output_bias),
              "seed": seed, "verbose": bool(verbose)}
    values["patterns"] = patterns if isinstance(patterns, str) else int(patterns)
    values.update(options)
    return Settings(values, beta=conv.beta)


def _result(raw, conv, given_network=None):
    with Result(raw) as result:
        info = json.loads(result.json())
        neurons, columns, outputs = int(info["best_neurons" if "best_neurons" in info else "neurons"]), \
            int(info["input_columns"]), int(info["outputs"])
        U = result.vector("input_weights").reshape(neurons, columns)
        alpha = result.vector("output_weights").reshape(neurons, outputs)
        offset = result.vector("output_bias") if info.get("has_output_bias") else None
    has_bias = bool(info["has_bias"])
    network = Network(U[:, :-1].copy() if has_bias else U, U[:, -1].copy() if has_bias else None, alpha.T.copy(),
                      offset)

    def number(key):
        value = info.get(key)
        return float("nan") if value is None else float(value)

    certificate = Certificate(
        objective=number("objective"), lower_bound=number("lower_bound"), gap=number("gap"),
        relative_gap=number("relative_gap"), proven=bool(info.get("proven")) or bool(info.get("exact")),
        exact=bool(info.get("exact")), bound_method=info.get("bound_method", ""), beta=conv.beta, convention=conv,
        best_objective=number("best_objective") if "best_objective" in info else None)
    if conv.name == "pytorch":
        s = conv.scale
        certificate.pytorch = Bounds(s * certificate.objective, s * certificate.lower_bound, s * certificate.gap,
                                     None if certificate.best_objective is None else s * certificate.best_objective)
        info["pytorch_scale"] = s
    return TrainingResult(network, certificate, info)


def train(X, y, beta=None, *, loss="squared", weight_decay=None, loss_reduction=None, bias=False, free_bias=False,
          output_bias=False, patterns="auto", seed=0, verbose=False, **options):
    """Trains a two-layer ReLU network exactly (through its convex program) and certifies it.

    One call, like scnn's ``optimize``: ``train(X, y, beta=1e-3)`` in the library's convention, or
    ``train(X, y, weight_decay=1e-4, loss_reduction="mean")`` for the objective PyTorch minimizes
    (see the module docstring).

    Parameters
    ----------
    X : array (n × d); y : array (n,) or (n × c) (±1 labels for ``loss="hinge"`` and
        ``"logistic"``; class labels ``0..K−1`` or one-hot rows for ``"cross-entropy"``, whose
        network has one output per class).
    loss : "squared", "hinge", "logistic" or "cross-entropy".
    bias : a hidden bias: ``True`` or ``"regularized"`` covers it by the weight decay (PyTorch's
        default), ``"free"`` leaves it free (the same as ``free_bias=True``), as ``--bias`` of the
        command line.
    output_bias : an output bias ``b2``, one free (unregularized) offset per output
        (``Linear(m, c)`` with ``bias=True``); the returned network's ``b2``.
    patterns : "auto" (all arrangements when the rank is ≤ 3 and they are few, else 100 sampled,
        then generated from the dual), "exact" or a count of sampled gate vectors.
    **options : other training settings of conic.h (``max_rounds``, ``time_limit``, ``tolerance``,
        ``threads``, ``relaxation_limit``, ``growth_rounds``, ``subsample_bound``,
        ``solver.max_iter``, ...). ``time_limit=600, growth_rounds=20, subsample_bound=0.3`` is
        what ``conic nn train`` runs; on data of rank above 3 the last two are what make the
        lower bound meaningful (docs/nn-certificates.md).

    Returns a :class:`TrainingResult`. Runs with the GIL released.
    """
    if isinstance(bias, str):
        if bias not in ("regularized", "free"):
            raise InvalidInputError(f"bias: expected True, False, 'regularized' or 'free', got {bias!r}")
        bias, free_bias = True, free_bias or bias == "free"
    X = _arrays.dense(X, "X", ndim=2)
    y = _targets(y, X.shape[0], loss)
    conv = convention(loss, beta=beta, weight_decay=weight_decay, loss_reduction=loss_reduction,
                      samples=X.shape[0], outputs=y.shape[1])
    (n, d), c = X.shape, y.shape[1]
    with _settings(conv, loss, bias, free_bias, output_bias, patterns, seed, verbose, options) as handle:
        raw = lib.conic_nn_train(handle.handle, n, d, X.ctypes.data, c, y.ctypes.data)
    return _result(raw, conv)


def certify(model, X, y, beta=None, *, loss="squared", weight_decay=None, loss_reduction=None, free_bias=False,
            patterns="auto", seed=0, verbose=False, **options):
    """Certifies a network trained elsewhere: its objective, a proven lower bound on the global
    optimum over networks of any width, and the best network the convex program found.

    ``model`` is a ``torch.nn.Sequential(Linear(d, m), ReLU(), Linear(m, c))``, a
    :class:`Network`, or ``(W1, b1, W2)`` / ``(W1, b1, W2, b2)`` arrays in PyTorch's layout. The
    hidden bias is covered by the weight decay unless ``free_bias``; an output bias (the last
    layer's ``bias``, or ``b2``) is a free offset, and the bound then holds for every network with
    one. Other parameters as :func:`train`.
    """
    network = Network.from_model(model)
    X = _arrays.dense(X, "X", ndim=2)
    y = _targets(y, X.shape[0], loss)
    if network.W1.shape[1] != X.shape[1]:
        raise InvalidInputError(f"the network takes {network.W1.shape[1]} inputs but X has {X.shape[1]} features")
    if network.W2.shape[0] != y.shape[1]:
        raise InvalidInputError(f"the network has {network.W2.shape[0]} outputs but y has {y.shape[1]} columns")
    if free_bias and network.b1 is None:
        raise InvalidInputError("free_bias: the network has no hidden bias")
    conv = convention(loss, beta=beta, weight_decay=weight_decay, loss_reduction=loss_reduction,
                      samples=X.shape[0], outputs=y.shape[1])
    has_bias = network.b1 is not None
    U = np.ascontiguousarray(np.column_stack([network.W1, network.b1]) if has_bias else network.W1)
    alpha = np.ascontiguousarray(network.W2.T)
    (n, d), c = X.shape, y.shape[1]
    b2 = None if network.b2 is None else np.ascontiguousarray(network.b2, dtype=np.float64)
    with _settings(conv, loss, has_bias, free_bias, b2 is not None, patterns, seed, verbose, options) as handle:
        raw = lib.conic_nn_certify_output_bias(handle.handle, n, d, X.ctypes.data, c, y.ctypes.data, network.width,
                                               _arrays.address(U), _arrays.address(alpha), int(has_bias),
                                               None if b2 is None else b2.ctypes.data)
    return _result(raw, conv)


def objective(model, X, y, beta=None, *, loss="squared", weight_decay=None, loss_reduction=None, free_bias=False):
    """The training objective of a network in the chosen convention (computed in numpy): what
    :func:`certify` reports as ``objective`` (``beta``) or ``pytorch.objective`` (``weight_decay``)."""
    network = Network.from_model(model)
    X = _arrays.dense(X, "X", ndim=2)
    y = _targets(y, X.shape[0], loss)
    conv = convention(loss, beta=beta, weight_decay=weight_decay, loss_reduction=loss_reduction,
                      samples=X.shape[0], outputs=y.shape[1])
    f = network.predict(X)
    data = _data_loss(loss, f, y)
    weights = np.sum(network.W1 ** 2) + np.sum(network.W2 ** 2)
    if network.b1 is not None and not free_bias:
        weights += np.sum(network.b1 ** 2)
    return conv.scale * (data + 0.5 * conv.beta * weights)
