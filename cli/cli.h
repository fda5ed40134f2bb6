/* cli.h: what the Kafka command-line tools share: option parsing with Kafka's option names
 * (`--opt value` and `--opt=value`), one-line errors with a non-zero exit, and loading
 * `key=value` properties (files, --property, --producer-property) into librdkafka configs.
 * Single-threaded tools; nothing here is thread-safe. */
#ifndef CLI_H
#define CLI_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>

typedef struct cli_opt {
    const char *name; /* without the leading "--" */
    bool has_arg;
    const char *help;
    /* filled by cli_parse */
    const char **vals; /* every value given (repeatable options), NULL-terminated */
    int nvals;
    bool set;
} cli_opt_t;

#define CLI_OPT(n, a, h)                                                                           \
    {                                                                                              \
        .name = (n), .has_arg = (a), .help = (h)                                                   \
    }
#define CLI_END                                                                                    \
    {                                                                                              \
        .name = NULL                                                                               \
    }

/* Parse argv against opts (terminated by {NULL}); unknown options and missing values exit 1
 * with a one-line reason. --help prints the usage and exits 0. */
void cli_parse(const char *tool, const char *summary, cli_opt_t *opts, int argc, char **argv);
cli_opt_t *cli_opt(cli_opt_t *opts, const char *name);
const char *cli_val(cli_opt_t *opts, const char *name); /* last value or NULL */
bool cli_has(cli_opt_t *opts, const char *name);

/* Print "tool: reason" to stderr and exit(1). */
void cli_die(const char *tool, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* Set "k=v" on a librdkafka config; exits with a reason when invalid. */
void cli_conf_kv(const char *tool, rd_kafka_conf_t *conf, const char *kv);
void cli_conf_set(const char *tool, rd_kafka_conf_t *conf, const char *k, const char *v);
/* Load a properties file into conf (client keys librdkafka does not know are ignored with a
 * warning, as Kafka's tools ignore unknown configs). */
void cli_conf_file(const char *tool, rd_kafka_conf_t *conf, const char *path);

#endif
