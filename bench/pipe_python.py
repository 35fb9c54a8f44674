#!/usr/bin/env python3
"""Python's multiprocessing.Pipe doing the work of bench/pipe_benchmark.cpp, for comparison.

    python3 bench/pipe_python.py [--round-trips N] [--messages N]

Round trips run with parent and child pinned to CPU 0 (as the C++ benchmark does); the 64-byte
one-way throughput run is not pinned. Prints the same figures as the C++ benchmark's counters.
"""
import argparse
import multiprocessing as mp
import os
import time


def echo(conn, other):
    other.close()
    try:
        while True:
            conn.send_bytes(conn.recv_bytes())
    except EOFError:
        pass


def echo_values(conn, other):
    other.close()
    try:
        while True:
            conn.send(conn.recv())
    except EOFError:
        pass


def sender(conn, other, count):
    other.close()
    message = bytes(64)
    for _ in range(count):
        conn.send_bytes(message)
    conn.close()


def round_trip(ctx, target, exchange, count):
    saved = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {0})
    try:
        parent_end, child_end = ctx.Pipe()
        child = ctx.Process(target=target, args=(child_end, parent_end))
        child.start()
        child_end.close()
        for _ in range(1000):  # Warm up.
            exchange(parent_end)
        start = time.perf_counter()
        for _ in range(count):
            exchange(parent_end)
        elapsed = time.perf_counter() - start
        parent_end.close()
        child.join()
    finally:
        os.sched_setaffinity(0, saved)
    return elapsed / count * 1e6


def throughput(ctx, count):
    reader, writer = ctx.Pipe(duplex=False)
    child = ctx.Process(target=sender, args=(writer, reader, count))
    child.start()
    writer.close()
    start = time.perf_counter()
    for _ in range(count):
        reader.recv_bytes()
    elapsed = time.perf_counter() - start
    child.join()
    return count / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round-trips", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    args = parser.parse_args()
    ctx = mp.get_context("fork")
    small = bytes(16)

    def bytes_exchange(conn):
        conn.send_bytes(small)
        conn.recv_bytes()

    def value_exchange(conn):
        conn.send(12345)
        conn.recv()

    rows = [
        ("PipeRoundTripBytes (16 B, pinned)", "us_per_round_trip",
         round_trip(ctx, echo, bytes_exchange, args.round_trips)),
        ("PipeRoundTripValue (int, pinned)", "us_per_round_trip",
         round_trip(ctx, echo_values, value_exchange, args.round_trips)),
        ("PipeThroughput64 (64 B, one way)", "msgs_per_second", throughput(ctx, args.messages)),
    ]
    print(f"Python {'.'.join(map(str, os.sys.version_info[:3]))} multiprocessing.Pipe")
    print(f"{'benchmark':<36} {'figure':>14}  unit")
    for name, unit, value in rows:
        figure = f"{value:,.2f}" if unit == "us_per_round_trip" else f"{value / 1e6:,.3f}M"
        print(f"{name:<36} {figure:>14}  {unit}")


if __name__ == "__main__":
    main()
