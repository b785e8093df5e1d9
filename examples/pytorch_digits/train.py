"""Tune a small PyTorch MLP on scikit-learn's bundled digits, one epoch per report.

Config keys (all optional): lr (1e-3, Adam), hidden (64), epochs (10), batch_size (64), seed (0).
Reports val_accuracy and val_loss each epoch with training_iteration = epoch, after saving a checkpoint
(``torch.save`` of the model and optimizer state). A restarted trial continues at the epoch after its checkpoint.
Uses CUDA when available, else the CPU. Exits with status 2 and a message on stderr when torch is not installed.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    import torch
    from torch import nn
except ImportError:
    print("pytorch_digits: PyTorch is not installed (pip install torch); this example needs it.", file=sys.stderr)
    sys.exit(2)

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

try:
    import tunelab
except ImportError:  # not installed: use the client from this repository
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))
    import tunelab

MODEL_FILE = "model.pt"


def load_data(device: torch.device):
    """The fixed split: 80 % train, 20 % validation (random_state=0), standardised on the training part."""
    x, y = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.2, random_state=0)
    scaler = StandardScaler().fit(x_train)

    def tensors(xs, ys):
        return (torch.tensor(scaler.transform(xs), dtype=torch.float32, device=device),
                torch.tensor(ys, dtype=torch.long, device=device))

    return tensors(x_train, y_train), tensors(x_val, y_val)


def main() -> int:
    config = tunelab.get_config()
    lr = float(config.get("lr", 1e-3))
    hidden = int(config.get("hidden", 64))
    epochs = int(config.get("epochs", 10))
    batch_size = int(config.get("batch_size", 64))
    seed = int(config.get("seed", 0))

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    (x_train, y_train), (x_val, y_val) = load_data(device)
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()

    start = 1
    restore = tunelab.restore_path()
    if restore is not None:
        state = torch.load(restore / MODEL_FILE, map_location=device)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start = state["epoch"] + 1
        print(f"resuming from {restore} after epoch {state['epoch']}", file=sys.stderr)

    for epoch in range(start, epochs + 1):
        model.train()
        order = torch.randperm(len(y_train), generator=torch.Generator().manual_seed(seed * 100_003 + epoch))
        for i in range(0, len(order), batch_size):
            batch = order[i:i + batch_size].to(device)
            optimizer.zero_grad()
            loss_fn(model(x_train[batch]), y_train[batch]).backward()
            optimizer.step()

        model.eval()
        with torch.no_grad():
            logits = model(x_val)
            val_loss = loss_fn(logits, y_val).item()
            val_accuracy = (logits.argmax(dim=1) == y_val).float().mean().item()

        state = {"epoch": epoch, "model": model.state_dict(), "optimizer": optimizer.state_dict()}
        path = tunelab.save_checkpoint(lambda d: torch.save(state, d / MODEL_FILE))
        tunelab.report(val_accuracy=val_accuracy, val_loss=val_loss, training_iteration=epoch, checkpoint=path,
                       done=epoch == epochs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
