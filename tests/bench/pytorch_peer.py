"""How the PyTorch peers of tests/bench run: the process environment that gives PyTorch its best.

Eager PyTorch allocates a fresh tensor for every layer's output and glibc hands large blocks
back to the kernel when they are freed, so every step touches new pages. On this project's
machines (virtual machines) a page fault is slow: allocating and filling a 50 MB tensor took
105 ms against 0.75 ms for filling one allocated before, and a depthwise convolution on a
[64, 192, 32, 32] batch took 100 ms in NHWC instead of 3.7 ms (2026-12-03). Lookalike's engine
allocates its buffers once per batch shape, so without a fix the comparison measures the
page faults. The peer therefore runs under jemalloc (Debian's libjemalloc2, installed with the
bench packages) told never to return freed pages (dirty_decay_ms:-1, muzzy_decay_ms:-1): a
common setting for PyTorch on CPU. Lookalike's side runs in the environment as given, without
that allocator, as the application ships.
"""
import os
import sys

JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
RETAINING = "dirty_decay_ms:-1,muzzy_decay_ms:-1"
ALLOCATORS = ("jemalloc", "system")


def peer_environment(allocator, base=None):
    """-> the environment to run a PyTorch peer in, for allocator "jemalloc" or "system"."""
    env = lookalike_environment(base)
    if allocator == "jemalloc":
        if not os.path.exists(JEMALLOC):
            sys.exit(f"{JEMALLOC} is missing: run installer/install-deps.sh bench (or pass --peer-allocator system)")
        env["LD_PRELOAD"] = JEMALLOC
        env["MALLOC_CONF"] = RETAINING
    return env


def lookalike_environment(base=None):
    """-> the environment for Lookalike's side: the given one without the peer's allocator."""
    env = dict(os.environ if base is None else base)
    if env.get("LD_PRELOAD") == JEMALLOC:
        del env["LD_PRELOAD"]
        env.pop("MALLOC_CONF", None)
    return env


def run_self_as_peer(allocator):
    """Re-executes this Python script in the peer environment unless it already runs there (for
    a script that runs PyTorch in its own process)."""
    wanted = peer_environment(allocator)
    if all(os.environ.get(key) == wanted.get(key) for key in ("LD_PRELOAD", "MALLOC_CONF")):
        return
    os.execve(sys.executable, [sys.executable] + sys.argv, wanted)


def describe(allocator):
    return f"jemalloc retaining freed pages ({RETAINING})" if allocator == "jemalloc" else "the system allocator"
