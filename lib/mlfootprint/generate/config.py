"""Every setting of a generator, checked, and which of them enter which cache key."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..checks import choice, int_list, integer, number

KINDS = ("cvae-mlp", "cvae-cnn", "pca", "pixel", "copy", "class-mean")
FAMILY = {"cvae-mlp": "CVAE-MLP", "cvae-cnn": "CVAE-CNN", "pca": "PCA", "pixel": "Pixel",
          "copy": "Copy", "class-mean": "Class mean"}
# Reference rows: not generators one would use, but probes that keep the measures honest.
REFERENCE_KINDS = ("copy", "class-mean")
HAS_TEMPERATURE = {kind: kind not in REFERENCE_KINDS for kind in KINDS}
SAMPLERS = ("normal", "mixture")
MAX_CNN_LAYERS = 3
MAX_TEMPERATURE = 5.0
N_CLASSES = 10
IMAGE_PIXELS = 28 * 28

# The settings that change what *training* produces, per kind (the training cache key).
# The CVAEs' ``sampler`` is not among them: it only chooses how codes are drawn from the
# trained model, so two configs that differ only by sampler share one training run.
_TRAINING = {
    "cvae-mlp": ("hidden", "latent", "epochs", "lr", "batch_size", "beta", "kl_warmup",
                 "mixture_components", "seed"),
    "cvae-cnn": ("channels", "latent", "epochs", "lr", "batch_size", "beta", "kl_warmup",
                 "mixture_components", "seed"),
    "pca": ("n_components",),
    "pixel": ("smoothing", "seed"),
    "copy": ("seed",),
    "class-mean": (),
}


@dataclass(frozen=True)
class GeneratorConfig:
    """A generator's settings; only those relevant to ``kind`` enter its keys. CVAEs:
    ``hidden`` (MLP) or ``channels`` (CNN), a ``latent`` code; loss = reconstruction + ``beta``
    x KL, the KL weight raised linearly over the first ``kl_warmup`` epochs ("KL annealing").
    ``mixture_components`` > 0 fits, per class, a Gaussian mixture to the training codes;
    ``sampler`` draws codes from ``"normal"`` (the prior N(0, I)) or ``"mixture"``."""

    kind: str
    hidden: tuple[int, ...] = (256,)
    channels: tuple[int, ...] = (16, 32)
    latent: int = 8
    epochs: int = 15
    lr: float = 1e-3
    batch_size: int = 64
    beta: float = 1.0
    kl_warmup: int = 0
    mixture_components: int = 0
    sampler: str = "normal"
    n_components: int = 20
    smoothing: float = 1.0
    seed: int = 0

    def __post_init__(self):
        choice("kind", self.kind, KINDS)
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        set_("hidden", int_list("hidden", self.hidden, lo=1, hi=4096, max_len=4, example="[256]"))
        set_("channels", int_list("channels", self.channels, lo=1, hi=256, max_len=MAX_CNN_LAYERS,
                                  example="[16, 32]"))
        for name, lo, hi in (("latent", 1, 256), ("epochs", 1, 500), ("batch_size", 1, 8192),
                             ("kl_warmup", 0, 500), ("mixture_components", 0, 50),
                             ("n_components", 1, IMAGE_PIXELS), ("seed", 0, 2**32 - 1)):
            set_(name, integer(name, getattr(self, name), lo=lo, hi=hi))
        set_("lr", number("lr", self.lr, lo=0.0, hi=1.0, lo_open=True))
        set_("beta", number("beta", self.beta, lo=0.0, hi=100.0))
        set_("smoothing", number("smoothing", self.smoothing, lo=0.0, hi=1e6))
        choice("sampler", self.sampler, SAMPLERS)
        if self.kl_warmup > self.epochs:
            raise ValueError(f"kl_warmup must be at most epochs ({self.epochs}), got {self.kl_warmup}")
        if self.sampler == "mixture" and not self.mixture_components:
            raise ValueError("sampler='mixture' needs mixture_components >= 1 (the mixture is "
                             "fitted at the end of training), got mixture_components=0")

    @property
    def family(self) -> str:
        return FAMILY[self.kind]

    @property
    def is_cvae(self) -> bool:
        return self.kind.startswith("cvae")

    def training_settings(self) -> dict:
        """The settings that change the trained model (its cache key and record)."""
        d = asdict(self) | {"hidden": list(self.hidden), "channels": list(self.channels)}
        return {"kind": self.kind, **{name: d[name] for name in _TRAINING[self.kind]}}

    def settings(self) -> dict:
        """Training settings plus how samples are drawn (the sampler of a CVAE)."""
        return self.training_settings() | ({"sampler": self.sampler} if self.is_cvae else {})

    def label(self) -> str:
        """The name a person would write, e.g. ``CVAE-MLP 256, z=8, mixture codes``."""
        if self.is_cvae:
            body = "-".join(map(str, self.hidden if self.kind == "cvae-mlp" else self.channels))
            text = f"{self.family} {body}, z={self.latent}"
            if self.kl_warmup:
                text += f", KL warm-up {self.kl_warmup} epochs"
            if self.beta != 1:
                text += f", KL weight {self.beta:g}"
            return text + (", mixture codes" if self.sampler == "mixture" else ", normal codes")
        return {"pca": f"PCA, {self.n_components} components per class",
                "pixel": "Per-pixel Bernoulli", "copy": "Copy a training digit",
                "class-mean": "Class mean, repeated"}[self.kind]
