# tests/fuzz/: libFuzzer harnesses (DESIGN.md section 12). `make fuzz` builds the tree with
# clang under ASan/UBSan and coverage instrumentation into build-fuzz/ and runs each harness for
# FUZZ_SECONDS over its committed seed corpus (tests/fuzz/corpus/, made by capture_seeds.py);
# a crash, leak, sanitizer report or timeout fails the target and leaves the input in build-fuzz/.
FUZZERS      := fuzz_request fuzz_response fuzz_sasl
FUZZ_SECONDS ?= 60
FUZZ_SAN     := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
                -fno-sanitize-recover=undefined

fuzz-bins: $(patsubst %,$(BUILD)/fuzz/%,$(FUZZERS))

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz_records.h tests/unit/kp_adapt.h $(BUILD)/libkafka.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LAYER_INC) -Itests/fuzz -Itests/unit -fsanitize=fuzzer -o $@ $(filter-out %.h,$^) $(LDLIBS_ALL)
