"""Demo data: generators that fill a fresh database with a believable city
(units and accounts, two editions of the board with votes and an expert
panel, a year of appeals), used only by `manage.py seed_demo`, `demo_totp`
and the benchmarks' datasets. Nothing in the product apps imports it.

One module per app it fills, run in this order by `seed_demo`:
`portal` (units, accounts) → `cases` (the open 2021 edition) → `voting`
(its vote so far; first `panel`, the finished 2020 edition) → `appeals`
(catalogue, responsibility list, appeals; `appeals_history` writes the
year's bulk history with COPY, also for the benchmark's million)."""
