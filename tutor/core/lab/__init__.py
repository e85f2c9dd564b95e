"""One learner's lab: its session and target, the checks of each step, progress and reset."""
