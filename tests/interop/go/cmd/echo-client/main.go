// Command echo-client is the Go client of the interop suite's echo scenarios.
//
// It connects to an echo server (Go or Java) with shmipc-go's SessionManager,
// opens -streams streams up front, and on each stream, concurrently, sends
// -count frames of every size in -sizes (one at a time, waiting for the echo),
// checking that the echoed frame is byte-identical and that its CRC is right.
//
// Output contract, relied upon by run.sh: "FLOWING" on stdout once the first echo
// came back, and last one JSON summary line, {"calls":..,"bytes":..,"failures":..,
// "fallbacks":..,...}; exit 0 only if every frame came back intact (or, with -expect-session-end, if the session ended
// cleanly with no corrupted frame before that). Details go to stderr.
//
// -close-test N replaces the echo workload with a check of stream ends: on every
// even-numbered stream the client sends one frame and closes the stream at once
// (the server must still read the whole frame, then the end); on every odd one it
// has N frames echoed, then the server closes the stream, and the client must read
// the end and have its next write refused. -tap-events relays the session through
// an in-process tap that counts the control events the server sends by type;
// -expect-events fails the run on an event type shmipc-go does not know, or when no
// Polling event woke shmipc-go.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	shmipc "github.com/cloudwego/shmipc-go"

	"shmipc-java/tests/interop/go/internal/echoframe"
	"shmipc-java/tests/interop/go/internal/eventtap"
	"shmipc-java/tests/interop/go/internal/stdio"
)

const (
	exitOK            = 0
	exitFailed        = 1
	exitUsage         = 2
	maxLoggedFailures = 20
)

type options struct {
	socket           string
	memType          shmipc.MemMapType
	sizes            []int
	streams          int
	count            int
	sessions         int
	bufferCapacity   uint32
	sliceSizes       []*shmipc.SizePercentPair
	queueCap         uint32
	pathPrefix       string
	timeout          time.Duration
	handshakeTimeout time.Duration
	expectFallback   bool
	expectSessionEnd bool
	hold             time.Duration
	closeTest        int
	tapEvents        bool
	expectEvents     bool
	duration         time.Duration
}

type summary struct {
	Calls      int64  `json:"calls"`
	Bytes      int64  `json:"bytes"`
	Failures   int64  `json:"failures"`
	Fallbacks  uint64 `json:"fallbacks"`
	Expected   int64  `json:"expected_calls"`
	SessionEnd bool   `json:"session_end"`
	ElapsedMs  int64  `json:"elapsed_ms"`

	// -close-test: streams the client closed after a request, server closes whose
	// end the client read, and writes refused after that end.
	ClientClosed     int64 `json:"client_closed,omitempty"`
	ServerClosesSeen int64 `json:"server_closes_seen,omitempty"`
	WritesRefused    int64 `json:"writes_refused,omitempty"`

	// -tap-events: control events by type; polling_received is shmipc-go's own count.
	EventsReceived  *eventtap.Snapshot `json:"events_received,omitempty"`
	EventsSent      *eventtap.Snapshot `json:"events_sent,omitempty"`
	PollingReceived uint64             `json:"polling_received"`
}

func main() {
	opts, err := parseOptions()
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo-client:", err)
		os.Exit(exitUsage)
	}
	out, err := stdio.ReserveStdout()
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo-client:", err)
		os.Exit(exitUsage)
	}
	os.Exit(run(opts, out))
}

func parseOptions() (options, error) {
	var o options
	mem := flag.String("mem", "memfd", "how the client shares its regions: memfd (handshake v3) or file (/dev/shm files, handshake v2)")
	sizes := flag.String("sizes", "0,1,64,8191,8192,1048576,8388608", "comma-separated payload sizes in bytes")
	slices := flag.String("slice-sizes", "", "buffer slice classes as size:percent,... (data bytes per slice; percents sum to 100); empty = shmipc-go default 8172:50,32748:30,131052:20")
	bufferCap := flag.Uint("buffer-capacity", 32<<20, "bytes of the shared buffer region (shmipc-go requires at least 1 MiB)")
	queueCap := flag.Uint("queue-cap", 8192, "elements per queue ring")
	flag.StringVar(&o.socket, "socket", "", "Unix socket path of the server (required)")
	flag.IntVar(&o.streams, "streams", 32, "concurrent streams, each opened before any frame is sent")
	flag.IntVar(&o.count, "count", 1, "frames per stream per size")
	flag.IntVar(&o.sessions, "sessions", 1, "sessions (connections) the SessionManager opens; streams are spread over them")
	flag.StringVar(&o.pathPrefix, "path-prefix", "/dev/shm/shmipc_interop",
		"region name prefix; shmipc-go appends _<pid>_buffer and _<pid>_queue_<n> (file paths in file mode, memfd labels in memfd mode)")
	flag.DurationVar(&o.timeout, "timeout", 60*time.Second, "deadline for the whole run; a frame not echoed by then is a failure")
	flag.DurationVar(&o.handshakeTimeout, "handshake-timeout", time.Second, "shmipc-go InitializeTimeout for the client side of the handshake")
	flag.BoolVar(&o.expectFallback, "expect-fallback", false, "fail unless at least one message travelled as FallbackData (use with a small -buffer-capacity)")
	flag.BoolVar(&o.expectSessionEnd, "expect-session-end", false,
		"the server will die mid-run: succeed if the session ends cleanly (errors only after the session closed, no corrupted frame)")
	flag.IntVar(&o.closeTest, "close-test", 0,
		"check stream ends instead of echoing: even streams close after one request, odd ones are closed by a server run with -close-after N")
	flag.BoolVar(&o.tapEvents, "tap-events", false, "relay the session through an in-process tap that counts control events by type")
	flag.BoolVar(&o.expectEvents, "expect-events", false,
		"with -tap-events: fail if the server sent an event type shmipc-go does not know, or no Polling event")
	flag.DurationVar(&o.hold, "hold", 0, "after the run, with streams closed and the session still open, print HOLD <pid> and wait this long (for region-inspect)")
	flag.DurationVar(&o.duration, "duration", 0,
		"pooled mode: for this long, each of -streams workers calls without pause, taking a stream from the SessionManager per call (GetStream/PutBack) and cycling through -sizes; -count is ignored. Every call must succeed (hot-restart scenarios)")
	flag.Parse()

	if o.socket == "" {
		return o, errors.New("-socket is required")
	}
	switch *mem {
	case "memfd":
		o.memType = shmipc.MemMapTypeMemFd
	case "file":
		o.memType = shmipc.MemMapTypeDevShmFile
	default:
		return o, fmt.Errorf("-mem must be memfd or file, not %q", *mem)
	}
	for _, field := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 0 {
			return o, fmt.Errorf("-sizes: %q is not a byte count", field)
		}
		o.sizes = append(o.sizes, n)
	}
	if *slices != "" {
		for _, field := range strings.Split(*slices, ",") {
			size, percent, found := strings.Cut(strings.TrimSpace(field), ":")
			s, err1 := strconv.ParseUint(size, 10, 32)
			p, err2 := strconv.ParseUint(percent, 10, 32)
			if !found || err1 != nil || err2 != nil {
				return o, fmt.Errorf("-slice-sizes: %q is not size:percent", field)
			}
			o.sliceSizes = append(o.sliceSizes, &shmipc.SizePercentPair{Size: uint32(s), Percent: uint32(p)})
		}
	}
	if o.streams < 1 || o.count < 0 || o.sessions < 1 {
		return o, errors.New("-streams and -sessions must be at least 1, -count at least 0")
	}
	o.bufferCapacity = uint32(*bufferCap)
	o.queueCap = uint32(*queueCap)
	return o, nil
}

// client runs the workload and keeps the counters of the summary.
type client struct {
	opts     options
	deadline time.Time
	log      *log.Logger
	out      *os.File

	calls    atomic.Int64
	bytes    atomic.Int64
	failures atomic.Int64
	// sessionEndFailures counts transport errors explained by the session having closed.
	sessionEndFailures atomic.Int64
	logged             atomic.Int64

	clientClosed     atomic.Int64
	serverClosesSeen atomic.Int64
	writesRefused    atomic.Int64
	tap              *eventtap.Tap
	pollingReceived  uint64
}

func run(opts options, out *os.File) int {
	start := time.Now()
	c := &client{opts: opts, deadline: start.Add(opts.timeout), out: out,
		log: log.New(os.Stderr, "echo-client: ", log.Lmicroseconds)}

	config := shmipc.DefaultSessionManagerConfig()
	config.Network = "unix"
	config.Address = opts.socket
	if opts.tapEvents {
		front := filepath.Join(os.TempDir(), fmt.Sprintf("shmipc-interop-tap-%d.sock", os.Getpid()))
		tap, err := eventtap.ForClient(front, opts.socket)
		if err != nil {
			c.log.Printf("event tap: %v", err)
			return c.report(out, start, 0, exitUsage)
		}
		defer tap.Close()
		c.tap = tap
		config.Address = front
	}
	config.SessionNum = opts.sessions
	config.MemMapType = opts.memType
	config.ShareMemoryBufferCap = opts.bufferCapacity
	config.ShareMemoryPathPrefix = opts.pathPrefix
	config.QueueCap = opts.queueCap
	config.InitializeTimeout = opts.handshakeTimeout
	config.LogOutput = os.Stderr
	if opts.sliceSizes != nil {
		config.BufferSliceSizes = opts.sliceSizes
	}
	if err := shmipc.VerifyConfig(config.Config); err != nil {
		c.log.Printf("invalid shared-memory configuration: %v", err)
		return c.report(out, start, 0, exitUsage)
	}
	manager, err := shmipc.NewSessionManager(config)
	if err != nil {
		c.log.Printf("cannot start session with %s: %v", opts.socket, err)
		return c.report(out, start, 0, exitFailed)
	}
	defer func() {
		_ = manager.Close()
		if opts.memType == shmipc.MemMapTypeDevShmFile {
			c.awaitRegionFilesRemoved()
		}
	}()

	if opts.duration > 0 {
		c.pooledCalls(manager)
		return c.report(out, start, 0, exitOK)
	}

	// Open every stream first: after the first FallbackData shmipc-go marks the
	// session unhealthy for 30 s and refuses new streams, so late opens would fail
	// for reasons that have nothing to do with the peer.
	streams := make([]*shmipc.Stream, 0, opts.streams)
	for i := 0; i < opts.streams; i++ {
		stream, err := manager.GetStream()
		if err != nil {
			c.log.Printf("opening stream %d: %v", i, err)
			c.failures.Add(1)
			break
		}
		streams = append(streams, stream)
	}

	var wg sync.WaitGroup
	for worker, stream := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if opts.closeTest > 0 {
				c.checkStreamEnd(worker, stream)
			} else {
				c.work(worker, stream)
			}
		}()
	}
	wg.Wait()

	fallbacks := sessionFallbacks(streams)
	c.pollingReceived = sessionPollingReceived(streams)
	for _, stream := range streams {
		_ = stream.Close()
	}
	if opts.hold > 0 {
		fmt.Fprintf(out, "HOLD %d\n", os.Getpid())
		time.Sleep(opts.hold)
	}
	return c.report(out, start, fallbacks, exitOK)
}

// awaitRegionFilesRemoved waits for shmipc-go to unlink this process's region files.
// Session.Close unmaps and unlinks them later on shmipc-go's event loop, so a
// process that exits right after Close leaves them in /dev/shm; the server side
// unlinks them too, but may itself be gone. After a bounded wait we remove them.
func (c *client) awaitRegionFilesRemoved() {
	prefix := fmt.Sprintf("%s_%d", c.opts.pathPrefix, os.Getpid())
	paths := []string{prefix + "_buffer"}
	for i := 0; i < c.opts.sessions; i++ {
		paths = append(paths, fmt.Sprintf("%s_queue_%d", prefix, i))
	}
	// Sessions rebuilt by a hot restart are named <prefix>_<pid>_epoch_<epoch>_<random>_buffer|_queue_<n>.
	if rebuilt, err := filepath.Glob(prefix + "_epoch_*"); err == nil {
		paths = append(paths, rebuilt...)
	}
	const wait, poll = time.Second, 10 * time.Millisecond
	for waited := time.Duration(0); ; waited += poll {
		remaining := paths[:0]
		for _, path := range paths {
			if _, err := os.Stat(path); err == nil {
				remaining = append(remaining, path)
			}
		}
		paths = remaining
		if len(paths) == 0 {
			return
		}
		if waited >= wait {
			break
		}
		time.Sleep(poll)
	}
	for _, path := range paths {
		c.log.Printf("shmipc-go had not removed %s %v after closing; removing it", path, wait)
		_ = os.Remove(path)
	}
}

// work sends every size, -count times, on one stream, one frame at a time.
func (c *client) work(worker int, stream *shmipc.Stream) {
	largest := 0
	for _, size := range c.opts.sizes {
		largest = max(largest, size)
	}
	payload := make([]byte, largest)
	_ = stream.SetDeadline(c.deadline)
	for sizeIndex, size := range c.opts.sizes {
		for message := 0; message < c.opts.count; message++ {
			sent := payload[:size]
			echoframe.FillPattern(sent, echoframe.Seed(worker, sizeIndex, message))
			if err := c.roundTrip(stream, sent); err != nil {
				c.failures.Add(1)
				var corrupted *corruptionError
				if !errors.As(err, &corrupted) && stream.Session().IsClosed() {
					c.sessionEndFailures.Add(1)
					c.logf("stream %d: session ended: %v", stream.StreamID(), err)
				} else {
					c.logf("stream %d: %d-byte frame #%d: %v", stream.StreamID(), size, message, err)
				}
				// The stream may be out of step with the server now: stop using it.
				return
			}
			if c.calls.Add(1) == 1 {
				fmt.Fprintln(c.out, "FLOWING")
			}
			c.bytes.Add(int64(size))
		}
	}
}

// pooledCalls runs -streams workers for -duration, one stream from the manager per call, as an RPC
// client of shmipc-go would: a hot restart of the server moves new calls to the new server's sessions.
func (c *client) pooledCalls(manager *shmipc.SessionManager) {
	largest := 0
	for _, size := range c.opts.sizes {
		largest = max(largest, size)
	}
	end := time.Now().Add(c.opts.duration)
	if end.After(c.deadline) {
		end = c.deadline
	}
	const callDeadline = 5 * time.Second
	var wg sync.WaitGroup
	for worker := 0; worker < c.opts.streams; worker++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			payload := make([]byte, largest)
			for message := 0; time.Now().Before(end); message++ {
				size := c.opts.sizes[message%len(c.opts.sizes)]
				sent := payload[:size]
				echoframe.FillPattern(sent, echoframe.Seed(worker, 0, message))
				stream, err := manager.GetStream()
				if err == nil {
					_ = stream.SetDeadline(time.Now().Add(callDeadline))
					err = c.roundTrip(stream, sent)
					if err == nil {
						manager.PutBack(stream)
					} else {
						_ = stream.Close()
					}
				}
				if err != nil {
					c.failures.Add(1)
					c.logf("worker %d: %d-byte call #%d: %v", worker, size, message, err)
					continue
				}
				c.calls.Add(1)
				c.bytes.Add(int64(size))
			}
		}()
	}
	wg.Wait()
}

// checkStreamEnd is the -close-test workload of one stream (see the package comment).
func (c *client) checkStreamEnd(worker int, stream *shmipc.Stream) {
	_ = stream.SetDeadline(c.deadline)
	size := c.opts.sizes[worker%len(c.opts.sizes)]
	sent := make([]byte, size)
	if worker%2 == 0 {
		echoframe.FillPattern(sent, echoframe.Seed(worker, 0, 0))
		if err := c.send(stream, sent); err != nil {
			c.failures.Add(1)
			c.logf("stream %d: request before closing: %v", stream.StreamID(), err)
			return
		}
		_ = stream.Close()
		c.clientClosed.Add(1)
		c.calls.Add(1)
		return
	}
	for message := 0; message < c.opts.closeTest; message++ {
		echoframe.FillPattern(sent, echoframe.Seed(worker, 0, message))
		if err := c.roundTrip(stream, sent); err != nil {
			c.failures.Add(1)
			c.logf("stream %d: frame #%d before the server's close: %v", stream.StreamID(), message, err)
			return
		}
		c.calls.Add(1)
	}
	reader := stream.BufferReader()
	if extra, err := reader.ReadBytes(1); !errors.Is(err, shmipc.ErrEndOfStream) {
		c.failures.Add(1)
		c.logf("stream %d: after %d echoes the server should have closed the stream: read gave %d bytes, error %v",
			stream.StreamID(), c.opts.closeTest, len(extra), err)
		return
	}
	c.serverClosesSeen.Add(1)
	if err := c.send(stream, sent[:0]); err == nil {
		c.failures.Add(1)
		c.logf("stream %d: a write after the server closed the stream was accepted", stream.StreamID())
		return
	}
	c.writesRefused.Add(1)
}

// send writes one frame and flushes it.
func (c *client) send(stream *shmipc.Stream, sent []byte) error {
	header := echoframe.EncodeHeader(sent)
	writer := stream.BufferWriter()
	if _, err := writer.WriteBytes(header[:]); err != nil {
		return fmt.Errorf("writing header: %w", err)
	}
	if len(sent) > 0 {
		if _, err := writer.WriteBytes(sent); err != nil {
			return fmt.Errorf("writing payload: %w", err)
		}
	}
	if err := stream.Flush(false); err != nil {
		return fmt.Errorf("sending: %w", err)
	}
	return nil
}

func (c *client) roundTrip(stream *shmipc.Stream, sent []byte) error {
	if err := c.send(stream, sent); err != nil {
		return err
	}

	reader := stream.BufferReader()
	defer reader.ReleasePreviousRead()
	rawHeader, err := reader.ReadBytes(echoframe.HeaderSize)
	if err != nil {
		return fmt.Errorf("reading echoed header: %w", err)
	}
	echoed, _ := echoframe.DecodeHeader(rawHeader)
	if int(echoed.Length) != len(sent) {
		return corrupted("echoed header announces %d bytes, sent %d", echoed.Length, len(sent))
	}
	want := echoframe.CRC(sent)
	if echoed.CRC != want {
		return corrupted("echoed header carries CRC %08x, sent %08x", echoed.CRC, want)
	}
	got, err := reader.ReadBytes(len(sent))
	if err != nil {
		return fmt.Errorf("reading echoed payload: %w", err)
	}
	if !bytes.Equal(got, sent) {
		return corrupted("echoed payload differs from the sent one at byte %d (CRC %08x, sent %08x)",
			firstDifference(got, sent), echoframe.CRC(got), want)
	}
	return nil
}

// corruptionError is an echo that arrived but differs from what was sent.
type corruptionError struct{ message string }

func (e *corruptionError) Error() string { return e.message }

func corrupted(format string, args ...any) error {
	return &corruptionError{message: fmt.Sprintf(format, args...)}
}

// sessionFallbacks counts the FallbackData events sent and received on the sessions of streams.
func sessionFallbacks(streams []*shmipc.Stream) uint64 {
	seen := make(map[*shmipc.Session]bool)
	var total uint64
	for _, stream := range streams {
		session := stream.Session()
		if seen[session] {
			continue
		}
		seen[session] = true
		_, stability, _ := session.GetMetrics()
		total += stability.FallbackWriteCount + stability.FallbackReadCount
	}
	return total
}

// sessionPollingReceived sums shmipc-go's count of Polling events received on the sessions of streams.
func sessionPollingReceived(streams []*shmipc.Stream) uint64 {
	seen := make(map[*shmipc.Session]bool)
	var total uint64
	for _, stream := range streams {
		if session := stream.Session(); !seen[session] {
			seen[session] = true
			performance, _, _ := session.GetMetrics()
			total += performance.ReceiveSyncEventCount
		}
	}
	return total
}

func (c *client) report(out *os.File, start time.Time, fallbacks uint64, exitCode int) int {
	expected := int64(len(c.opts.sizes) * c.opts.count * c.opts.streams)
	closers := int64(c.opts.streams / 2) // odd-numbered streams, closed by the server
	if c.opts.closeTest > 0 {
		expected = int64(c.opts.streams) - closers + closers*int64(c.opts.closeTest)
	}
	if c.opts.duration > 0 {
		// Pooled mode has no fixed number of calls: every call made must succeed, and some must be made.
		expected = max(c.calls.Load()+c.failures.Load(), 1)
	}
	s := summary{
		Calls:      c.calls.Load(),
		Bytes:      c.bytes.Load(),
		Failures:   c.failures.Load(),
		Fallbacks:  fallbacks,
		Expected:   expected,
		SessionEnd: c.sessionEndFailures.Load() > 0,
		ElapsedMs:  time.Since(start).Milliseconds(),

		ClientClosed:     c.clientClosed.Load(),
		ServerClosesSeen: c.serverClosesSeen.Load(),
		WritesRefused:    c.writesRefused.Load(),
		PollingReceived:  c.pollingReceived,
	}
	if c.tap != nil {
		received, sent := c.tap.Received.Snapshot(), c.tap.Sent.Snapshot()
		s.EventsReceived, s.EventsSent = &received, &sent
	}
	line, _ := json.Marshal(s)
	fmt.Fprintln(out, string(line))
	if exitCode != exitOK {
		return exitCode
	}
	if c.opts.expectSessionEnd {
		if !s.SessionEnd {
			c.log.Printf("expected the session to end, but it did not")
			return exitFailed
		}
		if other := s.Failures - c.sessionEndFailures.Load(); other > 0 {
			c.log.Printf("%d frames failed for reasons other than the session ending", other)
			return exitFailed
		}
		return exitOK
	}
	if s.Failures > 0 || s.Calls != expected {
		c.log.Printf("%d of %d frames failed or were not sent", expected-s.Calls, expected)
		return exitFailed
	}
	if c.opts.expectFallback && fallbacks == 0 {
		c.log.Printf("expected at least one FallbackData message, saw none")
		return exitFailed
	}
	if c.opts.closeTest > 0 && (s.ServerClosesSeen != closers || s.WritesRefused != closers) {
		c.log.Printf("of %d streams the server closed, the client saw the end of %d and had %d writes refused",
			closers, s.ServerClosesSeen, s.WritesRefused)
		return exitFailed
	}
	if c.opts.expectEvents {
		if problem := eventProblem(s); problem != "" {
			c.log.Print(problem)
			return exitFailed
		}
	}
	return exitOK
}

// eventProblem says what is wrong with the control events the server sent, or "".
func eventProblem(s summary) string {
	switch {
	case s.EventsReceived == nil:
		return "no event counts: -expect-events needs -tap-events"
	case s.EventsReceived.Unknown > 0:
		return fmt.Sprintf("the server sent %d events of a type shmipc-go does not know", s.EventsReceived.Unknown)
	case s.EventsReceived.Malformed > 0:
		return fmt.Sprintf("the server sent %d events with a malformed header", s.EventsReceived.Malformed)
	case s.EventsReceived.ByType["Polling"] == 0 || s.PollingReceived == 0:
		return fmt.Sprintf("no Polling event woke shmipc-go (tap saw %d, shmipc-go counted %d)",
			s.EventsReceived.ByType["Polling"], s.PollingReceived)
	}
	return ""
}

func (c *client) logf(format string, args ...any) {
	if c.logged.Add(1) <= maxLoggedFailures {
		c.log.Printf(format, args...)
	}
}

func firstDifference(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
