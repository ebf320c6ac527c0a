// Command kitex-echo-client is a Kitex client of the Echo service (echo.thrift) for the interop suite's
// Java-server scenarios.
//
// It calls through Kitex's binary generic client (the encoded argument and result structs; Kitex writes
// the TTHeader and the Thrift message header, picks the seq ids and checks that every reply carries
// its call's seq id). -concurrency goroutines each call echo -count times for every size in -sizes,
// with a payload that differs per goroutine, size and repetition, and check the reply byte for byte.
// The TTHeader meta handler, which Kitex services using TTHeader normally install, is on, and every call
// carries a transient metainfo value, so the server sees the info keys a Kitex caller usually sends.
// With -fail-check it also calls fail and expects an error carrying the reason it sent, and bizfail and
// expects Kitex's business status error (code and message, from the TTHeader string keys).
//
// For the drain scenario, -interval paces each caller (so a fixed count spans a server's drain whatever
// the machine's speed) and -signal-after N prints "REACHED N" once N calls came back intact, so the
// scenario can start the drain mid-run. The client counts the connections it dialled (Kitex's own
// netpoll dialer, wrapped) and the replies that carried the TTHeader key crrst, the server's request to
// stop using a connection.
//
// Output contract (run.sh): one JSON summary line on stdout, {"calls":..,"bytes":..,"failures":..,
// "expected_calls":..,"fail_check":..,"elapsed_ms":..,"corrupt_replies":..,"connections_dialed":..,
// "reset_replies":..,"reply_int_keys":[..],"reply_string_keys":[..]}; exit 0 only if every call came back
// intact (and the fail check passed when asked for).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bytedance/gopkg/cloud/metainfo"
	"github.com/cloudwego/kitex/client"
	"github.com/cloudwego/kitex/client/genericclient"
	"github.com/cloudwego/kitex/pkg/generic"
	"github.com/cloudwego/kitex/pkg/kerrors"
	"github.com/cloudwego/kitex/pkg/klog"
	"github.com/cloudwego/kitex/pkg/remote"
	kitexnetpoll "github.com/cloudwego/kitex/pkg/remote/trans/netpoll"
	"github.com/cloudwego/kitex/pkg/transmeta"
	"github.com/cloudwego/kitex/transport"

	"shmipc-java/tests/interop/kitex/internal/echowire"
	"shmipc-java/tests/interop/kitex/internal/infokeys"
)

const (
	exitOK            = 0
	exitFailed        = 1
	exitUsage         = 2
	maxLoggedFailures = 20
	// metainfoKey is sent as a transient metainfo value on every call.
	metainfoKey   = "SHMIPC_INTEROP"
	metainfoValue = "kitex"
	// connectionResetKey is the TTHeader string key a draining server puts on its replies (Kitex's
	// transmeta.HeaderConnectionReadyToReset).
	connectionResetKey = "crrst"
)

type summary struct {
	Calls         int64  `json:"calls"`
	Bytes         int64  `json:"bytes"`
	Failures      int64  `json:"failures"`
	ExpectedCalls int64  `json:"expected_calls"`
	FailCheck     string `json:"fail_check"`
	ElapsedMs     int64  `json:"elapsed_ms"`
	// CorruptReplies counts the failures that were replies, but wrong ones (not an error from Kitex).
	CorruptReplies int64 `json:"corrupt_replies"`
	// ConnectionsDialed counts the connections Kitex opened (every dial through its pool).
	ConnectionsDialed int64 `json:"connections_dialed"`
	// ResetReplies counts the replies that carried crrst.
	ResetReplies    int64    `json:"reset_replies"`
	ReplyIntKeys    []string `json:"reply_int_keys"`
	ReplyStringKeys []string `json:"reply_string_keys"`
}

func main() {
	os.Exit(run())
}

func run() int {
	addr := flag.String("addr", "", "the server's TCP address, host:port")
	sizesFlag := flag.String("sizes", "0,64,65536,1048576", "payload sizes in bytes, comma-separated")
	concurrency := flag.Int("concurrency", 8, "goroutines calling at once")
	count := flag.Int("count", 4, "calls per goroutine and size")
	protocol := flag.String("transport", "ttheader-framed", "ttheader | ttheader-framed | framed (no TTHeader)")
	timeout := flag.Duration("timeout", 45*time.Second, "deadline for the whole run")
	failCheck := flag.Bool("fail-check", false,
		"also call fail and bizfail and expect an error carrying the reason and a business status error")
	mux := flag.Bool("mux", false, "multiplex every call over one connection (Kitex's mux connection, TTHeader only): "+
		"replies come back in any order and only their seq ids tell them apart")
	interval := flag.Duration("interval", 0, "pause of each caller before every call")
	signalAfter := flag.Int64("signal-after", 0, "print \"REACHED N\" once this many calls came back intact (0: never)")
	flag.Parse()
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	klog.SetLevel(klog.LevelWarn)

	sizes, err := parseSizes(*sizesFlag)
	tp, tpErr := parseTransport(*protocol)
	if *addr == "" || err != nil || tpErr != nil || *concurrency < 1 || *count < 1 {
		log.Printf("kitex-echo-client: -addr is required; sizes: %v; transport: %v", err, tpErr)
		return exitUsage
	}

	keys := infokeys.NewRecorder()
	dialer := &countingDialer{Dialer: kitexnetpoll.NewDialer()}
	opts := []client.Option{
		client.WithDialer(dialer),
		client.WithHostPorts(*addr),
		client.WithTransportProtocol(tp),
		client.WithMetaHandler(transmeta.ClientTTHeaderHandler),
		client.WithMetaHandler(keys),
		client.WithRPCTimeout(*timeout),
		client.WithConnectTimeout(2 * time.Second),
	}
	if *mux {
		// Deprecated in Kitex but still shipped; the only Kitex client that pipelines calls on one connection.
		opts = append(opts, client.WithMuxConnection(1))
	}
	cli, err := genericclient.NewClient(echowire.ServiceName, generic.BinaryThriftGenericV2(echowire.ServiceName), opts...)
	if err != nil {
		log.Printf("kitex-echo-client: new client: %v", err)
		return exitFailed
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	ctx = metainfo.WithValue(ctx, metainfoKey, metainfoValue)

	start := time.Now()
	var calls, byteCount, failures, corrupt atomic.Int64
	logFailure := func(format string, args ...interface{}) {
		if failures.Add(1) <= maxLoggedFailures {
			log.Printf("kitex-echo-client: "+format, args...)
		}
	}
	logCorrupt := func(format string, args ...interface{}) {
		corrupt.Add(1)
		logFailure(format, args...)
	}
	var wg sync.WaitGroup
	for g := 0; g < *concurrency; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for rep := 0; rep < *count; rep++ {
				for _, size := range sizes {
					// Before every call, failed ones too, so a caller never spins on errors.
					time.Sleep(*interval)
					if ctx.Err() != nil {
						logFailure("caller %d: deadline reached before size %d, repetition %d", g, size, rep)
						return
					}
					seed := uint64(g)<<48 | uint64(size)<<20 | uint64(rep)
					data := echowire.Pattern(seed, size)
					reply, err := cli.GenericCall(ctx, echowire.MethodEcho, echowire.EncodeEchoArgs(data))
					if err != nil {
						logFailure("caller %d, %d bytes, repetition %d: %v", g, size, rep, err)
						continue
					}
					raw, ok := reply.([]byte)
					if !ok {
						logCorrupt("caller %d: reply is %T, not []byte", g, reply)
						continue
					}
					echoed, err := echowire.DecodeEchoResult(raw)
					if err != nil {
						logCorrupt("caller %d, %d bytes: result: %v", g, size, err)
						continue
					}
					if !bytes.Equal(echoed, data) {
						logCorrupt("caller %d, %d bytes, repetition %d: echo differs (%d bytes back)",
							g, size, rep, len(echoed))
						continue
					}
					if calls.Add(1) == *signalAfter {
						fmt.Printf("REACHED %d\n", *signalAfter)
					}
					byteCount.Add(int64(size))
				}
			}
		}(g)
	}
	wg.Wait()

	result := summary{
		Calls:         calls.Load(),
		Bytes:         byteCount.Load(),
		ExpectedCalls: int64(*concurrency) * int64(*count) * int64(len(sizes)),
		FailCheck:     "skipped",
	}
	if *failCheck {
		if err := checkFail(ctx, cli); err == nil {
			err = checkBizFail(ctx, cli)
		}
		if err != nil {
			result.FailCheck = err.Error()
			failures.Add(1)
		} else {
			result.FailCheck = "ok"
		}
	}
	result.Failures = failures.Load()
	result.CorruptReplies = corrupt.Load()
	result.ElapsedMs = time.Since(start).Milliseconds()
	result.ConnectionsDialed = dialer.dials.Load()
	result.ResetReplies = int64(keys.StringKeyCount(connectionResetKey))
	result.ReplyIntKeys, result.ReplyStringKeys = keys.IntKeys(), keys.StringKeys()
	out, _ := json.Marshal(result)
	fmt.Println(string(out))
	_ = cli.Close()
	if result.Failures > 0 || result.Calls != result.ExpectedCalls {
		return exitFailed
	}
	return exitOK
}

// checkFail calls fail, which the server answers with an application exception: the error Kitex
// returns must carry the reason.
func checkFail(ctx context.Context, cli genericclient.Client) error {
	reason := "kitex-interop-fail-" + strconv.Itoa(os.Getpid())
	reply, err := cli.GenericCall(ctx, echowire.MethodFail, echowire.EncodeFailArgs(reason))
	if err == nil {
		return fmt.Errorf("fail returned a reply (%d bytes) instead of an error", len(reply.([]byte)))
	}
	if !strings.Contains(err.Error(), reason) {
		return fmt.Errorf("fail's error does not carry the reason %q: %v", reason, err)
	}
	log.Printf("kitex-echo-client: fail answered as expected: %v", err)
	return nil
}

// checkBizFail calls bizfail, which the server answers with a business status error: Kitex must turn
// the reply's biz-status and biz-message keys into a BizStatusError with that code and message.
func checkBizFail(ctx context.Context, cli genericclient.Client) error {
	reason := "kitex-interop-bizfail-" + strconv.Itoa(os.Getpid())
	_, err := cli.GenericCall(ctx, echowire.MethodBizFail, echowire.EncodeFailArgs(reason))
	bizErr, ok := kerrors.FromBizStatusError(err)
	if !ok {
		return fmt.Errorf("bizfail did not answer with a business status error: %v", err)
	}
	if bizErr.BizStatusCode() != echowire.BizStatusCode || !strings.Contains(bizErr.BizMessage(), reason) {
		return fmt.Errorf("bizfail's status is %d %q, want %d and a message carrying %q",
			bizErr.BizStatusCode(), bizErr.BizMessage(), echowire.BizStatusCode, reason)
	}
	log.Printf("kitex-echo-client: bizfail answered as expected: %v", bizErr)
	return nil
}

func parseTransport(name string) (transport.Protocol, error) {
	switch name {
	case "ttheader":
		return transport.TTHeader, nil
	case "ttheader-framed":
		return transport.TTHeaderFramed, nil
	case "framed":
		return transport.Framed, nil
	}
	return 0, errors.New("unknown transport " + name)
}

func parseSizes(list string) ([]int, error) {
	var sizes []int
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad size %q", s)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

// countingDialer is Kitex's dialer, counting the connections it opens; the connection itself is
// returned untouched, so Kitex's transport sees exactly what it would without the count.
type countingDialer struct {
	remote.Dialer
	dials atomic.Int64
}

func (d *countingDialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	conn, err := d.Dialer.DialTimeout(network, address, timeout)
	if err == nil {
		d.dials.Add(1)
	}
	return conn, err
}
