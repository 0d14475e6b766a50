"""The peer dla is measured against: the assignment's Stage 2 master/worker shape in mpi4py (reference 003).

Rank 0 keeps a queue of log files; each worker asks for a file (tag REQUEST), gets one (ASSIGN) or STOP, counts its
levels line by line with a regex, as the assignment's base analyser does, and sends the counts back (RESULT, which is
also its next request). Run: mpirun --allow-run-as-root --oversubscribe -np 3 python3 mpi_peer.py DIR
Prints one JSON line: {"seconds": ..., "files": ..., "lines": ..., "levels": {...}}.
"""
import json
import os
import re
import sys
import time
from collections import Counter

from mpi4py import MPI

REQUEST, ASSIGN, RESULT, STOP = 1, 2, 3, 4
LEVEL = re.compile(r"\[(TRACE|DEBUG|INFO|NOTICE|WARN|ERROR|FATAL)\]")


def log_files(root):
    found = []
    for directory, _, names in os.walk(root):
        found.extend(os.path.join(directory, name) for name in names if name.endswith(".log"))
    return sorted(found)


def count(path):
    levels = Counter()
    lines = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            lines += 1
            match = LEVEL.search(line)
            if match:
                levels[match.group(1)] += 1
    return {"levels": dict(levels), "lines": lines}


def master(comm, root):
    began = time.perf_counter()
    queue = log_files(root)
    total = len(queue)
    levels = Counter()
    lines = 0
    done = 0
    active = comm.Get_size() - 1
    status = MPI.Status()
    while active > 0:
        message = comm.recv(source=MPI.ANY_SOURCE, tag=MPI.ANY_TAG, status=status)
        worker = status.Get_source()
        if status.Get_tag() == RESULT:
            levels.update(message["levels"])
            lines += message["lines"]
            done += 1
        if queue:
            comm.send(queue.pop(0), dest=worker, tag=ASSIGN)
        else:
            comm.send(None, dest=worker, tag=STOP)
            active -= 1
    seconds = time.perf_counter() - began
    print(json.dumps({"seconds": seconds, "files": done, "of": total, "lines": lines, "levels": dict(levels)}))


def worker(comm):
    status = MPI.Status()
    comm.send(None, dest=0, tag=REQUEST)
    while True:
        path = comm.recv(source=0, tag=MPI.ANY_TAG, status=status)
        if status.Get_tag() == STOP:
            return
        comm.send(count(path), dest=0, tag=RESULT)


if __name__ == "__main__":
    world = MPI.COMM_WORLD
    if world.Get_rank() == 0:
        master(world, sys.argv[1])
    else:
        worker(world)
