#!/usr/bin/env python3
"""Start-up time and resident memory of Sluice in demo mode (no configuration).

For each run: starts `JAVA <options> -jar target/quarkus-app/quarkus-run.jar`, polls
POST /v1/chat/completions every 5 ms until it answers 200 (time from process start to
first successful answer, and the CPU time the process used until then, which a busy
machine disturbs less), waits, reads VmRSS (idle), sends a short load with `hey`
(--requests N requests, or --load S seconds), reads VmRSS again (after load), then stops
the process with SIGTERM (SIGKILL when it has not stopped 30 s later, which is reported).

  scripts/measure-startup.py --label default --runs 5 --requests 5000 -- java
  scripts/measure-startup.py --label serial --runs 5 --requests 5000 -- java -XX:+UseSerialGC -Xmx128m

Prints one line per run and a median line; with --out, also appends one JSON line per run
to that file, and `--summarize FILE` prints the medians per label of such a file (useful
when configurations are run round-robin, so that a busy moment of the machine does not
fall on one configuration only). Needs `hey` on the PATH (Debian package hey).
"""
import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time

BODY = json.dumps({"model": "demo", "messages": [{"role": "user", "content": "hi"}]})
HEADERS = {"authorization": "Bearer sk-sluice-demo", "content-type": "application/json"}


def cpu_ms(pid):
    """User plus system CPU time of the process so far (all its threads), in milliseconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def first_answer(port, deadline):
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("POST", "/v1/chat/completions", BODY, HEADERS)
            if connection.getresponse().status == 200:
                return time.monotonic()
        except OSError:
            pass
        time.sleep(0.005)
    raise RuntimeError("no answer before the deadline")


def port_in_use(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def run_once(command, jar, port, idle_s, load_s, requests, concurrency, log):
    if port_in_use(port):
        raise RuntimeError(f"port {port} is already in use: another process would answer")
    started = time.monotonic()
    process = subprocess.Popen(command + ["-jar", jar], stdout=log, stderr=subprocess.STDOUT,
                               env=dict(os.environ, QUARKUS_HTTP_PORT=str(port),
                                        # health and metrics: beside the port, not on 9000
                                        QUARKUS_MANAGEMENT_HOST="127.0.0.1",
                                        QUARKUS_MANAGEMENT_PORT=str(port + 1)))
    try:
        answered = first_answer(port, started + 60)
        if process.poll() is not None:
            raise RuntimeError("the process exited, yet something answered on the port")
        cpu = cpu_ms(process.pid)
        time.sleep(idle_s)
        idle = rss_kib(process.pid)
        amount = ["-n", str(requests)] if requests else ["-z", f"{load_s}s"]
        hey = subprocess.run(["hey", *amount, "-c", str(concurrency), "-m", "POST",
                              "-H", "authorization: Bearer sk-sluice-demo", "-T", "application/json",
                              "-d", BODY, f"http://127.0.0.1:{port}/v1/chat/completions"],
                             capture_output=True, text=True, check=True).stdout
        loaded = rss_kib(process.pid)
        rps = next((line.split()[1] for line in hey.splitlines() if "Requests/sec" in line), "?")
        ok = next((line.split()[1] for line in hey.splitlines() if line.strip().startswith("[200]")), "0")
        return (answered - started) * 1000, cpu, idle, loaded, f"{rps} req/s, {ok} answered 200"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            print("  did not stop within 30 s of SIGTERM: killed", flush=True)
            process.kill()
            process.wait()


def summarize(path):
    runs = {}
    with open(path) as results:
        for line in results:
            run = json.loads(line)
            runs.setdefault(run["label"], []).append(run)
    for label, found in runs.items():
        print(f"{label}: {len(found)} runs, median first answer {statistics.median(r['ms'] for r in found):.0f} ms "
              f"(min {min(r['ms'] for r in found):.0f}, max {max(r['ms'] for r in found):.0f}), "
              f"CPU until then {statistics.median(r['cpu_ms'] for r in found):.0f} ms, "
              f"RSS idle {statistics.median(r['idle_kib'] for r in found) / 1024:.0f} MiB, "
              f"RSS after load {statistics.median(r['loaded_kib'] for r in found) / 1024:.0f} MiB")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--summarize":
        return summarize(sys.argv[2])
    parser = argparse.ArgumentParser()
    parser.add_argument("--label", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jar", default="target/quarkus-app/quarkus-run.jar")
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--idle", type=float, default=3.0, help="seconds between first answer and idle RSS")
    parser.add_argument("--load", type=int, default=10, help="seconds of load (when --requests is 0)")
    parser.add_argument("--requests", type=int, default=0, help="requests of load")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--out", help="append one JSON line per run to this file")
    parser.add_argument("command", nargs="+", help="java and its options")
    args = parser.parse_args()
    results = []
    with open(f"/tmp/measure-{args.label}.log", "w") as log:
        for i in range(args.runs):
            ms, cpu, idle, loaded, rps = run_once(args.command, args.jar, args.port, args.idle, args.load,
                                             args.requests, args.concurrency, log)
            results.append((ms, idle, loaded, cpu))
            if args.out:
                with open(args.out, "a") as out:
                    out.write(json.dumps({"label": args.label, "ms": round(ms), "cpu_ms": round(cpu),
                                          "idle_kib": idle,
                                          "loaded_kib": loaded, "load": rps,
                                          "loadavg": os.getloadavg()[0]}) + "\n")
            print(f"{args.label} run {i + 1}: first answer {ms:.0f} ms ({cpu:.0f} ms CPU), "
                  f"RSS idle {idle / 1024:.0f} MiB, "
                  f"RSS after load {loaded / 1024:.0f} MiB, {rps}", flush=True)
    print(f"{args.label} median: first answer {statistics.median(r[0] for r in results):.0f} ms "
          f"({statistics.median(r[3] for r in results):.0f} ms CPU), "
          f"RSS idle {statistics.median(r[1] for r in results) / 1024:.0f} MiB, "
          f"RSS after load {statistics.median(r[2] for r in results) / 1024:.0f} MiB", flush=True)


if __name__ == "__main__":
    sys.exit(main())
