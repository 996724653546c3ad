# For `npm run bench:scale` (scripts/bench-scale.ts), on the D1 file Miniflare persisted, once workerd
# has stopped: the bytes of every table and index, in pages and in what the pages hold (SQLite's dbstat,
# which local D1 does not expose), and
# the SQLite execution time of D1 round trips captured by the bench Worker. Each captured batch runs in
# a transaction that is rolled back, so every one meets the database as it was when captured; its time
# is the sum of its statements' (as D1's meta.duration sums them), the median of REPEATS runs.
# Usage: python3 measure.py <database.sqlite> <batches.json>; prints JSON.
import json
import sqlite3
import statistics
import sys
import time

REPEATS = 5

database, batches_file = sys.argv[1], sys.argv[2]
connection = sqlite3.connect(database, isolation_level=None)
pages = [
    {"name": name, "bytes": size, "usedBytes": used}
    for name, size, used in connection.execute(
        "SELECT name, SUM(pgsize), SUM(pgsize - unused) FROM dbstat GROUP BY name"
    )
]
pragmas = {
    name: connection.execute(f"PRAGMA {name}").fetchone()[0]
    for name in ("page_size", "page_count", "freelist_count")
}

with open(batches_file) as f:
    batches = json.load(f)
batch_ms = []
for batch in batches:
    runs = []
    for _ in range(REPEATS):
        connection.execute("BEGIN")
        elapsed = 0.0
        for statement in batch:
            start = time.perf_counter()
            connection.execute(statement["sql"], statement["params"]).fetchall()
            elapsed += time.perf_counter() - start
        connection.execute("ROLLBACK")
        runs.append(elapsed * 1000)
    batch_ms.append(statistics.median(runs))

print(json.dumps({"sqliteVersion": sqlite3.sqlite_version, "pages": pages, "pragmas": pragmas, "batchMs": batch_ms}))
