#!/usr/bin/env python3
# Engine runtime, shutdown through a slow channel: an HTTP endpoint that takes 1.5 s per alert
# must not cost the fast outputs (stdout, file) the last alerts at SIGTERM: once output_timeout
# has passed, the request in flight is abandoned, the slow channel is skipped and every queued
# alert still reaches stdout and the file; the engine exits in bounded time, with status 3 (not
# every alert reached every output). At the end of a
# capture (-e) no deadline applies while the outputs make progress: every alert reaches a
# slowish HTTP endpoint (20 ms per alert, far beyond output_timeout in total).
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
    with rt.Tmp() as t:
        run(t)


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
    # exit status 3: the http output did not get every alert (the summary line says so)
    ttest.check("slow_http_shutdown_bounded", rc == 3 and took < 6 and
                "were not delivered to every output" in t.read("e.err"), f"rc={rc} took={took:.1f}s")
    ttest.check("slow_http_shutdown_logged", "not delivered to \"http\"" in err, err[-400:])

    # end of a capture: everything is delivered, however long it takes, while progress is made
    pf2 = t.path("peer2.port")
    t.spawn([sys.executable, os.path.join(rt.DATA, "http_peer.py"), pf2, t.path("http2.out"),
             "--hang", "0.02"])
    ok = rt.wait_until(lambda: os.path.exists(pf2), 10)
    port2 = int(open(pf2).read()) if ok else 9
    n = 120
    cap = rt.feed_capture(t.path("many.cap"), "--count", str(n))
    cfg2 = t.write("cap.yaml", rt.BASE_CONFIG + "stdout_output: {enabled: false}\n"
                   f"http_output: {{enabled: true, url: \"http://127.0.0.1:{port2}/cap\"}}\n"
                   "output_timeout: 500\n")
    p = rt.run_engine(["-c", cfg2, "-r", rules, "-e", cap], timeout=90)
    got = len(t.read("http2.out").splitlines())
    ttest.check("capture_end_delivers_everything", p.returncode == 0 and got == n,
                f"http got {got} of {n} rc={p.returncode} " + p.stderr[-300:])


main()
