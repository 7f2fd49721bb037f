"""ember-nn's layers and losses on the cuda device against the same layers on the cpu (same
weights, same input): outputs, input gradients and parameter gradients. The conformance
suite checks the ops one by one; this checks the layers' own fast paths (convolution and
pooling windows, fused cross entropy, the LSTM, attention, normalization) on the GPU.
Skipped without a GPU, with the reason."""

import numpy as np
import pytest

import ember

nn = ember.nn
F = ember.nn.functional
HAVE_GPU = ember.cuda.is_available()
pytestmark = pytest.mark.skipif(
    not HAVE_GPU, reason="CUDA not available: " + (ember.cuda.unavailable_reason() or "?"))


class _First(nn.Module):
    """The first output of a module that returns a tuple (RNNs, attention)."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, *x):
        return self.m(*x)[0]


CASES = [
    ("linear", lambda: nn.Linear(7, 5), (4, 7)),
    ("bilinear", lambda: nn.Bilinear(3, 4, 2), None),
    ("conv1d", lambda: nn.Conv1d(3, 4, 3, padding=1, stride=2), (2, 3, 9)),
    ("conv2d_groups_dilation", lambda: nn.Conv2d(4, 6, 3, padding=2, dilation=2, groups=2),
     (2, 4, 7, 6)),
    ("conv2d_same_reflect", lambda: nn.Conv2d(3, 4, 3, padding="same",
                                              padding_mode="reflect"), (2, 3, 6, 5)),
    ("conv3d", lambda: nn.Conv3d(2, 3, 2, stride=(1, 2, 1)), (1, 2, 4, 5, 3)),
    ("conv_transpose2d", lambda: nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1,
                                                    output_padding=1), (2, 3, 4, 5)),
    ("maxpool2d", lambda: nn.MaxPool2d(2), (2, 3, 8, 6)),
    ("maxpool2d_overlap", lambda: nn.MaxPool2d(3, stride=2, padding=1), (2, 3, 7, 7)),
    ("avgpool2d", lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
     (2, 3, 7, 6)),
    ("adaptive_avg", lambda: nn.AdaptiveAvgPool2d((3, 2)), (2, 3, 7, 5)),
    ("adaptive_max", lambda: nn.AdaptiveMaxPool2d(3), (2, 3, 7, 8)),
    ("batchnorm2d", lambda: nn.BatchNorm2d(3), (4, 3, 5, 5)),
    ("layernorm", lambda: nn.LayerNorm(6), (3, 4, 6)),
    ("groupnorm", lambda: nn.GroupNorm(2, 4), (3, 4, 5)),
    ("rmsnorm", lambda: nn.RMSNorm(6), (3, 6)),
    ("lstm", lambda: _First(nn.LSTM(5, 7, num_layers=2, bidirectional=True)), (6, 3, 5)),
    ("gru", lambda: _First(nn.GRU(5, 4, batch_first=True)), (3, 6, 5)),
    ("attention", lambda: _First(nn.MultiheadAttention(8, 2, batch_first=True)), None),
    ("transformer_layer", lambda: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0,
                                                             batch_first=True), (2, 5, 8)),
    ("upsample_bilinear", lambda: nn.Upsample(scale_factor=2, mode="bilinear"), (1, 2, 3, 4)),
    ("pixel_shuffle", lambda: nn.PixelShuffle(2), (1, 8, 3, 3)),
    ("gelu_tanh", lambda: nn.GELU("tanh"), (4, 5)),
    ("prelu", lambda: nn.PReLU(3), (2, 3, 4)),
]


def _inputs(name, shape, rng):
    if name == "bilinear":
        return [rng.standard_normal((5, 3)), rng.standard_normal((5, 4))]
    if name == "attention":
        return [rng.standard_normal((2, 4, 8))] * 3
    return [rng.standard_normal(shape)]


def _run(module, arrays, device):
    xs = [ember.tensor(a, dtype=ember.float64, device=device, requires_grad=True)
          for a in arrays]
    if len(arrays) == 3 and arrays[0] is arrays[1]:      # self-attention: one input
        xs = [xs[0]] * 3
    out = module(*xs)
    w = ember.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)),
                     dtype=out.dtype, device=device)
    (out * w).sum().backward()
    return out.detach().cpu().numpy(), [x.grad.cpu().numpy() for x in xs[:len(set(map(id, xs)))]]


@pytest.mark.parametrize("name,make,shape", CASES, ids=[c[0] for c in CASES])
def test_layer_on_cuda_matches_cpu(name, make, shape):
    ember.manual_seed(0)
    mc = make()
    ember.manual_seed(0)
    mg = make()
    mc.double()
    mg.double()
    mg.load_state_dict(mc.state_dict())
    mg.cuda()
    arrays = _inputs(name, shape, np.random.default_rng(1))
    out_c, gx_c = _run(mc, arrays, "cpu")
    out_g, gx_g = _run(mg, arrays, "cuda")
    np.testing.assert_allclose(out_g, out_c, rtol=1e-9, atol=1e-10, err_msg="output")
    for a, b in zip(gx_g, gx_c):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10, err_msg="input grad")
    gp_c = {n: p.grad.cpu().numpy() for n, p in mc.named_parameters() if p.grad is not None}
    gp_g = {n: p.grad.cpu().numpy() for n, p in mg.named_parameters() if p.grad is not None}
    assert sorted(gp_c) == sorted(gp_g)
    for n in gp_c:
        np.testing.assert_allclose(gp_g[n], gp_c[n], rtol=1e-9, atol=1e-10, err_msg=n)
    for (n, b), (_, bg) in zip(mc.named_buffers(), mg.named_buffers()):
        np.testing.assert_allclose(bg.cpu().numpy(), b.numpy(), rtol=1e-9, atol=1e-10,
                                   err_msg=f"buffer {n}")


@pytest.mark.parametrize("kw", [dict(), dict(label_smoothing=0.1), dict(ignore_index=2),
                                dict(weight=[1.0, 2.0, 0.5, 1.0]), dict(reduction="sum")])
def test_losses_on_cuda_match_cpu(kw):
    rng = np.random.default_rng(2)
    x, t = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    res = []
    for dev in ("cpu", "cuda"):
        k = dict(kw)
        if "weight" in k:
            k["weight"] = ember.tensor(k["weight"], dtype=ember.float64, device=dev)
        xe = ember.tensor(x, device=dev, requires_grad=True)
        loss = F.cross_entropy(xe, ember.tensor(t, device=dev), **k)
        loss.backward()
        extra = [F.mse_loss(xe.detach(), xe.detach() * 0.5).item(),
                 F.binary_cross_entropy_with_logits(xe.detach(), (xe.detach() > 0).double(),
                                                    pos_weight=ember.ones(4, device=dev,
                                                                          dtype=ember.float64)
                                                    * 2).item(),
                 F.kl_div(xe.detach().log_softmax(1), xe.detach().softmax(1),
                          reduction="batchmean").item()]
        res.append((loss.item(), xe.grad.cpu().numpy(), extra))
    assert res[1][0] == pytest.approx(res[0][0], rel=1e-12)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(res[1][2], res[0][2], rtol=1e-12, atol=1e-14)


def test_ctc_and_embedding_on_cuda_match_cpu():
    rng = np.random.default_rng(3)
    lp = rng.standard_normal((7, 2, 5))
    targets, il, tl = [[1, 2, 2], [3, 1, 0]], [7, 6], [3, 2]
    res = []
    for dev in ("cpu", "cuda"):
        x = ember.tensor(lp, device=dev, requires_grad=True)
        loss = F.ctc_loss(x.log_softmax(2), ember.tensor(targets, device=dev),
                          ember.tensor(il, device=dev), ember.tensor(tl, device=dev))
        loss.backward()
        ember.manual_seed(0)
        emb = nn.Embedding(6, 3, padding_idx=0).double().to(dev)
        e = emb(ember.tensor([[0, 2, 5], [2, 2, 1]], device=dev))
        (e * 2).sum().backward()
        res.append((loss.item(), x.grad.cpu().numpy(), emb.weight.grad.cpu().numpy()))
    assert res[1][0] == pytest.approx(res[0][0], rel=1e-10)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(res[1][2], res[0][2], rtol=1e-12)
