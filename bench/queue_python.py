#!/usr/bin/env python3
"""Python's multiprocessing.Queue doing the work of bench/queue_benchmark.cpp.

One producer process puts N messages of 64 B or 4 KiB (bytes objects); this process gets them.
Prints a table shaped like Google Benchmark's, with items_per_second = messages/s, timed from
the producer's start signal to the last get (wall clock), like the C++ benchmark's UseRealTime.

    python3 bench/queue_python.py [--repetitions 3]
"""
import argparse
import multiprocessing
import statistics
import time


def produce(queue, start, count, size):
    message = b"x" * size
    start.wait()
    for _ in range(count):
        queue.put(message)


def run_once(count, size):
    queue = multiprocessing.Queue()
    start = multiprocessing.Event()
    producer = multiprocessing.Process(target=produce, args=(queue, start, count, size))
    producer.start()
    began = time.perf_counter()
    start.set()
    received = 0
    for _ in range(count):
        received += len(queue.get())
    elapsed = time.perf_counter() - began
    producer.join()
    assert received == count * size
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=3)
    args = parser.parse_args()
    cases = [("PythonQueueBytes64", 64, 300_000), ("PythonQueueBytes4K", 4096, 100_000)]
    print("-" * 90)
    print(f"{'Benchmark':<34}{'Time':>12}{'Iterations':>13}  UserCounters...")
    print("-" * 90)
    for name, size, count in cases:
        times = [run_once(count, size) for _ in range(args.repetitions)]
        best = min(times)
        median = statistics.median(times)
        for label, seconds in (("median", median), ("best", best)):
            per_message_ns = seconds / count * 1e9
            print(f"{name + '/real_time_' + label:<34}{per_message_ns:>9.0f} ns{count:>13}"
                  f"  bytes_per_second={count * size / seconds / 2**20:.1f}M/s"
                  f" items_per_second={count / seconds / 1e3:.1f}k/s")


if __name__ == "__main__":
    main()
