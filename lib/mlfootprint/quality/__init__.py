"""How good are generated digits? Measured by a panel of judges that differ in kind,
architecture and training (one judge is an instrument with its own error: two reasonable
classifiers can disagree by tens of points on speckled or blurry digits), reported as the
panel's mean and range. :mod:`.judges` (the judges, kept), :mod:`.measures` (plain functions),
:mod:`.panel` (scores against the reference half of the real held-out digits),
:mod:`.verdicts` (what every judge agrees on, as data)."""

from .judges import (Judge, JudgeConfig, OrientedGradients, augment, fit_judge,
                     load_or_train_judge, predict, train_judge)
from .measures import (frechet_distance, knn_radii, nearest_training_distance, precision_recall,
                       relative_frechet, total_variance, within_class_diversity)
from .panel import (BETTER, MEASURES, NAMES, RANKED, Panel, PanelScores, QualityScores,
                    goodness, load_panel, reference_split)
from . import verdicts
