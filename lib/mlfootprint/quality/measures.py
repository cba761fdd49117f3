"""The measures of a set of digits, as plain functions of features and pixels (none knows
about judges or generators, so each is checked on data whose answer is known). Precision and
recall follow Kynkäänniemi et al. (NeurIPS 2019): each set's manifold is the union of balls
around its points, as wide as the distance to the k-th nearest neighbour in the set; precision
is the share of generated points inside the real manifold, recall the reverse."""

from __future__ import annotations

import numpy as np
import torch
from scipy.spatial.distance import pdist
from sklearn.neighbors import NearestNeighbors

from ..checks import integer


def _features(name: str, value) -> torch.Tensor:
    try:
        t = torch.as_tensor(np.asarray(value) if not isinstance(value, torch.Tensor) else value)
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(f"{name} must be a 2-D array of numbers (N, D), got {value!r:.60}") from None
    if t.dtype == torch.bool or t.is_complex():
        raise TypeError(f"{name} must hold real numbers, got dtype {t.dtype}")
    if t.dim() != 2 or len(t) == 0:
        raise ValueError(f"{name} must be a 2-D set of feature rows (N, D) with N >= 1, "
                         f"got shape {tuple(t.shape)}")
    bad = int((~torch.isfinite(t.double())).sum())
    if bad:
        raise ValueError(f"{name}: {bad:,} value(s) are NaN or infinite; every feature must be finite")
    return t.double()


def within_class_diversity(features, labels) -> float:
    """Mean pairwise Euclidean distance between features of the same class, averaged over
    the classes that have at least two examples."""
    features = _features("features", features)
    labels = torch.as_tensor(labels)
    if labels.shape != (len(features),):
        raise ValueError(f"labels must hold one label per feature row ({len(features)}), "
                         f"got shape {tuple(labels.shape)}")
    if labels.is_floating_point() or labels.is_complex() or labels.dtype == torch.bool:
        raise TypeError(f"labels must be integer class labels, got dtype {labels.dtype} (a label "
                        f"such as 3.7 would be cut to 3)")
    per_class = [float(pdist(features[labels == c].numpy()).mean())
                 for c in labels.unique().tolist() if int((labels == c).sum()) >= 2]
    if not per_class:
        raise ValueError("diversity needs at least two examples of some class")
    return float(np.mean(per_class))


def frechet_distance(a, b) -> float:
    """Fréchet distance between Gaussians fitted to feature sets ``a`` and ``b`` (rows =
    samples): |mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))."""
    a = _features("a", a).numpy()
    b = _features("b", b).numpy()
    if a.shape[1] != b.shape[1] or len(a) < 2 or len(b) < 2:
        raise ValueError(f"need two feature sets with the same width and >= 2 rows, got "
                         f"{a.shape} and {b.shape}")
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # Tr((S_a S_b)^1/2): the eigenvalues of a product of two covariances are real and >= 0
    tr_root = float(np.sqrt(np.clip(np.linalg.eigvals(s_a @ s_b).real, 0, None)).sum())
    value = float(((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * tr_root)
    return max(value, 0.0)


def total_variance(features) -> float:
    """Sum of the variances of the feature columns (the trace of the covariance)."""
    f = _features("features", features)
    if len(f) < 2:
        raise ValueError("the spread of a feature set needs at least two rows")
    return float(f.var(0, unbiased=True).sum())


def relative_frechet(generated, reference) -> float:
    """:func:`frechet_distance` divided by the total variance of ``reference``: 0 for the
    same Gaussian, 1 when the two sets are as far apart as the reference set is spread.
    Dimensionless, so judges with feature spaces of different scales can be compared."""
    _features("generated", generated)   # named here: frechet_distance calls it "a"
    spread = total_variance(reference)
    if spread == 0:
        raise ValueError("the reference features do not vary, so no relative distance exists")
    return frechet_distance(generated, reference) / spread


def knn_radii(features, k: int = 3) -> torch.Tensor:
    """Distance from each row to its ``k``-th nearest *other* row of the same set."""
    f = _features("features", features)
    k = integer("k", k, lo=1)
    if len(f) <= k:
        raise ValueError(f"a k-nearest-neighbour radius with k={k} needs more than {k} rows, "
                         f"got {len(f)}")
    # scikit-learn leaves each point out of its own neighbours (a duplicate stays in)
    distances, _ = NearestNeighbors(n_neighbors=k).fit(f.numpy()).kneighbors()
    return torch.as_tensor(distances[:, -1])


def _coverage(points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor) -> float:
    """Share of ``points`` inside at least one ball (centre, radius)."""
    d = torch.cdist(points, centres)
    inside = (d <= radii.unsqueeze(0) * (1 + 1e-9) + 1e-12).any(dim=1)
    return float(inside.double().mean())


def precision_recall(real, generated, k: int = 3) -> tuple[float, float]:
    """(precision, recall) of ``generated`` against ``real`` feature sets, with ``k``-nearest-
    neighbour manifolds (Kynkäänniemi et al. 2019; k = 3 as in the paper).

    Identical sets score (1, 1); sets far apart score (0, 0); one image repeated scores a
    recall of 0 (its manifold is a single point) and a precision of 1 if that image lies
    within the real manifold."""
    real = _features("real", real)
    generated = _features("generated", generated)
    if real.shape[1] != generated.shape[1]:
        raise ValueError(f"real and generated features must have the same width, got "
                         f"{real.shape[1]} and {generated.shape[1]}")
    precision = _coverage(generated, real, knn_radii(real, k))
    recall = _coverage(real, generated, knn_radii(generated, k))
    return precision, recall


def nearest_training_distance(images: torch.Tensor, labels: torch.Tensor,
                              x_train: torch.Tensor, y_train: torch.Tensor) -> float:
    """Mean Euclidean pixel distance from each image to its nearest training digit of the
    same class (0 = a copy of the training data)."""
    flat = images.reshape(len(images), -1).float()
    train = x_train.reshape(len(x_train), -1).float()
    labels = torch.as_tensor(labels)
    dists = []
    for c in labels.unique().tolist():
        pool = train[y_train == c]
        if len(pool) == 0:
            raise ValueError(f"no training digit of class {c} to compare with")
        dists.append(torch.cdist(flat[labels == c], pool,
                                 compute_mode="donot_use_mm_for_euclid_dist").min(1).values)
    return float(torch.cat(dists).mean())
