// Command echo-server is the Go side of the interop suite's echo scenarios.
//
// It listens on a Unix socket with shmipc-go's own Listener, accepts ShmIPC
// sessions in either handshake the client picks (file paths, protocol v2; or
// memfd passing, protocol v3), and on every stream echoes each frame of the echo
// protocol (see internal/echoframe) back on the same stream after checking its CRC.
//
// Output contract, relied upon by run.sh and by Java tests:
//   - stdout line "READY" once the socket is listening;
//   - on SIGTERM or SIGINT: one JSON summary line on stdout, exit 0 if no CRC error
//     was ever seen, else 1;
//   - with -hot-restart-epoch N, on SIGUSR1: Listener.HotRestart(N) towards a new server
//     already listening on the same -socket, then the same summary and exit (1 also if the
//     hot restart did not finish);
//   - everything else (shmipc-go's logs, per-error lines) goes to stderr.
//
// -close-after N closes every stream after echoing N frames, and when a client
// closes a stream first, checks that its frames arrived whole before the end and
// that an answer is refused afterwards (the summary counts both).
// -tap-events puts an eventtap relay in front of the Listener to count the control
// events each client sends by type; -expect-events then fails the run on any event
// type shmipc-go does not know, or when no Polling event woke it.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	shmipc "github.com/cloudwego/shmipc-go"

	"shmipc-java/tests/interop/go/internal/echoframe"
	"shmipc-java/tests/interop/go/internal/eventtap"
	"shmipc-java/tests/interop/go/internal/stdio"
)

const exitUsage = 2

func main() {
	socket := flag.String("socket", "", "Unix socket path to listen on (required; an existing socket file is replaced)")
	handshakeTimeout := flag.Duration("handshake-timeout", time.Second,
		"shmipc-go InitializeTimeout: how long a client may take for the whole handshake (reference default 1s)")
	maxFrame := flag.Uint("max-frame", 64<<20, "largest payload length accepted in a frame header")
	logLevel := flag.Int("log-level", 3, "shmipc-go log level: 0 trace, 1 debug, 2 info, 3 warn, 4 error, 5 none")
	closeAfter := flag.Int("close-after", 0, "close each stream after echoing this many frames (0: only when the client closes it)")
	tapEvents := flag.Bool("tap-events", false, "relay clients through an in-process tap that counts their control events by type")
	expectEvents := flag.Bool("expect-events", false,
		"with -tap-events: exit 1 if a client sent an event type shmipc-go does not know, or no Polling event at all")
	hotRestartEpoch := flag.Uint64("hot-restart-epoch", 0,
		"on SIGUSR1, hand the sessions over to a new server on the same -socket with Listener.HotRestart(epoch), wait for IsHotRestartDone, drain 1 s, then exit like on SIGTERM (0: SIGUSR1 is not handled)")
	flag.Parse()
	if *socket == "" {
		fmt.Fprintln(os.Stderr, "echo-server: -socket is required")
		os.Exit(exitUsage)
	}

	out, err := stdio.ReserveStdout()
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo-server:", err)
		os.Exit(exitUsage)
	}
	shmipc.SetLogLevel(*logLevel)

	srv := &echoServer{maxFrame: uint32(*maxFrame), closeAfter: *closeAfter,
		log: log.New(os.Stderr, "echo-server: ", log.Lmicroseconds)}
	listenPath := *socket
	if *tapEvents {
		listenPath = *socket + ".inner"
	}
	conf := shmipc.NewDefaultListenerConfig(listenPath, "unix")
	conf.InitializeTimeout = *handshakeTimeout
	conf.LogOutput = os.Stderr
	listener, err := shmipc.NewListener(srv, conf)
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo-server: listen:", err)
		os.Exit(exitUsage)
	}
	if *tapEvents {
		if srv.tap, err = eventtap.ForServer(*socket, listenPath); err != nil {
			fmt.Fprintln(os.Stderr, "echo-server: event tap:", err)
			os.Exit(exitUsage)
		}
	}

	if *hotRestartEpoch != 0 {
		// A new server will own the socket path: closing this listener must not remove its socket file.
		listener.SetUnlinkOnClose(false)
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	hotRestart := make(chan os.Signal, 1)
	if *hotRestartEpoch != 0 {
		signal.Notify(hotRestart, syscall.SIGUSR1)
	}
	runDone := make(chan struct{})
	go func() {
		_ = listener.Run()
		close(runDone)
	}()
	fmt.Fprintln(out, "READY")

	exitCode := 0
	select {
	case sig := <-signals:
		srv.log.Printf("received %s, shutting down", sig)
	case <-hotRestart:
		srv.log.Printf("SIGUSR1: hot restart to epoch %d", *hotRestartEpoch)
		if !handOver(listener, *hotRestartEpoch, srv.log) {
			exitCode = 1
		}
	case <-runDone:
		srv.log.Printf("listener stopped accepting, shutting down")
		exitCode = exitUsage
	}
	_ = listener.Close()
	if srv.tap != nil {
		_ = srv.tap.Close()
	}

	summary := srv.summary()
	line, _ := json.Marshal(summary)
	fmt.Fprintln(out, string(line))
	if summary.CRCErrors > 0 && exitCode == 0 {
		exitCode = 1
	}
	if *expectEvents && exitCode == 0 {
		if problem := summary.eventProblem(); problem != "" {
			srv.log.Print(problem)
			exitCode = 1
		}
	}
	os.Exit(exitCode)
}

// handOver performs the old server's side of a hot restart as shmipc-go's example does: HotRestart(epoch),
// poll IsHotRestartDone, then leave calls in flight 1 s before the listener closes the old sessions.
// The new server must already listen on the socket path. Reports whether the hot restart finished in time.
func handOver(listener *shmipc.Listener, epoch uint64, logger *log.Logger) bool {
	if err := listener.HotRestart(epoch); err != nil {
		logger.Printf("HotRestart(%d): %v", epoch, err)
		return false
	}
	const limit, poll, drain = 5 * time.Second, 50 * time.Millisecond, time.Second
	for waited := time.Duration(0); !listener.IsHotRestartDone(); waited += poll {
		if waited >= limit {
			logger.Printf("hot restart to epoch %d not done after %v", epoch, limit)
			return false
		}
		time.Sleep(poll)
	}
	logger.Printf("hot restart to epoch %d done; draining %v", epoch, drain)
	time.Sleep(drain)
	return true
}

// echoServer implements shmipc.ListenCallback and keeps the counters of the summary.
type echoServer struct {
	maxFrame   uint32
	closeAfter int
	log        *log.Logger
	tap        *eventtap.Tap

	streams         atomic.Int64
	frames          atomic.Int64
	bytes           atomic.Int64
	crcErrors       atomic.Int64
	truncatedFrames atomic.Int64
	streamErrors    atomic.Int64
	// Streams the client closed, the whole frames read on them before the end, and
	// what became of a write tried after seeing the end.
	peerClosedStreams     atomic.Int64
	framesBeforePeerClose atomic.Int64
	writesRefused         atomic.Int64
	writesAccepted        atomic.Int64
	closedByServer        atomic.Int64

	mu       sync.Mutex
	sessions map[*shmipc.Session]*sessionReport
}

// sessionReport is what shmipc-go's own reading of the client's regions said about one session.
type sessionReport struct {
	ID      string `json:"id"`
	Streams int64  `json:"streams"`
	// Bytes of the client's buffer region in slices, as computed by shmipc-go from the list headers.
	CapacityBytes uint64 `json:"capacity_bytes"`
	// Bytes in slices not on a free list, read when the session's last open stream closed
	// (-1 while that never happened). 0 means every slice was returned.
	InUseBytesWhenIdle int64  `json:"in_use_bytes_when_idle"`
	FallbackReads      uint64 `json:"fallback_reads"`
	FallbackWrites     uint64 `json:"fallback_writes"`
	QueueFullErrors    uint64 `json:"queue_full_errors"`
	// Polling events received, by shmipc-go's own count (ReceiveSyncEventCount).
	PollingReceived uint64 `json:"polling_received"`
}

type serverSummary struct {
	Streams         int64            `json:"streams"`
	Frames          int64            `json:"frames"`
	Bytes           int64            `json:"bytes"`
	CRCErrors       int64            `json:"crc_errors"`
	TruncatedFrames int64            `json:"truncated_frames"`
	StreamErrors    int64            `json:"stream_errors"`
	Sessions        []*sessionReport `json:"sessions"`

	PeerClosedStreams     int64 `json:"peer_closed_streams"`
	FramesBeforePeerClose int64 `json:"frames_before_peer_close"`
	// Writes tried after the client's close was seen: refused is right.
	WritesAfterPeerCloseRefused  int64 `json:"writes_after_peer_close_refused"`
	WritesAfterPeerCloseAccepted int64 `json:"writes_after_peer_close_accepted"`
	ClosedByServer               int64 `json:"closed_by_server"`

	EventsReceived *eventtap.Snapshot `json:"events_received,omitempty"`
	EventsSent     *eventtap.Snapshot `json:"events_sent,omitempty"`
}

// eventProblem says what is wrong with the control events clients sent, or "".
func (s serverSummary) eventProblem() string {
	if s.EventsReceived == nil {
		return "no event counts: -expect-events needs -tap-events"
	}
	var polling uint64
	for _, r := range s.Sessions {
		polling += r.PollingReceived
	}
	switch {
	case s.EventsReceived.Unknown > 0:
		return fmt.Sprintf("clients sent %d events of a type shmipc-go does not know", s.EventsReceived.Unknown)
	case s.EventsReceived.Malformed > 0:
		return fmt.Sprintf("clients sent %d events with a malformed header", s.EventsReceived.Malformed)
	case s.EventsReceived.ByType["Polling"] == 0 || polling == 0:
		return fmt.Sprintf("no Polling event woke shmipc-go (tap saw %d, shmipc-go counted %d)",
			s.EventsReceived.ByType["Polling"], polling)
	}
	return ""
}

func (s *echoServer) OnNewStream(stream *shmipc.Stream) {
	// Called on shmipc-go's event loop: never block it.
	s.streams.Add(1)
	s.noteSession(stream.Session(), true)
	go s.serve(stream)
}

func (s *echoServer) OnShutdown(reason string) {
	s.log.Printf("listener shutdown: %s", reason)
}

func (s *echoServer) serve(stream *shmipc.Stream) {
	reader := stream.BufferReader()
	writer := stream.BufferWriter()
	id := stream.StreamID()
	framesRead, echoed := 0, 0
	for {
		rawHeader, err := reader.ReadBytes(echoframe.HeaderSize)
		if errors.Is(err, shmipc.ErrEndOfStream) {
			s.peerClosedStreams.Add(1)
			s.framesBeforePeerClose.Add(int64(framesRead))
			if s.closeAfter > 0 {
				s.tryWriteAfterPeerClose(stream)
			}
			break
		}
		if err != nil {
			if !errors.Is(err, shmipc.ErrStreamClosed) {
				s.streamErrors.Add(1)
				s.log.Printf("stream %d: reading frame header: %v", id, err)
			}
			break
		}
		var headerBytes [echoframe.HeaderSize]byte
		copy(headerBytes[:], rawHeader)
		header, _ := echoframe.DecodeHeader(headerBytes[:])
		if header.Length > s.maxFrame {
			s.streamErrors.Add(1)
			s.log.Printf("stream %d: frame length %d exceeds -max-frame %d; closing stream", id, header.Length, s.maxFrame)
			break
		}
		payload, err := reader.ReadBytes(int(header.Length))
		if err != nil {
			s.truncatedFrames.Add(1)
			s.log.Printf("stream %d: frame of %d bytes cut short: %v", id, header.Length, err)
			break
		}
		framesRead++
		if got := echoframe.CRC(payload); got != header.CRC {
			s.crcErrors.Add(1)
			s.log.Printf("stream %d: CRC mismatch on %d-byte frame: header says %08x, payload has %08x",
				id, header.Length, header.CRC, got)
		}
		// Echo the identical frame, even a corrupt one, so the client sees what arrived.
		_, err = writer.WriteBytes(headerBytes[:])
		if err == nil && len(payload) > 0 {
			_, err = writer.WriteBytes(payload)
		}
		if err == nil {
			err = stream.Flush(false)
		}
		reader.ReleasePreviousRead()
		if err != nil && s.closeAfter > 0 && errors.Is(err, shmipc.ErrStreamClosed) {
			// The client closed the stream while we answered: the next read sees the end.
			continue
		}
		if err != nil {
			s.streamErrors.Add(1)
			s.log.Printf("stream %d: echoing %d-byte frame: %v", id, header.Length, err)
			break
		}
		s.frames.Add(1)
		s.bytes.Add(int64(header.Length))
		if echoed++; s.closeAfter > 0 && echoed == s.closeAfter {
			s.closedByServer.Add(1)
			break
		}
	}
	_ = stream.Close()
	s.noteSession(stream.Session(), false)
}

// tryWriteAfterPeerClose writes an empty frame on a stream whose end was read:
// the client closed it, so shmipc-go must refuse.
func (s *echoServer) tryWriteAfterPeerClose(stream *shmipc.Stream) {
	empty := echoframe.EncodeHeader(nil)
	_, err := stream.BufferWriter().WriteBytes(empty[:])
	if err == nil {
		err = stream.Flush(false)
	}
	if err != nil {
		s.writesRefused.Add(1)
		return
	}
	s.writesAccepted.Add(1)
	s.log.Printf("stream %d: a write after the client closed the stream was accepted", stream.StreamID())
}

// noteSession records a session when its first stream arrives; at each stream's end it takes
// shmipc-go's count of Polling events, and when its last open stream closes its metrics of the
// (client-created) regions.
func (s *echoServer) noteSession(session *shmipc.Session, newStream bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions == nil {
		s.sessions = make(map[*shmipc.Session]*sessionReport)
	}
	report, ok := s.sessions[session]
	if !ok {
		report = &sessionReport{ID: session.ID(), InUseBytesWhenIdle: -1}
		s.sessions[session] = report
	}
	if id := session.ID(); len(id) > len(report.ID) {
		// shmipc-go names a session only after its event loop has started; take the name once it is there.
		report.ID = id
	}
	if newStream {
		report.Streams++
		return
	}
	if session.IsClosed() {
		return
	}
	performance, stability, memory := session.GetMetrics()
	// The count of Polling events only grows: taken at every stream's end, so that a client that closes its session
	// right after its last stream (which can end the session here before that stream's close is seen) still leaves
	// the count of all the traffic before.
	report.PollingReceived = performance.ReceiveSyncEventCount
	if session.GetActiveStreamCount() != 0 {
		return
	}
	report.CapacityBytes = memory.CapacityOfShareMemoryInBytes
	report.InUseBytesWhenIdle = int64(memory.AllInUsedShareMemoryInBytes)
	report.FallbackReads = stability.FallbackReadCount
	report.FallbackWrites = stability.FallbackWriteCount
	report.QueueFullErrors = stability.QueueFullErrorCount
}

func (s *echoServer) summary() serverSummary {
	s.mu.Lock()
	defer s.mu.Unlock()
	sessions := make([]*sessionReport, 0, len(s.sessions))
	for _, r := range s.sessions {
		sessions = append(sessions, r)
	}
	summary := serverSummary{
		Streams:         s.streams.Load(),
		Frames:          s.frames.Load(),
		Bytes:           s.bytes.Load(),
		CRCErrors:       s.crcErrors.Load(),
		TruncatedFrames: s.truncatedFrames.Load(),
		StreamErrors:    s.streamErrors.Load(),
		Sessions:        sessions,

		PeerClosedStreams:            s.peerClosedStreams.Load(),
		FramesBeforePeerClose:        s.framesBeforePeerClose.Load(),
		WritesAfterPeerCloseRefused:  s.writesRefused.Load(),
		WritesAfterPeerCloseAccepted: s.writesAccepted.Load(),
		ClosedByServer:               s.closedByServer.Load(),
	}
	if s.tap != nil {
		received, sent := s.tap.Received.Snapshot(), s.tap.Sent.Snapshot()
		summary.EventsReceived, summary.EventsSent = &received, &sent
	}
	return summary
}
