// Command kitex-echo-server is a Kitex server of the Echo service (echo.thrift) for the interop
// suite's Java-client scenarios.
//
// It serves every method through Kitex's handler for unknown services and methods, a binary generic
// call that receives and returns the encoded argument and result structs, so no code is generated.
// Kitex detects the transport per connection (TTHeader, TTHeader-framed, framed, buffered); the
// TTHeader meta handler, which Kitex services using TTHeader normally install, is on.
//
// echo checks the CRC in its arguments and returns the data; fail returns an error carrying the reason,
// which Kitex sends as a TApplicationException; bizfail returns a Kitex business status error, which
// Kitex sends as a reply with the TTHeader string keys biz-status and biz-message.
//
// With -mux, calls on one connection run concurrently (Kitex's mux transport).
//
// Output contract (run.sh): "READY host:port" on stdout once listening; on SIGTERM or SIGINT one JSON
// summary line {"calls":..,"bytes":..,"crc_errors":..,"fails":..,"request_int_keys":[..],
// "request_string_keys":[..]} and exit 0 if no CRC error was seen, else 1.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cloudwego/kitex/pkg/kerrors"
	"github.com/cloudwego/kitex/pkg/klog"
	"github.com/cloudwego/kitex/pkg/transmeta"
	"github.com/cloudwego/kitex/server"
	"github.com/cloudwego/kitex/server/genericserver"

	"shmipc-java/tests/interop/kitex/internal/echowire"
	"shmipc-java/tests/interop/kitex/internal/infokeys"
)

type counters struct {
	calls, bytes, crcErrors, fails atomic.Int64
}

type summary struct {
	Calls             int64    `json:"calls"`
	Bytes             int64    `json:"bytes"`
	CRCErrors         int64    `json:"crc_errors"`
	Fails             int64    `json:"fails"`
	RequestIntKeys    []string `json:"request_int_keys"`
	RequestStringKeys []string `json:"request_string_keys"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "TCP address to listen on")
	mux := flag.Bool("mux", false, "serve with Kitex's mux transport: calls on one connection run concurrently and "+
		"their replies go out in completion order, told apart by seq id only")
	exitWait := flag.Duration("exit-wait", 2*time.Second, "how long Stop waits for calls in flight")
	flag.Parse()
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	klog.SetLevel(klog.LevelWarn)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("kitex-echo-server: listen %s: %v", *addr, err)
	}
	var c counters
	keys := infokeys.NewRecorder()
	opts := []server.Option{
		server.WithListener(ln),
		server.WithMetaHandler(transmeta.ServerTTHeaderHandler),
		server.WithMetaHandler(keys),
		server.WithExitWaitTime(*exitWait),
		// run.sh stops the server with SIGTERM and wants the summary: no exit signal of Kitex's own.
		server.WithExitSignal(func() <-chan error { return make(chan error) }),
	}
	if *mux {
		// Deprecated in Kitex but still shipped; its server handles a connection's calls concurrently.
		opts = append(opts, server.WithMuxTransport())
	}
	svr := genericserver.NewUnknownServiceOrMethodServer(
		&genericserver.UnknownServiceOrMethodHandler{DefaultHandler: c.handle}, opts...)
	done := make(chan error, 1)
	go func() { done <- svr.Run() }()
	fmt.Printf("READY %s\n", ln.Addr())

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	select {
	case <-stop:
		if err := svr.Stop(); err != nil {
			log.Printf("kitex-echo-server: stop: %v", err)
		}
	case err := <-done:
		log.Fatalf("kitex-echo-server: server ended by itself: %v", err)
	}
	out, _ := json.Marshal(summary{
		Calls: c.calls.Load(), Bytes: c.bytes.Load(), CRCErrors: c.crcErrors.Load(), Fails: c.fails.Load(),
		RequestIntKeys: keys.IntKeys(), RequestStringKeys: keys.StringKeys(),
	})
	fmt.Println(string(out))
	if c.crcErrors.Load() > 0 {
		os.Exit(1)
	}
}

func (c *counters) handle(_ context.Context, service, method string, request interface{}) (interface{}, error) {
	req, ok := request.([]byte)
	if !ok {
		return nil, fmt.Errorf("request of %s.%s is %T, not []byte", service, method, request)
	}
	c.calls.Add(1)
	switch method {
	case echowire.MethodEcho:
		args, err := echowire.DecodeEchoArgs(req)
		if err != nil {
			return nil, fmt.Errorf("echo arguments: %w", err)
		}
		if !args.CRCMatches() {
			c.crcErrors.Add(1)
			log.Printf("kitex-echo-server: CRC mismatch on %d bytes (has crc %v)", len(args.Data), args.HasCRC)
			return nil, fmt.Errorf("echo: CRC-32 of %d bytes does not match the crc32 argument", len(args.Data))
		}
		c.bytes.Add(int64(len(args.Data)))
		return echowire.EncodeEchoResult(args.Data), nil
	case echowire.MethodFail:
		reason, err := echowire.DecodeFailArgs(req)
		if err != nil {
			return nil, fmt.Errorf("fail arguments: %w", err)
		}
		c.fails.Add(1)
		return nil, fmt.Errorf("fail called: %s", reason)
	case echowire.MethodBizFail:
		reason, err := echowire.DecodeFailArgs(req)
		if err != nil {
			return nil, fmt.Errorf("bizfail arguments: %w", err)
		}
		c.fails.Add(1)
		return nil, kerrors.NewBizStatusError(echowire.BizStatusCode, "bizfail called: "+reason)
	}
	return nil, fmt.Errorf("unknown method %s.%s", service, method)
}
