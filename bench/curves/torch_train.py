"""The PyTorch training loop of the curve recorders: mini-batch epochs, validation accuracy after each."""
import torch


def accuracy_curve(model, opt, data, epochs, batch_size, seed, clip=0.0):
    """Trains `model` with `opt` on data = (xtr, ytr, xva, yva) for `epochs` epochs of shuffled mini-batches (a
    non-finite loss skips its step; clip > 0 clips the gradient norm); the validation accuracy after each epoch."""
    xtr, ytr, xva, yva = data
    loss_fn = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=g)
        for i in range(0, len(xtr), batch_size):
            idx = perm[i:i + batch_size]
            opt.zero_grad()
            loss = loss_fn(model(xtr[idx]), ytr[idx])
            if torch.isfinite(loss):
                loss.backward()
                if clip > 0:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
                opt.step()
        model.eval()
        with torch.no_grad():
            acc = (model(xva).argmax(1) == yva).float().mean().item()
        out.append(acc)
    return out
