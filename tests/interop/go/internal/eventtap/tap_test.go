package eventtap

import (
	"encoding/binary"
	"testing"
)

func event(eventType byte, body int) []byte {
	e := make([]byte, headerSize+body)
	binary.BigEndian.PutUint32(e[0:], uint32(len(e)))
	binary.BigEndian.PutUint16(e[4:], magic)
	e[6] = 3
	e[7] = eventType
	return e
}

func TestEventsSplitAcrossReadsAreCountedOnceByType(t *testing.T) {
	var counts Counts
	p := &parser{counts: &counts}
	stream := append(append(event(1, 0), event(3, 100)...), event(2, 4)...)
	for _, chunk := range [][]byte{stream[:3], stream[3:10], stream[10:50], stream[50:]} {
		p.feed(chunk)
	}
	got := counts.Snapshot()
	if got.ByType["Polling"] != 1 || got.ByType["FallbackData"] != 1 || got.ByType["StreamClose"] != 1 ||
		got.Unknown != 0 || got.Malformed != 0 {
		t.Fatalf("counts %+v", got)
	}
}

func TestUnknownTypeIsCountedAndTheNextEventStillFound(t *testing.T) {
	var counts Counts
	p := &parser{counts: &counts}
	p.feed(append(event(42, 16), event(1, 0)...))
	got := counts.Snapshot()
	if got.Unknown != 1 || got.ByType["Polling"] != 1 {
		t.Fatalf("counts %+v", got)
	}
}

func TestWrongMagicStopsCounting(t *testing.T) {
	var counts Counts
	p := &parser{counts: &counts}
	bad := event(1, 0)
	bad[4] = 0
	p.feed(append(bad, event(1, 0)...))
	got := counts.Snapshot()
	if got.Malformed != 1 || got.ByType["Polling"] != 0 {
		t.Fatalf("counts %+v", got)
	}
}
