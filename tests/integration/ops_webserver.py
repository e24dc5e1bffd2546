#!/usr/bin/env python3
# Falco's webserver (/healthz) for HTTP probes: 200 {"status":"ok"} while healthy, 503 with the
# reason when not (the same verdict as `engine --health`); only GET of the endpoint is served
# (404, 405, 400, 414, 431 otherwise); TLS with webserver.ssl_certificate (key + chain in one
# PEM, verified by the client against the test CA), plain HTTP on the TLS port gets nothing.
# Attacks from the workload (same network namespace): 40 idle connections (slowloris) cannot
# starve a probe (the oldest is evicted; the probe is answered before any idle one times out); a request that
# never ends is cut at 8 KiB and 2 s; a byte-by-byte request still works. A bad certificate or a
# port in use is logged and the engine keeps running (alerts still flow).
# timeout: 240
import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import ttest  # noqa: E402
import en_runtime as rt  # noqa: E402


def config(t, name, key, web):
    return t.write(f"{name}.yaml", rt.BASE_CONFIG +
                   f"webserver:\n{web}"
                   f"tartan:\n  ring_key: {key}\n  health:\n"
                   f"    status_file: {t.path(name + '.status.json')}\n"
                   "    tracer_wait_seconds: 3\n")


def start(t, name, cfg, rules):
    e = t.spawn([rt.ENGINE, "-c", cfg, "-r", rules], stdout=open(t.path(name + ".out"), "w"),
                stderr=open(t.path(name + ".err"), "w"), env=rt.env_clean())
    m = rt.wait_until(lambda: re.search(r"webserver: listening on \S+ port (\d+)",
                                        t.read(name + ".err")), 10)
    return e, int(m.group(1)) if m else 9


def get(port, path="/healthz", method="GET", ctx=None, timeout=3):
    if ctx:
        c = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=ctx)
    else:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request(method, path)
    r = c.getresponse()
    body = r.read().decode()
    c.close()
    return r.status, body


def raw(port, data, timeout=4):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            b = s.recv(4096)
            if not b:
                break
            out += b
    except OSError:
        pass
    s.close()
    return out.decode("latin-1")


def plain_cases(t, rules):
    key = rt.unique_key() + 1
    cfg = config(t, "web", key, "  enabled: true\n  listen_port: 0\n  listen_address: 127.0.0.1\n"
                 "  threadiness: 4\n")
    e, port = start(t, "web", cfg, rules)
    rt.wait_until(lambda: os.path.exists(t.path("web.status.json")), 5)
    st, body = get(port)
    ttest.check("healthz_ok_while_healthy", st == 200 and json.loads(body) == {"status": "ok"},
                f"{st} {body}")
    ok = rt.wait_until(lambda: get(port)[0] == 503, 10)
    st, body = get(port)
    ttest.check("healthz_503_with_the_reason", ok and "no tracer" in json.loads(body)["reason"],
                f"{st} {body}")
    p = subprocess.run([rt.ENGINE, "-c", cfg, "--health"], capture_output=True, text=True)
    ttest.check("healthz_and_exec_probe_agree", p.returncode == 1 and
                json.loads(body)["reason"] in p.stdout, p.stdout + body)
    feed = t.spawn([rt.FEED, "--ring", str(key), "--count", "2", "--wait-consumer", "10000",
                    "--hold", "600000"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ok = rt.wait_until(lambda: get(port)[0] == 200, 10)
    ttest.check("healthz_ok_again", ok, "still 503")

    ttest.expect_eq("other_path_404", get(port, "/metrics")[0], 404)
    ttest.expect_eq("query_ignored", get(port, "/healthz?x=1")[0], 200)
    st, _ = get(port, method="POST")
    ttest.expect_eq("post_405", st, 405)
    ttest.check("head_405", raw(port, b"HEAD /healthz HTTP/1.1\r\n\r\n").startswith(
        "HTTP/1.1 405"), "")
    ttest.check("garbage_400", raw(port, b"\x16\x03\x01\x00\xa5garbage\r\n\r\n").startswith(
        "HTTP/1.1 400"), "")
    ttest.check("long_uri_414", raw(port, b"GET /" + b"a" * 300 + b" HTTP/1.1\r\n\r\n")
                .startswith("HTTP/1.1 414"), "")
    t0 = time.time()
    big = raw(port, b"GET /healthz HTTP/1.1\r\nX: " + b"a" * 9000)
    ttest.check("endless_header_cut_at_8k_431", big.startswith("HTTP/1.1 431") and
                time.time() - t0 < 3, big[:60])
    # byte by byte: slow but legitimate
    s = socket.create_connection(("127.0.0.1", port), timeout=4)
    for ch in b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n":
        s.send(bytes([ch]))
        time.sleep(0.01)
    resp = s.recv(4096).decode()
    s.close()
    ttest.check("byte_by_byte_request_answered", resp.startswith("HTTP/1.1 200"), resp[:40])
    # an idle connection is closed after about 2 s
    s = socket.create_connection(("127.0.0.1", port), timeout=6)
    t0 = time.time()
    got = s.recv(10)
    took = time.time() - t0
    s.close()
    ttest.check("idle_connection_closed", got == b"" and 1.5 < took < 4, f"{got!r} {took:.1f}s")
    # slowloris: more idle connections than the server holds; a probe still gets its answer
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(40)]
    for s in idle:
        s.send(b"GET /healthz HTTP/1.1\r\n")
    t0 = time.time()
    try:
        st = get(port, timeout=3)[0]
    except OSError as ex:
        st = repr(ex)
    took = time.time() - t0
    for s in idle:
        s.close()
    # (a server that waited on the idle ones would take 2 s each: the connection timeout)
    ttest.check("slowloris_cannot_starve_a_probe", st == 200 and took < 1.9,
                f"status {st} in {took:.2f}s")
    feed.kill()
    rt.stop(e)


def port_in_use(t, rules):
    key = rt.unique_key() + 2
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    cfg = config(t, "clash", key, f"  enabled: true\n  listen_port: {holder.getsockname()[1]}\n"
                 "  listen_address: 127.0.0.1\n")
    e = t.spawn([rt.ENGINE, "-c", cfg, "-r", rules], stdout=open(t.path("clash.out"), "w"),
                stderr=open(t.path("clash.err"), "w"), env=rt.env_clean())
    feed = t.spawn([rt.FEED, "--ring", str(key), "--count", "2", "--wait-consumer", "10000",
                    "--hold", "600000"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ok = rt.wait_until(lambda: len(rt.json_lines(t.read("clash.out"))) >= 2, 10)
    err = t.read("clash.err")
    ttest.check("port_in_use_logged_and_detection_goes_on",
                ok and "cannot listen on 127.0.0.1 port" in err and e.poll() is None, err[-400:])
    feed.kill()
    rt.stop(e)
    holder.close()


def tls_cases(t, rules):
    d = t.path("certs")
    os.makedirs(d)
    subprocess.run(["sh", os.path.join(rt.DATA, "mkcerts.sh"), d], check=True)
    pem = os.path.join(d, "falco.pem")
    with open(pem, "w") as f:
        f.write(open(os.path.join(d, "server.key")).read())
        f.write(open(os.path.join(d, "server.crt")).read())
    key = rt.unique_key() + 3
    cfg = config(t, "tls", key, "  enabled: true\n  listen_port: 0\n  listen_address: 127.0.0.1\n"
                 f"  ssl_enabled: true\n  ssl_certificate: {pem}\n  k8s_healthz_endpoint: /live\n")
    e, port = start(t, "tls", cfg, rules)
    rt.wait_until(lambda: os.path.exists(t.path("tls.status.json")), 5)
    ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.crt"))
    try:
        st, body = get(port, "/live", ctx=ctx)
    except OSError as ex:
        st, body = repr(ex), ""
    ttest.check("tls_healthz_verified_ok", st == 200 and json.loads(body)["status"] == "ok",
                f"{st} {body}")
    ttest.expect_eq("tls_custom_endpoint_default_path_404", get(port, "/healthz", ctx=ctx)[0], 404)
    out = raw(port, b"GET /live HTTP/1.1\r\n\r\n", timeout=4)
    ttest.check("plain_http_on_tls_port_gets_no_answer", "HTTP/1.1 200" not in out, out[:60])
    rt.stop(e)

    # a bad certificate: logged with the key to fix, the engine keeps running
    key = rt.unique_key() + 4
    cfg = config(t, "badtls", key, "  enabled: true\n  listen_port: 0\n  ssl_enabled: true\n"
                 f"  ssl_certificate: {os.path.join(d, 'server.crt')}\n")
    e = t.spawn([rt.ENGINE, "-c", cfg, "-r", rules], stdout=subprocess.DEVNULL,
                stderr=open(t.path("badtls.err"), "w"), env=rt.env_clean())
    ok = rt.wait_until(lambda: "webserver.ssl_certificate" in t.read("badtls.err"), 10)
    time.sleep(0.5)
    ttest.check("bad_certificate_logged_engine_keeps_running", ok and e.poll() is None,
                t.read("badtls.err")[-400:])
    rt.stop(e)


def main():
    with rt.Tmp() as t:
        rules = t.write("bash.yaml", rt.BASH_RULE)
        plain_cases(t, rules)
        port_in_use(t, rules)
        tls_cases(t, rules)


main()
