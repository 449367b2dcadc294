"""Synthetic curve designs shared by the calibration tests and
benchmarks/bench_forecast_calibration.py (not a test module)."""

# true parameters and the log10-compute span of the design (points evenly spaced in log10 C)
DESIGNS = {
    "loglinear": ((0.2, 0.2), 0.0, 3.0),
    "logistic": ((0.1, 0.85, 2.5, 1.5), 0.0, 3.0),
    "scalerl": ((0.05, 0.7, 300.0, 1.2), 0.0, 5.0),
    "powerlaw": ((0.9, 0.7, 0.35), 0.0, 4.0),
    "exp_powerlaw": ((-2.5, -0.35), 0.0, 4.0),
}
