"""Ways to draw a digit of a chosen class, and two reference "generators" to test the measures.

Every generator is *conditioned on the class*: ``model.sample(labels, temperature,
generator)`` returns one image per requested label, as float32 in [0, 1] with shape
(N, 1, 28, 28).

- ``"cvae-mlp"`` / ``"cvae-cnn"`` -- conditional variational auto-encoders with fully
  connected or convolutional (1 to 3 layers) encoder and decoder (:mod:`.cvae`); random
  codes come from N(0, I) or from a Gaussian mixture fitted per class to the codes of the
  training digits;
- ``"pca"`` -- one PCA per class; a sample is the class mean plus components weighted by
  coefficients ~ N(0, explained variance) x temperature;
- ``"pixel"`` -- one independent Bernoulli per pixel and class (:mod:`.shallow`);
- ``"copy"`` -- returns a random *training* digit: perfect-looking, nothing learned;
- ``"class-mean"`` -- returns the mean training digit of the class, every time.

The last two are references: a measure that rates the copy above real digits cannot see
memorisation, and one that rates the class mean above real digits cannot see variety.

Modules: :mod:`.config` (settings and keys), :mod:`.base` (the shared interface),
:mod:`.cvae`, :mod:`.shallow`, :mod:`.train` (training under the tracker, keeping,
the cost of drawing), :mod:`.summary` (the chapter's rows of panel scores, tables, goals
and choice, and costs measured in interleaved pairs and kept).
"""

from .base import (ConditionalSampler, balanced_labels, check_labels, check_temperature,
                   n_parameters)
from .config import (FAMILY, HAS_TEMPERATURE, KINDS, MAX_CNN_LAYERS, MAX_TEMPERATURE,
                     REFERENCE_KINDS, SAMPLERS, GeneratorConfig)
from .cvae import CVAE, CVAECNN, CVAEMLP, LatentMixture, cnn_sizes, kl_weight, train_cvae
from .shallow import ClassMeanGenerator, CopyGenerator, PCAGenerator, PixelGenerator
from .train import (build, check_data, fit, generation_cost, load_or_train, measure_generation,
                    panel_scores, train_generator)

__all__ = [
    "ConditionalSampler", "balanced_labels", "check_labels", "check_temperature", "n_parameters",
    "FAMILY", "HAS_TEMPERATURE", "KINDS", "MAX_CNN_LAYERS", "MAX_TEMPERATURE", "REFERENCE_KINDS",
    "SAMPLERS", "GeneratorConfig", "CVAE", "CVAECNN", "CVAEMLP", "LatentMixture", "cnn_sizes",
    "kl_weight", "train_cvae", "ClassMeanGenerator", "CopyGenerator", "PCAGenerator",
    "PixelGenerator", "build", "check_data", "fit", "generation_cost", "load_or_train",
    "measure_generation", "panel_scores", "train_generator",
]
