"""End-to-end training scripts written once against the PyTorch API and run twice: with
``torch`` and with ``ember`` (the ``lib`` argument), from identical initial weights (torch's
state_dict copied through NumPy) and identical data. Losses over several steps, learning
rates, gradients, final parameters and outputs must agree.

Where a gradient is mathematically zero (a conv bias in front of BatchNorm, the key bias of
attention) Adam turns float round-off into full-size steps, so such parameters are left out
of the comparison or the model is built without them, as users do."""

import importlib

import numpy as np
import pytest
import torch

import ember

LIBS = (torch, ember)


def sd_np(model):
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def load_np(lib, model, sd):
    model.load_state_dict({k: lib.tensor(v) for k, v in sd.items()})


def data_mod(lib):
    return importlib.import_module(lib.__name__ + ".utils.data")


def both(fn, *args, **kw):
    return fn(torch, *args, **kw), fn(ember, *args, **kw)


def close(a, b, rtol=1e-4, atol=1e-5, what=""):
    if isinstance(a, dict):
        assert sorted(a) == sorted(b), (sorted(a), sorted(b))
        for k in a:
            close(a[k], b[k], rtol, atol, f"{what}[{k}]")
        return
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != {b.shape}"
    assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} != {b.dtype}"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


# -- (1) MLP classifier: DataLoader, Adam, StepLR, clip_grad_norm_, eval, accuracy ------------

def make_mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Dropout(0.0), nn.Linear(32, 3))


def mlp_run(lib, sd, X, Y):
    nn, data = lib.nn, data_mod(lib)
    model = make_mlp(lib)
    load_np(lib, model, sd)
    dl = data.DataLoader(data.TensorDataset(lib.tensor(X), lib.tensor(Y)), batch_size=16)
    opt = lib.optim.Adam(model.parameters(), lr=1e-2)
    sched = lib.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    crit = nn.CrossEntropyLoss()
    losses, norms, lrs = [], [], []
    for _epoch in range(3):
        model.train()
        for xb, yb in dl:
            opt.zero_grad()
            loss = crit(model(xb), yb)
            loss.backward()
            norms.append(float(nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.3)))
            opt.step()
            losses.append(loss.item())
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    model.eval()
    with lib.no_grad():
        logits = model(lib.tensor(X))
        acc = (logits.argmax(dim=1) == lib.tensor(Y)).float().mean().item()
    assert not logits.requires_grad
    return losses, norms, lrs, acc, sd_np(model)


def test_mlp_classifier():
    rs = np.random.RandomState(0)
    X, Y = rs.randn(64, 8).astype(np.float32), rs.randint(0, 3, 64)
    torch.manual_seed(0)
    t, e = both(mlp_run, sd_np(make_mlp(torch)), X, Y)
    close(t[0], e[0], what="losses")
    close(t[1], e[1], what="grad norms")
    assert t[2] == e[2] == [0.01, 0.005, 0.005]
    assert max(t[1]) > 0.3 and t[3] == e[3]
    close(t[4], e[4], what="params")


# -- (2) CNN: BatchNorm2d, Dropout, MaxPool, AdamW param groups, checkpoint mid-training -------

def make_cnn(lib, p=0.0):
    nn = lib.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(4, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                nn.MaxPool2d(2))
            self.drop = nn.Dropout(p)
            self.fc = nn.Linear(8 * 2 * 2, 5)

        def forward(self, x):
            x = self.features(x)
            x = x.view(x.size(0), -1)
            return self.fc(self.drop(x))
    return Net()


def adamw_groups(lib, model):
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        is_norm = n.startswith(("features.1.", "features.5."))
        (no_decay if n.endswith("bias") or is_norm else decay).append(p)
    return lib.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                            {"params": no_decay, "weight_decay": 0.0}], lr=5e-3)


def cnn_run(lib, sd, X, Y, path):
    F = lib.nn.functional
    model = make_cnn(lib)
    load_np(lib, model, sd)
    opt = adamw_groups(lib, model)
    Xt, Yt = lib.tensor(X), lib.tensor(Y)
    losses = []

    def step(model, opt, i):
        model.train()
        opt.zero_grad()
        loss = F.cross_entropy(model(Xt[i * 8:(i + 1) * 8]), Yt[i * 8:(i + 1) * 8])
        loss.backward()
        opt.step()
        losses.append(loss.item())

    for i in range(3):
        step(model, opt, i)
    lib.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 3}, path)
    ck = lib.load(path)
    model2 = make_cnn(lib, p=0.5)
    model2.load_state_dict(ck["model"])
    model2.drop.p = 0.0
    opt2 = adamw_groups(lib, model2)
    opt2.load_state_dict(ck["opt"])
    assert ck["epoch"] == 3 and opt2.param_groups[0]["weight_decay"] == 0.1
    for i in range(3, 6):
        step(model2, opt2, i)
    model2.eval()
    with lib.no_grad():
        out = model2(Xt[:8]).numpy().copy()
    return losses, out, sd_np(model2)


def test_cnn_checkpoint_resume(tmp_path):
    rs = np.random.RandomState(0)
    X, Y = rs.randn(48, 1, 8, 8).astype(np.float32), rs.randint(0, 5, 48)
    torch.manual_seed(0)
    sd = sd_np(make_cnn(torch))
    t = cnn_run(torch, sd, X, Y, tmp_path / "t.pt")
    e = cnn_run(ember, sd, X, Y, tmp_path / "e.pt")
    close(t[0], e[0], what="losses")
    close(t[1], e[1], what="eval logits")
    close(t[2], e[2], what="state")
    assert e[2]["features.1.num_batches_tracked"] == 6
    # ember reads torch's checkpoint (its own format is not torch's: docs/serialization.md)
    ck, tk = ember.load(tmp_path / "t.pt"), torch.load(tmp_path / "t.pt")
    close(ck["model"]["fc.weight"].numpy(), tk["model"]["fc.weight"].numpy())
    assert sorted(ck["opt"]["state"]) == sorted(tk["opt"]["state"]) == list(range(8))
    close(ck["opt"]["state"][7]["exp_avg"].numpy(), tk["opt"]["state"][7]["exp_avg"].numpy())


def test_dropout_train_eval():
    ember.manual_seed(0)
    model = make_cnn(ember, p=0.5)
    x = ember.randn(4, 1, 8, 8)
    model.eval()
    a, b = model(x), model(x)
    assert (a == b).all()
    model.train()
    h = model.features(x).view(4, -1)
    d = model.drop(h)
    kept = d != 0
    assert 0 < kept.float().mean().item() < 1
    close(d[kept].detach().numpy(), (h[kept] * 2).detach().numpy())


# -- (3) char-level LSTM/GRU LM: Embedding, packed sequences, clipping, multinomial ----------

def make_lm(lib, cell):
    nn = lib.nn

    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(12, 6, padding_idx=0)
            self.rnn = getattr(nn, cell)(6, 10, num_layers=2, batch_first=True)
            self.head = nn.Linear(10, 12)

        def forward(self, x, lengths, h=None):
            packed = nn.utils.rnn.pack_padded_sequence(self.emb(x), lengths, batch_first=True,
                                                       enforce_sorted=False)
            out, h = self.rnn(packed, h)
            out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True,
                                                      total_length=x.shape[1])
            return self.head(out), h
    return LM()


def lm_run(lib, sd, seqs, cell):
    nn = lib.nn
    model = make_lm(lib, cell)
    load_np(lib, model, sd)
    opt = lib.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    lengths = lib.tensor([len(s) - 1 for s in seqs])
    padded = nn.utils.rnn.pad_sequence([lib.tensor(s) for s in seqs], batch_first=True)
    inp, tgt = padded[:, :-1], padded[:, 1:].clone()
    tgt[lib.arange(inp.shape[1]).unsqueeze(0) >= lengths.unsqueeze(1)] = -100
    losses, norms = [], []
    for _ in range(4):
        opt.zero_grad()
        logits, _ = model(inp, lengths)
        loss = nn.functional.cross_entropy(logits.reshape(-1, 12), tgt.reshape(-1))
        loss.backward()
        norms.append(nn.utils.clip_grad_norm_(model.parameters(), 0.5).item())
        opt.step()
        losses.append(loss.item())
    model.eval()
    with lib.no_grad():
        logits, h = model(lib.tensor([[1, 2, 3]]), lib.tensor([3]))
        probs = lib.softmax(logits[:, -1] / 0.8, dim=-1)
        lib.manual_seed(123)
        samples = lib.multinomial(probs, num_samples=3000, replacement=True)
        lib.manual_seed(123)
        again = lib.multinomial(probs, num_samples=3000, replacement=True)
    assert (samples == again).all()
    return losses, norms, probs.numpy().copy(), samples.numpy().copy(), sd_np(model)


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_char_lm(cell):
    rs = np.random.RandomState(0)
    seqs = [rs.randint(1, 12, n) for n in (9, 5, 7, 3)]
    torch.manual_seed(0)
    t, e = both(lm_run, sd_np(make_lm(torch, cell)), seqs, cell)
    close(t[0], e[0], what="losses")
    close(t[1], e[1], what="grad norms")
    close(t[2], e[2], what="next-char probs")
    close(t[4], e[4], what="params")
    # the samples follow the probabilities (different generators, same distribution)
    freq = np.bincount(e[3].ravel(), minlength=12) / e[3].size
    assert e[3].dtype == np.int64 and e[3].shape == (1, 3000)
    np.testing.assert_allclose(freq, e[2][0], atol=0.03)


# -- (4) TransformerEncoder classifier with key_padding_mask --------------------------------

def make_tf(lib, norm_first):
    nn = lib.nn

    class Clf(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(20, 16, padding_idx=0)
            self.pos = nn.Parameter(lib.zeros(1, 10, 16))
            layer = nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32,
                                               dropout=0.0, batch_first=True,
                                               norm_first=norm_first, activation="gelu")
            self.enc = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
            self.cls = nn.Linear(16, 3)

        def forward(self, x, pad_mask):
            h = self.emb(x) + self.pos[:, :x.shape[1]]
            h = self.enc(h, src_key_padding_mask=pad_mask)
            keep = (~pad_mask).unsqueeze(-1).to(h.dtype)
            return self.cls((h * keep).sum(1) / keep.sum(1).clamp(min=1.0))
    return Clf()


def tf_run(lib, sd, X, L, Y, norm_first):
    model = make_tf(lib, norm_first)
    load_np(lib, model, sd)
    opt = lib.optim.Adam(model.parameters(), lr=3e-3, betas=(0.9, 0.98))
    sched = lib.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 3))
    x, y = lib.tensor(X), lib.tensor(Y)
    pad_mask = lib.arange(X.shape[1])[None, :] >= lib.tensor(L)[:, None]
    x = x.masked_fill(pad_mask, 0)
    losses, lrs = [], []
    for _ in range(4):
        model.train()
        opt.zero_grad(set_to_none=True)
        loss = lib.nn.functional.cross_entropy(model(x, pad_mask), y, label_smoothing=0.1)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
        lrs.append(opt.param_groups[0]["lr"])
    model.eval()
    with lib.no_grad():
        out = model(x, pad_mask)
    return losses, lrs, out.numpy().copy(), sd_np(model)


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_classifier(norm_first):
    rs = np.random.RandomState(0)
    X, L, Y = rs.randint(1, 20, (6, 10)), np.array([10, 4, 7, 2, 10, 5]), rs.randint(0, 3, 6)
    torch.manual_seed(0)
    tm = make_tf(torch, norm_first)
    with torch.no_grad():
        tm.pos.normal_(0, 0.1)
    t, e = both(tf_run, sd_np(tm), X, L, Y, norm_first)
    close(t[0], e[0], what="losses")
    close(t[1], e[1], what="lrs")
    close(t[2], e[2], what="eval logits")
    # the key part of in_proj_bias has a zero gradient (softmax is shift invariant): leave
    # it out, everything else must agree
    for k in t[3]:
        a, b = t[3][k], e[3][k]
        if k.endswith("in_proj_bias"):
            a, b = np.delete(a, np.s_[16:32]), np.delete(b, np.s_[16:32])
        close(a, b, what=k)


# -- (5) convolutional autoencoder: ConvTranspose2d, MSELoss, RMSprop, cosine schedule ------

def make_ae(lib):
    nn = lib.nn
    enc = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.LeakyReLU(0.1),
                        nn.Conv2d(4, 8, 3, stride=2, padding=1), nn.Tanh())
    dec = nn.Sequential(
        nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(4, 1, 4, stride=2, padding=1), nn.Sigmoid())
    return nn.Sequential(enc, dec)


def ae_run(lib, sd, X):
    model = make_ae(lib)
    load_np(lib, model, sd)
    opt = lib.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9)
    sched = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5)
    crit = lib.nn.MSELoss()
    x = lib.tensor(X)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = crit(model(x), x) + 0.01 * model[0](x).abs().mean()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    with lib.no_grad():
        z = model[0](x)
        rec = model[1](z)
    return losses, tuple(z.shape), rec.numpy().copy(), sd_np(model)


def test_conv_autoencoder():
    X = np.random.RandomState(0).rand(4, 1, 12, 12).astype(np.float32)
    torch.manual_seed(0)
    t, e = both(ae_run, sd_np(make_ae(torch)), X)
    close(t[0], e[0], what="losses")
    assert t[1] == e[1] == (4, 8, 3, 3)
    close(t[2], e[2], what="reconstruction")
    close(t[3], e[3], what="params")


# -- (6) GAN: two optimizers, detach, requires_grad_ toggling, zero_grad(set_to_none) -------

def make_gan(lib):
    nn = lib.nn
    return (nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2)),
            nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1)))


def gan_run(lib, sdG, sdD, Z, R):
    G, D = make_gan(lib)
    load_np(lib, G, sdG)
    load_np(lib, D, sdD)
    optG = lib.optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
    optD = lib.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    bce = lib.nn.BCEWithLogitsLoss()
    dl, gl, flags = [], [], []
    for i in range(4):
        z, real = lib.tensor(Z[i]), lib.tensor(R[i])
        ones = lib.ones(real.shape[0], 1)
        zeros = lib.zeros_like(ones)
        for p in D.parameters():
            p.requires_grad_(True)
        optD.zero_grad(set_to_none=True)
        fake = G(z)
        lossD = bce(D(real), ones) + bce(D(fake.detach()), zeros)
        lossD.backward()
        flags.append(all(p.grad is None for p in G.parameters()))
        optD.step()
        for p in D.parameters():
            p.requires_grad_(False)
        optG.zero_grad(set_to_none=True)
        lossG = bce(D(fake), ones)
        dgrads = [p.grad.clone() for p in D.parameters()]
        lossG.backward()
        # frozen D: its grads are untouched by the generator's backward
        pairs = zip(D.parameters(), dgrads, strict=True)
        flags.append(all((p.grad == g).all().item() for p, g in pairs))
        optG.step()
        dl.append(lossD.item())
        gl.append(lossG.item())
    return dl, gl, flags, sd_np(G), sd_np(D)


def test_gan():
    rs = np.random.RandomState(0)
    Z = rs.randn(4, 8, 4).astype(np.float32)
    R = (rs.randn(4, 8, 2) * 0.5 + 2).astype(np.float32)
    torch.manual_seed(0)
    g, d = make_gan(torch)
    t, e = both(gan_run, sd_np(g), sd_np(d), Z, R)
    close(t[0], e[0], what="D losses")
    close(t[1], e[1], what="G losses")
    assert t[2] == e[2] and e[2][0] and all(e[2][1::2])
    close(t[3], e[3], what="G")
    close(t[4], e[4], what="D")


# -- (7) custom autograd.Function (straight-through) and WGAN-GP double backward -----------

def make_ste(lib):
    class RoundSTE(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return lib.round(x * scale) / scale

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * (x.abs() <= 1.0).to(g.dtype), None
    return RoundSTE


def make_qnet(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))


def ste_run(lib, sd, X, Y):
    RoundSTE = make_ste(lib)
    model = make_qnet(lib)
    load_np(lib, model, sd)
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    x, y = lib.tensor(X), lib.tensor(Y)
    losses = []
    for _ in range(4):
        opt.zero_grad()
        hq = RoundSTE.apply(model[1](model[0](x)), 4.0)
        loss = lib.nn.functional.mse_loss(model[2](hq), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert type(hq.grad_fn).__name__.startswith("RoundSTE")
    return losses, sd_np(model)


def gp_run(lib, sd, R, F):
    D = make_qnet(lib)
    load_np(lib, D, sd)
    opt = lib.optim.Adam(D.parameters(), lr=1e-3, betas=(0.0, 0.9))
    losses, gps = [], []
    for i in range(3):
        real, fake = lib.tensor(R[i]), lib.tensor(F[i])
        alpha = lib.linspace(0, 1, R.shape[1]).view(-1, 1)
        interp = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        d_int = D(interp)
        g, = lib.autograd.grad(outputs=d_int, inputs=interp, grad_outputs=lib.ones_like(d_int),
                               create_graph=True, retain_graph=True)
        gp = ((g.norm(2, dim=1) - 1) ** 2).mean()
        loss = D(fake).mean() - D(real).mean() + 10 * gp
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        gps.append(gp.item())
    return losses, gps, sd_np(D)


def test_straight_through_and_gradient_penalty():
    rs = np.random.RandomState(0)
    X, Y = rs.randn(16, 3).astype(np.float32), rs.randn(16, 1).astype(np.float32)
    torch.manual_seed(0)
    sd = sd_np(make_qnet(torch))
    t, e = both(ste_run, sd, X, Y)
    close(t[0], e[0], what="STE losses")
    close(t[1], e[1], what="STE params")
    R, F = rs.randn(3, 8, 3).astype(np.float32), rs.randn(3, 8, 3).astype(np.float32)
    t, e = both(gp_run, sd, R, F)
    close(t[0], e[0], what="GP losses")
    close(t[1], e[1], what="penalties")
    close(t[2], e[2], what="critic params")


# -- (8) gradient accumulation, no_grad, where, index writes, scatter_add_, einsum ----------

def make_att(lib):
    nn = lib.nn

    class SegAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = nn.Linear(8, 24)
            self.out = nn.Linear(8, 2)

        def forward(self, x, seg, nseg):
            q, k, v = self.qkv(x).chunk(3, dim=-1)
            s = lib.einsum("btd,bsd->bts", q, k) / 8 ** 0.5
            causal = lib.ones(x.shape[1], x.shape[1], dtype=lib.bool).triu(1)
            s = lib.where(causal, lib.full_like(s, float("-inf")), s)
            h = lib.einsum("bts,bsd->btd", s.softmax(-1), v).reshape(-1, 8)
            sums = lib.zeros(nseg, 8).scatter_add_(0, seg.view(-1, 1).expand(-1, 8), h)
            counts = lib.zeros(nseg).index_add_(0, seg, lib.ones(seg.shape[0]))
            return self.out(sums / counts.clamp(min=1).unsqueeze(1))
    return SegAttention()


def accum_run(lib, sd, X, SEG, Y):
    model = make_att(lib)
    load_np(lib, model, sd)
    opt = lib.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True,
                        weight_decay=1e-4)
    losses, accum = [], 3
    for step in range(2):
        opt.zero_grad()
        for m in range(accum):
            i = step * accum + m
            out = model(lib.tensor(X[i]), lib.tensor(SEG[i]), 4)
            loss = lib.nn.functional.mse_loss(out, lib.tensor(Y[i])) / accum
            loss.backward()
            losses.append(loss.item())
        opt.step()
    grads = {n: p.grad.numpy().copy() for n, p in model.named_parameters()}
    with lib.no_grad():
        out = model(lib.tensor(X[0]), lib.tensor(SEG[0]), 4)
        assert not out.requires_grad and out.grad_fn is None
        pred = out.clone()
        pred[lib.tensor([0, 2]), 1] = 0.0
        pred[pred > 0.5] = 0.5
        pred[lib.tensor([True, False, True, False])] += 1.0
    return losses, grads, pred.numpy().copy(), sd_np(model)


def test_grad_accumulation_segment_attention():
    rs = np.random.RandomState(0)
    X = rs.randn(6, 2, 5, 8).astype(np.float32)
    SEG = np.stack([rs.permutation(np.arange(10) % 4) for _ in range(6)])
    Y = rs.randn(6, 4, 2).astype(np.float32)
    torch.manual_seed(0)
    t, e = both(accum_run, sd_np(make_att(torch)), X, SEG, Y)
    close(t[0], e[0], what="micro-batch losses")
    close(t[1], e[1], what="accumulated grads")
    close(t[2], e[2], what="edited predictions")
    close(t[3], e[3], what="params")
