/* main.c: kafka-server entry point. Usage as Kafka's:
 *   kafka-server server.properties [--override key=value]...
 * Config precedence: file < KAFKA_* environment < --override. A bad value stops start-up with
 * a message naming the key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "log.h"
#include "server.h"
#include "store/fdcache.h"

extern char **environ;

static void usage(void)
{
    fprintf(stderr, "USAGE: kafka-server server.properties [--override property=value]*\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage();
        return argc < 2 ? 1 : 0;
    }
    const char *dbg = getenv("KAFKA_LOG_LEVEL");
    if (dbg && (strcmp(dbg, "debug") == 0 || strcmp(dbg, "DEBUG") == 0)) log_set_level(LOG_DEBUG);

    char err[512];
    cfg_t *cfg = cfg_new();
    if (cfg_load_file(cfg, argv[1], err, sizeof(err)) != KERR_NONE) {
        fprintf(stderr, "kafka-server: %s\n", err);
        return 1;
    }
    if (cfg_apply_env(cfg, environ, err, sizeof(err)) != KERR_NONE) {
        fprintf(stderr, "kafka-server: %s\n", err);
        return 1;
    }
    for (int i = 2; i < argc; i++) {
        const char *kv = NULL;
        if (strcmp(argv[i], "--override") == 0 && i + 1 < argc)
            kv = argv[++i];
        else if (strncmp(argv[i], "--override=", 11) == 0)
            kv = argv[i] + 11;
        if (!kv) {
            fprintf(stderr, "kafka-server: unexpected argument '%s'\n", argv[i]);
            usage();
            return 1;
        }
        const char *eq = strchr(kv, '=');
        if (!eq || eq == kv) {
            fprintf(stderr, "kafka-server: --override needs key=value, got '%s'\n", kv);
            return 1;
        }
        char key[256];
        snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
        if (cfg_set(cfg, key, eq + 1, "--override", err, sizeof(err)) != KERR_NONE) {
            fprintf(stderr, "kafka-server: %s\n", err);
            return 1;
        }
    }
    if (cfg_finish(cfg, err, sizeof(err)) != KERR_NONE) {
        fprintf(stderr, "kafka-server: %s\n", err);
        return 1;
    }

    fdcache_setup_limits(); /* a broker holds an fd per partition: use the hard limit */
    static server_t srv;
    if (server_start(&srv, cfg) != 0) return 1;
    return server_run(&srv);
}
