"""Text similarity for similar-case clusters (类案), two measures:

- ``jieba``: the texts are segmented by jieba (words of two or more
  characters, minus a small stop list, plus the item name); similarity is
  the Jaccard index of the two word sets.
- ``trgm``: PostgreSQL pg_trgm ``similarity()`` of the two texts.

Which groups better was measured on LABELLED below (22 real-looking appeals
of four items in two towns, each labelled with the problem it describes;
clusters form only inside one item × area): ``evaluate()`` returns pairwise
precision, recall and F1 of both at their best threshold. Measured here
(tests/appeals/test_clusters.py re-runs it):

  jieba Jaccard  0.10–0.18: P 0.74 R 1.00 F1 0.85;  0.20: P 1.00 R 0.94 F1 0.97;
                 0.25: F1 0.87;  0.30: F1 0.79
  pg_trgm        0.05: P 0.71 R 0.88 F1 0.79;  0.08: P 1.00 R 0.71 F1 0.83;
                 0.10: F1 0.79;  0.15: F1 0.30;  0.20: F1 0.21

jieba groups better (0.97 against 0.83) and degrades gently around its
threshold, while pg_trgm only works in a narrow band (0.08–0.10) because
trigrams of a run of Chinese characters rarely line up when two residents
word the same problem differently (打桩施工 / 晚上打桩), whereas segmented
words do. The job uses jieba at JACCARD_THRESHOLD; pg_trgm stays for search.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

JACCARD_THRESHOLD = 0.2

STOPWORDS = set(
    "一个 一些 一直 一下 不是 不能 什么 今天 他们 以后 以前 但是 你们 希望 已经 我们 我家 所以 有关 没有 然后 现在 这个 这些 这样 那个 还是 "
    "非常 每天 请问 麻烦 尽快 处理 解决 反映 问题 情况 相关 部门 领导 一下子 严重 影响 附近 多次 市民 居民 感谢 谢谢 请求 要求 经常 "
    "晚上 早上 白天 时候 最近 目前 根本 真的 实在 不要 可以 能够 进行 这里 那里 他们 东莞".split()
)
_NOISE = re.compile(r"^[\d\W_]+$")


def words(text: str) -> frozenset[str]:
    import jieba

    jieba.setLogLevel(60)
    return frozenset(
        w for w in jieba.lcut(text or "") if len(w) >= 2 and w not in STOPWORDS and not _NOISE.match(w)
    )


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def trigram_similarities(texts: Sequence[str]) -> dict[tuple[int, int], float]:
    """pg_trgm similarity() of every pair (one query)."""
    from django.db import connection

    pairs = list(itertools.combinations(range(len(texts)), 2))
    if not pairs:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i, j, similarity(t.a, t.b) FROM unnest(%s::int[], %s::int[], %s::text[], %s::text[]) AS t(i, j, a, b)",
            [[i for i, _ in pairs], [j for _, j in pairs], [texts[i] for i, _ in pairs], [texts[j] for _, j in pairs]],
        )
        return {(i, j): float(s) for i, j, s in cursor.fetchall()}


def jieba_similarities(texts: Sequence[str]) -> dict[tuple[int, int], float]:
    sets = [words(t) for t in texts]
    return {(i, j): jaccard(sets[i], sets[j]) for i, j in itertools.combinations(range(len(texts)), 2)}


def components(n: int, edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components (union-find) of size ≥ 2, each sorted."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in edges:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return sorted((g for g in groups.values() if len(g) >= 2), key=lambda g: g[0])


@dataclass(frozen=True)
class Score:
    method: str
    threshold: float
    precision: float
    recall: float
    f1: float


def pairwise_score(method: str, threshold: float, labels: Sequence[str], predicted: list[list[int]]) -> Score:
    same_label = {(i, j) for i, j in itertools.combinations(range(len(labels)), 2) if labels[i] == labels[j]}
    together = {pair for group in predicted for pair in itertools.combinations(group, 2)}
    hits = len(same_label & together)
    precision = hits / len(together) if together else 0.0
    recall = hits / len(same_label) if same_label else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(method, threshold, round(precision, 3), round(recall, 3), round(f1, 3))


def cluster_texts(groups: Sequence[str], similarities: dict[tuple[int, int], float], threshold: float) -> list[list[int]]:
    """Clusters inside each (item, area) group only: texts of different groups never join."""
    edges = [(i, j) for (i, j), s in similarities.items() if s >= threshold and groups[i] == groups[j]]
    return components(len(groups), edges)


# (item, area, label, text): four items, two towns, several distinct problems per item.
LABELLED = [
    ("ZS-01", "南城", "工地夜间打桩", "南城某工地凌晨一点还在打桩施工，噪音太大睡不着"),
    ("ZS-01", "南城", "工地夜间打桩", "工地晚上十二点以后还在打桩，噪音吵得小孩睡不着觉"),
    ("ZS-01", "南城", "工地夜间打桩", "半夜工地打桩机一直响，噪音扰民，希望禁止夜间打桩施工"),
    ("ZS-01", "南城", "夜间泥头车", "每天夜里泥头车进出工地，轰隆隆的噪音，还掉泥"),
    ("ZS-01", "南城", "夜间泥头车", "泥头车半夜从小区旁边开过，噪音很大，路上都是泥"),
    ("ZS-01", "东城", "工地夜间打桩", "东城这边的工地夜间打桩施工，噪音扰民，几个晚上都没睡好"),
    ("ZS-01", "东城", "工地夜间打桩", "工地凌晨还在打桩，噪音太吵了，严重影响休息"),
    ("CG-01", "南城", "菜市场占道", "菜市场门口流动摊贩占道经营，早上车都过不去"),
    ("CG-01", "南城", "菜市场占道", "菜市场外面摊贩把车道占了，占道经营堵路"),
    ("CG-01", "南城", "菜市场占道", "早上菜市场门口很多摊位占道，电动车都过不去"),
    ("CG-01", "南城", "夜宵摊占道", "晚上夜宵摊把人行道全占了，桌椅摆到马路上"),
    ("CG-01", "南城", "夜宵摊占道", "烧烤夜宵摊占用人行道摆桌椅，行人只能走马路"),
    ("CG-01", "南城", "夜宵摊占道", "夜宵大排档桌椅摆满人行道，行人走不了"),
    ("HW-01", "东城", "垃圾清运", "小区垃圾站的垃圾三天没人清运，臭气熏天"),
    ("HW-01", "东城", "垃圾清运", "垃圾站垃圾堆满了没人清运，很臭还有苍蝇"),
    ("HW-01", "东城", "垃圾清运", "垃圾好几天没有清运，垃圾站周围臭气熏天"),
    ("HW-01", "东城", "垃圾桶满溢", "路边垃圾桶满了溢出来，垃圾散落一地"),
    ("HW-01", "东城", "垃圾桶满溢", "街边的垃圾桶天天满溢，垃圾掉得满地都是"),
    ("SW-04", "东城", "井盖缺失", "路口井盖不见了，晚上电动车差点掉进去"),
    ("SW-04", "东城", "井盖缺失", "井盖缺失好几天，晚上路过很危险，电动车容易掉进去"),
    ("SW-04", "东城", "井盖破损", "人行道上井盖破损塌陷，踩上去会晃动"),
    ("SW-04", "东城", "井盖破损", "井盖破损松动，踩上去晃动，担心塌陷"),
]


def evaluate(thresholds_jieba=(0.1, 0.12, 0.15, 0.2, 0.25, 0.3), thresholds_trgm=(0.05, 0.08, 0.1, 0.15, 0.2, 0.3)) -> dict[str, Score]:
    """Best pairwise F1 of each measure on LABELLED (needs the database for pg_trgm)."""
    groups = [f"{item}/{area}" for item, area, _label, _text in LABELLED]
    labels = [f"{item}/{area}/{label}" for item, area, label, _text in LABELLED]
    texts = [text for *_rest, text in LABELLED]
    best = {}
    for method, similarities, thresholds in (
        ("jieba", jieba_similarities(texts), thresholds_jieba),
        ("trgm", trigram_similarities(texts), thresholds_trgm),
    ):
        scores = [pairwise_score(method, t, labels, cluster_texts(groups, similarities, t)) for t in thresholds]
        best[method] = max(scores, key=lambda s: (s.f1, -s.threshold))
    return best
