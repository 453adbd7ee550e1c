#!/usr/bin/env python3
"""Wall time from process start to xv6's shell prompt, vmlab against QEMU.

    scripts/xv6_boot_time.py XV6_DIR [--vmlab build/vmlab] [--runs 5]

XV6_DIR holds xv6.img and fs.img built from mit-pdos/xv6-public (docs/GUESTS.md).
Each emulator boots the same two images with 512 MB; the time is taken when
"init: starting sh" and the "$ " prompt have appeared on COM1, and the process is
then killed. Prints the median and the range of each.
"""
import argparse, os, statistics, subprocess, sys, time


def time_to_prompt(cmd):
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen = b""
    try:
        while True:
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                raise RuntimeError(f"{cmd[0]} ended before the prompt: {seen[-200:]!r}")
            seen += chunk
            if b"init: starting sh" in seen and b"$ " in seen[seen.index(b"init: starting sh"):]:
                return time.perf_counter() - start
    finally:
        p.kill()
        p.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("xv6_dir")
    ap.add_argument("--vmlab", default="build/vmlab")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    xv6, fs = os.path.join(a.xv6_dir, "xv6.img"), os.path.join(a.xv6_dir, "fs.img")
    engines = {
        "vmlab": [a.vmlab, "run", "--mem", "512", "--no-stdin", "--disk", xv6, "--disk", fs],
        "qemu": ["qemu-system-i386", "-display", "none", "-serial", "stdio", "-m", "512", "-smp", "1",
                 "-drive", f"file={xv6},index=0,media=disk,format=raw",
                 "-drive", f"file={fs},index=1,media=disk,format=raw,snapshot=on"],
    }
    for name, cmd in engines.items():
        times = [time_to_prompt(cmd) for _ in range(a.runs)]
        print(f"{name:6s} median {statistics.median(times):.3f} s  (min {min(times):.3f}, max {max(times):.3f}, "
              f"{a.runs} runs)")


if __name__ == "__main__":
    sys.exit(main())
