"""The pieces of ``benchmarks/bench.py`` (``make bench``): emulator control, process running,
the measurements, the memory runs, the report and the plot. See benchmarks/README.md."""
