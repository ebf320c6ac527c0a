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
	"shmipc-java/tests/interop/go/internal/stdio"
)

const exitUsage = 2

func main() {
	socket := flag.String("socket", "", "Unix socket path to listen on (required; an existing socket file is replaced)")
	handshakeTimeout := flag.Duration("handshake-timeout", time.Second,
		"shmipc-go InitializeTimeout: how long a client may take for the whole handshake (reference default 1s)")
	maxFrame := flag.Uint("max-frame", 64<<20, "largest payload length accepted in a frame header")
	logLevel := flag.Int("log-level", 3, "shmipc-go log level: 0 trace, 1 debug, 2 info, 3 warn, 4 error, 5 none")
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

	srv := &echoServer{maxFrame: uint32(*maxFrame), log: log.New(os.Stderr, "echo-server: ", log.Lmicroseconds)}
	conf := shmipc.NewDefaultListenerConfig(*socket, "unix")
	conf.InitializeTimeout = *handshakeTimeout
	conf.LogOutput = os.Stderr
	listener, err := shmipc.NewListener(srv, conf)
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo-server: listen:", err)
		os.Exit(exitUsage)
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

	summary := srv.summary()
	line, _ := json.Marshal(summary)
	fmt.Fprintln(out, string(line))
	if summary.CRCErrors > 0 && exitCode == 0 {
		exitCode = 1
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
	maxFrame uint32
	log      *log.Logger

	streams         atomic.Int64
	frames          atomic.Int64
	bytes           atomic.Int64
	crcErrors       atomic.Int64
	truncatedFrames atomic.Int64
	streamErrors    atomic.Int64

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
}

type serverSummary struct {
	Streams         int64            `json:"streams"`
	Frames          int64            `json:"frames"`
	Bytes           int64            `json:"bytes"`
	CRCErrors       int64            `json:"crc_errors"`
	TruncatedFrames int64            `json:"truncated_frames"`
	StreamErrors    int64            `json:"stream_errors"`
	Sessions        []*sessionReport `json:"sessions"`
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
	for {
		rawHeader, err := reader.ReadBytes(echoframe.HeaderSize)
		if err != nil {
			if !errors.Is(err, shmipc.ErrEndOfStream) && !errors.Is(err, shmipc.ErrStreamClosed) {
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
		if err != nil {
			s.streamErrors.Add(1)
			s.log.Printf("stream %d: echoing %d-byte frame: %v", id, header.Length, err)
			break
		}
		s.frames.Add(1)
		s.bytes.Add(int64(header.Length))
	}
	_ = stream.Close()
	s.noteSession(stream.Session(), false)
}

// noteSession records a session when its first stream arrives, and when its last
// open stream closes takes shmipc-go's metrics of the (client-created) regions.
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
	if session.IsClosed() || session.GetActiveStreamCount() != 0 {
		return
	}
	_, stability, memory := session.GetMetrics()
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
	return serverSummary{
		Streams:         s.streams.Load(),
		Frames:          s.frames.Load(),
		Bytes:           s.bytes.Load(),
		CRCErrors:       s.crcErrors.Load(),
		TruncatedFrames: s.truncatedFrames.Load(),
		StreamErrors:    s.streamErrors.Load(),
		Sessions:        sessions,
	}
}
