#!/usr/bin/env python3
"""Writes a git fast-import stream: FILES policy files in 100 folders and
COMMITS commits (the first adds every file; each later one changes two
files, every 1000th is a merge of a short side branch), at known dates.

usage: gen_history.py FILES COMMITS [FOLDERS] | git fast-import --quiet

FOLDERS (default 100) spreads the files; 1 puts them all in one folder.
"""
import random
import sys

files, commits = int(sys.argv[1]), int(sys.argv[2])
folders = int(sys.argv[3]) if len(sys.argv) > 3 else 100
rng = random.Random(42)
out = sys.stdout.buffer
start = 1_700_000_000


def path(i):
    if folders == 1:
        return f"policies/policy-{i:05d}.toml"
    return f"policies/group-{i % folders:03d}/policy-{i:05d}.toml"


def body(i, version):
    return (f'name = "Policy {i:05d}"\ntype = "FILE"\nenabled = true\n'
            f'description = "version {version}"\n[meta]\nowner = "o@contoso.com"\nlast_reviewed = 2026-11-01\n').encode()


def data(payload):
    out.write(b"data %d\n" % len(payload))
    out.write(payload)
    out.write(b"\n")


mark = 0
def commit(branch, when, message, changes, parents=()):
    global mark
    mark += 1
    out.write(b"commit refs/heads/%s\nmark :%d\n" % (branch.encode(), mark))
    out.write(b"author Bench <bench@contoso.com> %d +0000\ncommitter Bench <bench@contoso.com> %d +0000\n" % (when, when))
    data(message.encode())
    for i, parent in enumerate(parents):
        out.write(b"%s :%d\n" % (b"from" if i == 0 else b"merge", parent))
    for i, version in changes:
        out.write(b"M 100644 inline %s\n" % path(i).encode())
        data(body(i, version))
    out.write(b"\n")
    return mark


head = commit("main", start, "initial", [(i, 0) for i in range(files)])
when = start
for n in range(1, commits):
    when += 60
    if n % 1000 == 0:
        side = commit("side", when, f"side {n}", [(rng.randrange(files), n)], parents=(head,))
        when += 60
        head = commit("main", when, f"merge {n}", [], parents=(head, side))
        continue
    head = commit("main", when, f"change {n}", [(rng.randrange(files), n), (rng.randrange(files), n)], parents=(head,))
