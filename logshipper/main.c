/* logshipper: reads log lines (Falco alerts) on stdin and ships them to CloudWatch Logs.
 * main.c: options, resolution of destination/region/endpoint, the reader loop, shutdown and the
 * summary. The sender runs in its own thread (ls_ship.c). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "ls_buf.h"
#include "ls_creds.h"
#include "ls_cwl.h"
#include "ls_ecs.h"
#include "ls_endpoint.h"
#include "ls_event.h"
#include "ls_http.h"
#include "ls_queue.h"
#include "ls_reader.h"
#include "ls_ship.h"
#include "ls_signcmd.h"
#include "ls_spool.h"
#include "ls_status.h"
#include "tt_io.h"
#include "tt_signals.h"
#include "tt_log.h"
#include "tt_nodump.h"
#include "tt_time.h"
#include "tt_exit.h"
#include "tt_version.h"

#define MAX_PAST_MS (14LL * 24 * 3600 * 1000 - 3600 * 1000) /* CloudWatch: 14 days */
#define MAX_FUTURE_MS (2LL * 3600 * 1000 - 60 * 1000)       /* CloudWatch: 2 hours */
#define FAIL_WARN_FIRST_MS 60000LL  /* "cannot deliver" warning after a minute of failures */
#define FAIL_WARN_EVERY_MS 300000LL /* then every five minutes while it lasts */

struct opts {
    const char *group, *stream, *region, *endpoint, *spool_dir, *log_level;
    int retention_days, create_group, fips, dualstack;
    long long flush_ms, event_limit, queue_bytes, spool_bytes, deadline_s, timeout_ms;
    long long retry_base_ms, retry_cap_ms;
};

static void usage(FILE *f)
{
    fputs(
        "usage: logshipper [options] < lines\n"
        "       logshipper --sign [--region R] [--service S] [--date YYYYMMDDTHHMMSSZ] < request\n"
        "Ships each non-empty stdin line as one CloudWatch Logs event.\n"
        "  -g, --group NAME         log group (default $__CW_LOG_GROUP)\n"
        "  -s, --stream NAME        log stream (default $LOGSHIPPER_LOG_STREAM, $__CW_LOG_STREAM,\n"
        "                           ECS container/task id, else host name and start time)\n"
        "      --retention-days N   retention of the log group when logshipper creates it\n"
        "                           (default $LOGSHIPPER_RETENTION_DAYS; a CloudWatch value:\n"
        "                           1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 ...)\n"
        "      --no-create-group    never call CreateLogGroup\n"
        "      --region R           region (default AWS_REGION, AWS_DEFAULT_REGION, profile, ECS)\n"
        "      --endpoint URL       endpoint (default AWS_ENDPOINT_URL_CLOUDWATCH_LOGS,\n"
        "                           AWS_ENDPOINT_URL, else the region's standard endpoint)\n"
        "      --fips, --dualstack  FIPS / dual-stack endpoint variants\n"
        "      --flush-interval MS  send a partial batch after MS (default 1000)\n"
        "      --event-limit BYTES  longest event before truncation (default 1048550)\n"
        "      --queue-bytes N      memory queue bound (default 8388608)\n"
        "      --spool-dir DIR      overflow to disk in DIR when the memory queue is full\n"
        "      --spool-bytes N      disk spool bound (default 268435456)\n"
        "      --deadline S         seconds to deliver after EOF/SIGTERM/SIGINT (default\n"
        "                           $LOGSHIPPER_DEADLINE, else 10)\n"
        "      --timeout MS         per-request timeout (default 10000)\n"
        "      --retry-base-ms MS   backoff base (default 100)\n"
        "      --retry-cap-ms MS    backoff cap (default 20000)\n"
        "      --log-level LEVEL    error, warning, info, debug (default info)\n"
        "  -h, --help               this text;  --version  version and exit\n"
        "Exit status: 0 every event read was delivered; 1 something was not delivered, or a\n"
        "runtime failure; 125 usage error (docs/exit-codes.md).\n",
        f);
}

/* The retention periods CloudWatch Logs accepts (PutRetentionPolicy retentionInDays). */
static int retention_valid(long long d)
{
    static const int ok[] = {1,   3,   5,   7,   14,   30,   60,   90,   120,  150,  180,
                             365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (ok[i] == d)
            return 1;
    return 0;
}

static int parse_num(const char *s, long long *out)
{
    char *e;
    errno = 0;
    long long v = strtoll(s, &e, 10);
    if (errno || e == s || *e || v < 0)
        return -1;
    *out = v;
    return 0;
}

static int sign_main(int argc, char **argv)
{
    struct ls_sign_opts o = {.region = NULL, .service = "logs"};
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--region") && i + 1 < argc)
            o.region = argv[++i];
        else if (!strcmp(argv[i], "--service") && i + 1 < argc)
            o.service = argv[++i];
        else if (!strcmp(argv[i], "--date") && i + 1 < argc)
            o.date = argv[++i];
        else {
            usage(stderr);
            return TT_EXIT_USAGE;
        }
    }
    char region[64];
    if (!o.region)
        o.region = ls_region_resolve(NULL, NULL, region, sizeof region) ? region : "us-east-1";
    o.akid = getenv("AWS_ACCESS_KEY_ID");
    o.secret = getenv("AWS_SECRET_ACCESS_KEY");
    o.token = getenv("AWS_SESSION_TOKEN");
    if (!o.akid || !o.secret) {
        tt_error("--sign needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
        return TT_EXIT_USAGE;
    }
    size_t in_len = 0;
    char *in = tt_read_fd(0, TT_CAP_SIGN_REQUEST, &in_len);
    if (!in) {
        tt_error("--sign: cannot read the request: %s", strerror(errno));
        return 1;
    }
    char err[256];
    int rc = ls_sign_request_text(in, in_len, &o, stdout, err, sizeof err);
    free(in);
    if (rc < 0) {
        tt_error("--sign: %s", err);
        return 1;
    }
    return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    enum {
        O_RET = 256,
        O_NOCG,
        O_REGION,
        O_EP,
        O_FIPS,
        O_DUAL,
        O_FLUSH,
        O_LIMIT,
        O_QB,
        O_SD,
        O_SB,
        O_DL,
        O_TMO,
        O_RB,
        O_RC,
        O_LL,
        O_VER
    };
    static const struct option lo[] = {
        {"group", required_argument, 0, 'g'},
        {"stream", required_argument, 0, 's'},
        {"retention-days", required_argument, 0, O_RET},
        {"no-create-group", no_argument, 0, O_NOCG},
        {"region", required_argument, 0, O_REGION},
        {"endpoint", required_argument, 0, O_EP},
        {"fips", no_argument, 0, O_FIPS},
        {"dualstack", no_argument, 0, O_DUAL},
        {"flush-interval", required_argument, 0, O_FLUSH},
        {"event-limit", required_argument, 0, O_LIMIT},
        {"queue-bytes", required_argument, 0, O_QB},
        {"spool-dir", required_argument, 0, O_SD},
        {"spool-bytes", required_argument, 0, O_SB},
        {"deadline", required_argument, 0, O_DL},
        {"timeout", required_argument, 0, O_TMO},
        {"retry-base-ms", required_argument, 0, O_RB},
        {"retry-cap-ms", required_argument, 0, O_RC},
        {"log-level", required_argument, 0, O_LL},
        {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, O_VER},
        {0, 0, 0, 0},
    };
    int c;
    long long v;
    while ((c = getopt_long(argc, argv, "g:s:h", lo, NULL)) != -1) {
        long long *num = NULL;
        switch (c) {
        case 'g':
            o->group = optarg;
            break;
        case 's':
            o->stream = optarg;
            break;
        case O_RET:
            if (parse_num(optarg, &v) < 0 || !retention_valid(v)) {
                tt_error("--retention-days %s: not a CloudWatch Logs retention (1, 3, 5, 7, 14, "
                         "30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, "
                         "2557, 2922, 3288 or 3653 days)",
                         optarg);
                return -1;
            }
            o->retention_days = (int)v;
            break;
        case O_NOCG:
            o->create_group = 0;
            break;
        case O_REGION:
            o->region = optarg;
            break;
        case O_EP:
            o->endpoint = optarg;
            break;
        case O_FIPS:
            o->fips = 1;
            break;
        case O_DUAL:
            o->dualstack = 1;
            break;
        case O_FLUSH:
            num = &o->flush_ms;
            break;
        case O_LIMIT:
            num = &o->event_limit;
            break;
        case O_QB:
            num = &o->queue_bytes;
            break;
        case O_SD:
            o->spool_dir = optarg;
            break;
        case O_SB:
            num = &o->spool_bytes;
            break;
        case O_DL:
            num = &o->deadline_s;
            break;
        case O_TMO:
            num = &o->timeout_ms;
            break;
        case O_RB:
            num = &o->retry_base_ms;
            break;
        case O_RC:
            num = &o->retry_cap_ms;
            break;
        case O_LL:
            o->log_level = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        case O_VER:
            printf("logshipper %s (%s, %s)\n", TT_VERSION, curl_version(),
                   OpenSSL_version(OPENSSL_VERSION));
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
        if (num && parse_num(optarg, num) < 0)
            goto bad;
        continue;
    bad:
        tt_error("bad value for option %s: %s", argv[optind - 1], optarg);
        return -1;
    }
    if (optind < argc) {
        tt_error("unexpected argument %s", argv[optind]);
        return -1;
    }
    if (o->event_limit < 128 || o->event_limit > LS_DEFAULT_EVENT_LIMIT) {
        tt_error("--event-limit must be within 128..%d", LS_DEFAULT_EVENT_LIMIT);
        return -1;
    }
    return 0;
}

/* 1 when a SIGTERM/SIGINT was read from the signalfd. */
static int read_signal(int sfd, const char **why)
{
    struct signalfd_siginfo si;
    if (read(sfd, &si, sizeof si) != (ssize_t)sizeof si)
        return 0;
    *why = si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT";
    return 1;
}

static void default_stream(const struct ls_ecs_info *ecs, char *out, size_t n)
{
    if (ecs->task_id[0]) {
        snprintf(out, n, "%s/%s", ecs->container[0] ? ecs->container : "container", ecs->task_id);
        return;
    }
    char host[256] = "host", date[32];
    if (gethostname(host, sizeof host) < 0)
        snprintf(host, sizeof host, "host");
    host[sizeof host - 1] = '\0';
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H-%M-%SZ", &tm);
    snprintf(out, n, "%s/%s", host, date);
    /* ':' and '*' are not allowed in stream names */
    for (char *p = out; *p; p++)
        if (*p == ':' || *p == '*')
            *p = '-';
}

/* Status records for the engine (TARTAN_STATUS_FD) and the "cannot deliver" warning, at most
 * once a second (always for the final record). */
struct status_ctx {
    int fd;
    int64_t last_ms, next_warn_ms;
};

static void status_tick(struct status_ctx *sc, struct ls_shipper *sh, struct ls_queue *q,
                        uint64_t nread, int final)
{
    int64_t now = tt_mono_ms();
    if (!final && now - sc->last_ms < 1000)
        return;
    sc->last_ms = now;
    struct tt_ship_status st = {.read = nread, .final = final};
    st.delivered = __atomic_load_n(&sh->st.delivered, __ATOMIC_RELAXED);
    st.rejected = __atomic_load_n(&sh->st.rejected, __ATOMIC_RELAXED);
    st.undelivered = __atomic_load_n(&sh->st.undelivered, __ATOMIC_RELAXED);
    st.retries = __atomic_load_n(&sh->st.retries, __ATOMIC_RELAXED);
    st.batches = __atomic_load_n(&sh->st.batches, __ATOMIC_RELAXED);
    pthread_mutex_lock(&q->mu);
    st.queued = ls_queue_pending_locked(q);
    st.dropped = q->dropped;
    snprintf(st.last_error, sizeof st.last_error, "%s", sh->last_error);
    pthread_mutex_unlock(&q->mu);
    int64_t since = __atomic_load_n(&sh->fail_since_ms, __ATOMIC_RELAXED);
    int64_t ok = __atomic_load_n(&sh->last_ok_ms, __ATOMIC_RELAXED);
    st.failing_ms = since ? now - since : 0;
    st.last_ok_ms = ok ? now - ok : -1;
    if (!since) {
        sc->next_warn_ms = 0;
    } else if (!final && st.failing_ms >= FAIL_WARN_FIRST_MS &&
               (sc->next_warn_ms == 0 || now >= sc->next_warn_ms)) {
        tt_warn("cannot deliver to CloudWatch Logs for %lld s (last error %s); %llu events "
                "queued",
                (long long)(st.failing_ms / 1000), st.last_error[0] ? st.last_error : "unknown",
                (unsigned long long)st.queued);
        sc->next_warn_ms = now + FAIL_WARN_EVERY_MS;
    }
    if (sc->fd >= 0)
        ls_status_write(sc->fd, &st);
}

int main(int argc, char **argv)
{
    tt_log_init("logshipper");
    if (tt_nodump() != 0)
        tt_warn("cannot make logshipper non-dumpable: %s", strerror(errno));
    tt_name_self("logshipper");
    /* A closed stdin/stdout/stderr would be reused by the next open(); point it at /dev/null
     * (a closed stdin then reads as end of input). */
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd ? O_WRONLY : O_RDONLY) < 0)
            return 1;
    if (argc > 1 && !strcmp(argv[1], "--sign"))
        return sign_main(argc, argv);

    struct opts o = {.create_group = 1,
                     .flush_ms = 1000,
                     .event_limit = LS_DEFAULT_EVENT_LIMIT,
                     .queue_bytes = 8 << 20,
                     .spool_bytes = 256LL << 20,
                     .deadline_s = 10,
                     .timeout_ms = 10000,
                     .retry_base_ms = 100,
                     .retry_cap_ms = 20000};
    o.group = getenv("__CW_LOG_GROUP");
    const char *ret_env = getenv("LOGSHIPPER_RETENTION_DAYS");
    if (ret_env && *ret_env) {
        long long d;
        if (parse_num(ret_env, &d) < 0 || !retention_valid(d)) {
            tt_error("LOGSHIPPER_RETENTION_DAYS=%s: not a CloudWatch Logs retention (1, 3, 5, 7, "
                     "14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, "
                     "2922, 3288 or 3653 days)",
                     ret_env);
            return TT_EXIT_USAGE;
        }
        o.retention_days = (int)d;
    }
    /* The engine's program output passes its shutdown budget (docs/operations.md). */
    const char *dl_env = getenv("LOGSHIPPER_DEADLINE");
    if (dl_env && *dl_env && parse_num(dl_env, &o.deadline_s) < 0) {
        tt_error("LOGSHIPPER_DEADLINE=%s: not a number of seconds", dl_env);
        return TT_EXIT_USAGE;
    }
    o.stream = getenv("LOGSHIPPER_LOG_STREAM");
    if (!o.stream || !*o.stream)
        o.stream = getenv("__CW_LOG_STREAM");
    if (parse_opts(argc, argv, &o) < 0)
        return TT_EXIT_USAGE;
    if (o.log_level) {
        int l = tt_log_level_parse(o.log_level);
        if (l < 0) {
            tt_error("unknown log level %s", o.log_level);
            return TT_EXIT_USAGE;
        }
        tt_log_set_level((enum tt_log_level)l);
    }
    if (!o.group || !*o.group) {
        tt_error("no log group: set __CW_LOG_GROUP or --group");
        return TT_EXIT_USAGE;
    }

    /* Signals: SIGTERM/SIGINT arrive through a signalfd polled by the reader. */
    static const int sigs[] = {SIGTERM, SIGINT};
    int sfd = tt_signalfd_open(sigs, 2, 0, NULL);
    if (sfd < 0) {
        tt_error("cannot read signals through a signalfd: %s", strerror(errno));
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    if (ls_http_global_init() < 0) {
        tt_error("libcurl initialisation failed");
        return 1;
    }

    struct ls_ecs_info ecs;
    if (ls_ecs_metadata(&ecs) < 0)
        tt_warn("ECS task metadata unavailable");
    char stream[600], region[64], url[1024];
    if (o.stream && *o.stream)
        snprintf(stream, sizeof stream, "%s", o.stream);
    else
        default_stream(&ecs, stream, sizeof stream);
    if (!ls_region_resolve(o.region, ecs.region, region, sizeof region)) {
        tt_error("no region: set AWS_REGION, --region or a profile region");
        return TT_EXIT_USAGE;
    }
    ls_endpoint_set_variants(o.fips, o.dualstack);
    if (o.endpoint)
        snprintf(url, sizeof url, "%s", o.endpoint);
    else if (ls_endpoint_for_service("logs", "CLOUDWATCH_LOGS", region, url, sizeof url, NULL, 0) <
             0) {
        tt_error("cannot build the CloudWatch Logs endpoint");
        return TT_EXIT_USAGE;
    }

    struct ls_cred_chain creds;
    struct ls_cwl cwl;
    struct ls_queue q;
    struct ls_spool *spool = NULL;
    if (o.spool_dir) {
        spool = ls_spool_open(o.spool_dir);
        if (!spool) {
            tt_error("cannot open spool directory %s: %s", o.spool_dir, strerror(errno));
            return TT_EXIT_FAILURE;
        }
        if (ls_spool_count(spool))
            tt_info("%llu events spooled by an earlier run will be shipped",
                    (unsigned long long)ls_spool_count(spool));
    }
    if (ls_cred_chain_init(&creds, region) < 0 ||
        ls_cwl_init(&cwl, url, region, &creds, (long)o.timeout_ms) < 0 ||
        ls_queue_init(&q, (uint64_t)o.queue_bytes, spool, (uint64_t)o.spool_bytes) < 0) {
        tt_error("initialisation failed (endpoint %s)", url);
        return TT_EXIT_FAILURE;
    }
    cwl.http.abort_at_ms = &q.abort_at_ms; /* a request never outlives the shutdown deadline */
    tt_info("shipping to %s, group %s, stream %s, region %s", url, o.group, stream, region);

    struct ls_shipper sh = {
        .q = &q,
        .cwl = &cwl,
        .group = o.group,
        .stream = stream,
        .retention_days = o.retention_days,
        .create_group = o.create_group,
        .flush_ms = o.flush_ms,
        .retry_base_ms = o.retry_base_ms > 0 ? o.retry_base_ms : 1,
        .retry_cap_ms = o.retry_cap_ms,
        .timeout_ms = o.timeout_ms > 0 ? o.timeout_ms : 10000,
        .max_batch_events = 10000,
        .max_batch_bytes = 1048576,
        .rng = (unsigned)(getpid() ^ tt_mono_ms()),
    };
    uint64_t nread = ls_spool_count(spool), truncated = 0;
    struct status_ctx sc = {.fd = ls_status_open_env()};
    pthread_t tid;
    if (pthread_create(&tid, NULL, ls_ship_thread, &sh) != 0) {
        tt_error("cannot start the sender thread");
        return 1;
    }

    struct ls_reader rd;
    if (ls_reader_init(&rd, 0, (size_t)o.event_limit) < 0) {
        tt_error("out of memory");
        return 1;
    }
    int64_t last_ts = 0;
    const char *why = "end of input";
    int stop = 0, closed = 0;
    for (;;) {
        struct pollfd pf[2] = {{.fd = 0, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
        int pr = poll(pf, 2, 1000);
        status_tick(&sc, &sh, &q, nread, 0);
        if (pr == 0)
            continue;
        if (pr < 0) {
            if (errno == EINTR)
                continue;
            tt_error("poll: %s", strerror(errno));
            why = "poll error";
            break;
        }
        if ((pf[1].revents & POLLIN) && read_signal(sfd, &why))
            break;
        if (pf[0].revents & POLLNVAL) { /* no stdin at all */
            why = "stdin closed";
            break;
        }
        if (!(pf[0].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        ssize_t n = ls_reader_fill(&rd);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0) {
            tt_error("read: %s", strerror(errno));
            ls_reader_set_eof(&rd);
            why = "read error";
        }
        struct ls_line l;
        int rc;
        int64_t now = tt_wall_ms();
        while ((rc = ls_reader_next(&rd, &l)) == 1) {
            int tr = 0;
            struct ls_event *e =
                ls_event_from_line(l.data, l.len, l.total, (size_t)o.event_limit, now, &tr);
            if (!e) {
                if (errno == ENOMEM)
                    tt_error("out of memory: line lost");
                continue;
            }
            truncated += (uint64_t)tr;
            if (e->ts < now - MAX_PAST_MS || e->ts > now + MAX_FUTURE_MS)
                e->ts = now; /* CloudWatch would reject it */
            if (e->ts < last_ts)
                e->ts = last_ts; /* keep lines in order */
            last_ts = e->ts;
            nread++;
            /* Back-pressure while deliveries work. A signal starts the shutdown clock; lines
             * already read still wait for room until the deadline. */
            while (!ls_queue_wait_room(&q, e->len + LS_EVENT_OVERHEAD, 200)) {
                status_tick(&sc, &sh, &q, nread, 0);
                struct pollfd sp = {.fd = sfd, .events = POLLIN};
                if (!stop && poll(&sp, 1, 0) == 1 && (stop = read_signal(sfd, &why))) {
                    tt_info("%s: delivering what was read (deadline %llds)", why, o.deadline_s);
                    ls_queue_close(&q, tt_mono_ms() + o.deadline_s * 1000);
                    closed = 1;
                }
            }
            ls_queue_push(&q, e);
        }
        if (rc < 0 || stop)
            break;
    }
    ls_reader_free(&rd);
    if (!closed) {
        tt_info("%s: delivering what was read (deadline %llds)", why, o.deadline_s);
        ls_queue_close(&q, tt_mono_ms() + o.deadline_s * 1000);
    }
    ls_queue_reader_done(&q);
    /* Keep the engine informed while the last batches go out. */
    for (;;) {
        struct timespec ts = tt_deadline_ms(1000);
        if (pthread_clockjoin_np(tid, NULL, TT_WAIT_CLOCK, &ts) == 0)
            break;
        status_tick(&sc, &sh, &q, nread, 0);
    }
    /* Whatever is still queued could not be delivered in time (spooled events stay on disk for
     * the next run). */
    uint64_t left = ls_queue_pending_locked(&q);
    for (struct ls_event *e = q.head; e; e = e->next)
        if (e->notice && left)
            left--;
    sh.st.undelivered += left;

    uint64_t dropped = q.dropped;
    fprintf(stderr,
            "[logshipper] summary: read %llu, delivered %llu, rejected %llu, dropped %llu, "
            "undelivered %llu, truncated %llu, retries %llu, batches %llu\n",
            (unsigned long long)nread, (unsigned long long)sh.st.delivered,
            (unsigned long long)sh.st.rejected, (unsigned long long)dropped,
            (unsigned long long)sh.st.undelivered, (unsigned long long)truncated,
            (unsigned long long)sh.st.retries, (unsigned long long)sh.st.batches);
    int ok = sh.st.delivered == nread && !sh.st.rejected && !dropped && !sh.st.undelivered;
    if (!ok)
        tt_error("%llu of %llu events were not delivered (rejected %llu, dropped %llu, "
                 "undelivered %llu)",
                 (unsigned long long)(nread > sh.st.delivered ? nread - sh.st.delivered : 0),
                 (unsigned long long)nread, (unsigned long long)sh.st.rejected,
                 (unsigned long long)dropped, (unsigned long long)sh.st.undelivered);
    status_tick(&sc, &sh, &q, nread, 1);
    ls_queue_destroy(&q);
    ls_spool_close(spool);
    ls_cwl_free(&cwl);
    ls_cred_chain_free(&creds);
    ls_buf_free(&sh.body);
    ls_http_global_cleanup();
    close(sfd);
    return ok ? 0 : 1;
}
