/* kerr.c: names and descriptions of every kerr_t, as one table. */
#include "kerr.h"

#include <stddef.h>

typedef struct kerr_desc {
    kerr_t err;
    const char *name;
    const char *str;
} kerr_desc_t;

static const kerr_desc_t kerr_table[] = {
    {KERR__NOFD, "LOCAL_NOFD", "Out of file descriptors"},
    {KERR__DESTROY, "LOCAL_DESTROY", "Abandoned: the object is being destroyed"},
    {KERR__TRANSPORT, "LOCAL_TRANSPORT", "Connection to the peer failed"},
    {KERR__TOO_LARGE, "LOCAL_TOO_LARGE", "Value exceeds a configured limit"},
    {KERR__CORRUPT, "LOCAL_CORRUPT", "On-disk data is corrupt"},
    {KERR__ZK, "LOCAL_ZK", "ZooKeeper operation failed"},
    {KERR__AGAIN, "LOCAL_AGAIN", "Not ready, try again"},
    {KERR__TIMEDOUT, "LOCAL_TIMEDOUT", "Timed out"},
    {KERR__EXISTS, "LOCAL_EXISTS", "Already exists"},
    {KERR__INVAL, "LOCAL_INVAL", "Invalid argument"},
    {KERR__NOMEM, "LOCAL_NOMEM", "Out of memory"},
    {KERR__IO, "LOCAL_IO", "I/O error"},
    {KERR__NOENT, "LOCAL_NOENT", "No such object"},
    {KERR__BAD_MSG, "LOCAL_BAD_MSG", "Malformed input"},
    {KERR_UNKNOWN_SERVER_ERROR, "UNKNOWN_SERVER_ERROR", "Unexpected server error"},
    {KERR_NONE, "NONE", "Success"},
    {KERR_OFFSET_OUT_OF_RANGE, "OFFSET_OUT_OF_RANGE", "Requested offset is outside the log range"},
    {KERR_CORRUPT_MESSAGE, "CORRUPT_MESSAGE", "Message failed its CRC or is otherwise corrupt"},
    {KERR_UNKNOWN_TOPIC_OR_PARTITION, "UNKNOWN_TOPIC_OR_PARTITION",
     "Topic or partition does not exist on this broker"},
    {KERR_INVALID_FETCH_SIZE, "INVALID_FETCH_SIZE", "Invalid fetch size"},
    {KERR_LEADER_NOT_AVAILABLE, "LEADER_NOT_AVAILABLE",
     "No leader for this partition yet (leader election in progress)"},
    {KERR_NOT_LEADER_OR_FOLLOWER, "NOT_LEADER_OR_FOLLOWER",
     "This broker is not the leader for that partition"},
    {KERR_REQUEST_TIMED_OUT, "REQUEST_TIMED_OUT", "Request timed out"},
    {KERR_BROKER_NOT_AVAILABLE, "BROKER_NOT_AVAILABLE", "Broker not available"},
    {KERR_REPLICA_NOT_AVAILABLE, "REPLICA_NOT_AVAILABLE", "Replica not available"},
    {KERR_MESSAGE_TOO_LARGE, "MESSAGE_TOO_LARGE", "Message is larger than the server accepts"},
    {KERR_STALE_CONTROLLER_EPOCH, "STALE_CONTROLLER_EPOCH", "Stale controller epoch"},
    {KERR_OFFSET_METADATA_TOO_LARGE, "OFFSET_METADATA_TOO_LARGE", "Offset metadata too large"},
    {KERR_NETWORK_EXCEPTION, "NETWORK_EXCEPTION", "Network exception"},
    {KERR_COORDINATOR_LOAD_IN_PROGRESS, "COORDINATOR_LOAD_IN_PROGRESS",
     "Coordinator load in progress"},
    {KERR_COORDINATOR_NOT_AVAILABLE, "COORDINATOR_NOT_AVAILABLE", "Coordinator not available"},
    {KERR_NOT_COORDINATOR, "NOT_COORDINATOR", "Not coordinator"},
    {KERR_INVALID_TOPIC_EXCEPTION, "INVALID_TOPIC_EXCEPTION", "Topic name is invalid"},
    {KERR_RECORD_LIST_TOO_LARGE, "RECORD_LIST_TOO_LARGE", "Record list too large"},
    {KERR_NOT_ENOUGH_REPLICAS, "NOT_ENOUGH_REPLICAS",
     "Fewer in-sync replicas than min.insync.replicas"},
    {KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
     "Written, but fewer in-sync replicas than min.insync.replicas"},
    {KERR_INVALID_REQUIRED_ACKS, "INVALID_REQUIRED_ACKS", "Invalid required acks"},
    {KERR_ILLEGAL_GENERATION, "ILLEGAL_GENERATION", "Illegal generation"},
    {KERR_INCONSISTENT_GROUP_PROTOCOL, "INCONSISTENT_GROUP_PROTOCOL",
     "Inconsistent group protocol"},
    {KERR_INVALID_GROUP_ID, "INVALID_GROUP_ID", "Invalid group id"},
    {KERR_UNKNOWN_MEMBER_ID, "UNKNOWN_MEMBER_ID", "Unknown member id"},
    {KERR_INVALID_SESSION_TIMEOUT, "INVALID_SESSION_TIMEOUT", "Invalid session timeout"},
    {KERR_REBALANCE_IN_PROGRESS, "REBALANCE_IN_PROGRESS", "Rebalance in progress"},
    {KERR_INVALID_COMMIT_OFFSET_SIZE, "INVALID_COMMIT_OFFSET_SIZE", "Invalid commit offset size"},
    {KERR_TOPIC_AUTHORIZATION_FAILED, "TOPIC_AUTHORIZATION_FAILED", "Topic authorization failed"},
    {KERR_GROUP_AUTHORIZATION_FAILED, "GROUP_AUTHORIZATION_FAILED", "Group authorization failed"},
    {KERR_CLUSTER_AUTHORIZATION_FAILED, "CLUSTER_AUTHORIZATION_FAILED",
     "Cluster authorization failed"},
    {KERR_INVALID_TIMESTAMP, "INVALID_TIMESTAMP", "Invalid timestamp"},
    {KERR_UNSUPPORTED_SASL_MECHANISM, "UNSUPPORTED_SASL_MECHANISM", "Unsupported sasl mechanism"},
    {KERR_ILLEGAL_SASL_STATE, "ILLEGAL_SASL_STATE", "Illegal sasl state"},
    {KERR_UNSUPPORTED_VERSION, "UNSUPPORTED_VERSION", "API version not supported"},
    {KERR_TOPIC_ALREADY_EXISTS, "TOPIC_ALREADY_EXISTS", "Topic already exists"},
    {KERR_INVALID_PARTITIONS, "INVALID_PARTITIONS", "Invalid number of partitions"},
    {KERR_INVALID_REPLICATION_FACTOR, "INVALID_REPLICATION_FACTOR",
     "Replication factor is invalid (larger than the number of live brokers?)"},
    {KERR_INVALID_REPLICA_ASSIGNMENT, "INVALID_REPLICA_ASSIGNMENT", "Invalid replica assignment"},
    {KERR_INVALID_CONFIG, "INVALID_CONFIG", "Invalid configuration"},
    {KERR_NOT_CONTROLLER, "NOT_CONTROLLER", "Not controller"},
    {KERR_INVALID_REQUEST, "INVALID_REQUEST", "Request is malformed or invalid"},
    {KERR_UNSUPPORTED_FOR_MESSAGE_FORMAT, "UNSUPPORTED_FOR_MESSAGE_FORMAT",
     "Unsupported for message format"},
    {KERR_POLICY_VIOLATION, "POLICY_VIOLATION", "Policy violation"},
    {KERR_OUT_OF_ORDER_SEQUENCE_NUMBER, "OUT_OF_ORDER_SEQUENCE_NUMBER",
     "Out of order sequence number"},
    {KERR_DUPLICATE_SEQUENCE_NUMBER, "DUPLICATE_SEQUENCE_NUMBER", "Duplicate sequence number"},
    {KERR_INVALID_PRODUCER_EPOCH, "INVALID_PRODUCER_EPOCH", "Invalid producer epoch"},
    {KERR_INVALID_TXN_STATE, "INVALID_TXN_STATE", "Invalid txn state"},
    {KERR_INVALID_PRODUCER_ID_MAPPING, "INVALID_PRODUCER_ID_MAPPING",
     "Invalid producer id mapping"},
    {KERR_INVALID_TRANSACTION_TIMEOUT, "INVALID_TRANSACTION_TIMEOUT",
     "Invalid transaction timeout"},
    {KERR_CONCURRENT_TRANSACTIONS, "CONCURRENT_TRANSACTIONS", "Concurrent transactions"},
    {KERR_TRANSACTION_COORDINATOR_FENCED, "TRANSACTION_COORDINATOR_FENCED",
     "Transaction coordinator fenced"},
    {KERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
     "Transactional id authorization failed"},
    {KERR_SECURITY_DISABLED, "SECURITY_DISABLED", "Security disabled"},
    {KERR_OPERATION_NOT_ATTEMPTED, "OPERATION_NOT_ATTEMPTED", "Operation not attempted"},
    {KERR_KAFKA_STORAGE_ERROR, "KAFKA_STORAGE_ERROR", "Kafka storage error"},
    {KERR_LOG_DIR_NOT_FOUND, "LOG_DIR_NOT_FOUND", "Log dir not found"},
    {KERR_SASL_AUTHENTICATION_FAILED, "SASL_AUTHENTICATION_FAILED", "Sasl authentication failed"},
    {KERR_UNKNOWN_PRODUCER_ID, "UNKNOWN_PRODUCER_ID", "Unknown producer id"},
    {KERR_REASSIGNMENT_IN_PROGRESS, "REASSIGNMENT_IN_PROGRESS", "Reassignment in progress"},
    {KERR_DELEGATION_TOKEN_AUTH_DISABLED, "DELEGATION_TOKEN_AUTH_DISABLED",
     "Delegation token auth disabled"},
    {KERR_DELEGATION_TOKEN_NOT_FOUND, "DELEGATION_TOKEN_NOT_FOUND", "Delegation token not found"},
    {KERR_DELEGATION_TOKEN_OWNER_MISMATCH, "DELEGATION_TOKEN_OWNER_MISMATCH",
     "Delegation token owner mismatch"},
    {KERR_DELEGATION_TOKEN_REQUEST_NOT_ALLOWED, "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED",
     "Delegation token request not allowed"},
    {KERR_DELEGATION_TOKEN_AUTHORIZATION_FAILED, "DELEGATION_TOKEN_AUTHORIZATION_FAILED",
     "Delegation token authorization failed"},
    {KERR_DELEGATION_TOKEN_EXPIRED, "DELEGATION_TOKEN_EXPIRED", "Delegation token expired"},
    {KERR_INVALID_PRINCIPAL_TYPE, "INVALID_PRINCIPAL_TYPE", "Invalid principal type"},
    {KERR_NON_EMPTY_GROUP, "NON_EMPTY_GROUP", "Non empty group"},
    {KERR_GROUP_ID_NOT_FOUND, "GROUP_ID_NOT_FOUND", "Group id not found"},
    {KERR_FETCH_SESSION_ID_NOT_FOUND, "FETCH_SESSION_ID_NOT_FOUND", "Fetch session id not found"},
    {KERR_INVALID_FETCH_SESSION_EPOCH, "INVALID_FETCH_SESSION_EPOCH",
     "Invalid fetch session epoch"},
    {KERR_LISTENER_NOT_FOUND, "LISTENER_NOT_FOUND", "Listener not found"},
    {KERR_TOPIC_DELETION_DISABLED, "TOPIC_DELETION_DISABLED", "Topic deletion disabled"},
    {KERR_FENCED_LEADER_EPOCH, "FENCED_LEADER_EPOCH", "Fenced leader epoch"},
    {KERR_UNKNOWN_LEADER_EPOCH, "UNKNOWN_LEADER_EPOCH", "Unknown leader epoch"},
    {KERR_UNSUPPORTED_COMPRESSION_TYPE, "UNSUPPORTED_COMPRESSION_TYPE",
     "Unsupported compression type"},
    {KERR_STALE_BROKER_EPOCH, "STALE_BROKER_EPOCH", "Stale broker epoch"},
    {KERR_OFFSET_NOT_AVAILABLE, "OFFSET_NOT_AVAILABLE", "Offset not available"},
    {KERR_MEMBER_ID_REQUIRED, "MEMBER_ID_REQUIRED", "Member id required"},
    {KERR_PREFERRED_LEADER_NOT_AVAILABLE, "PREFERRED_LEADER_NOT_AVAILABLE",
     "Preferred leader not available"},
    {KERR_GROUP_MAX_SIZE_REACHED, "GROUP_MAX_SIZE_REACHED", "Group max size reached"},
    {KERR_FENCED_INSTANCE_ID, "FENCED_INSTANCE_ID", "Fenced instance id"},
    {KERR_ELIGIBLE_LEADERS_NOT_AVAILABLE, "ELIGIBLE_LEADERS_NOT_AVAILABLE",
     "Eligible leaders not available"},
    {KERR_ELECTION_NOT_NEEDED, "ELECTION_NOT_NEEDED", "Election not needed"},
    {KERR_NO_REASSIGNMENT_IN_PROGRESS, "NO_REASSIGNMENT_IN_PROGRESS",
     "No reassignment in progress"},
    {KERR_GROUP_SUBSCRIBED_TO_TOPIC, "GROUP_SUBSCRIBED_TO_TOPIC", "Group subscribed to topic"},
    {KERR_INVALID_RECORD, "INVALID_RECORD", "Invalid record"},
    {KERR_UNSTABLE_OFFSET_COMMIT, "UNSTABLE_OFFSET_COMMIT", "Unstable offset commit"},
    {KERR_THROTTLING_QUOTA_EXCEEDED, "THROTTLING_QUOTA_EXCEEDED", "Throttling quota exceeded"},
    {KERR_PRODUCER_FENCED, "PRODUCER_FENCED", "Producer fenced"},
    {KERR_RESOURCE_NOT_FOUND, "RESOURCE_NOT_FOUND", "Resource not found"},
    {KERR_DUPLICATE_RESOURCE, "DUPLICATE_RESOURCE", "Duplicate resource"},
    {KERR_UNACCEPTABLE_CREDENTIAL, "UNACCEPTABLE_CREDENTIAL", "Unacceptable credential"},
    {KERR_INCONSISTENT_VOTER_SET, "INCONSISTENT_VOTER_SET", "Inconsistent voter set"},
    {KERR_INVALID_UPDATE_VERSION, "INVALID_UPDATE_VERSION", "Invalid update version"},
    {KERR_FEATURE_UPDATE_FAILED, "FEATURE_UPDATE_FAILED", "Feature update failed"},
    {KERR_PRINCIPAL_DESERIALIZATION_FAILURE, "PRINCIPAL_DESERIALIZATION_FAILURE",
     "Principal deserialization failure"},
    {KERR_SNAPSHOT_NOT_FOUND, "SNAPSHOT_NOT_FOUND", "Snapshot not found"},
    {KERR_POSITION_OUT_OF_RANGE, "POSITION_OUT_OF_RANGE", "Position out of range"},
    {KERR_UNKNOWN_TOPIC_ID, "UNKNOWN_TOPIC_ID", "Unknown topic id"},
    {KERR_DUPLICATE_BROKER_REGISTRATION, "DUPLICATE_BROKER_REGISTRATION",
     "Duplicate broker registration"},
    {KERR_BROKER_ID_NOT_REGISTERED, "BROKER_ID_NOT_REGISTERED", "Broker id not registered"},
    {KERR_INCONSISTENT_TOPIC_ID, "INCONSISTENT_TOPIC_ID", "Inconsistent topic id"},
    {KERR_INCONSISTENT_CLUSTER_ID, "INCONSISTENT_CLUSTER_ID", "Inconsistent cluster id"},
    {KERR_TRANSACTIONAL_ID_NOT_FOUND, "TRANSACTIONAL_ID_NOT_FOUND", "Transactional id not found"},
    {KERR_FETCH_SESSION_TOPIC_ID_ERROR, "FETCH_SESSION_TOPIC_ID_ERROR",
     "Fetch session topic id error"},
    {KERR_INELIGIBLE_REPLICA, "INELIGIBLE_REPLICA", "Ineligible replica"},
    {KERR_NEW_LEADER_ELECTED, "NEW_LEADER_ELECTED", "New leader elected"},
    {KERR_OFFSET_MOVED_TO_TIERED_STORAGE, "OFFSET_MOVED_TO_TIERED_STORAGE",
     "Offset moved to tiered storage"},
    {KERR_FENCED_MEMBER_EPOCH, "FENCED_MEMBER_EPOCH", "Member epoch fenced by the coordinator"},
    {KERR_UNRELEASED_INSTANCE_ID, "UNRELEASED_INSTANCE_ID",
     "Instance id still used by another member"},
    {KERR_UNSUPPORTED_ASSIGNOR, "UNSUPPORTED_ASSIGNOR", "Assignor not supported by the group"},
    {KERR_STALE_MEMBER_EPOCH, "STALE_MEMBER_EPOCH", "Member epoch is stale"},
    {KERR_INVALID_REGULAR_EXPRESSION, "INVALID_REGULAR_EXPRESSION", "Regular expression not valid"},
};

static const kerr_desc_t *kerr_find(kerr_t err)
{
    for (size_t i = 0; i < sizeof(kerr_table) / sizeof(kerr_table[0]); i++)
        if (kerr_table[i].err == err) return &kerr_table[i];
    return NULL;
}

const char *kerr_name(kerr_t err)
{
    const kerr_desc_t *d = kerr_find(err);
    return d ? d->name : "UNKNOWN_ERROR_CODE";
}

const char *kerr_str(kerr_t err)
{
    const kerr_desc_t *d = kerr_find(err);
    return d ? d->str : "Unknown error code";
}

int16_t kerr_wire(kerr_t err)
{
    if (err >= KERR_UNKNOWN_SERVER_ERROR) return (int16_t)err;
    switch (err) {
    case KERR__BAD_MSG:
        return KERR_CORRUPT_MESSAGE;
    case KERR__TOO_LARGE:
        return KERR_MESSAGE_TOO_LARGE;
    case KERR__TIMEDOUT:
        return KERR_REQUEST_TIMED_OUT;
    case KERR__IO:
    case KERR__NOFD: /* what Kafka's clients get for any IOException in a log */
        return KERR_KAFKA_STORAGE_ERROR;
    default:
        return KERR_UNKNOWN_SERVER_ERROR;
    }
}
