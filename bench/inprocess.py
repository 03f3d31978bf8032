"""Pages timed inside one process (`bench.appeals`): what a page costs
without the wait for the machine's cores that p95 under 16 connections
includes."""

from __future__ import annotations

import time


def in_process(urls: dict, *, pages: int = 20) -> dict:
    """The inbox and tracking pages timed in one process (Django's test
    client, warm, one request at a time): ms per page, queries and their time,
    which do not depend on how many other requests wait for the 2 cores the
    way p95 under 16 connections does."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    result = {}
    for name, cookie, paths in (("unit inbox", urls["clerk_cookie"], urls["inbox"]),
                                ("tracking", urls["cookie"], urls["tracking"])):
        client = Client(SERVER_NAME="localhost")
        key, value = cookie.split("=", 1)
        client.cookies[key] = value
        client.get(paths[0])  # warm: imports, templates, the connection
        rows = []
        for path in paths[:: max(1, len(paths) // pages)][:pages]:
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = client.get(path)
                ms = (time.perf_counter() - began) * 1000
            assert response.status_code == 200, (path, response.status_code)
            queries = sorted(((float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries), reverse=True)
            rows.append({"ms": round(ms, 1), "queries": len(queries), "sql_ms": round(sum(t for t, _ in queries), 1),
                         "slowest_ms": round(queries[0][0], 1) if queries else 0.0,
                         "slowest": queries[0][1][:90] if queries else "", "path": path})
        rows.sort(key=lambda row: row["ms"])
        result[name] = {"median": rows[len(rows) // 2], "worst": rows[-1], "pages": len(rows)}
    return result
