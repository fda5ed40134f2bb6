/* drill_report.c: kafka-drill's report: the verifier's counts, each fault's windows, the
 * verdict and exit status, as text and as JSON. See drill.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "drill.h"

/* The exit status and verdict line of the run (see kafka_drill.c). */
static int verdict_of(const dv_counts_t *k, const dv_window_t *w, bool idem, bool read_complete,
                      const char **verdict_out)
{
    int rc = 0;
    const char *verdict = "PASS: nothing acknowledged was lost";
    if (!read_complete) { /* what was not read back cannot be told lost or kept */
        rc = 2;
        verdict = "FAIL: could not read the log back to its end";
    } else if (k->lost > 0 || k->rewritten > 0) {
        rc = 1;
        verdict = "FAIL: acknowledged messages were lost";
    } else if (dr_failed_run) {
        rc = 2;
        verdict = "FAIL: the drill did not complete";
    } else if (idem && (k->duplicated > 0 || k->out_of_order > 0)) {
        rc = 3;
        verdict = "FAIL: duplicates or reordering with the idempotent producer";
    } else if (dr_transactional && k->unacked_written > 0) {
        rc = 3;
        verdict = "FAIL: data of aborted transactions visible to read_committed";
    }
    for (int i = 0; i < dr_nevents && rc == 0; i++)
        if (w[i].first_after < 0) {
            rc = 2;
            verdict = "FAIL: no acknowledgement after a fault";
        }

    *verdict_out = verdict;
    return rc;
}

static void print_counts(const char *drill, const dr_cluster_t *c, int rf, int min_isr, bool idem,
                         const dv_counts_t *k)
{
    printf("\n== kafka-drill report: %s on %s %s\n", drill,
           c->kind == CL_PROCESS ? "process cluster" : "compose project",
           c->kind == CL_PROCESS ? c->dir : c->project);
    printf("topic %s: %d partition(s), replication factor %d, min.insync.replicas %d; "
           "producer acks=all, idempotence %s, %d msg/s%s\n",
           dr_topic, dr_nparts, rf, min_isr, idem ? "on" : "off", dr_rate,
           dr_transactional ? ", transactional" : "");
    printf("  messages sent:            %" PRId64 "\n", k->sent);
    printf("  acknowledged:             %" PRId64 "\n", k->acked);
    printf("  failed deliveries:        %" PRId64 "\n", k->failed);
    printf("  read back (distinct):     %" PRId64 "\n", k->consumed);
    printf("  lost (acked, not read):   %" PRId64, k->lost);
    if (k->first_lost >= 0) printf(" (first: seq %" PRId64 ")", k->first_lost);
    printf("\n");
    printf("  duplicated:               %" PRId64 "\n", k->duplicated);
    printf("  out of order:             %" PRId64 "\n", k->out_of_order);
    printf("  written, not acked:       %" PRId64 "\n", k->unacked_written);
    printf("  ack offset mismatches:    %" PRId64 "\n", k->offset_mismatch);
    printf("  consumed, then vanished:  %" PRId64 "\n", k->rewritten);
}

static void print_faults(const dv_window_t *w)
{
    for (int i = 0; i < dr_nevents; i++) {
        const dr_event_t *e = &dr_events[i];
        printf("  fault %d at +%.3fs: %s\n", i + 1, dr_rel(e->t_fault), e->what);
        if (w[i].gap_partition >= 0)
            printf("    unavailability:         %.3f s on partition %d (no ack from +%.3fs to "
                   "+%.3fs)\n",
                   (double)w[i].longest_gap / 1e6, w[i].gap_partition, dr_rel(w[i].gap_from),
                   dr_rel(w[i].gap_to));
        else
            printf("    unavailability:         no ack before the fault\n");
        if (w[i].window >= 0)
            printf("    first ack after:        %.3f s (partition %d: last ack before the fault "
                   "+%.3fs, first ack of a message sent after it +%.3fs)\n",
                   (double)w[i].window / 1e6, w[i].partition, dr_rel(w[i].last_before),
                   dr_rel(w[i].first_after));
        else
            printf("    first ack after:        none on partition %d\n", w[i].partition);
        if (e->t_moved >= 0)
            printf("    leadership moved:       %.3f s after the fault (%d partition(s)%s; seen "
                   "in metadata)\n",
                   (double)(e->t_moved - e->t_fault) / 1e6, e->nled,
                   e->was_controller ? " and the controller" : "");
        else if (e->nled > 0 || e->was_controller)
            printf("    leadership moved:       not while the fault lasted\n");
        if (e->t_isr >= 0)
            printf("    ISR full again:         %.3f s after the fault (%.3f s after recovery)\n",
                   (double)(e->t_isr - e->t_fault) / 1e6, (double)(e->t_isr - e->t_heal) / 1e6);
        else
            printf("    ISR full again:         not within the timeout\n");
    }
}

static void write_json(const char *json_path, const char *drill, bool idem, int rc,
                       const dv_counts_t *k, const dv_window_t *w)
{
    FILE *f = fopen(json_path, "w");
    if (!f) cli_die(TOOL, "cannot write %s: %s", json_path, strerror(errno));
    fprintf(f,
            "{\"drill\":\"%s\",\"topic\":\"%s\",\"idempotence\":%s,\"transactional\":%s,"
            "\"exit\":%d,"
            "\"sent\":%" PRId64 ",\"acked\":%" PRId64 ",\"failed\":%" PRId64
            ",\"consumed\":%" PRId64 ",\"lost\":%" PRId64 ",\"duplicated\":%" PRId64
            ",\"out_of_order\":%" PRId64 ",\"unacked_written\":%" PRId64
            ",\"offset_mismatch\":%" PRId64 ",\"rewritten\":%" PRId64 ",\"faults\":[",
            drill, dr_topic, idem ? "true" : "false", dr_transactional ? "true" : "false", rc,
            k->sent, k->acked, k->failed, k->consumed, k->lost, k->duplicated, k->out_of_order,
            k->unacked_written, k->offset_mismatch, k->rewritten);
    for (int i = 0; i < dr_nevents; i++) {
        const dr_event_t *e = &dr_events[i];
        fprintf(f,
                "%s{\"what\":\"%s\",\"unavailable_ms\":%.1f,\"first_ack_after_ms\":%.1f,"
                "\"leadership_moved_ms\":%.1f,\"isr_full_ms\":%.1f}",
                i ? "," : "", e->what, w[i].longest_gap / 1e3,
                w[i].window >= 0 ? w[i].window / 1e3 : -1.0,
                e->t_moved >= 0 ? (e->t_moved - e->t_fault) / 1e3 : -1.0,
                e->t_isr >= 0 ? (e->t_isr - e->t_fault) / 1e3 : -1.0);
    }
    fprintf(f, "]}\n");
    fclose(f);
}

int dr_report(const char *drill, dr_cluster_t *c, int rf, int min_isr, bool idem,
              const char *json_path, bool read_complete)
{
    dv_counts_t k;
    pthread_mutex_lock(&dr_sh.mu);
    dv_count(dr_sh.dv, &k);
    dv_window_t w[MAX_EVENTS];
    for (int i = 0; i < dr_nevents; i++) {
        /* the longest gap is looked for until the ISR is full and acks flow again */
        int64_t end = dr_events[i].t_isr > 0 ? dr_events[i].t_isr : dr_now_us();
        dv_window(dr_sh.dv, dr_events[i].t_fault, end, &w[i]);
        if (w[i].first_after > end)
            dv_window(dr_sh.dv, dr_events[i].t_fault, w[i].first_after, &w[i]);
    }
    pthread_mutex_unlock(&dr_sh.mu);

    const char *verdict;
    int rc = verdict_of(&k, w, idem, read_complete, &verdict);
    print_counts(drill, c, rf, min_isr, idem, &k);
    print_faults(w);
    if (dr_failed_run) printf("  problem: %s\n", dr_fail_reason);
    if (dr_sh.last_error[0]) printf("  last client error: %s\n", dr_sh.last_error);
    printf("result: %s\n", verdict);
    fflush(stdout);

    if (json_path) write_json(json_path, drill, idem, rc, &k, w);
    return rc;
}
