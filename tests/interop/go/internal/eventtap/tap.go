// Package eventtap counts, by type, the ShmIPC control events a Go peer of this
// process receives from its remote peer.
//
// shmipc-go exposes no hook on its control connection: it duplicates the
// connection's file descriptor and reads it with raw syscalls in its own event
// loop (a net.Conn wrapper would never see a byte), and it counts only Polling
// and FallbackData events. An event type it does not know makes it log
// "invalid protocol header" and end the session. So the tap sits on the
// connection itself: a Unix-socket relay inside this process, between shmipc-go
// and the remote peer, that forwards every byte and every passed file descriptor
// (the memfd handshake sends the regions with SCM_RIGHTS) unchanged, and parses
// the event headers of each direction as they go by.
package eventtap

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
)

// Event header of the ShmIPC wire protocol: u32 big-endian length of the whole
// event, u16 big-endian magic, u8 version, u8 type.
const (
	headerSize = 8
	magic      = 0x7758
	// memfdCarrierBytes: the data bytes of the sendmsg that passes the memfds.
	memfdCarrierBytes = 1
)

// typeNames are the event types of the wire protocol (shmipc-go v0.2.0 knows 0..9).
var typeNames = []string{
	"ShareMemoryByFilePath",
	"Polling",
	"StreamClose",
	"FallbackData",
	"ExchangeProtoVersion",
	"ShareMemoryByMemfd",
	"AckShareMemory",
	"AckReadyRecvFD",
	"HotRestart",
	"HotRestartAck",
}

// Counts are the events seen in one direction, over every relayed connection.
type Counts struct {
	mu         sync.Mutex
	byType     map[string]uint64
	unknown    uint64
	malformed  uint64
	fdMessages uint64
}

// Snapshot is a copy of Counts for a JSON summary.
type Snapshot struct {
	ByType map[string]uint64 `json:"by_type"`
	// Unknown counts events whose type shmipc-go v0.2.0 does not know (it would end the session).
	Unknown uint64 `json:"unknown"`
	// Malformed counts headers with a wrong magic or a length shorter than a header:
	// the parser cannot find the next event after one, so it stops counting that connection.
	Malformed uint64 `json:"malformed"`
	// FdMessages counts the memfd handshake's fd-passing messages (not events).
	FdMessages uint64 `json:"fd_messages"`
}

// Snapshot copies the counts.
func (c *Counts) Snapshot() Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Snapshot{ByType: make(map[string]uint64, len(c.byType)), Unknown: c.unknown, Malformed: c.malformed,
		FdMessages: c.fdMessages}
	for name, n := range c.byType {
		s.ByType[name] = n
	}
	return s
}

func (c *Counts) fdMessage() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fdMessages++
}

func (c *Counts) add(header []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if binary.BigEndian.Uint16(header[4:6]) != magic || binary.BigEndian.Uint32(header[0:4]) < headerSize {
		c.malformed++
		return false
	}
	if c.byType == nil {
		c.byType = make(map[string]uint64)
	}
	if t := int(header[7]); t < len(typeNames) {
		c.byType[typeNames[t]]++
	} else {
		c.unknown++
	}
	return true
}

// parser follows the event boundaries of one direction of one connection.
type parser struct {
	counts  *Counts
	header  [headerSize]byte
	filled  int    // bytes of header collected
	skip    uint32 // body bytes of the current event still to pass
	stopped bool   // a malformed header: boundaries are lost
}

func (p *parser) atBoundary() bool {
	return p.filled == 0 && p.skip == 0 && !p.stopped
}

func (p *parser) feed(data []byte) {
	for len(data) > 0 && !p.stopped {
		if p.skip > 0 {
			n := min(uint32(len(data)), p.skip)
			p.skip -= n
			data = data[n:]
			continue
		}
		n := copy(p.header[p.filled:], data)
		p.filled += n
		data = data[n:]
		if p.filled < headerSize {
			return
		}
		p.filled = 0
		if !p.counts.add(p.header[:]) {
			p.stopped = true
			return
		}
		p.skip = binary.BigEndian.Uint32(p.header[0:4]) - headerSize
	}
}

// Tap relays connections accepted on a front socket to a back socket.
type Tap struct {
	// Received are the events sent by the remote peer to the Go peer of this process.
	Received Counts
	// Sent are the events the Go peer of this process sent.
	Sent Counts

	listener *net.UnixListener
	back     string
	// remoteIsFront: the remote peer connects to the front socket (a tapped server);
	// otherwise the Go peer does and the remote peer is behind the back socket (a tapped client).
	remoteIsFront bool
}

// ForServer listens on front, where remote clients connect, and relays each
// connection to back, where this process's shmipc-go Listener listens.
func ForServer(front, back string) (*Tap, error) {
	return listen(front, back, true)
}

// ForClient listens on front, where this process's shmipc-go client connects, and
// relays each connection to back, the remote server's socket.
func ForClient(front, back string) (*Tap, error) {
	return listen(front, back, false)
}

func listen(front, back string, remoteIsFront bool) (*Tap, error) {
	_ = syscall.Unlink(front)
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: front, Net: "unix"})
	if err != nil {
		return nil, err
	}
	t := &Tap{listener: l, back: back, remoteIsFront: remoteIsFront}
	go t.accept()
	return t, nil
}

// Close stops accepting and removes the front socket; relayed connections end with their peers.
func (t *Tap) Close() error {
	return t.listener.Close()
}

func (t *Tap) accept() {
	for {
		front, err := t.listener.AcceptUnix()
		if err != nil {
			return
		}
		back, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: t.back, Net: "unix"})
		if err != nil {
			_ = front.Close()
			continue
		}
		fromFront, fromBack := &t.Sent, &t.Received
		if t.remoteIsFront {
			fromFront, fromBack = &t.Received, &t.Sent
		}
		var done sync.WaitGroup
		done.Add(2)
		go relay(front, back, &parser{counts: fromFront}, &done)
		go relay(back, front, &parser{counts: fromBack}, &done)
		go func() {
			done.Wait()
			_ = front.Close()
			_ = back.Close()
		}()
	}
}

// relay copies from src to dst with any passed file descriptors, until src ends,
// then shuts down dst's write side so its reader sees the end too.
func relay(src, dst *net.UnixConn, p *parser, done *sync.WaitGroup) {
	defer done.Done()
	buf := make([]byte, 64<<10)
	oob := make([]byte, syscall.CmsgSpace(4*64))
	for {
		n, oobn, _, _, err := src.ReadMsgUnix(buf, oob)
		if n > 0 || oobn > 0 {
			data := buf[:n]
			if oobn > 0 && n > 0 && p.atBoundary() {
				// Step 5 of the memfd handshake: the regions' fds travel with one dummy
				// data byte that is not an event.
				p.counts.fdMessage()
				data = data[memfdCarrierBytes:]
			}
			p.feed(data)
			_, _, werr := dst.WriteMsgUnix(buf[:n], oob[:oobn], nil)
			closePassedFds(oob[:oobn])
			if werr != nil {
				_ = src.CloseRead()
				return
			}
		}
		if err == nil && n == 0 && oobn == 0 {
			err = io.EOF // a stream socket's recvmsg returns 0 bytes at the end
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				_ = src.CloseRead()
			}
			_ = dst.CloseWrite()
			return
		}
	}
}

// closePassedFds closes this process's copies of descriptors that were forwarded.
func closePassedFds(oob []byte) {
	if len(oob) == 0 {
		return
	}
	messages, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return
	}
	for _, m := range messages {
		if fds, err := syscall.ParseUnixRights(&m); err == nil {
			for _, fd := range fds {
				_ = syscall.Close(fd)
			}
		}
	}
}
