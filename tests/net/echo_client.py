#!/usr/bin/env python3
"""A network client written with Python's standard library only, for the guest's servers.

    echo_client.py tcp HOST PORT CONNECTIONS BYTES   concurrent TCP echo connections
    echo_client.py udp HOST PORT DATAGRAMS BYTES     UDP echo, one datagram at a time
    echo_client.py matrix HOST PORT REQUESTS N       requests (abi::net::RequestHeader) to the
                                                     matrix server, each an N×N matrix whose
                                                     square must come back

Retries connecting for a while (the guest may still be booting), checks that every byte
comes back unchanged and prints one summary line; exits 1 on any mismatch or error.
"""
import socket
import struct
import sys
import threading
import time


def connect(host, port, deadline):
    while True:
        try:
            return socket.create_connection((host, port), timeout=30)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def tcp(host, port, connections, size):
    deadline = time.monotonic() + 60
    results = []

    def one(i):
        try:
            s = connect(host, port, deadline)
            msg = bytes((i * 7 + j) % 251 for j in range(size))
            s.sendall(msg)
            got = b""
            while len(got) < size:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
            s.close()
            results.append(got == msg)
        except OSError as e:
            print(f"connection {i}: {e}", file=sys.stderr)
            results.append(False)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    good = sum(results)
    print(f"tcp echo: {good} of {connections} connections echoed {size} bytes")
    return good == connections


def udp(host, port, datagrams, size):
    # One datagram at a time, each numbered; a reply that is not to the current datagram
    # (a late one to a datagram sent again) is ignored. The first reply may wait for the
    # guest's ARP request to be answered.
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    good = 0
    deadline = time.monotonic() + 60
    i = 0
    while i < datagrams and time.monotonic() < deadline:
        msg = i.to_bytes(4, "little") + bytes((i + j) % 256 for j in range(size - 4))
        s.sendto(msg, (host, port))
        try:
            while True:
                got, _ = s.recvfrom(65536)
                if got[:4] == msg[:4]:
                    break
        except socket.timeout:
            print(f"datagram {i}: no reply, sending it again", file=sys.stderr)
            continue
        good += got == msg
        i += 1
    print(f"udp echo: {good} of {datagrams} datagrams echoed {size} bytes")
    return good == datagrams


def recv_exact(s, n):
    got = b""
    while len(got) < n:
        chunk = s.recv(n - len(got))
        if not chunk:
            break
        got += chunk
    return got


def matrix(host, port, requests, n):
    s = connect(host, port, time.monotonic() + 60)
    good = 0
    for i in range(requests):
        a = [(i + 3 * k) % 17 for k in range(n * n)]
        body = struct.pack(f"<{n * n}I", *a)
        size = 32 + len(body)
        header = struct.pack("<IIIIQQ", 0x5152_4C48, size, size, 0, 1000, i)
        s.sendall(header + body)
        reply = recv_exact(s, size)
        want = [
            sum(a[r * n + k] * a[k * n + c] for k in range(n)) % 2**32
            for r in range(n)
            for c in range(n)
        ]
        good += reply == header + struct.pack(f"<{n * n}I", *want)
    s.close()
    print(f"matrix: {good} of {requests} {n}x{n} products right")
    return good == requests


def main():
    kind, host, port, count, size = sys.argv[1:6]
    run = {"tcp": tcp, "udp": udp, "matrix": matrix}[kind]
    sys.exit(0 if run(host, int(port), int(count), int(size)) else 1)


if __name__ == "__main__":
    main()
