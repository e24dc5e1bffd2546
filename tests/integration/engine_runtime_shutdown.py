#!/usr/bin/env python3
# Engine runtime, shutdown through a slow channel: an HTTP endpoint that takes 1.5 s per alert
# must not cost the fast outputs (stdout, file) the last alerts at SIGTERM: once output_timeout
# has passed, the request in flight is abandoned, the slow channel is skipped and every queued
# alert still reaches stdout and the file; the engine exits 0 in bounded time.
# timeout: 120
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import ttest  # noqa: E402
import en_runtime as rt  # noqa: E402

N = 6


def main():
    t = rt.Tmp()
    try:
        run(t)
    finally:
        t.close()


def run(t):
    key = rt.unique_key() + 11
    rules = t.write("bash.yaml", rt.BASH_RULE)
    port_file = t.path("peer.port")
    t.spawn([sys.executable, os.path.join(rt.DATA, "http_peer.py"), port_file, t.path("http.out"),
             "--hang", "1.5"])
    ok = rt.wait_until(lambda: os.path.exists(port_file), 10)
    port = int(open(port_file).read()) if ok else 9
    cfg = t.write("falco.yaml", rt.BASE_CONFIG +
                  f"file_output: {{enabled: true, keep_alive: true, filename: {t.path('file.out')}}}\n"
                  f"http_output: {{enabled: true, url: \"http://127.0.0.1:{port}/slow\"}}\n"
                  "output_timeout: 1000\n")
    e = t.spawn([rt.ENGINE, "-c", cfg, "-r", rules, "-o", f"tartan.ring_key={key}"],
                stdout=open(t.path("e.out"), "w"), stderr=open(t.path("e.err"), "w"),
                env=rt.env_clean())
    rt.wait_until(lambda: "waiting for the tracer" in t.read("e.err"), 10)
    f = t.spawn([rt.FEED, "--ring", str(key), "--count", str(N), "--wait-consumer", "10000",
                 "--last-gap-ms", "50"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    f.wait(timeout=30)
    t0 = time.time()
    rc = rt.stop(e)
    took = time.time() - t0
    got_stdout = len(rt.json_lines(t.read("e.out")))
    got_file = len(rt.json_lines(t.read("file.out")))
    err = t.read("e.err")
    ttest.check("slow_http_shutdown_fast_outputs_complete", got_stdout == N and got_file == N,
                f"stdout={got_stdout} file={got_file} of {N} " + err[-400:])
    ttest.check("slow_http_shutdown_bounded", rc == 0 and took < 6, f"rc={rc} took={took:.1f}s")
    ttest.check("slow_http_shutdown_logged", "not delivered to \"http\"" in err, err[-400:])


main()
