"""`python -m bench` (make bench): every benchmark, one after the other."""

from bench import mirror_bench

mirror_bench.main()
