"""`oss-bot bench` runs end to end in a tiny configuration and ends with its figures as JSON.

A benchmark is not a timed test: this checks that every part ran and said something sane,
never how fast.
"""

from __future__ import annotations

import json

import pytest

from bot.cli import main

TINY = ["bench", "--clients", "20", "--broadcast", "60", "--people", "200", "--cases", "1000",
        "--repeat", "2", "--burst-rate", "20", "--burst-seconds", "2"]  # fmt: skip


@pytest.mark.slow
def test_a_tiny_bench_ends_with_every_figure_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(TINY) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "updates per second" in "\n".join(lines[:-1])  # the readable table comes first
    figures = json.loads(lines[-1])

    assert {"machine", "options", "traffic", "ceiling", "durable_anchor", "burst", "search",
            "scale", "broadcast", "targets"} <= set(figures)  # fmt: skip
    assert figures["machine"]["cores"] >= 1
    assert figures["machine"]["database"].split()[0] in ("sqlite", "postgresql")

    traffic = figures["traffic"]
    assert traffic["clients"] == 20
    assert traffic["errors"] == 0 and traffic["journey_failures"] == 0
    assert traffic["unanswered_callbacks"] == 0
    assert traffic["updates"] >= 20 * 8  # /start, language, five taps and a search each
    assert traffic["updates_per_second"] > 0
    assert traffic["cases_opened"] + traffic["cases_queued_for_manager"] >= 2
    assert traffic["replies_delivered"] == traffic["replies_expected"]
    assert traffic["outbox_left"] == 0
    assert 0 < traffic["latency_ms"]["p50"] <= traffic["latency_ms"]["p95"]
    assert traffic["peak_memory_mb"] > 0

    ceiling = figures["ceiling"]
    assert ceiling["updates"] == traffic["updates"]
    assert ceiling["updates_per_second"] > 0 and ceiling["ratio"] > 0

    anchor = figures["durable_anchor"]
    assert anchor["updates"] == traffic["updates"]
    assert anchor["updates_per_second"] > 0
    assert anchor["ratio"] == pytest.approx(
        traffic["updates_per_second"] / anchor["updates_per_second"], abs=0.001
    )

    burst = figures["burst"]
    assert burst["rate"] == 20 and burst["seconds"] == 2
    assert burst["updates"] == 40 and burst["errors"] == 0
    latency = burst["latency_ms"]
    assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"]

    assert figures["search"]["queries"] > 0 and figures["search"]["p95_ms"] > 0

    scale = figures["scale"]
    assert scale["people"] == 200 and scale["cases"] == 1000 and scale["events"] > 1000
    assert scale["errors"] == 0
    assert scale["answers"] == 1 + 2 * 2  # the warm-up list, then a list and a case each time
    for name in ("cases_list_ms", "case_view_ms", "monthly_report_ms"):
        assert 0 < scale[name]["median"] <= scale[name]["max"]

    sending = figures["broadcast"]
    assert sending["recipients"] == 60 and sending["sent"] == 60 and sending["failed"] == 0
    assert sending["messages_per_second"] > 0 and sending["errors"] == 0

    assert {"durable_anchor_ratio", "burst_p95_ms", "burst_p99_ms"} <= set(figures["targets"])
    assert all({"value", "target", "met"} <= set(check) for check in figures["targets"].values())
