"""A smoke run of bench/serve_soak.py (the full run, 100,000 requests, is in
bench/README.md): a few thousand requests, good and malformed, from four
client threads against the build's spasm-serve; the script checks every
reply and the server's memory, and exits 0 only when all held."""

import os
import subprocess
import sys

from conftest import BUILD, ROOT, WAIT

SOAK = os.path.join(ROOT, "bench", "serve_soak.py")


# a sanitizer build's allocator keeps freed memory in quarantine, so its
# RSS grows with every allocation: memory is checked in the normal build
# (LeakSanitizer, at the server's exit, in the others)
SAN = os.path.basename(BUILD.rstrip("/")) in ("san", "tsan")
RSS = ["--rss-slack-kb", "-1" if SAN else "16384"]


def run(*args):
    return subprocess.run([sys.executable, SOAK, "--serve", os.path.join(BUILD, "bin", "spasm-serve"),
                           *args], capture_output=True, text=True, timeout=WAIT * 10)


def test_soak_smoke(index):
    p = run("--requests", "3000", "--connections", "4", "--index", index, *RSS)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "3000 requests in" in p.stdout and "passed" in p.stdout


def test_soak_smoke_with_writes(index):
    p = run("--requests", "1000", "--connections", "4", "--index", index, "--writes", *RSS)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "documents written" in p.stdout


def test_soak_usage_error():
    p = run("--requests", "1")
    assert p.returncode == 2 and "--requests" in p.stderr
