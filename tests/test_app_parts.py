"""The UI's small pure parts: message coalescing, secret masking, verdict wording, sizes."""

from __future__ import annotations

from types import SimpleNamespace

from tutor.core import events
from tutor.core.events import CheckResult, Explanation, Status
from tutor.core.lab.session import Lab
from tutor.core.records import replace
from tutor.core.sizes import human_size
from tutor.core.target import Target
from tutor.screens.messages import LayerNews
from tutor.screens.verdict import is_transfer, mask_secrets, verdict_text
from tutor.widgets.output_log import explanation_lines


def test_layer_news_is_handed_out_in_batches_with_the_newest_of_each_layer() -> None:
    """The first news goes at once; news within the interval waits and keeps only each layer's newest."""
    news = LayerNews(interval=3600)
    assert news.take() is None
    assert news.add(events.LayerProgressed("aaa", "Pushing", 1, 10))  # nothing handed out yet: due
    first = news.take()
    assert first is not None and [layer.current for layer in first.layers] == [1]
    assert not news.add(events.LayerProgressed("aaa", "Pushing", 5, 10))  # within the hour: it waits
    assert not news.add(events.LayerProgressed("bbb", "Pushing", 2, 10))
    assert not news.add(events.LayerProgressed("aaa", "Pushed", 10, 10))
    batch = news.take()
    assert batch is not None
    shown = [(layer.layer_id, layer.status) for layer in batch.layers]
    assert shown == [("aaa", "Pushed"), ("bbb", "Pushing")]
    assert news.take() is None
    assert LayerNews(interval=0).add(events.LayerProgressed("ccc", "Pushing", 1, 10))


def test_a_transfers_output_lines_go_with_the_layers_news_in_their_order() -> None:
    """Before any layer moved, lines are not gathered; from then on they wait for the batch."""
    news = LayerNews(interval=3600)
    assert not news.transferring  # e.g. "The push refers to repository ...": shown at once
    assert news.add(events.LayerProgressed("aaa", "Preparing", 0, 0))
    assert news.transferring
    assert news.take() is not None
    assert not news.add_output(events.OutputLine("aaa: Preparing"))
    assert not news.add(events.LayerProgressed("aaa", "Pushing", 3, 10))
    assert not news.add_output(events.OutputLine("aaa: Pushed"))
    batch = news.take()
    assert batch is not None
    assert [line.text for line in batch.output] == ["aaa: Preparing", "aaa: Pushed"]
    assert [layer.status for layer in batch.layers] == ["Pushing"]
    assert news.take() is None


def test_passwords_on_a_command_line_are_masked() -> None:
    """-p, --password VALUE and --password=VALUE are hidden; everything else stays as typed."""
    assert mask_secrets("docker login -u a -p s3cret x") == "docker login -u a -p •••••• x"
    assert mask_secrets("docker login --password=s3cret") == "docker login --password=••••••"
    assert mask_secrets("docker login --password s3cret") == "docker login --password ••••••"
    assert mask_secrets("docker push localhost:5000/a/p") == "docker push localhost:5000/a/p"


def test_transfers_are_recognised() -> None:
    """push and pull (also as `image push`) get progress bars; other commands do not."""
    assert is_transfer("docker push x") and is_transfer("podman image pull x")
    assert not is_transfer("docker images")


def test_verdicts_carry_signs_and_put_a_failed_command_first() -> None:
    """✓ / ✗ / ? lead every verdict; a failed command's explanation comes before the check's."""
    done = verdict_text(CheckResult("tag", Status.DONE, "tagged"), "Push it")
    assert done.startswith("✓") and "Push it" in done
    failure = Explanation("not_tagged", "No such local name.", "Tag first.", "tag", "docker tag a b")
    todo = verdict_text(CheckResult("push", Status.TODO, "not pushed", "docker push b"), None, failure)
    assert todo.splitlines()[0] == "✗ No such local name." and "→ docker push b" in todo
    unknown = verdict_text(CheckResult("push", Status.UNKNOWN, "registry down"), "Verify")
    assert unknown.startswith("? ") and "F6" in unknown


def test_an_account_only_a_login_can_prove_lets_the_learner_go_on() -> None:
    """UNKNOWN on the account step says to go on and log in, not to skip it."""
    result = CheckResult("account", Status.UNKNOWN, "cannot confirm alice")
    text = verdict_text(result, "Log in", confirmed=True)
    assert text.startswith("? ") and "log in" in text and "F6" not in text


def test_verdicts_say_each_thing_once_and_point_at_the_offer() -> None:
    """The explainer's fix is not repeated after the same hint, this step is not "gone back" to, F7 last."""
    fix = "docker login r -u a"
    explained = Explanation("not_logged_in", "Not logged in.", "No stored login.", "login", fix)
    result = CheckResult("login", Status.TODO, "not logged in", "docker login r -u a", explained)
    text = verdict_text(result, None, offer="→ Or press F7", step_names={"login": "3. Log in"})
    assert text.count("docker login r -u a") == 1 and "Go back" not in text
    assert text.splitlines()[-1] == "→ Or press F7"
    elsewhere = verdict_text(CheckResult("push", Status.TODO, "not pushed", None, explained), None,
                             step_names={"login": "3. Log in"})
    assert "3. Log in" in elsewhere


def test_sizes_read_like_the_engines() -> None:
    """Bytes, KiB and MiB with one decimal."""
    assert (human_size(512), human_size(1536), human_size(3 * 1024 * 1024)) == ("512 B", "1.5 KiB", "3.0 MiB")
    assert human_size(5 * 1024**4 * 1024) == "5120.0 TiB"  # the largest unit carries on


def test_sizes_read_like_docker_hub_in_decimal_units() -> None:
    """The repository page counts in thousands, as Docker Hub does: kB, MB, GB."""
    sizes = [human_size(n, decimal=True) for n in (40, 999, 512_000, 1_900_000, 2_500_000_000)]
    assert sizes == ["40 B", "999 B", "512.0 kB", "1.9 MB", "2.5 GB"]


def test_output_names_the_step_to_go_back_to_by_its_title_and_never_the_one_on_screen() -> None:
    """A failed command's advice in the output says "3. Log in", and nothing when that is this step."""
    explained = Explanation("not_logged_in", "Not logged in.", "No stored login.", "login", "docker login r")
    names = {"login": "3. Log in"}
    assert any("3. Log in" in line for line in explanation_lines(explained, names, current="push"))
    assert not any("Go back" in line for line in explanation_lines(explained, names, current="login"))


def test_a_lab_keeps_one_check_context_until_its_target_changes() -> None:
    """The checks' context (with its registry client and tokens) is reused, and rebuilt for a new image."""
    target = Target("localhost:5000", "alice", practice=True)
    lab = Lab(object(), target, None, None, SimpleNamespace(target=target))
    first = lab.context()
    assert lab.context() is first and first.target == target
    lab.retarget(replace(target, image="other-image"))
    assert lab.context() is not first and lab.context().target.image == "other-image"


def test_many_layers_show_the_moving_ones_and_count_the_rest() -> None:
    """Up to five layers all show in order; with more, those still moving first and one line for the rest."""
    from tutor.core.events import LayerProgressed as Layer
    from tutor.widgets.push_progress import MAX_LINES, shown_layers

    few = [Layer(f"l{n}", "Pushing", n, 10) for n in range(MAX_LINES)]
    assert shown_layers(few) == (few, 0)
    many = [Layer(f"l{n}", "Pushed" if n % 2 else "Pushing", 5, 10) for n in range(9)]
    picked, others = shown_layers(many)
    assert [layer.layer_id for layer in picked] == ["l0", "l2", "l4", "l6"] and others == 5
    done = [Layer(f"l{n}", "Pushed", 10, 10) for n in range(9)]
    picked, others = shown_layers(done)  # all done: the most recent ones, still in their order
    assert [layer.layer_id for layer in picked] == ["l5", "l6", "l7", "l8"] and others == 5


async def test_the_layers_panel_keeps_its_height_through_a_transfer_and_fits_it_after() -> None:
    """Lines coming in never change the panel's height (no layout per line); the end gives back the rest."""
    from textual.app import App, ComposeResult

    from tutor.core.events import LayerProgressed as Layer
    from tutor.widgets.push_progress import MAX_LINES, PushProgress

    class PanelApp(App[None]):
        def compose(self) -> ComposeResult:
            yield PushProgress()

    app = PanelApp()
    async with app.run_test(size=(100, 20)) as pilot:
        panel = app.query_one(PushProgress)
        panel.start()
        await pilot.pause()
        reserved = panel.size.height
        for count in range(1, 3):
            panel.update_layer(Layer(f"l{count}", "Pushing", 1, 10))
            panel.flush()
            await pilot.pause()
            assert panel.size.height == reserved
        assert reserved == MAX_LINES + 1  # the layer lines and the total (size leaves the border out)
        panel.finish()
        await pilot.pause()
        assert panel.size.height == 2 + 1  # the two layer lines shown, and the total
