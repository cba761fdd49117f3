"""How good are generated digits? Measured by a panel of judges, like energy by a tracker.

A single judge is an instrument with its own error: two reasonable classifiers can disagree
by tens of points on the same speckled or blurry digits. So every quality figure here comes
from a *panel* of judges that differ in kind (networks that learn their features, and a
logistic regression on histograms of oriented gradients), architecture and training, and is
reported as the panel's mean with its range (min-max across judges).

- :mod:`.judges` -- the judges, their training (optionally with shifts and pixel noise),
  their names (:attr:`JudgeConfig.name`) and how each is kept (:func:`load_or_train_judge`);
- :mod:`.measures` -- the measures as plain functions: diversity, Fréchet distance,
  precision and recall (k-nearest-neighbour manifolds), novelty;
- :mod:`.panel` -- a :class:`Panel` scores a set of digits with every judge
  (:class:`PanelScores`), against a reference half of the real held-out digits;
- :mod:`.verdicts` -- what the panel agrees on, as data (no sentences): comparisons that
  hold for every judge, measures that a degenerate reference (the class mean) fools.
"""

from .judges import (Judge, JudgeConfig, OrientedGradients, augment, fit_judge,
                     held_out_accuracy, load_or_train_judge, predict, train_judge)
from .measures import (frechet_distance, knn_radii, nearest_training_distance, precision_recall,
                       relative_frechet, total_variance, within_class_diversity)
from .panel import (BETTER, MEASURES, NAMES, RANKED, Panel, PanelScores, QualityScores,
                    goodness, load_panel, reference_split)
from . import verdicts

__all__ = ["Judge", "JudgeConfig", "OrientedGradients", "augment", "fit_judge", "held_out_accuracy",
           "load_or_train_judge", "predict", "train_judge", "frechet_distance", "knn_radii",
           "nearest_training_distance", "precision_recall", "relative_frechet",
           "total_variance", "within_class_diversity", "BETTER", "MEASURES", "NAMES", "RANKED",
           "Panel", "PanelScores", "QualityScores", "goodness", "load_panel", "reference_split",
           "verdicts"]
