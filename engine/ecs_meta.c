/* ECS task metadata endpoint v4 client: GET $ECS_CONTAINER_METADATA_URI_V4 and .../task in a
 * background thread (libcurl, short timeouts), parsed with jansson. */
#include "ecs_meta.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tt_log.h"

struct ecs_fetch {
    char *uri;
    long timeout_ms;
    pthread_t thr;
    int started;
    int done; /* atomic */
    int ok;
    struct ecs_meta meta;
};

struct buf {
    char *p;
    size_t len;
};

static size_t collect(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct buf *b = arg;
    size_t n = size * nmemb;
    if (b->len + n > (4u << 20))
        return 0;
    char *np = realloc(b->p, b->len + n + 1);
    if (!np)
        return 0;
    b->p = np;
    memcpy(b->p + b->len, ptr, n);
    b->len += n;
    b->p[b->len] = '\0';
    return n;
}

static char *http_get(const char *url, long timeout_ms)
{
    CURL *h = curl_easy_init();
    if (!h)
        return NULL;
    struct buf b = {0};
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(h);
    if (rc != CURLE_OK || code != 200) {
        tt_warn("ECS metadata: GET %s failed: %s", url,
                rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP status not 200");
        free(b.p);
        return NULL;
    }
    return b.p ? b.p : strdup("");
}

/* The string at key, copied; NULL when absent or empty. An allocation failure sets *oom. */
static char *dup_str(json_t *o, const char *key, int *oom)
{
    const char *s = json_string_value(json_object_get(o, key));
    char *d = s && s[0] ? strdup(s) : NULL;
    if (s && s[0] && !d)
        *oom = 1;
    return d;
}

void ecs_split_image(const char *image, char **repo, char **tag)
{
    *repo = *tag = NULL;
    if (!image || !image[0])
        return;
    const char *at = strchr(image, '@');
    size_t end = at ? (size_t)(at - image) : strlen(image);
    const char *slash = NULL;
    for (const char *p = image; p < image + end; p++)
        if (*p == '/')
            slash = p;
    const char *colon = NULL;
    for (const char *p = slash ? slash : image; p < image + end; p++)
        if (*p == ':')
            colon = p;
    if (colon) {
        *repo = strndup(image, (size_t)(colon - image));
        *tag = strndup(colon + 1, (size_t)(image + end - colon - 1));
    } else {
        *repo = strndup(image, end);
        *tag = at ? NULL : strdup("latest");
    }
}

/* One document, or NULL when absent or unparsable; *oom set when jansson ran out of memory. */
static json_t *load_doc(const char *text, int *oom)
{
    if (!text)
        return NULL;
    json_error_t e;
    errno = 0;
    json_t *j = json_loads(text, 0, &e);
    /* jansson reports some allocation failures as other errors; malloc's errno tells */
    if (!j && (json_error_code(&e) == json_error_out_of_memory || errno == ENOMEM))
        *oom = 1;
    return j;
}

static void parse_volumes(json_t *vols, struct ecs_meta *out, int *oom)
{
    size_t n = json_is_array(vols) ? json_array_size(vols) : 0;
    if (!n)
        return;
    if (!(out->vol_source = calloc(n, sizeof(char *))) ||
        !(out->vol_dest = calloc(n, sizeof(char *)))) {
        *oom = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(vols, i);
        if (!json_is_object(v))
            continue;
        const char *src = json_string_value(json_object_get(v, "Source"));
        const char *dst = json_string_value(json_object_get(v, "Destination"));
        char *s = strdup(src ? src : ""), *d = strdup(dst ? dst : "");
        if (!s || !d) {
            free(s);
            free(d);
            *oom = 1;
            return;
        }
        out->vol_source[out->nvol] = s;
        out->vol_dest[out->nvol] = d;
        out->nvol++;
    }
}

int ecs_meta_parse(const char *container_json, const char *task_json, struct ecs_meta *out)
{
    memset(out, 0, sizeof *out);
    int any = 0, oom = 0;
    json_t *c = load_doc(container_json, &oom);
    if (json_is_object(c)) {
        out->container_id = dup_str(c, "DockerId", &oom);
        out->name = dup_str(c, "Name", &oom);
        out->image = dup_str(c, "Image", &oom);
        ecs_split_image(out->image, &out->image_repo, &out->image_tag);
        if (out->image && (!out->image_repo || (!out->image_tag && !strchr(out->image, '@'))))
            oom = 1;
        out->image_digest = dup_str(c, "ImageID", &oom);
        if (out->image_digest && strncmp(out->image_digest, "sha256:", 7) != 0) {
            free(out->image_digest);
            out->image_digest = NULL;
        }
        parse_volumes(json_object_get(c, "Volumes"), out, &oom);
        json_t *labels = json_object_get(c, "Labels");
        out->cluster = dup_str(labels, "com.amazonaws.ecs.cluster", &oom);
        out->task_arn = dup_str(labels, "com.amazonaws.ecs.task-arn", &oom);
        out->family = dup_str(labels, "com.amazonaws.ecs.task-definition-family", &oom);
        any = 1;
    }
    json_decref(c);
    json_t *t = load_doc(task_json, &oom);
    if (json_is_object(t)) {
        char *v;
        if ((v = dup_str(t, "Cluster", &oom))) {
            free(out->cluster);
            out->cluster = v;
        }
        if ((v = dup_str(t, "TaskARN", &oom))) {
            free(out->task_arn);
            out->task_arn = v;
        }
        if ((v = dup_str(t, "Family", &oom))) {
            free(out->family);
            out->family = v;
        }
        any = 1;
    }
    json_decref(t);
    if (oom) { /* never half the metadata: all of it or an error */
        ecs_meta_clear(out);
        errno = ENOMEM;
        return -1;
    }
    if (!any) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

void ecs_meta_clear(struct ecs_meta *m)
{
    free(m->container_id);
    free(m->name);
    free(m->image);
    free(m->image_repo);
    free(m->image_tag);
    free(m->image_digest);
    for (size_t i = 0; i < m->nvol; i++) {
        free(m->vol_source[i]);
        free(m->vol_dest[i]);
    }
    free(m->vol_source);
    free(m->vol_dest);
    free(m->cluster);
    free(m->task_arn);
    free(m->family);
    memset(m, 0, sizeof *m);
}

static void *fetch_thread(void *arg)
{
    struct ecs_fetch *f = arg;
    char *c = http_get(f->uri, f->timeout_ms);
    size_t l = strlen(f->uri) + 8;
    char *turl = malloc(l);
    char *t = NULL;
    if (turl) {
        snprintf(turl, l, "%s%s", f->uri,
                 f->uri[0] && f->uri[strlen(f->uri) - 1] == '/' ? "task" : "/task");
        t = http_get(turl, f->timeout_ms);
        free(turl);
    }
    f->ok = ecs_meta_parse(c, t, &f->meta) == 0;
    if (!f->ok && errno == ENOMEM)
        tt_warn("ECS metadata: out of memory while parsing the task metadata; container fields "
                "stay empty");
    if (f->ok)
        tt_info("ECS metadata: container %s (%s), image %s, cluster %s",
                f->meta.name ? f->meta.name : "?",
                f->meta.container_id ? f->meta.container_id : "?",
                f->meta.image ? f->meta.image : "?", f->meta.cluster ? f->meta.cluster : "?");
    free(c);
    free(t);
    __atomic_store_n(&f->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

struct ecs_fetch *ecs_fetch_start(const char *uri, long timeout_ms)
{
    struct ecs_fetch *f = calloc(1, sizeof *f);
    if (!f || !(f->uri = strdup(uri))) {
        free(f);
        return NULL;
    }
    f->timeout_ms = timeout_ms;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (pthread_create(&f->thr, NULL, fetch_thread, f) != 0) {
        free(f->uri);
        free(f);
        return NULL;
    }
    f->started = 1;
    return f;
}

const struct ecs_meta *ecs_fetch_result(struct ecs_fetch *f, int *done)
{
    *done = f ? __atomic_load_n(&f->done, __ATOMIC_ACQUIRE) : 1;
    if (!f || !*done)
        return NULL;
    return f->ok ? &f->meta : NULL;
}

void ecs_fetch_free(struct ecs_fetch *f)
{
    if (!f)
        return;
    if (f->started)
        pthread_join(f->thr, NULL);
    ecs_meta_clear(&f->meta);
    free(f->uri);
    free(f);
}
