// Package infokeys records which TTHeader info keys a Kitex program received from its peer, so the
// interop scenarios can show what the Java side sends (and the Java side what Kitex sends).
package infokeys

import (
	"context"
	"sort"
	"strconv"
	"sync"

	"github.com/cloudwego/kitex/pkg/remote"
)

// Recorder is a Kitex MetaHandler whose ReadMeta notes the keys of every message read: requests on a
// server, replies on a client. It writes nothing.
type Recorder struct {
	mu         sync.Mutex
	intKeys    map[uint16]int
	stringKeys map[string]int
}

var _ remote.MetaHandler = (*Recorder)(nil)

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder {
	return &Recorder{intKeys: map[uint16]int{}, stringKeys: map[string]int{}}
}

// WriteMeta leaves outgoing messages alone.
func (r *Recorder) WriteMeta(ctx context.Context, _ remote.Message) (context.Context, error) {
	return ctx, nil
}

// ReadMeta counts the TTHeader integer and string info keys of an incoming message.
func (r *Recorder) ReadMeta(ctx context.Context, msg remote.Message) (context.Context, error) {
	info := msg.TransInfo()
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range info.TransIntInfo() {
		r.intKeys[k]++
	}
	for k := range info.TransStrInfo() {
		r.stringKeys[k]++
	}
	return ctx, nil
}

// IntKeys returns the integer keys seen, in order, as strings (JSON object keys).
func (r *Recorder) IntKeys() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	keys := make([]int, 0, len(r.intKeys))
	for k := range r.intKeys {
		keys = append(keys, int(k))
	}
	sort.Ints(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = strconv.Itoa(k)
	}
	return out
}

// StringKeys returns the string keys seen, in order.
func (r *Recorder) StringKeys() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.stringKeys))
	for k := range r.stringKeys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// StringKeyCount returns how many messages carried the string key.
func (r *Recorder) StringKeyCount(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stringKeys[key]
}
