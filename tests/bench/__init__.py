"""registry-tutor's benchmarks: what a learner feels, as ratios against a baseline of the same run.

Run from the repository root:

    .venv/bin/python -m tests.bench            # default run, about 2-3 minutes
    .venv/bin/python -m tests.bench --quick    # tiny images, one round (the smoke test uses it)
    .venv/bin/python -m tests.bench --strict   # exit 1 when a target is missed
    .venv/bin/python -m tests.bench --json     # rows as JSON; --only FIGURE to run one figure

The bench starts its own Distribution registry (a fresh account, bcrypt htpasswd like the
practice registry), uses the real Docker daemon and CLI, builds its images FROM scratch with
/bin/busybox plus random-data layers, and keeps HOME, DOCKER_CONFIG and the XDG dirs in a temp
dir. It removes every image name it created and never touches `python-hello-world`.

It prints one row per figure: measured, baseline (measured in the same run), ratio, target, met?
Notes under the table name the gap, or what a pending figure waits for.

- start-up: wall time from spawning `python` to the first step screen drawn, headless
  (`App.run_test`), median of alternating runs, against a minimal Textual app that shows one
  Markdown widget. Target ratio <= 1.5.
- check latency: all seven checks (image, account, login, tag, push, verify, pull) against the
  local daemon and registry after the whole lab is done, warm; median of the seven together and
  of each. Target: all seven under 100 ms.
- unlock latency: from the learner's own `docker tag` / `docker push` (real CLI, own process)
  returning, to the watcher having noticed and the step's check saying done. Target < 500 ms.
- push overhead: a 64 MB, 8-layer image pushed through the tutor (the interpreter's
  `docker push`, consuming every event) against `docker push` of the same image, each push to a
  fresh registry process so every layer is uploaded for real, alternating, several rounds;
  median of the per-round ratios. Target <= 1.05.
- smoothness: the longest gap between ticks of a 10 ms timer on the headless app's event loop
  while it pushes a 30-layer image, minus the tick interval. Target < 50 ms.
- memory: peak RSS (getrusage ru_maxrss) of a child process that runs the whole lab headless;
  baseline: the minimal Markdown app's peak. Target < 120 MB.
"""
