/* The simple output channels: stdout, file (keep_alive or reopen per alert; reopen on
 * SIGUSR1) and syslog (Falco priority = syslog level, facility LOG_USER). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "config.h"
#include "outputs.h"
#include "tt_log.h"

/* ---- stdout ---- */
static int stdout_write(struct out_channel *c, const char *line, size_t len, int prio)
{
    if (fwrite(line, 1, len, stdout) != len || fputc('\n', stdout) == EOF)
        return -1;
    return 0;
}

static int stdout_flush(struct out_channel *c)
{
    return fflush(stdout) == 0 ? 0 : -1;
}

static void stdout_close(struct out_channel *c, int timeout_ms)
{
    fflush(stdout);
}

int out_stdout_open(struct out_channel *c, const struct engine_config *cfg, char *err, size_t n)
{
    memset(c, 0, sizeof *c);
    c->name = "stdout";
    c->write = stdout_write;
    c->flush = stdout_flush;
    c->close = stdout_close;
    return 0;
}

/* ---- file ---- */
struct file_priv {
    char *path;
    int keep_alive;
    FILE *f;
    int err_logged;
};

static FILE *file_open_path(struct file_priv *p)
{
    FILE *f = fopen(p->path, "a");
    if (!f) {
        if (!p->err_logged)
            tt_error("file output: cannot open %s: %s", p->path, strerror(errno));
        p->err_logged = 1;
        return NULL;
    }
    p->err_logged = 0;
    return f;
}

static int file_write(struct out_channel *c, const char *line, size_t len, int prio)
{
    struct file_priv *p = c->priv;
    if (!p->f && !(p->f = file_open_path(p)))
        return -1;
    int rc = 0;
    if (fwrite(line, 1, len, p->f) != len || fputc('\n', p->f) == EOF)
        rc = -1;
    if (!p->keep_alive) {
        if (fclose(p->f) != 0)
            rc = -1;
        p->f = NULL;
    }
    return rc;
}

static int file_flush(struct out_channel *c)
{
    struct file_priv *p = c->priv;
    return p->f && fflush(p->f) != 0 ? -1 : 0;
}

static void file_reopen(struct out_channel *c)
{
    struct file_priv *p = c->priv;
    if (p->f) {
        fclose(p->f);
        p->f = NULL;
    }
    if (p->keep_alive)
        p->f = file_open_path(p);
}

static void file_close(struct out_channel *c, int timeout_ms)
{
    struct file_priv *p = c->priv;
    if (p->f)
        fclose(p->f);
    free(p->path);
    free(p);
    c->priv = NULL;
}

int out_file_open(struct out_channel *c, const struct engine_config *cfg, char *err, size_t n)
{
    memset(c, 0, sizeof *c);
    struct file_priv *p = calloc(1, sizeof *p);
    if (!p || !(p->path = strdup(cfg->file.filename))) {
        free(p);
        snprintf(err, n, "out of memory");
        return -1;
    }
    p->keep_alive = cfg->file.keep_alive;
    /* Open once now so a bad path is reported at start-up. */
    FILE *f = fopen(p->path, "a");
    if (!f) {
        snprintf(err, n, "file_output: cannot open %s: %s", p->path, strerror(errno));
        free(p->path);
        free(p);
        return -1;
    }
    if (p->keep_alive)
        p->f = f;
    else
        fclose(f);
    c->name = "file";
    c->priv = p;
    c->write = file_write;
    c->flush = file_flush;
    c->reopen = file_reopen;
    c->close = file_close;
    return 0;
}

/* ---- syslog ---- */
static int syslog_write(struct out_channel *c, const char *line, size_t len, int prio)
{
    if (prio < 0 || prio > 7)
        prio = LOG_DEBUG;
    syslog(LOG_USER | prio, "%.*s", (int)len, line);
    return 0;
}

int out_syslog_open(struct out_channel *c, const struct engine_config *cfg, char *err, size_t n)
{
    memset(c, 0, sizeof *c);
    c->name = "syslog";
    c->write = syslog_write;
    return 0;
}
