/* zkauth.h: how this process authenticates to ZooKeeper and which ACLs its znodes get
 * (Kafka's zookeeper.set.acl).
 *
 * Kafka logs in to ZooKeeper with SASL DIGEST-MD5 from the JAAS file named by the JVM property
 * java.security.auth.login.config (section "Client", or the one named by
 * zookeeper.sasl.clientconfig). Debian's ZooKeeper C client has no SASL, so we read the same
 * section (org.apache.zookeeper.server.auth.DigestLoginModule username/password) and send
 * zoo_add_auth("digest", "user:password") instead: the server then knows this session as
 * digest:user:<hash>. The properties come from KAFKA_OPTS ("-Dkey=value"), as Kafka's
 * scripts pass them to the JVM.
 *
 * With set_acl, znodes get world READ plus ALL for the creator's authenticated identity
 * (ZooKeeper's "auth" scheme, Kafka's CREATOR_ALL_ACL); Kafka's sensitive paths
 * (ZkData.sensitivePath) and /kafka-acl get no world READ; /consumers stays open, as Kafka's.
 * Owner: the caller (zkauth_free). Read-only after zkauth_load; any thread. */
#ifndef ZKAUTH_H
#define ZKAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <zookeeper.h>

typedef struct zkauth {
    bool set_acl;
    char *section;  /* JAAS section used, NULL when none */
    char *userpass; /* "user:password" for the digest scheme, NULL when not configured */
} zkauth_t;

/* Read the JAAS Client section named by kafka_opts (may be NULL). -1 with err when the file or
 * section is unreadable or malformed, or set_acl is asked without credentials (as Kafka). */
int zkauth_load(zkauth_t *a, bool set_acl, const char *kafka_opts, char *err, size_t n);
void zkauth_free(zkauth_t *a);
/* Whether credentials are configured. */
bool zkauth_enabled(const zkauth_t *a);
/* Authenticate a new session handle (call after every zookeeper_init). ZOK or the ZK rc. */
int zkauth_apply(const zkauth_t *a, zhandle_t *zh);
/* The ACL to create path with (static storage). a may be NULL (open ACL). */
const struct ACL_vector *zkauth_acl(const zkauth_t *a, const char *path);

#endif
