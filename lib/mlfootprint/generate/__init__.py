"""Generators of a digit of a chosen class: ``model.sample(labels, temperature, generator)``
gives one image per label, float32 in [0, 1], shaped (N, 1, 28, 28).

Kinds (:mod:`.config`): ``"cvae-mlp"`` / ``"cvae-cnn"``, conditional VAEs whose random codes
come from N(0, I) or a Gaussian mixture fitted per class (:mod:`.cvae`); ``"pca"`` (one PCA per
class) and ``"pixel"`` (one Bernoulli per pixel and class) (:mod:`.shallow`); and two
references: ``"copy"`` returns a training digit (a measure that rates it above real digits
cannot see memorisation), ``"class-mean"`` the class's mean digit (one that rates it above
real digits cannot see variety). :mod:`.train` trains, keeps and measures drawing;
:mod:`.summary` holds the chapter's tables, goals and paired costs.
"""

from .base import (ConditionalSampler, balanced_labels, check_labels, check_temperature,
                   n_parameters)
from .config import (FAMILY, HAS_TEMPERATURE, KINDS, MAX_CNN_LAYERS, MAX_TEMPERATURE,
                     REFERENCE_KINDS, SAMPLERS, GeneratorConfig)
from .cvae import CVAE, CVAECNN, CVAEMLP, LatentMixture, cnn_sizes, kl_weight, train_cvae
from .shallow import ClassMeanGenerator, CopyGenerator, PCAGenerator, PixelGenerator
from .train import (build, check_data, fit, generation_cost, load_or_train, measure_generation,
                    panel_scores, train_generator)
