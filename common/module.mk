# common/: shared code, no process state. Every .c under common/ is part of libcommon.
COMMON_SRCS += $(wildcard common/*.c common/rec/*.c common/proto/*.c)
