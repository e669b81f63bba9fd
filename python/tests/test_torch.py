"""Certifying PyTorch models (skipped when torch is not installed)."""
import numpy as np
import pytest

import conic

torch = pytest.importorskip("torch")


def trained_model(X, y, wd, width=8, steps=300, seed=0):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(X.shape[1], width), torch.nn.ReLU(),
                                torch.nn.Linear(width, 1, bias=False)).double()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, weight_decay=wd)
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y).reshape(-1, 1)
    for _ in range(steps):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(Xt), yt).backward()
        optimizer.step()
    return model


def test_certify_a_torch_model_in_its_own_scale():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(12, 1))
    y = np.sin(2 * X[:, 0])
    wd = 1e-3
    model = trained_model(X, y, wd)
    result = conic.nn.certify(model, torch.as_tensor(X), torch.as_tensor(y), weight_decay=wd,
                              loss_reduction="mean", patterns="exact")
    with torch.no_grad():
        Xt, yt = torch.as_tensor(X), torch.as_tensor(y).reshape(-1, 1)
        # The objective SGD with weight_decay minimizes: mean loss + (wd/2)‖θ‖² over all parameters.
        loss = torch.nn.functional.mse_loss(model(Xt), yt) + 0.5 * wd * sum((p ** 2).sum() for p in model.parameters())
    certificate = result.certificate
    assert certificate.pytorch.objective == pytest.approx(loss.item(), rel=1e-9)
    assert certificate.pytorch.lower_bound <= certificate.pytorch.objective
    assert certificate.exact and certificate.pytorch.best_objective <= certificate.pytorch.objective + 1e-12


def test_network_round_trips_through_torch():
    rng = np.random.default_rng(1)
    network = conic.nn.Network(rng.standard_normal((4, 3)), rng.standard_normal(4), rng.standard_normal((2, 4)))
    X = rng.standard_normal((5, 3))
    model = network.to_torch()
    with torch.no_grad():
        np.testing.assert_allclose(model(torch.as_tensor(X)).numpy(), network.predict(X), rtol=1e-12)
    back = conic.nn.Network.from_model(model)
    np.testing.assert_array_equal(back.W1, network.W1)


def test_certify_a_torch_model_with_an_output_bias():
    """Linear(m, 1) with bias=True: its bias is a free offset (a parameter group without weight
    decay); the certificate's objective is torch's, and its bound sits below it."""
    rng = np.random.default_rng(4)
    X = rng.uniform(-2, 2, size=(12, 1))
    y = np.sin(2 * X[:, 0]) + 3.0
    wd = 1e-3
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1)).double()
    decayed = [model[0].weight, model[0].bias, model[2].weight]
    optimizer = torch.optim.SGD([{"params": decayed, "weight_decay": wd},
                                 {"params": [model[2].bias], "weight_decay": 0.0}], lr=0.05)
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y).reshape(-1, 1)
    for _ in range(300):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(Xt), yt).backward()
        optimizer.step()
    result = conic.nn.certify(model, X, y, weight_decay=wd, loss_reduction="mean", patterns="exact")
    with torch.no_grad():
        loss = torch.nn.functional.mse_loss(model(Xt), yt) + 0.5 * wd * sum((p ** 2).sum() for p in decayed)
    certificate = result.certificate
    assert certificate.pytorch.objective == pytest.approx(loss.item(), rel=1e-9)
    assert certificate.pytorch.lower_bound <= certificate.pytorch.objective
    assert certificate.exact and certificate.pytorch.best_objective <= certificate.pytorch.objective + 1e-12
    # The network found comes back as a torch model with its output bias.
    back = result.network.to_torch()
    assert back[2].bias is not None
    with torch.no_grad():
        np.testing.assert_allclose(back(Xt).numpy(), result.network.predict(X), rtol=1e-12)


def test_other_architectures_are_refused():
    model = torch.nn.Sequential(torch.nn.Linear(1, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1, bias=False))
    with pytest.raises(conic.InvalidInputError, match="Sequential"):
        conic.nn.certify(model, np.zeros((4, 1)), np.zeros(4), beta=1.0)
