"""Models, data and the training loop shared by the DDP worker and its single-process
reference (tests/test_distributed_ddp.py)."""

import ember
import ember.nn as nn
import ember.nn.functional as F
import ember.optim as optim

GLOBAL_BATCH = 16
STEPS = 3


def demo_cnn():
    """The demo's CNN (examples/demo.py, build_model(1, 8)) for 8x8 Digits-like images."""
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 2 * 2, 64), nn.ReLU(), nn.Linear(64, 10))


def data(steps=STEPS, batch=GLOBAL_BATCH, seed=7):
    """Digits-like random batches: images (steps, batch, 1, 8, 8), labels (steps, batch)."""
    ember.manual_seed(seed)
    return ember.rand(steps, batch, 1, 8, 8) * 16, ember.randint(0, 10, (steps, batch))


def share(t, rank, world):
    n = t.shape[0] // world
    return t[rank * n:(rank + 1) * n]


def train_cnn(model, xs, ys, rank=0, world=1):
    """SGD with momentum for ``len(xs)`` steps; each process uses its share of every batch."""
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for x, y in zip(xs, ys, strict=True):
        loss = F.cross_entropy(model(share(x, rank, world)), share(y, rank, world))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model


class Branchy(nn.Module):
    """A linear model with an extra branch that only some inputs use, and a parameter that
    nothing uses (for find_unused_parameters)."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 3)
        self.extra = nn.Linear(4, 3)
        self.never = nn.Linear(4, 3)

    def forward(self, x, use_extra):
        out = self.lin(x)
        return out + self.extra(x) if use_extra else out


def params(model):
    return {k: v.detach().clone() for k, v in model.named_parameters()}
