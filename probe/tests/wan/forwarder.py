#!/usr/bin/env python3
"""An emulated WAN line between two TUN devices, for the probe's accuracy tests.

`tc netem` is not available on every kernel the tests run on, so this script
plays the line: it opens TUN device A in the current network namespace and
TUN device B inside `--netns`, and copies every IPv4 packet from one to the
other after a fixed one-way delay, with optional jitter and random loss per
direction. Only the standard library is used (ioctl TUNSETIFF, setns through
ctypes), so the tests need nothing but Python 3 and iproute2.

Timing: each packet is stamped when read and released at stamp + delay
(+ jitter). The loop sleeps in select() until shortly before the next release
is due and then polls without sleeping, because the sleep's wake-up slack
would otherwise be added to every packet. Packets of one direction keep
their order, as on a real line: jitter never lets a packet overtake another.

The script prints `ready` once both devices exist, and exits when its
standard input closes, so a test that dies never leaves it running.
"""

import argparse
import ctypes
import fcntl
import heapq
import os
import random
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000
# Sleep in select() only until this close to a release, then spin: the
# kernel's timer slack (50 us by default, more under load) would otherwise
# be added to every packet's delay.
SPIN_S = 0.0005


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    ifr = struct.pack("16sH22x", name.encode(), IFF_TUN | IFF_NO_PI)
    fcntl.ioctl(fd, TUNSETIFF, ifr)
    return fd


def enter_netns(name):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/var/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns into network namespace {name}: {os.strerror(err)}")
    finally:
        os.close(fd)


class Direction:
    """One way of the line: its loss rate, and the last release time given,
    which keeps packets in order under jitter."""

    def __init__(self, dst, loss):
        self.dst = dst
        self.loss = loss
        self.last_due = 0.0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tun-a", required=True, help="TUN device created in the current namespace")
    p.add_argument("--tun-b", required=True, help="TUN device created inside --netns")
    p.add_argument("--netns", required=True, help="network namespace of device B (ip netns add)")
    p.add_argument("--delay-ms", type=float, default=0.0, help="one-way delay, both directions")
    p.add_argument("--jitter-ms", type=float, default=0.0, help="uniform extra delay in [0, jitter)")
    p.add_argument("--loss-a-to-b", type=float, default=0.0, help="fraction of packets A to B dropped")
    p.add_argument("--loss-b-to-a", type=float, default=0.0, help="fraction of packets B to A dropped")
    p.add_argument("--seed", type=int, default=1, help="seed of the loss and jitter draws")
    args = p.parse_args()

    # The line's timing must not depend on what else the machine runs (a
    # build on the other core): ask for a larger share of the CPU. Root can;
    # anyone else keeps the default and gets a noisier line.
    try:
        os.nice(-10)
    except OSError:
        pass

    fd_a = open_tun(args.tun_a)
    enter_netns(args.netns)
    fd_b = open_tun(args.tun_b)
    ways = {
        fd_a: Direction(fd_b, args.loss_a_to_b),
        fd_b: Direction(fd_a, args.loss_b_to_a),
    }
    rng = random.Random(args.seed)
    delay = args.delay_ms / 1000.0
    jitter = args.jitter_ms / 1000.0
    stdin = sys.stdin.fileno()
    queue = []  # (due, seq, dst fd, packet)
    seq = 0
    print("ready", flush=True)

    while True:
        # Release everything due.
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, dst, pkt = heapq.heappop(queue)
            try:
                os.write(dst, pkt)
            except OSError:
                pass  # the other side is going away: drop, as a line would
        # Sleep until shortly before the next release; closer than SPIN_S,
        # poll without sleeping, so that neither the release nor the stamp
        # of a packet arriving meanwhile waits on the timer's slack.
        if not queue:
            wait = None
        else:
            wait = queue[0][0] - now
            wait = wait - SPIN_S if wait > SPIN_S else 0.0
        readable, _, _ = select.select([fd_a, fd_b, stdin], [], [], wait)
        for fd in readable:
            if fd == stdin:
                if not os.read(stdin, 4096):
                    return
                continue
            way = ways[fd]
            while True:
                try:
                    pkt = os.read(fd, 65536)
                except BlockingIOError:
                    break
                # Stamped after its own read, never with an earlier time
                # (a stamp taken before a long drain would release early).
                now = time.monotonic()
                # Only IPv4: the kernel's own IPv6 chatter on the devices is not
                # part of the line under test.
                if not pkt or pkt[0] >> 4 != 4:
                    continue
                if way.loss > 0.0 and rng.random() < way.loss:
                    continue
                due = now + delay + (rng.random() * jitter if jitter > 0.0 else 0.0)
                due = max(due, way.last_due)
                way.last_due = due
                seq += 1
                heapq.heappush(queue, (due, seq, way.dst, pkt))

if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
