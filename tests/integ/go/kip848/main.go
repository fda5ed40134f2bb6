// Command kip848 drives franz-go against the broker for tests/integ/test_kip848.py.
//
//	kip848 consume  -brokers B -group G -topic T -assignor range|uniform -name N
//	    a KIP-848 consumer (kgo.ServerSideBalancer); one JSON object per line on stdout:
//	    {"ev":"assigned"|"revoked"|"lost","parts":[...]}, {"ev":"rec","p":P,"o":O,"v":V},
//	    {"ev":"committed"}, {"ev":"closed"}; franz-go's info log on stderr. SIGTERM (or stdin
//	    closing): commit what was consumed, leave the group (epoch -1), exit 0.
//	kip848 describe -brokers B -group G
//	    ConsumerGroupDescribe (API 69), ListGroups and OffsetFetch (all the group's committed
//	    offsets) as one JSON object on stdout.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

var out = json.NewEncoder(os.Stdout)
var outMu sync.Mutex

func emit(v map[string]any) {
	outMu.Lock()
	defer outMu.Unlock()
	_ = out.Encode(v)
}

func parts(m map[string][]int32, topic string) []int32 {
	ps := append([]int32(nil), m[topic]...)
	sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
	return ps
}

func consume(args []string) error {
	fs := flag.NewFlagSet("consume", flag.ExitOnError)
	brokers := fs.String("brokers", "", "bootstrap servers")
	group := fs.String("group", "", "group id")
	topic := fs.String("topic", "", "topic")
	assignor := fs.String("assignor", "uniform", "range or uniform (server side)")
	name := fs.String("name", "kip848", "client id")
	_ = fs.Parse(args)
	balancer := kgo.CooperativeStickyBalancer() // franz-go asks for "uniform"
	if *assignor == "range" {
		balancer = kgo.RangeBalancer()
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(strings.Split(*brokers, ",")...),
		kgo.ClientID(*name),
		kgo.ConsumerGroup(*group),
		kgo.ConsumeTopics(*topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.ServerSideBalancer(),
		kgo.Balancers(balancer),
		kgo.HeartbeatInterval(time.Second),
		kgo.AutoCommitInterval(500*time.Millisecond),
		kgo.WithLogger(kgo.BasicLogger(os.Stderr, kgo.LogLevelInfo, nil)),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			emit(map[string]any{"ev": "assigned", "parts": parts(m, *topic)})
		}),
		kgo.OnPartitionsRevoked(func(ctx context.Context, c *kgo.Client, m map[string][]int32) {
			_ = c.CommitMarkedOffsets(ctx)
			emit(map[string]any{"ev": "revoked", "parts": parts(m, *topic)})
		}),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			emit(map[string]any{"ev": "lost", "parts": parts(m, *topic)})
		}),
	)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		cancel()
	}()
	go func() { // stdin closing (the test process died) also ends the consumer
		buf := make([]byte, 1)
		for {
			if _, err := os.Stdin.Read(buf); err != nil {
				cancel()
				return
			}
		}
	}()
	for ctx.Err() == nil {
		fetches := cl.PollFetches(ctx)
		fetches.EachRecord(func(r *kgo.Record) {
			emit(map[string]any{"ev": "rec", "p": r.Partition, "o": r.Offset, "v": string(r.Value)})
		})
		fetches.EachError(func(t string, p int32, err error) {
			if ctx.Err() == nil {
				fmt.Fprintf(os.Stderr, "fetch error %s[%d]: %v\n", t, p, err)
			}
		})
	}
	cctx, ccancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer ccancel()
	if err := cl.CommitUncommittedOffsets(cctx); err != nil {
		fmt.Fprintf(os.Stderr, "final commit: %v\n", err)
	} else {
		emit(map[string]any{"ev": "committed"})
	}
	cl.Close() // leaves the group: ConsumerGroupHeartbeat with member epoch -1
	emit(map[string]any{"ev": "closed"})
	return nil
}

func describe(args []string) error {
	fs := flag.NewFlagSet("describe", flag.ExitOnError)
	brokers := fs.String("brokers", "", "bootstrap servers")
	group := fs.String("group", "", "group id")
	_ = fs.Parse(args)
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(*brokers, ",")...))
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req := kmsg.NewPtrConsumerGroupDescribeRequest()
	req.Groups = []string{*group}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return err
	}
	lreq := kmsg.NewPtrListGroupsRequest()
	lresp, err := lreq.RequestWith(ctx, cl)
	if err != nil {
		return err
	}
	freq := kmsg.NewPtrOffsetFetchRequest() // every committed offset of the group
	freq.Group = *group
	fresp, err := freq.RequestWith(ctx, cl)
	if err != nil {
		return err
	}
	return out.Encode(map[string]any{"describe": resp, "list": lresp, "offsets": fresp})
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kip848 consume|describe [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "consume":
		err = consume(os.Args[2:])
	case "describe":
		err = describe(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kip848:", err)
		os.Exit(1)
	}
}
