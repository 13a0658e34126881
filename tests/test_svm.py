import numpy as np
import pytest

from pipeline.model.classifier import build_classifier
from pipeline.model.svm import SoftmaxLinearSVC, softmax_scores


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    centres = np.eye(4)[:3] * 3
    y = np.array(["drone", "navigation", "other"])[np.arange(90) % 3]
    X = centres[np.arange(90) % 3] + rng.randn(90, 4)
    return X, y


def test_scores_are_a_softmax_of_the_decision_values(data):
    X, y = data
    clf = build_classifier(type="svm", C=1.0, class_weight="balanced", max_iter=5000, temperature=3.0).fit(X, y)
    assert isinstance(clf, SoftmaxLinearSVC)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (clf.classes_[proba.argmax(axis=1)] == clf.predict(X)).all()
    d = clf.decision_function(X)
    expected = np.exp(3.0 * d) / np.exp(3.0 * d).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(proba, expected)


def test_temperature_sharpens_without_reordering(data):
    X, y = data
    soft = SoftmaxLinearSVC(temperature=1.0).fit(X, y).predict_proba(X)
    sharp = SoftmaxLinearSVC(temperature=5.0).fit(X, y).predict_proba(X)
    assert (soft.argmax(axis=1) == sharp.argmax(axis=1)).all()
    assert sharp.max(axis=1).mean() > soft.max(axis=1).mean()


def test_binary_decision_becomes_two_columns():
    p = softmax_scores(np.array([0.0, 2.0, -2.0]), 1.0)
    assert p.shape == (3, 2)
    np.testing.assert_allclose(p[0], [0.5, 0.5])
    assert p[1, 1] > 0.8 and p[2, 0] > 0.8


def test_sample_weights_are_taken(data):
    X, y = data
    w = np.where(y == "drone", 10.0, 1.0)
    clf = SoftmaxLinearSVC(C=0.01).fit(X, y, sample_weight=w)
    assert clf.get_params()["temperature"] == 1.0
    assert (clf.predict(X) == "drone").mean() >= (SoftmaxLinearSVC(C=0.01).fit(X, y).predict(X) == "drone").mean()


def test_bad_temperature_is_rejected(data):
    X, y = data
    with pytest.raises(ValueError, match="temperature"):
        SoftmaxLinearSVC(temperature=0.0).fit(X, y)
