"""Hostile uploads: can a burst of large and lying images exhaust a web worker?

20 residents each post an appeal with nine images at once (the page form,
session + CSRF, as a browser does), through the portal served as `make run`
serves it (granian, 2 workers × 4 threads). Four kinds of request, five of
each: nine decompression bombs (small files claiming 56 M pixels each), nine
large PNGs (23 M pixels each: refused by the request's pixel budget), the
heaviest request the limits accept (two 4,800² PNGs, four 8,000×6,000 JPEGs
and three phone photos), and nine files lying about their type. The web
workers' resident memory is sampled every 20 ms from /proc.

Printed: each worker's peak RSS against its idle RSS measured in the same
run (target: under 400 MB per worker), the answers by status, and a check
that every stored photo is within the stored size (nothing over the limits
stored, nothing from the refused requests stored).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from PIL import Image

from bench import harness

CSRF_SECRET = "BenchCsrfSecret0123456789abcdefA"
TARGET_MB = 400
import json as _json
# Every bench client is 127.0.0.1: the per-address limit on filing appeals is
# lifted as the votes bench lifts its own (the per-account limits stay).
SERVER_ENV = {"RATE_LIMIT_APPEAL_FILE_IP": "", "RATE_LIMIT_UPLOAD_IP": "",
              **_json.loads(os.environ.get("BENCH_SERVER_ENV", "{}"))}


def setup(residents: int, run: str) -> str:
    """Inside Django (bench database): an area, a catalogue item and
    `residents` signed-in residents of this run; returns "area id;the
    decoded-pixel limit;session keys"."""
    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.utils import timezone

    from appeals.models import Area, Category, Item
    from portal.enums import UnitKind, UnitLevel
    from portal.models import Unit, User

    unit, _ = Unit.objects.get_or_create(name="压测城管局", defaults={"level": UnitLevel.CITY, "kind": UnitKind.BUREAU})
    area, _ = Area.objects.get_or_create(code="BENCH-UP", defaults={"name": "压测镇", "unit": unit})
    category, _ = Category.objects.get_or_create(code="BU", defaults={"name": "压测大类"})
    Item.objects.get_or_create(code="BU-01", defaults={"category": category, "name": "压测事项"})
    now = timezone.now()
    keys = []
    for n in range(residents):
        user, _ = User.objects.get_or_create(email=f"bench-up{run}-{n:03d}@example.cn", defaults={"verified_at": now})
        store = SessionStore()
        store.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[-1],
                      HASH_SESSION_KEY: user.get_session_auth_hash()})
        store.set_expiry(dt.timedelta(hours=2))
        store.create()
        keys.append(store.session_key)
    return f"{area.pk};{settings.PORTAL_IMAGE_MAX_DECODED_PIXELS};" + ",".join(keys)


def stored_report(run: str) -> str:
    """Inside Django: the appeals and photos stored by the run (appeals are
    append-only: earlier runs' stay) and the photos' largest side."""
    from django.conf import settings
    from PIL import Image as PILImage

    from appeals.models import Appeal, AppealPhoto

    photos = list(AppealPhoto.objects.filter(appeal__title__startswith=f"压测上传{run}-"))
    largest = 0
    for photo in photos:
        with photo.image.open("rb") as handle, PILImage.open(handle) as picture:
            largest = max(largest, *picture.size)
    appeals = Appeal.objects.filter(title__startswith=f"压测上传{run}-").count()
    return f"{appeals},{len(photos)},{largest},{settings.PORTAL_IMAGE_STORED_SIDE}"


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _payloads(max_decoded: int) -> dict[str, list[tuple[str, bytes, str]]]:
    bomb = _encode(Image.new("1", (7500, 7500)), "PNG")
    big_png = _encode(Image.new("RGB", (4800, 4800), (90, 120, 150)), "PNG")
    side = int(max_decoded ** 0.5)  # the largest square PNG the limit accepts
    near_png = _encode(Image.new("RGB", (side, side), (90, 120, 150)), "PNG")
    huge_jpeg = _encode(Image.new("RGB", (8000, 6000), (150, 90, 40)), "JPEG", quality=60)
    phone = _encode(Image.new("RGB", (4032, 3024), (30, 160, 90)), "JPEG", quality=80)
    small = _encode(Image.new("RGB", (640, 480), (200, 40, 40)), "JPEG")
    liar = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>' * 50
    return {
        "bombs": [(f"b{n}.png", bomb, "image/png") for n in range(9)],
        "over budget": [(f"p{n}.png", big_png, "image/png") for n in range(9)],
        # 2 PNGs at the per-image limit, 2 × 3 M and 3 × 3 M (JPEGs drafted), 2 × 0.3 M.
        "heaviest accepted": [(f"p{n}.png", near_png, "image/png") for n in range(2)]
        + [(f"j{n}.jpg", huge_jpeg, "image/jpeg") for n in range(2)]
        + [(f"k{n}.jpg", phone, "image/jpeg") for n in range(3)]
        + [(f"s{n}.jpg", small, "image/jpeg") for n in range(2)],
        "lying types": [(f"l{n}.jpg", liar, "image/jpeg") for n in range(9)],
    }


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _server_pid(base: str) -> int:
    port = base.rsplit(":", 1)[1]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as cmd:
                    args = cmd.read().split(b"\0")
            except OSError:
                continue
            if any(b"granian" in a for a in args[:2]) and port.encode() in args:
                return int(entry)
    raise RuntimeError("granian not found")


def run(*, residents: int, workers: int, only: list[str] | None = None) -> None:
    harness.prepare_database()
    run_id = time.strftime("%H%M%S")
    area_id, max_decoded, keys = harness.manage_shell(
        f"import bench.uploads as b; print(b.setup({residents}, '{run_id}'))", **SERVER_ENV).split(";")
    keys = keys.split(",")
    payloads = {k: v for k, v in _payloads(int(max_decoded)).items() if not only or k in only}
    kinds = list(payloads)
    with harness.serve(workers=workers, threads=4, **SERVER_ENV) as base:
        server = _server_pid(base)
        time.sleep(1.0)
        worker_pids = _children(server)
        # Warm each worker (imports, first request) before taking the idle figure.
        for _n in range(workers * 4):
            requests.get(f"{base}/appeals/", timeout=30)
        idle = {pid: _rss_mb(pid) for pid in worker_pids}
        peak = dict(idle)
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                for pid in worker_pids:
                    peak[pid] = max(peak[pid], _rss_mb(pid))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()

        def post(n: int) -> tuple[str, int]:
            kind = kinds[n % len(kinds)]
            session = requests.Session()
            session.cookies.set("sessionid", keys[n])
            session.cookies.set("csrftoken", CSRF_SECRET)
            data = {"title": f"压测上传{run_id}-{n}", "description": "压测：路口井盖缺失，晚上很危险，请尽快处理。", "address": "压测镇1号",
                    "contact_name": "陈女士", "contact_phone": "13800138000", "area": area_id,
                    "idempotency_key": f"bench-up-{n}-{time.time_ns()}"}
            files = [("photos", photo) for photo in payloads[kind]]
            response = session.post(f"{base}/appeals/new/", data=data, files=files, timeout=300,
                                    headers={"X-CSRFToken": CSRF_SECRET, "Referer": base}, allow_redirects=False)
            if kind == "heaviest accepted" and response.status_code != 302:
                errors = [e.strip() for e in re.findall(r'<li>(.*?)</li>', response.text, re.S) if "照片" in e or "必填" in e or "图片" in e]
                print(f"  heaviest request answered {response.status_code}: {errors[:3]}")
            return kind, response.status_code

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=residents) as pool:
            answers = list(pool.map(post, range(residents)))
        elapsed = time.monotonic() - started
        time.sleep(0.2)
        stop.set()
        sampler.join()
        alive = all(os.path.exists(f"/proc/{pid}") for pid in worker_pids)
    appeals, photos, largest, stored_side = map(int, harness.manage_shell(
        f"import bench.uploads as b; print(b.stored_report('{run_id}'))").split(","))
    by_kind: dict[str, dict[int, int]] = {}
    for kind, code in answers:
        by_kind.setdefault(kind, {}).setdefault(code, 0)
        by_kind[kind][code] += 1
    print(f"uploads: {residents} concurrent requests × 9 images, {workers} granian workers × 4 threads, {elapsed:.1f} s")
    for kind in kinds:
        print(f"  {kind:<18} answers {dict(sorted(by_kind.get(kind, {}).items()))}")
    worst = 0.0
    for pid in worker_pids:
        worst = max(worst, peak[pid])
        print(f"  worker {pid}: idle {idle[pid]:.0f} MB, peak {peak[pid]:.0f} MB "
              f"(peak ÷ idle: {peak[pid] / idle[pid]:.2f})" if idle[pid] else f"  worker {pid}: not sampled")
    print(f"  stored: {appeals} appeals, {photos} photos, largest side {largest} px (limit {stored_side})")
    accepted = by_kind.get("heaviest accepted", {}).get(302, 0)
    checks = [
        (f"peak RSS per worker under {TARGET_MB} MB (worst {worst:.0f} MB)", worst < TARGET_MB),
        ("every worker alive", alive),
        ("no server errors", all(code < 500 for _kind, code in answers)),
        ("the heaviest accepted requests were accepted", accepted == by_kind_total(by_kind, "heaviest accepted") > 0),
        ("only the heaviest accepted requests stored photos", appeals == accepted and photos == accepted * 9),
        ("nothing stored over the stored size", largest <= stored_side),
    ]
    for label, ok in checks:
        print(f"  [{'ok' if ok else 'FAIL'}] {label}")



def by_kind_total(by_kind: dict[str, dict[int, int]], kind: str) -> int:
    return sum(by_kind.get(kind, {}).values())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", action="append", help="one kind of request (repeatable), e.g. --only bombs")
    args = parser.parse_args(argv)
    run(residents=args.residents, workers=args.workers, only=args.only)


if __name__ == "__main__":
    main()
