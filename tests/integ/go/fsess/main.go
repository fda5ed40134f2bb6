// Command fsess is a franz-go consumer for tests/integ/test_fetch_sessions.py: franz-go
// fetches in KIP-227 sessions (a full fetch, then incremental ones), which librdkafka does not.
//
//	fsess -brokers B -topic T
//	    reads every partition of T from the start without a group, with a short fetch wait
//	    (so an idle consumer sends many incremental fetches); one JSON object per record on
//	    stdout: {"p":P,"o":O,"v":V}; franz-go's info log on stderr. Exits 0 when stdin closes.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

func main() {
	brokers := flag.String("brokers", "", "bootstrap servers")
	topic := flag.String("topic", "", "topic")
	flag.Parse()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(strings.Split(*brokers, ",")...),
		kgo.ClientID("fsess-franz"),
		kgo.ConsumeTopics(*topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(200*time.Millisecond),
		kgo.WithLogger(kgo.BasicLogger(os.Stderr, kgo.LogLevelInfo, nil)),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { // the test closes stdin to stop us
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	out := json.NewEncoder(os.Stdout)
	for ctx.Err() == nil {
		fetches := cl.PollFetches(ctx)
		fetches.EachError(func(t string, p int32, err error) {
			if ctx.Err() == nil {
				fmt.Fprintf(os.Stderr, "fetch error %s-%d: %v\n", t, p, err)
			}
		})
		fetches.EachRecord(func(r *kgo.Record) {
			_ = out.Encode(map[string]any{"p": r.Partition, "o": r.Offset, "v": string(r.Value)})
		})
	}
	cl.Close()
}
