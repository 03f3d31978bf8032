"""Appeals (市民诉求), one module per concept: the catalogue that routes
them, the appeals themselves, the work order, the timeline, ratings,
statistics, clusters and Open311. Import models from here
(``from appeals.models import Appeal``)."""

from appeals.models.appeals import Appeal, AppealPhoto, ContactView, MeToo, OnlineClue, photo_path
from appeals.models.catalogue import Area, CatalogueImport, Category, Holiday, Item, Responsibility
from appeals.models.clusters import Cluster, ClusterMember
from appeals.models.open311 import Open311Key, Open311Token
from appeals.models.open311 import new_key as _new_key  # noqa: F401  (migration 0003 names appeals.models._new_key)
from appeals.models.ratings import AppealSettings, Rating, Rectification
from appeals.models.stats import DailyStat, MonthlyStat, StatCounters, StatsRun, UnitRankingAward, WeeklyStat
from appeals.models.timeline import AppealEvent, InternalNote
from appeals.models.work import Escalation, ExtensionRequest, Reply, WorkOrder

__all__ = [
    "Appeal",
    "AppealEvent",
    "AppealPhoto",
    "AppealSettings",
    "Area",
    "CatalogueImport",
    "Category",
    "Cluster",
    "ClusterMember",
    "ContactView",
    "DailyStat",
    "Escalation",
    "ExtensionRequest",
    "Holiday",
    "InternalNote",
    "Item",
    "MeToo",
    "MonthlyStat",
    "OnlineClue",
    "Open311Key",
    "Open311Token",
    "Rating",
    "Rectification",
    "Reply",
    "Responsibility",
    "StatCounters",
    "StatsRun",
    "UnitRankingAward",
    "WeeklyStat",
    "WorkOrder",
    "photo_path",
]
