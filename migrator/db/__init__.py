"""Stored JSON in databases: AfterShip bodies held in SQLite and PostgreSQL columns, translated
in place (`aftership-migrate translate-db`).

`target` names what a run touches, `sqlite` and `postgres` are the two back-ends (one
interface: read a batch by key, write a batch by compare-and-set), `driver` runs the batches,
`restore` undoes a run from its backup table, `bar` draws the progress line.
"""
