"""The classifier step: the ``[classifier]`` config section is the keyword arguments of :func:`build_classifier`."""

from __future__ import annotations

from pipeline.params import at_least_two, boolean, one_of, positive, positive_int

CLASSIFIER_TYPES = ("logreg", "svm", "svm_calibrated", "sgd")
SGD_ALPHA_SCALE = 1000.0  # SGDClassifier's alpha is 1 / (C * this): C on the scale of the other two types

PARAMETER_CONSTRAINTS = {
    "type": one_of(*CLASSIFIER_TYPES),
    "C": positive,
    "class_weight": one_of("balanced", None),
    "max_iter": positive_int,
    "calibration_folds": at_least_two,
    "calibration_ensemble": boolean,
    "temperature": positive,
}


def build_classifier(
    type: str = "logreg",  # noqa: A002 - the config key
    C: float = 1.0,  # noqa: N803 - scikit-learn's name
    class_weight: str | None = None,
    max_iter: int = 100,
    calibration_folds: int = 3,
    calibration_ensemble: bool = False,
    temperature: float = 1.0,
    random_state: int = 0,
):
    """Build an unfitted scikit-learn classifier.

    Args:
        type: ``"logreg"`` (multinomial logistic regression), ``"svm"`` (LinearSVC, scores a softmax of its
            decision values at ``temperature``: :class:`SoftmaxLinearSVC`), ``"svm_calibrated"`` (LinearSVC with
            sigmoid calibration) or ``"sgd"`` (logistic loss).
        C: inverse regularisation strength.
        class_weight: ``"balanced"`` or ``None``.
        max_iter: iterations of the solver.
        calibration_folds: cross-validation folds of the calibration (``svm_calibrated`` only).
        calibration_ensemble: keep one calibrated classifier per fold (``svm_calibrated`` only).
        temperature: multiplier of the decision values before the softmax (``svm`` only).
        random_state: the seed (the config's ``[training] seed``).
    """
    from sklearn.linear_model import LogisticRegression, SGDClassifier

    if type == "logreg":
        return LogisticRegression(C=C, class_weight=class_weight, max_iter=max_iter, random_state=random_state)
    if type == "svm":
        from pipeline.model.svm import SoftmaxLinearSVC

        return SoftmaxLinearSVC(
            C=C, class_weight=class_weight, max_iter=max_iter, random_state=random_state, temperature=temperature
        )
    if type == "svm_calibrated":
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.svm import LinearSVC

        svc = LinearSVC(C=C, class_weight=class_weight, max_iter=max_iter, random_state=random_state)
        return CalibratedClassifierCV(svc, cv=calibration_folds, method="sigmoid", ensemble=calibration_ensemble)
    if type == "sgd":
        return SGDClassifier(
            loss="log_loss",
            alpha=1.0 / (C * SGD_ALPHA_SCALE),
            class_weight=class_weight,
            max_iter=max_iter,
            random_state=random_state,
        )
    raise ValueError(f"[classifier] type {type!r} is not supported")
