"""The heatmap's figures against a small set of instances computed by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from potok.processes import selectors
from potok.processes.models import HistoryEntry, ProcessVersion, Task
from potok.processes.services.instances import task_complete_in_engine

pytestmark = pytest.mark.django_db


def test_percentile_interpolates_between_ranks() -> None:
    assert selectors.percentile([], 0.5) is None
    assert selectors.percentile([4.0], 0.9) == 4.0
    assert selectors.percentile([1, 2, 3, 4, 10], 0.5) == 3
    assert selectors.percentile([1, 2, 3, 4, 10], 0.9) == pytest.approx(7.6)


def test_passed_waiting_median_and_p90_per_node(started, client_as) -> None:
    # given five instances: four finished the review after 1, 2, 3 and 10 hours, one waits there
    instances = [started("approval") for _ in range(5)]
    for instance in instances[:4]:
        task_complete_in_engine(actor=None, task_id=Task.objects.get(instance=instance, state="open").id)
    for instance, hours in zip(instances[:4], (1, 2, 3, 10), strict=True):
        entry = HistoryEntry.objects.get(instance=instance, node_id="review")
        HistoryEntry.objects.filter(pk=entry.pk).update(started_at=entry.ended_at - timedelta(hours=hours))
    version = ProcessVersion.objects.get(definition__key="approval")

    # when the heatmap of the version is read
    heat = selectors.version_heatmap(version)

    # then by hand: median of 1, 2, 3, 10 h is 2.5 h; p90 is 3 + 0.7 × (10 − 3) = 7.9 h
    review = heat["review"]
    assert (review.passed, review.waiting) == (4, 1)
    assert review.median_seconds == pytest.approx(2.5 * 3600)
    assert review.p90_seconds == pytest.approx(7.9 * 3600)
    assert (heat["start"].passed, heat["start"].waiting) == (5, 0)
    assert (heat["end"].passed, heat["end"].waiting) == (4, 0)
    # a sample of the latest rows bounds the work and still counts every instance that passed
    assert selectors.version_heatmap(version, sample=2)["start"].passed == 5

    # and the page shows the same figures in its table and hands them to the diagram
    page = client_as("admin").get("/processes/definitions/approval/v1/heatmap/")
    assert page.status_code == 200
    shown = {item["node_id"]: item for item in page.context["diagram"]["heat"]}
    assert shown["review"]["passed"] == 4 and shown["review"]["waiting"] == 1
    assert shown["review"]["median_seconds"] == pytest.approx(9000)
    assert 'data-node="review"' in page.content.decode()


def test_the_heatmap_reads_in_a_bounded_number_of_queries(started, django_assert_max_num_queries) -> None:
    for _ in range(3):
        started("approval")
    version = ProcessVersion.objects.get(definition__key="approval")
    with django_assert_max_num_queries(3):
        selectors.version_heatmap(version)
