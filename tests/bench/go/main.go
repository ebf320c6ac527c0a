// Command shmipc-go-bench is the shmipc-go peer of the shmipc-java benchmark harness: an echo server and a
// measuring client over github.com/cloudwego/shmipc-go, speaking the harness's line protocol on stdout
// (READY, PROGRESS, RESULT {json}, ERROR) and the harness's payload pattern, so results sit beside the JVM peers'.
//
//	shmipc-go-bench server -socket PATH [-corrupt-after N]
//	shmipc-go-bench client -socket PATH -scenario pingpong|throughput -sizes 64,1024 [-duration-ms D | -iterations N]
//	                       [-warmup-ms W] [-streams 32] [-wait default]
package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudwego/shmipc-go"
)

const (
	golden       = uint64(0x9E3779B97F4A7C15)
	responseMask = uint64(0x5A5A5A5AA5A5A5A5)
	headerLength = 4
	// Shared memory for one session: room for 32 streams of 4 MB in flight each way.
	bufferCapacity   = 256 << 20
	minMeasuredCalls = 20
	minWarmupCalls   = 10
	hardCap          = 60 * time.Second
	maxSamples       = 10_000_000
	exitMismatch     = 3
	exitFailure      = 2
	mismatchPrefix   = "payload checksum mismatch"
)

// mismatchError is a payload that differs from its sender's pattern.
type mismatchError struct{ detail string }

func (e *mismatchError) Error() string { return mismatchPrefix + ": " + e.detail }

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: shmipc-go-bench server|client [flags]"))
	}
	var err error
	switch os.Args[1] {
	case "server":
		err = runServer(os.Args[2:])
	case "client":
		err = runClient(os.Args[2:])
	default:
		err = fmt.Errorf("unknown role %q", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Printf("ERROR %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
	var mismatch *mismatchError
	if errors.As(err, &mismatch) {
		os.Exit(exitMismatch)
	}
	os.Exit(exitFailure)
}

// fill writes the pattern for seed: word 0 is the seed, word k is (seed+k)*golden, tail bytes are byte(seed+i).
func fill(b []byte, seed uint64) {
	binary.LittleEndian.PutUint64(b, seed)
	words := len(b) / 8
	v := seed * golden
	for k := 1; k < words; k++ {
		v += golden
		binary.LittleEndian.PutUint64(b[k*8:], v)
	}
	for i := words * 8; i < len(b); i++ {
		b[i] = byte(seed + uint64(i))
	}
}

// verify checks every byte of b against the pattern for expectedSeed.
func verify(b []byte, expectedLength int, expectedSeed uint64, where string) error {
	if len(b) != expectedLength {
		return &mismatchError{fmt.Sprintf("%s received %d bytes, expected %d", where, len(b), expectedLength)}
	}
	if len(b) < 8 {
		return &mismatchError{fmt.Sprintf("%s received %d bytes, fewer than the seed word", where, len(b))}
	}
	seed := binary.LittleEndian.Uint64(b)
	if seed != expectedSeed {
		return &mismatchError{fmt.Sprintf("%s size %d: seed word is %#x, expected %#x", where, len(b), seed, expectedSeed)}
	}
	words := len(b) / 8
	v := seed * golden
	for k := 1; k < words; k++ {
		v += golden
		if binary.LittleEndian.Uint64(b[k*8:]) != v {
			return &mismatchError{fmt.Sprintf("%s size %d: bytes differ from the sender's pattern at offset %d", where, len(b), k*8)}
		}
	}
	for i := words * 8; i < len(b); i++ {
		if b[i] != byte(seed+uint64(i)) {
			return &mismatchError{fmt.Sprintf("%s size %d: bytes differ from the sender's pattern at offset %d", where, len(b), i)}
		}
	}
	return nil
}

// writeFrame writes a length-prefixed payload to the stream and flushes it to the peer.
func writeFrame(s *shmipc.Stream, payload []byte) error {
	w := s.BufferWriter()
	header, err := w.Reserve(headerLength)
	if err != nil {
		return err
	}
	binary.LittleEndian.PutUint32(header, uint32(len(payload)))
	if _, err := w.WriteBytes(payload); err != nil {
		return err
	}
	return s.Flush(false)
}

// readFrame reads one length-prefixed payload; the slice is valid until ReleasePreviousRead.
func readFrame(s *shmipc.Stream) ([]byte, error) {
	r := s.BufferReader()
	header, err := r.ReadBytes(headerLength)
	if err != nil {
		return nil, err
	}
	return r.ReadBytes(int(binary.LittleEndian.Uint32(header)))
}

func runServer(args []string) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	socket := fs.String("socket", "", "Unix socket path to listen on")
	corruptAfter := fs.Int64("corrupt-after", 0, "test only: corrupt every response from this call on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *socket == "" {
		return errors.New("server: -socket is required")
	}
	_ = os.Remove(*socket)
	listener, err := net.ListenUnix("unix", &net.UnixAddr{Name: *socket, Net: "unix"})
	if err != nil {
		return fmt.Errorf("server: cannot listen on %s: %w", *socket, err)
	}
	defer os.Remove(*socket)
	failures := make(chan error, 1)
	var calls int64
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			go serveConnection(conn, *corruptAfter, &calls, failures)
		}
	}()
	fmt.Printf("READY %s\n", *socket)
	stdinClosed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(stdinClosed)
	}()
	select {
	case <-stdinClosed:
		listener.Close()
		return nil
	case err := <-failures:
		listener.Close()
		return err
	}
}

func serveConnection(conn net.Conn, corruptAfter int64, calls *int64, failures chan<- error) {
	defer conn.Close()
	conf := shmipc.DefaultConfig()
	conf.LogOutput = os.Stderr
	session, err := shmipc.Server(conn, conf)
	if err != nil {
		reportFailure(failures, fmt.Errorf("server: shmipc session failed: %w", err))
		return
	}
	defer session.Close()
	for {
		stream, err := session.AcceptStream()
		if err != nil {
			return
		}
		go serveStream(stream, corruptAfter, calls, failures)
	}
}

func serveStream(stream *shmipc.Stream, corruptAfter int64, calls *int64, failures chan<- error) {
	defer stream.Close()
	var response []byte
	for {
		request, err := readFrame(stream)
		if err != nil {
			return // the client closed the stream
		}
		if len(request) < 8 {
			reportFailure(failures, &mismatchError{fmt.Sprintf("shmipc-go server received %d bytes", len(request))})
			return
		}
		seed := binary.LittleEndian.Uint64(request)
		if err := verify(request, len(request), seed, "shmipc-go server"); err != nil {
			reportFailure(failures, err)
			return
		}
		if cap(response) < len(request) {
			response = make([]byte, len(request))
		}
		response = response[:len(request)]
		stream.BufferReader().ReleasePreviousRead()
		fill(response, seed^responseMask)
		if corruptAfter > 0 && atomic.AddInt64(calls, 1) >= corruptAfter {
			response[len(response)/2] ^= 0xFF
		}
		if err := writeFrame(stream, response); err != nil {
			return
		}
	}
}

func reportFailure(failures chan<- error, err error) {
	select {
	case failures <- err:
	default:
	}
}

type clientOptions struct {
	socket     string
	scenario   string
	sizes      []int
	duration   time.Duration
	iterations int64
	warmup     time.Duration
	initial    time.Duration
	streams    int
	wait       string
	settle     time.Duration
	serverPid  int
}

// result is one measured point, the harness's JSON result object; nil fields print as null.
type result struct {
	Transport    string   `json:"transport"`
	Scenario     string   `json:"scenario"`
	Size         int      `json:"size"`
	Wait         string   `json:"wait"`
	RttP50Us     *float64 `json:"rtt_p50_us"`
	RttP99Us     *float64 `json:"rtt_p99_us"`
	RttP999Us    *float64 `json:"rtt_p999_us"`
	CallsPerS    *float64 `json:"calls_per_s"`
	MbPerS       *float64 `json:"mb_per_s"`
	CpuPct       *float64 `json:"cpu_pct"`
	CpuUsPerCall *float64 `json:"cpu_us_per_call"`
}

func runClient(args []string) error {
	// A client of a harness that died must not run on: stop when stdin closes.
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		fmt.Fprintln(os.Stderr, "client: the harness closed our input; stopping")
		os.Exit(exitFailure)
	}()
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	var o clientOptions
	var sizes string
	var durationMs, warmupMs, initialWarmupMs int64
	fs.StringVar(&o.socket, "socket", "", "server's Unix socket path")
	fs.StringVar(&o.scenario, "scenario", "pingpong", "pingpong or throughput")
	fs.StringVar(&sizes, "sizes", "64", "comma-separated payload sizes in bytes")
	fs.Int64Var(&durationMs, "duration-ms", 1000, "measured time per size")
	fs.Int64Var(&o.iterations, "iterations", 0, "measured calls per size (0: use -duration-ms)")
	fs.Int64Var(&warmupMs, "warmup-ms", 200, "warm-up time per size")
	fs.Int64Var(&initialWarmupMs, "initial-warmup-ms", 0, "warm-up time before the first size")
	fs.IntVar(&o.streams, "streams", 32, "streams for throughput")
	fs.StringVar(&o.wait, "wait", "default", "recorded only: shmipc-go has its own wake-up policy")
	var settleMs int64
	fs.Int64Var(&settleMs, "idle-settle-ms", 1000, "idle: time before CPU is measured")
	fs.IntVar(&o.serverPid, "server-pid", 0, "idle: the server's process id, whose CPU is measured too")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.duration = time.Duration(durationMs) * time.Millisecond
	o.warmup = time.Duration(warmupMs) * time.Millisecond
	o.initial = time.Duration(initialWarmupMs) * time.Millisecond
	o.settle = time.Duration(settleMs) * time.Millisecond
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 8 {
			return fmt.Errorf("client: bad size %q (at least 8 bytes)", s)
		}
		o.sizes = append(o.sizes, n)
	}

	conf := shmipc.DefaultSessionManagerConfig()
	conf.Address = o.socket
	conf.Network = "unix"
	conf.MemMapType = shmipc.MemMapTypeMemFd
	conf.ShareMemoryBufferCap = bufferCapacity
	conf.ShareMemoryPathPrefix = fmt.Sprintf("/dev/shm/shmipc-bench-go-%d", os.Getpid())
	conf.QueuePath = fmt.Sprintf("/dev/shm/shmipc-bench-go-queue-%d", os.Getpid())
	conf.SessionNum = 1
	conf.InitializeTimeout = 10 * time.Second
	conf.LogOutput = os.Stderr
	manager, err := shmipc.NewSessionManager(conf)
	if err != nil {
		return fmt.Errorf("client: cannot connect to %s: %w", o.socket, err)
	}
	defer manager.Close()

	switch o.scenario {
	case "pingpong":
		return pingpong(manager, o)
	case "throughput":
		return throughput(manager, o)
	case "idle":
		return idle(manager, o)
	default:
		return fmt.Errorf("client: scenario %q is not implemented for shmipc-go", o.scenario)
	}
}

// caller makes verified calls on one stream.
type caller struct {
	stream  *shmipc.Stream
	request []byte
	calls   uint64
	id      uint64
}

func (c *caller) call(size int) error {
	c.calls++
	seed := ((c.calls<<8)|(c.id&0xFF))*golden + 1
	if cap(c.request) < size {
		c.request = make([]byte, size)
	}
	request := c.request[:size]
	fill(request, seed)
	if err := writeFrame(c.stream, request); err != nil {
		return fmt.Errorf("shmipc-go client: send failed: %w", err)
	}
	response, err := readFrame(c.stream)
	if err != nil {
		return fmt.Errorf("shmipc-go client: receive failed: %w", err)
	}
	err = verify(response, size, seed^responseMask, "shmipc-go client")
	c.stream.BufferReader().ReleasePreviousRead()
	return err
}

func newCaller(manager *shmipc.SessionManager, id int) (*caller, error) {
	stream, err := manager.GetStream()
	if err != nil {
		return nil, fmt.Errorf("shmipc-go client: cannot open a stream: %w", err)
	}
	return &caller{stream: stream, id: uint64(id)}, nil
}

func warmUp(c *caller, size int, warmup time.Duration) error {
	deadline := time.Now().Add(warmup)
	hardDeadline := time.Now().Add(hardCap)
	for calls := 0; calls < minWarmupCalls || time.Now().Before(deadline); calls++ {
		if err := c.call(size); err != nil {
			return err
		}
		if time.Now().After(hardDeadline) {
			break
		}
	}
	return nil
}

func pingpong(manager *shmipc.SessionManager, o clientOptions) error {
	c, err := newCaller(manager, 0)
	if err != nil {
		return err
	}
	defer c.stream.Close()
	samples := make([]int64, 0, 1<<16)
	for i, size := range o.sizes {
		progress(fmt.Sprintf("shmipc-go pingpong %d B", size))
		if err := warmUp(c, size, warmupFor(o, i)); err != nil {
			return err
		}
		samples = samples[:0]
		limit, deadline := bounds(o)
		start := time.Now()
		hardDeadline := start.Add(hardCap)
		now := start
		for int64(len(samples)) < limit && (now.Before(deadline) || len(samples) < minMeasuredCalls) &&
			now.Before(hardDeadline) && len(samples) < maxSamples {
			callStart := now
			if err := c.call(size); err != nil {
				return err
			}
			now = time.Now()
			samples = append(samples, now.Sub(callStart).Nanoseconds())
		}
		seconds := now.Sub(start).Seconds()
		sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
		emit(result{
			Transport: "shmipc-go", Scenario: "pingpong", Size: size, Wait: o.wait,
			RttP50Us: micros(samples, 50), RttP99Us: micros(samples, 99), RttP999Us: micros(samples, 99.9),
			CallsPerS: number(float64(len(samples)) / seconds),
		})
	}
	return nil
}

func throughput(manager *shmipc.SessionManager, o clientOptions) error {
	callers := make([]*caller, o.streams)
	for i := range callers {
		c, err := newCaller(manager, i)
		if err != nil {
			return err
		}
		defer c.stream.Close()
		callers[i] = c
	}
	for i, size := range o.sizes {
		progress(fmt.Sprintf("shmipc-go throughput %d B", size))
		if _, err := runStreams(callers, size, 1<<62, time.Now().Add(warmupFor(o, i))); err != nil {
			return err
		}
		limit, deadline := bounds(o)
		start := time.Now()
		calls, err := runStreams(callers, size, limit, deadline)
		if err != nil {
			return err
		}
		seconds := time.Since(start).Seconds()
		emit(result{
			Transport: "shmipc-go", Scenario: "throughput", Size: size, Wait: o.wait,
			CallsPerS: number(float64(calls) / seconds),
			MbPerS:    number(float64(calls) * float64(size) / 1e6 / seconds),
		})
	}
	return nil
}

// runStreams keeps one call outstanding per stream, each stream on its own goroutine, until limit calls in all or
// the deadline.
func runStreams(callers []*caller, size int, limit int64, deadline time.Time) (int64, error) {
	var completed int64
	var wg sync.WaitGroup
	errs := make(chan error, len(callers))
	hardDeadline := time.Now().Add(hardCap)
	for _, c := range callers {
		wg.Add(1)
		go func(c *caller) {
			defer wg.Done()
			for atomic.LoadInt64(&completed) < limit {
				now := time.Now()
				if now.After(deadline) || now.After(hardDeadline) {
					return
				}
				if err := c.call(size); err != nil {
					errs <- err
					return
				}
				atomic.AddInt64(&completed, 1)
			}
		}(c)
	}
	wg.Wait()
	select {
	case err := <-errs:
		return completed, err
	default:
		return completed, nil
	}
}

// warmupFor gives the first size the longer initial warm-up.
func warmupFor(o clientOptions, index int) time.Duration {
	if index == 0 && o.initial > o.warmup {
		return o.initial
	}
	return o.warmup
}

// idle opens a stream, makes a few calls, then measures the CPU of both processes while nothing happens.
func idle(manager *shmipc.SessionManager, o clientOptions) error {
	const probeCalls, probeSize = 100, 64
	c, err := newCaller(manager, 0)
	if err != nil {
		return err
	}
	defer c.stream.Close()
	for i := 0; i < probeCalls; i++ {
		if err := c.call(probeSize); err != nil {
			return err
		}
	}
	progress("shmipc-go idle")
	time.Sleep(o.settle)
	pids := []int{os.Getpid(), o.serverPid}
	before, err := cpuNanos(pids)
	if err != nil {
		return err
	}
	start := time.Now()
	time.Sleep(o.duration)
	elapsed := time.Since(start)
	after, err := cpuNanos(pids)
	if err != nil {
		return err
	}
	used := after - before
	if used < 0 {
		used = 0
	}
	emit(result{
		Transport: "shmipc-go", Scenario: "idle", Size: 0, Wait: o.wait,
		CpuPct: number(100 * float64(used) / float64(elapsed.Nanoseconds())),
	})
	return nil
}

// cpuNanos sums the run time of every live thread of the processes, from /proc/<pid>/task/<tid>/schedstat.
func cpuNanos(pids []int) (int64, error) {
	var total int64
	for _, pid := range pids {
		if pid <= 0 {
			return 0, fmt.Errorf("idle: no server pid given")
		}
		tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		if err != nil {
			return 0, fmt.Errorf("idle: cannot read CPU time of process %d: %w", pid, err)
		}
		for _, task := range tasks {
			data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, task.Name()))
			if err != nil {
				continue // the thread ended while we listed
			}
			fields := strings.Fields(string(data))
			if len(fields) == 0 {
				continue
			}
			nanos, err := strconv.ParseInt(fields[0], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("idle: bad schedstat for process %d: %q", pid, data)
			}
			total += nanos
		}
	}
	return total, nil
}

func bounds(o clientOptions) (int64, time.Time) {
	if o.iterations > 0 {
		return o.iterations, time.Now().Add(hardCap)
	}
	return 1 << 62, time.Now().Add(o.duration)
}

func micros(sorted []int64, percentile float64) *float64 {
	if len(sorted) == 0 {
		return nil
	}
	index := int(percentile / 100 * float64(len(sorted)))
	if index >= len(sorted) {
		index = len(sorted) - 1
	}
	return number(float64(sorted[index]) / 1e3)
}

func number(v float64) *float64 { return &v }

func progress(text string) {
	fmt.Printf("PROGRESS %s\n", text)
}

func emit(r result) {
	line, err := json.Marshal(r)
	if err != nil {
		fail(err)
	}
	fmt.Printf("RESULT %s\n", line)
}
