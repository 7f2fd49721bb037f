"""Train a small CNN with ember: the README's first command.

    python examples/demo.py                          # Digits, bundled: no download
    python examples/demo.py --dataset fashion-mnist  # local IDX files (Debian's
                                                     # dataset-fashion-mnist, or --root)
    python examples/demo.py --device cuda --epochs 5 --out runs/demo

It trains Conv2d -> ReLU -> MaxPool2d -> Conv2d -> ReLU -> MaxPool2d -> Linear on the
default device with a progress bar per epoch, prints the test accuracy, and writes into
``--out``: ``checkpoint.pt`` (``ember.save``: model and optimizer state), ``curves.png``
(loss and accuracy per epoch) and ``tensorboard/`` (event files: ``tensorboard --logdir``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import ember
import ember.nn as nn
from ember.utils.data import DataLoader
from ember.utils.tensorboard import SummaryWriter


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Train a small CNN with ember.")
    p.add_argument("--dataset", choices=["digits", "fashion-mnist"], default="digits")
    p.add_argument("--root", default=None,
                   help="directory of the Fashion-MNIST IDX files (default: "
                        "/usr/share/datasets/fashion-mnist)")
    p.add_argument("--device", default=None, help="e.g. cpu or cuda (default: ember's default "
                                                  "device)")
    p.add_argument("--epochs", type=int, default=None,
                   help="default: 5 for digits, 2 for fashion-mnist")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-2, help="peak learning rate (one-cycle)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    p.add_argument("--train-samples", type=int, default=None,
                   help="train on the first N samples only (quick Fashion-MNIST runs)")
    p.add_argument("--out", default="demo_out", help="output directory (default: demo_out/)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p.parse_args(argv)


def load_data(args):
    """(train, test, channels, image side) for the chosen dataset."""
    if args.dataset == "digits":
        train = ember.datasets.Digits(train=True)
        test = ember.datasets.Digits(train=False)
        return train, test, 1, 8
    import ember.transforms as T
    tf = T.Compose([T.ToTensor(), T.Normalize((0.2860,), (0.3530,))])
    train = ember.datasets.FashionMNIST(args.root, train=True, transform=tf)
    test = ember.datasets.FashionMNIST(args.root, train=False, transform=tf)
    if args.train_samples:
        train = ember.utils.data.Subset(train, range(min(args.train_samples, len(train))))
    return train, test, 1, 28


def build_model(channels: int, side: int, classes: int = 10) -> nn.Module:
    flat = 32 * (side // 4) * (side // 4)
    return nn.Sequential(
        nn.Conv2d(channels, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(flat, 64), nn.ReLU(), nn.Linear(64, classes))


def evaluate(model, loader, device, loss_fn):
    model.eval()
    total, correct, loss_sum = 0, 0, 0.0
    with ember.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            out = model(x)
            loss_sum += float(loss_fn(out, y)) * y.shape[0]
            correct += int((out.argmax(dim=1) == y).sum())
            total += y.shape[0]
    return loss_sum / total, correct / total


def _progress(iterable, desc, quiet):
    if quiet:
        return iterable
    try:
        from tqdm import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, desc=desc, unit="batch", leave=True, dynamic_ncols=True)


def plot_curves(history, path, title="ember demo"):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot written", file=sys.stderr)
        return None
    epochs = [h["epoch"] for h in history]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.5))
    a1.plot(epochs, [h["train_loss"] for h in history], "o-", label="train")
    a1.plot(epochs, [h["test_loss"] for h in history], "o-", label="test")
    a1.set_xlabel("epoch")
    a1.set_ylabel("cross-entropy loss")
    a1.legend()
    a2.plot(epochs, [h["test_accuracy"] for h in history], "o-", color="tab:green")
    a2.set_xlabel("epoch")
    a2.set_ylabel("test accuracy")
    a2.set_ylim(0, 1)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main(argv=None) -> dict:
    args = parse_args(argv)
    epochs = args.epochs if args.epochs is not None else (5 if args.dataset == "digits" else 2)
    ember.manual_seed(args.seed)
    device = ember.device(args.device) if args.device else ember.get_default_device()
    os.makedirs(args.out, exist_ok=True)

    train, test, channels, side = load_data(args)
    g = ember.Generator().manual_seed(args.seed)
    train_loader = DataLoader(train, batch_size=args.batch_size, shuffle=True, generator=g,
                              num_workers=args.workers)
    test_loader = DataLoader(test, batch_size=256, num_workers=args.workers)
    model = build_model(channels, side).to(device)
    opt = ember.optim.Adam(model.parameters(), lr=args.lr)
    steps = epochs * len(train_loader)
    sched = ember.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps)
    loss_fn = nn.CrossEntropyLoss()
    tb_dir = os.path.join(args.out, "tensorboard")
    writer = SummaryWriter(tb_dir)
    print(f"ember demo: {args.dataset}, {len(train)} train / {len(test)} test samples, "
          f"device {device}, {sum(p.numel() for p in model.parameters())} parameters")

    history, step, t0 = [], 0, time.time()
    for epoch in range(1, epochs + 1):
        model.train()
        seen, loss_sum = 0, 0.0
        bar = _progress(train_loader, f"epoch {epoch}/{epochs}", args.quiet)
        for x, y in bar:
            x, y = x.to(device), y.to(device)
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            sched.step()
            value = float(loss)
            loss_sum += value * y.shape[0]
            seen += y.shape[0]
            writer.add_scalar("train/loss", value, step)
            step += 1
            if bar is not train_loader:
                bar.set_postfix(loss=f"{value:.3f}")
        test_loss, acc = evaluate(model, test_loader, device, loss_fn)
        history.append({"epoch": epoch, "train_loss": loss_sum / seen, "test_loss": test_loss,
                        "test_accuracy": acc})
        writer.add_scalar("epoch/train_loss", loss_sum / seen, epoch)
        writer.add_scalar("epoch/test_loss", test_loss, epoch)
        writer.add_scalar("epoch/test_accuracy", acc, epoch)
        print(f"epoch {epoch}: train loss {loss_sum / seen:.4f}, test loss {test_loss:.4f}, "
              f"test accuracy {acc:.4f}")
    writer.close()

    ckpt = os.path.join(args.out, "checkpoint.pt")
    ember.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epochs,
                "test_accuracy": acc}, ckpt)
    png = plot_curves(history, os.path.join(args.out, "curves.png"),
                      f"ember demo: {args.dataset} on {device}")
    print(f"test accuracy: {acc:.4f} ({time.time() - t0:.1f} s)")
    print(f"wrote {ckpt}" + (f", {png}" if png else "") + f" and {tb_dir}/ "
          f"(tensorboard --logdir {tb_dir})")
    return {"accuracy": acc, "history": history, "checkpoint": ckpt, "plot": png,
            "tensorboard": tb_dir, "model": model}


if __name__ == "__main__":
    main()
