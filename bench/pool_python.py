#!/usr/bin/env python3
"""Python's multiprocessing.Pool doing the work of bench/pool_benchmark.cpp.

map over 10,000 trivial tasks with Pool(2), chunksize 1 and the default chunksize (the pool is
created once, outside the timing), and Pool(2) construction + close + join. Uses the fork start
method, like ipcprop. Prints a table shaped like Google Benchmark's (wall clock).

    python3 bench/pool_python.py [--repetitions 5]
"""
import argparse
import multiprocessing
import statistics
import time

TASKS = 10_000


def twice(x):
    return 2 * x


def time_map(pool, chunksize, repetitions):
    items = list(range(TASKS))
    times = []
    for _ in range(repetitions):
        began = time.perf_counter()
        results = pool.map(twice, items, chunksize)
        times.append(time.perf_counter() - began)
        assert results[-1] == 2 * (TASKS - 1)
    return times


def time_lifecycle(context, repetitions):
    times = []
    for _ in range(repetitions):
        began = time.perf_counter()
        pool = context.Pool(2)
        pool.close()
        pool.join()
        times.append(time.perf_counter() - began)
    return times


def report(name, times, unit, scale, items=None):
    median = statistics.median(times)
    extra = f"  items_per_second={items / median / 1e3:.1f}k/s" if items else ""
    print(f"{name:<44}{median * scale:>10.3f} {unit}{len(times):>13}{extra}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=5)
    args = parser.parse_args()
    context = multiprocessing.get_context("fork")
    print("-" * 90)
    print(f"{'Benchmark (median)':<44}{'Time':>13}{'Iterations':>13}  UserCounters...")
    print("-" * 90)
    with context.Pool(2) as pool:
        report("PythonPoolMap10000Chunksize1/real_time", time_map(pool, 1, args.repetitions),
               "ms", 1e3, TASKS)
        report("PythonPoolMap10000DefaultChunksize/real_time",
               time_map(pool, None, args.repetitions), "ms", 1e3, TASKS)
    report("PythonPoolCreateCloseJoin/real_time", time_lifecycle(context, 4 * args.repetitions),
           "us", 1e6)


if __name__ == "__main__":
    main()
