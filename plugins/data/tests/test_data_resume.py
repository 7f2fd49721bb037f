"""Exact resume (issue: Serialization): model + optimizer + scheduler + RNG state (all devices)
+ DataLoader sampler state saved at step k and restored give bit-identical parameters at step
k + n versus an uninterrupted run, on the demo model."""

import importlib.util
import pathlib

import ember
import ember.nn as nn
from ember.utils.data import DataLoader, RandomSampler

ROOT = pathlib.Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("ember_demo", ROOT / "examples" / "demo.py")
demo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(demo)

BATCH = 32
K, N = 7, 9          # save after K steps, compare after K + N steps (crosses an epoch)


class Run:
    """The demo's model and training loop, with an explicit, savable sampler generator."""

    def __init__(self, data):
        ember.manual_seed(0)
        self.model = demo.build_model(1, 8)
        self.opt = ember.optim.Adam(self.model.parameters(), lr=3e-3)
        self.sched = ember.optim.lr_scheduler.StepLR(self.opt, step_size=5, gamma=0.5)
        self.gen = ember.Generator().manual_seed(1)
        self.loader = DataLoader(data, batch_size=BATCH,
                                 sampler=RandomSampler(data, generator=self.gen))
        self.epoch_gen_state = None
        self.batches_done = 0          # in the current epoch
        self.it = None

    def _next_batch(self):
        if self.it is None:
            self.epoch_gen_state = self.gen.get_state()
            self.it = iter(self.loader)
            self.batches_done = 0
        try:
            b = next(self.it)
        except StopIteration:
            self.it = None
            return self._next_batch()
        self.batches_done += 1
        return b

    def step(self):
        x, y = self._next_batch()
        self.model.train()
        self.opt.zero_grad()
        # dropout-free model: use the RNG anyway, so the RNG state matters for exactness
        noise = ember.randn(x.shape) * 1e-3
        loss = nn.functional.cross_entropy(self.model(x + noise), y)
        loss.backward()
        self.opt.step()
        self.sched.step()

    def state(self):
        return {"model": self.model.state_dict(), "optim": self.opt.state_dict(),
                "sched": self.sched.state_dict(), "rng": ember.random.get_all_rng_states(),
                "sampler": {"epoch_gen_state": self.epoch_gen_state,
                            "batches_done": self.batches_done}}

    def load(self, st):
        self.model.load_state_dict(st["model"])
        self.opt.load_state_dict(st["optim"])
        self.sched.load_state_dict(st["sched"])
        # replay the epoch's order from the generator state, skip what was consumed
        self.gen.set_state(st["sampler"]["epoch_gen_state"])
        self.it = iter(self.loader)
        self.epoch_gen_state = st["sampler"]["epoch_gen_state"]
        self.batches_done = 0
        for _ in range(st["sampler"]["batches_done"]):
            next(self.it)
            self.batches_done += 1
        # last: starting an iterator draws the loader's base seed from the global RNG
        ember.random.set_all_rng_states(st["rng"])


def test_resume_is_bit_identical(tmp_path):
    data = ember.datasets.Digits(train=True)
    data = ember.utils.data.Subset(data, range(300))      # 10 batches per epoch

    ref = Run(data)
    for _ in range(K + N):
        ref.step()
    want = {k: v.clone() for k, v in ref.model.state_dict().items()}

    first = Run(data)
    for _ in range(K):
        first.step()
    path = tmp_path / "resume.pt"
    ember.save(first.state(), path)
    ember.manual_seed(12345)                 # disturb global RNG state before resuming
    ember.rand(100)

    second = Run(data)                       # fresh objects, fresh process-like start
    second.load(ember.load(path))
    for _ in range(N):
        second.step()
    got = second.model.state_dict()
    for k in want:
        assert ember.equal(got[k], want[k]), f"parameter {k} differs after resume"
    assert second.sched.get_last_lr() == ref.sched.get_last_lr()
