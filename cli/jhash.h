/* jhash.h: the iteration order of the Java and Scala hash maps Kafka's tools print from, so
 * our tools list entries in the order Kafka's would for the same data: java.lang.String and
 * TopicPartition hash codes, java.util.HashMap order (bucket of the spread hash, then insertion
 * order) and Scala 2.13 mutable.HashMap order (bucket, then hash ascending). Any thread. */
#ifndef JHASH_H
#define JHASH_H

#include <stdint.h>

/* java.lang.String.hashCode of an ASCII/Latin-1 string. */
int32_t jhash_string(const char *s);
/* org.apache.kafka.common.TopicPartition.hashCode. */
int32_t jhash_tp(const char *topic, int32_t partition);
/* Table size of a java.util.HashMap after n insertions: new HashMap<>() (initial 0) or
 * new HashMap<>(initial). */
int jhash_java_capacity(int n, int initial);
/* order[0..n-1] = the indexes of keys with hash codes h[] (inserted in index order) as a
 * java.util.HashMap of table size cap iterates them. */
void jhash_java_order(const int32_t *h, int n, int cap, int *order);
/* The same for a Scala 2.13 mutable.HashMap built from a source of unknown size. */
void jhash_scala_order(const int32_t *h, int n, int *order);

#endif
