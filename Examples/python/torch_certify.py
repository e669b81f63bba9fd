"""Train a two-layer ReLU network in PyTorch, then certify it with conic: how far is the network
SGD/Adam found from the global optimum of the very objective PyTorch minimized?

    python3 Examples/python/torch_certify.py

The objective PyTorch minimizes here is  MSELoss(mean)(f(X), y) + (wd/2)‖θ‖²  (Adam with
weight_decay=wd adds wd·θ to the gradient; the hidden bias is decayed too, the output layer has
no bias). conic.nn.certify converts it to the library's β and reports the bound in both scales.
"""
import time

import numpy as np
import torch

import conic

rng = np.random.default_rng(0)
n, width, wd = 60, 20, 1e-3
X = rng.uniform(-3, 3, size=(n, 1))
y = np.sin(2 * X[:, 0]) + 0.3 * X[:, 0] + 0.1 * rng.standard_normal(n)

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(1, width), torch.nn.ReLU(), torch.nn.Linear(width, 1, bias=False)).double()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=wd)
Xt, yt = torch.as_tensor(X), torch.as_tensor(y).reshape(-1, 1)
started = time.perf_counter()
for step in range(5000):
    optimizer.zero_grad()
    torch.nn.functional.mse_loss(model(Xt), yt).backward()
    optimizer.step()
torch_seconds = time.perf_counter() - started
with torch.no_grad():
    loss = torch.nn.functional.mse_loss(model(Xt), yt) + 0.5 * wd * sum((p ** 2).sum() for p in model.parameters())
print(f"PyTorch Adam, {width} neurons, 5000 full-batch steps in {torch_seconds:.2f} s")
print(f"  objective (mean squared error + wd/2·‖θ‖², computed by torch): {loss.item():.8f}")

started = time.perf_counter()
result = conic.nn.certify(model, X, y, weight_decay=wd, loss_reduction="mean", patterns="exact")
seconds = time.perf_counter() - started
c = result.certificate
print(f"conic.nn.certify in {seconds:.2f} s (β = {c.beta:.4g}, scale {c.convention.scale:.4g}, "
      f"bound: {c.bound_method}{', exact' if c.exact else ''})")
print(f"  PyTorch scale:  objective {c.pytorch.objective:.8f}  lower bound {c.pytorch.lower_bound:.8f}  "
      f"gap {c.pytorch.gap:.3e}")
print(f"  conic scale:    objective {c.objective:.8f}  lower bound {c.lower_bound:.8f}  gap {c.gap:.3e}")
print(f"  relative gap {c.relative_gap:.3e}: Adam's network is at most {100 * c.relative_gap:.3f}% above the global optimum")
print(f"  best network found by the convex program: {c.pytorch.best_objective:.8f} "
      f"({result.network.width} neurons; PyTorch scale)")

trained = conic.nn.train(X, y, weight_decay=wd, loss_reduction="mean", bias=True, patterns="exact")
t = trained.certificate
print(f"conic.nn.train (exact): objective {t.pytorch.objective:.8f}, lower bound {t.pytorch.lower_bound:.8f}, "
      f"relative gap {t.relative_gap:.1e} ({trained.network.width} neurons)")
