"""What the learner types: parsed with shlex (never a shell) and run through the engine."""
