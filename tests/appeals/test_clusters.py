"""Similar-case clusters: the measured choice of similarity, the job, and the centre's decisions."""

from __future__ import annotations

import pytest

from appeals import clustering, services
from appeals.enums import ClusterState
from appeals.models import Cluster, ClusterMember
from portal.exceptions import ConflictError, InvalidError, PermissionDeniedError
from tests import factories


def test_jieba_groups_the_labelled_set_better_than_trigrams(db):
    best = clustering.evaluate()
    assert best["jieba"].f1 >= 0.95 and best["jieba"].precision == 1.0
    assert best["trgm"].f1 < best["jieba"].f1
    assert best["jieba"].threshold == clustering.JACCARD_THRESHOLD


NOISE = ["工地凌晨一点还在打桩施工，噪音太大睡不着", "工地晚上十二点以后还在打桩，噪音吵得睡不着觉",
         "半夜工地打桩机一直响，噪音扰民，希望禁止夜间打桩施工"]
STALLS = ["菜市场门口流动摊贩占道经营，早上车都过不去", "菜市场外面摊贩把车道占了，占道经营堵路",
          "早上菜市场门口很多摊位占道，电动车都过不去"]


@pytest.fixture
def similar(world, file_appeal):
    noise = [file_appeal(title="夜间打桩噪音", description=text) for text in NOISE]
    stalls = [file_appeal(title="菜市场占道", description=text) for text in STALLS]
    elsewhere = file_appeal(title="夜间打桩噪音", description=NOISE[0], area_id=world.area2.pk)
    return noise, stalls, elsewhere


def members(cluster):
    return set(cluster.members.values_list("appeal_id", flat=True))


def test_job_groups_by_item_area_and_words_and_is_idempotent(similar):
    noise, stalls, elsewhere = similar
    run = services.compute_clusters()
    assert run.suggested == 2
    found = {frozenset(members(c)) for c in Cluster.objects.all()}
    assert found == {frozenset(a.pk for a in noise), frozenset(a.pk for a in stalls)}
    ids = set(Cluster.objects.values_list("pk", flat=True))
    again = services.compute_clusters()
    assert again.suggested == 0 and set(Cluster.objects.values_list("pk", flat=True)) == ids
    cluster = Cluster.objects.get(members__appeal=noise[0])
    assert (cluster.size, cluster.state) == (3, ClusterState.SUGGESTED)


def test_confirmed_cluster_gathers_new_similar_appeals(world, file_appeal, similar, dispatcher):
    noise, _stalls, _elsewhere = similar
    services.compute_clusters()
    cluster = Cluster.objects.get(members__appeal=noise[0])
    services.confirm_cluster(actor=dispatcher, cluster_id=cluster.pk, label="工地夜间打桩")
    late = file_appeal(title="又在夜间打桩", description="工地凌晨还在打桩施工，噪音吵得孩子睡不着")
    services.compute_clusters()
    cluster.refresh_from_db()
    assert late.pk in members(cluster) and cluster.size == 4 and cluster.label == "工地夜间打桩"


def test_me_too_counts_in_the_cluster(similar, dispatcher):
    noise, _stalls, _elsewhere = similar
    services.add_me_too(user=factories.ResidentFactory(), appeal_id=noise[1].pk)
    services.compute_clusters()
    cluster = Cluster.objects.get(members__appeal=noise[0])
    assert (cluster.me_too_total, cluster.weight) == (1, 4)


def test_merge_split_dismiss(similar, dispatcher, world):
    noise, stalls, _elsewhere = similar
    services.compute_clusters()
    a = Cluster.objects.get(members__appeal=noise[0])
    b = Cluster.objects.get(members__appeal=stalls[0])
    with pytest.raises(PermissionDeniedError):
        services.merge_clusters(actor=world.bureau_staff, target_id=a.pk, source_ids=[b.pk])
    merged = services.merge_clusters(actor=dispatcher, target_id=a.pk, source_ids=[b.pk])
    assert (merged.size, merged.state, Cluster.objects.count()) == (6, ClusterState.CONFIRMED, 1)
    new = services.split_cluster(actor=dispatcher, cluster_id=a.pk, appeal_ids=[s.pk for s in stalls], label="菜市场占道")
    assert members(new) == {s.pk for s in stalls} and new.size == 3
    with pytest.raises(InvalidError):
        services.split_cluster(actor=dispatcher, cluster_id=new.pk, appeal_ids=[noise[0].pk])
    services.dismiss_cluster(actor=dispatcher, cluster_id=new.pk)
    services.compute_clusters()
    assert Cluster.objects.get(pk=new.pk).state == ClusterState.DISMISSED
    assert ClusterMember.objects.filter(cluster=new).count() == 3


def test_one_reply_reaches_every_resident_of_the_cluster(similar, dispatcher, mailoutbox=None):
    noise, _stalls, _elsewhere = similar
    services.compute_clusters()
    cluster = Cluster.objects.get(members__appeal=noise[0])
    with pytest.raises(ConflictError):
        services.reply_to_cluster(actor=dispatcher, cluster_id=cluster.pk, body="统一答复：已安排夜间巡查工地。")
    services.confirm_cluster(actor=dispatcher, cluster_id=cluster.pk)
    count = services.reply_to_cluster(actor=dispatcher, cluster_id=cluster.pk, body="统一答复：已责令工地停止夜间打桩。")
    assert count == 3
    for appeal in noise:
        event = appeal.events.get(kind="cluster_reply")
        assert event.public and "已责令工地停止夜间打桩" in event.public_text
    cluster.refresh_from_db()
    assert cluster.state == ClusterState.HANDLED


def test_cluster_list_names_a_state_that_does_not_exist(client, dispatcher):
    client.force_login(dispatcher)
    assert client.get("/appeals/centre/clusters/?state=handled").status_code == 200
    refused = client.get("/appeals/centre/clusters/?state=forgotten")
    assert refused.status_code == 400 and "没有这个类案状态。" in refused.content.decode()


def test_cluster_pages_for_the_centre_only(client, similar, dispatcher, resident):
    noise, _stalls, _elsewhere = similar
    services.compute_clusters()
    cluster = Cluster.objects.get(members__appeal=noise[0])
    client.force_login(resident)
    assert client.get(f"/appeals/centre/clusters/{cluster.pk}/").status_code == 403
    client.force_login(dispatcher)
    body = client.get(f"/appeals/centre/clusters/{cluster.pk}/").content.decode()
    assert "<svg" in body and world_unit_name(noise[0]) in body
    response = client.post(f"/appeals/centre/clusters/{cluster.pk}/", {"action": "confirm", "label": "夜间打桩"})
    assert response.status_code == 302 and Cluster.objects.get(pk=cluster.pk).state == ClusterState.CONFIRMED


def world_unit_name(appeal):
    appeal.refresh_from_db()
    return appeal.primary_unit.name
