"""Training: corpus reading and checks, augmentation, fitting, cross-validation, threshold selection."""
