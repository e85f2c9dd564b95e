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

- start-up: wall time from spawning `python` to the first step screen drawn (headless
  `App.run_test`, `registry-tutor --registry R --user U --image I --engine docker`), median of
  alternating runs, against a minimal Textual app that shows one Markdown widget. Target ratio
  <= 1.5. The note gives both processes' CPU time to that point, which machine load hardly moves.
- check latency: the seven checks (image, account, login, tag, push, verify, pull) via
  `checks.run_all` after the whole lab was done with the real docker CLI, warm; median of the
  seven together (target < 100 ms) and of each alone. Baseline: one authenticated GET /v2/ to the
  same registry, the floor for any check that asks the registry (htpasswd bcrypt per request).
- unlock latency: from the learner's own `docker tag` / `docker push` (real CLI, its own process)
  exiting to the step marked done in the real app with watch mode on (a child process polling
  every 2 ms). Baseline: the core alone (`watch_changes` plus the step's check). Target < 500 ms.
- push overhead: a 64 MB, 8-layer image pushed through the tutor against `docker push` of the
  same image, two rows: `docker push` typed into the interpreter (every event consumed), and
  typed into the headless app's command box (plus the UI's event handling and progress bars,
  Enter to the command's end). Every push goes to a fresh registry process so each layer is
  uploaded for real (the daemon would otherwise mount blobs from an earlier repository); the
  order rotates, 6 rounds after a warm-up; median of the per-round ratios. Target <= 1.05.
  The note gives the tutor process's own CPU per push.
- smoothness: the longest gap beyond 10 ms between ticks of a 10 ms timer on the headless app's
  event loop while `docker push` of a 30-layer image runs from its command box. Target < 50 ms.
  Baseline: the same app idle while the docker CLI pushes the same image to another fresh
  registry (same machine load). The note gives the longest single loop callback in main-thread
  CPU time, i.e. the app's own work, whatever else the machine runs.
- memory: peak RSS (getrusage ru_maxrss) of a child process that runs the whole lab in the
  headless app, typed as a new learner would (account form, login with the masked prompt, tag,
  push, verify, rmi + pull, finish screen). Baseline: the one-Markdown app's peak. Target < 120 MB.

Everything runs on a shared machine: wall-clock figures move with its load, which is why the
baselines are measured in the same run and the CPU-time notes are printed beside them.
"""
