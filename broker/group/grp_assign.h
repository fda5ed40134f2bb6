/* grp_assign.h: the server-side assignors of KIP-848 consumer groups (grp_cons.c), pure
 * functions over plain arrays so that they are tested alone (tests/unit/check_grp_assign.c).
 *
 *   range    per topic, the members subscribed to it in member-id order take contiguous
 *            ranges: nparts / nmembers each, the first nparts % nmembers one more (topics
 *            with equal partition counts are co-partitioned, as Kafka's RangeAssignor).
 *   uniform  every partition of every subscribed topic is spread so that member counts
 *            differ by at most one when subscriptions are the same (Kafka's UniformAssignor),
 *            sticky: a member keeps the partitions of its previous target up to its share.
 *            With different subscriptions each member keeps up to its average share of its
 *            topics and the rest goes to the least loaded subscriber (balanced per member
 *            as far as the subscriptions allow; not Kafka's exact general algorithm).
 * Both are deterministic for the same input. Any thread. */
#ifndef GRP_ASSIGN_H
#define GRP_ASSIGN_H

#include <stdbool.h>
#include <stdint.h>

/* A topic-partition: topic as an index into the caller's topic array. */
typedef struct grp_asg_tp {
    int32_t topic, partition;
} grp_asg_tp_t;

typedef struct grp_asg_member {
    const char *id; /* ordering key (member id) */
    int nsubs;
    const int32_t *subs; /* indexes of the subscribed topics */
    int nprev;
    const grp_asg_tp_t *prev; /* the previous target, for stickiness (uniform) */
    /* out: malloc'd by grp_assign_run (caller frees), sorted by topic then partition */
    int nout;
    grp_asg_tp_t *out;
} grp_asg_member_t;

/* true when name is an assignor this broker has ("uniform", "range"). */
bool grp_assign_known(const char *name);
/* Fill every member's out from the topics' partition counts (nparts[t] for topic t). An
 * unknown assignor name assigns nothing and returns false. */
bool grp_assign_run(const char *assignor, grp_asg_member_t *members, int nmembers,
                    const int32_t *nparts, int ntopics);

#endif
