"""The count behind grouped campaigns, with the comments table's old and new index.

Reading a provision's comments with ``campaigns=grouped`` counts the bill's visible comments by cluster
(``server.services.consultation_views._group_campaigns``). This builds a SQLite table shaped like ``comments``
with N comments of one bill (90% of them one campaign, 2% hidden) and times that statement with the index it
had, ``(bill_id, state)``, as the baseline, and with ``(bill_id, state, cluster_id)``, which replaced it.

    .venv/bin/python bench/bench_comment_grouping.py [--comments N] [--repeat R]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import time

COUNT = (
    "SELECT cluster_id FROM comments WHERE bill_id = 1 AND state = 'visible' "
    "GROUP BY cluster_id HAVING count(*) >= 3"
)
INDEXES = {
    "(bill_id, state), before": "CREATE INDEX ix ON comments (bill_id, state)",
    "(bill_id, state, cluster_id), now": "CREATE INDEX ix ON comments (bill_id, state, cluster_id)",
}


def table(comments: int) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE comments (id INTEGER PRIMARY KEY, bill_id INT, state TEXT, cluster_id INT, "
               "reply_to INT, wid TEXT)")
    rng = random.Random(1)
    db.executemany("INSERT INTO comments VALUES (?, ?, ?, ?, ?, ?)", (
        (n, 1, "visible" if rng.random() < 0.98 else "hidden", 7 if rng.random() < 0.9 else n, None,
         f"w{rng.randrange(40)}")
        for n in range(1, comments + 1)
    ))
    return db


def best_ms(db: sqlite3.Connection, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        db.execute(COUNT).fetchall()
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    db = table(args.comments)
    results = {}
    for name, ddl in INDEXES.items():
        db.execute("DROP INDEX IF EXISTS ix")
        db.execute(ddl)
        db.execute("ANALYZE")
        plan = db.execute("EXPLAIN QUERY PLAN " + COUNT).fetchall()[-1][-1]
        results[name] = best_ms(db, args.repeat)
        print(f"{name:36} {results[name]:7.1f} ms   {plan}")
    before, now = results.values()
    print(f"now / before: {now / before:.2f}x over {args.comments:,} comments")


if __name__ == "__main__":
    main()
