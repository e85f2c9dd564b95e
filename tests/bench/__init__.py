"""registry-tutor's benchmarks: what a learner feels, as ratios against a baseline of the same run.

Run from the repository root:

    .venv/bin/python -m tests.bench            # default run, about 3-4 minutes
    .venv/bin/python -m tests.bench --modern   # the same on Docker 26 with the containerd image store
    .venv/bin/python -m tests.bench --quick    # tiny images, one round (the smoke test uses it)
    .venv/bin/python -m tests.bench --strict   # exit 1 when a target is missed
    .venv/bin/python -m tests.bench --json     # rows as JSON; --only FIGURE to run one figure

The bench starts its own Distribution registry (a fresh account, bcrypt htpasswd like the
practice registry), uses the real Docker daemon and CLI, builds its images FROM scratch with
/bin/busybox plus random-data layers, and keeps HOME, DOCKER_CONFIG and the XDG dirs in a temp
dir. It removes every image name it created and never touches `python-hello-world`.

It prints one row per figure: measured, baseline (measured in the same run), ratio, target, met?
Notes under the table name the gap, or what a pending figure waits for.

Every child runs with the tutor byte-compiled, as an installed package is (bed.compile_like_an_install).
`--modern` starts Docker 26 with the containerd image store (tests/modern_fixtures.py; unpacked by
.ci/modern-engine) and runs every figure against it, its CLI first in PATH.

- first step screen: wall time from spawning `python` to the first frame that shows the step's
  lesson (headless `App.run_test`, `registry-tutor --registry R --user U --image I --engine docker`:
  its Markdown has its blocks and the screen has refreshed since), median of alternating runs,
  against a minimal Textual app that shows one Markdown widget, timed the same way. Target ratio
  <= 1.3. The note gives both processes' CPU time to that point, which machine load hardly moves.
  A report row under it times both until the process is idle (Textual's test: CPU time stops
  advancing), i.e. the tutor has also connected and re-checked every step behind its first screen.
- push: a 64 MB, 8-layer image: `docker push` typed into the headless app's command box (Enter to
  the command's end; the UI's event handling and progress bars included) against `docker push` of
  the same image, and typed into the interpreter alone (a reference row). Every push goes to a
  fresh registry process so each layer is uploaded for real; the order rotates, 6 rounds after a
  warm-up; median of the per-round ratios. Target <= 1.05.
- tutor CPU per push: the tutor process's own CPU (all threads) per push through the app against
  the interpreter alone (same rounds). Target <= 3x. The push children run without the stall
  figure's loop probe (its 10 ms timer and per-callback timing would count as the app's CPU).
- longest event-loop stall: the longest gap beyond 10 ms between ticks of a 10 ms timer on the
  headless app's event loop while `docker push` of a 30-layer image runs from its command box,
  the median of three pushes (each to a fresh registry). Target < 33 ms (two frames). Baseline:
  the same app idle while the docker CLI pushes the same image to another fresh registry (same
  machine load). The note gives the longest single loop
  callback in main-thread CPU time, i.e. the app's own work, whatever else the machine runs.
- watch mode: from the learner's own `docker tag` / `docker push` (real CLI, its own process)
  exiting to the step marked done in the real app with watch mode on (a child process polling
  every 2 ms). Baseline: the core alone (`watch_changes` plus the step's check). Target < 60 ms.
- `check --json` process: `python -m tutor check --json ...` after the whole lab was done with the
  real docker CLI, against `python -c "import docker"` (the floor of any process that uses the
  docker SDK), alternating, medians. Target ratio <= 1.3; CPU per process in the note.
- peak RSS: getrusage ru_maxrss of a child process that runs the whole lab in the headless app,
  typed as a new learner would (account form, login with the masked prompt, tag, push, verify,
  rmi + pull, finish screen). Baseline: the one-Markdown app's peak. Target < 100 MB.
- check latency (reported last): the seven checks via `checks.run_all` after the whole lab, warm;
  median of the seven together (target < 100 ms) and of each alone. Baseline: one authenticated
  GET /v2/ to the same registry (htpasswd bcrypt per request).

Everything runs on a shared machine: wall-clock figures move with its load, which is why the
baselines are measured in the same run and the CPU-time notes are printed beside them.
"""
