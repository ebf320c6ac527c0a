// Command region-inspect decodes a live ShmIPC buffer region and queue region
// (made by any peer: Go, Java, Rust) and prints what it finds as one JSON document.
//
// The list headers, the free-list walk, the leak verdict, the reported slices and
// the queue headers come from shmipc-go's own reading code, through the only
// entry points it exports for this: DebugBufferListDetail and DebugQueueDetail.
// Those print text to stdout; this tool captures and parses it. What shmipc-go
// reads but does not print (the 8-byte buffer-region header, list offsets, the
// queue elements) is decoded here, from the same snapshot, and marked as such.
//
// Regions are read, never written: each is copied to a private snapshot file
// first, and both decoders read that copy, so they agree on one instant.
//
// -owner-lists gives what the region's owner itself counts (a shmipc-java client
// prints it before holding its regions): the lists must then agree with it one
// for one, and with -expect-idle the slices it holds are allowed in use, up to
// -max-held-per-list per list (a shmipc-java session keeps a few freed slices per
// size class for its next sends; the free lists and shmipc-go count them in use).
package main

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	shmipc "github.com/cloudwego/shmipc-go"
)

const (
	exitOK        = 0
	exitProblems  = 1
	exitUsage     = 2
	decodedByGo   = "shmipc-go"
	decodedByTool = "region-inspect"

	bufferRegionHeaderSize = 8
	bufferListHeaderSize   = 36
	sliceHeaderSize        = 20
	queueHeaderSize        = 24
	queueElementSize       = 12
)

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

type options struct {
	pid         int
	bufferPath  string
	queuePaths  stringList
	bufferMatch string
	queueMatch  string
	elements    string
	sliceData   int
	timeout     time.Duration
	expectIdle  bool
	settle      time.Duration
	ownerLists  []ownerList
	maxHeld     int
}

// ownerList is one buffer list as the region's owner counts it.
type ownerList struct {
	SliceDataCapacity uint32 `json:"slice_data_capacity"`
	Free              uint32 `json:"free"`
	Capacity          uint32 `json:"capacity"`
}

// parseOwnerLists reads size:free/capacity,... .
func parseOwnerLists(spec string) ([]ownerList, error) {
	var lists []ownerList
	for _, field := range strings.Split(spec, ",") {
		var l ownerList
		if _, err := fmt.Sscanf(field, "%d:%d/%d", &l.SliceDataCapacity, &l.Free, &l.Capacity); err != nil || l.Free > l.Capacity {
			return nil, fmt.Errorf("-owner-lists: %q is not size:free/capacity", field)
		}
		lists = append(lists, l)
	}
	return lists, nil
}

func main() {
	var o options
	flag.IntVar(&o.pid, "pid", 0, "find the regions mapped by this process (memfd or /dev/shm files) by name")
	flag.StringVar(&o.bufferPath, "buffer", "", "buffer region to read: a /dev/shm file or /proc/<pid>/fd/<n> of a memfd")
	flag.Var(&o.queuePaths, "queue", "queue region to read (repeatable), like -buffer")
	flag.StringVar(&o.bufferMatch, "buffer-match", "_buffer", "with -pid: a region whose name contains this is a buffer region")
	flag.StringVar(&o.queueMatch, "queue-match", "_queue", "with -pid: a region whose name contains this is a queue region")
	flag.StringVar(&o.elements, "elements", "pending", "queue elements to print: pending (head..tail), all (every slot) or none")
	flag.IntVar(&o.sliceData, "slice-data", 16, "bytes of each reported slice's data to print as hex")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Second, "give up on shmipc-go's decoder after this long (a corrupt free list can make it loop)")
	flag.BoolVar(&o.expectIdle, "expect-idle", false,
		"exit 1 unless the regions are at rest: every slice free, free lists intact, queues empty, no decoder complaint")
	flag.DurationVar(&o.settle, "settle", 0,
		"with -expect-idle: take fresh snapshots for up to this long until the regions are at rest (a peer may still be draining)")
	ownerLists := flag.String("owner-lists", "",
		"the buffer lists as the region's owner counts them, size:free/capacity,...: the decoded lists must agree")
	flag.IntVar(&o.maxHeld, "max-held-per-list", 0,
		"with -owner-lists and -expect-idle: slices the owner holds that may be in use at rest, per list")
	flag.Parse()

	if *ownerLists != "" {
		lists, err := parseOwnerLists(*ownerLists)
		if err != nil {
			fail(err.Error())
		}
		o.ownerLists = lists
	}
	if o.elements != "pending" && o.elements != "all" && o.elements != "none" {
		fail("-elements must be pending, all or none")
	}
	if o.pid != 0 {
		buffer, queues, err := discover(o.pid, o.bufferMatch, o.queueMatch)
		if err != nil {
			fail(err.Error())
		}
		if o.bufferPath == "" {
			o.bufferPath = buffer
		}
		if len(o.queuePaths) == 0 {
			o.queuePaths = queues
		}
	}
	if o.bufferPath == "" && len(o.queuePaths) == 0 {
		fail("nothing to inspect: give -pid, -buffer or -queue")
	}

	rep := inspect(o)
	for settleBy := time.Now().Add(o.settle); o.expectIdle && len(rep.Problems) > 0 && time.Now().Before(settleBy); {
		time.Sleep(50 * time.Millisecond)
		rep = inspect(o)
	}
	doc, _ := json.MarshalIndent(rep, "", "  ")
	fmt.Println(string(doc))
	if len(rep.Problems) > 0 {
		os.Exit(exitProblems)
	}
	os.Exit(exitOK)
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "region-inspect:", message)
	os.Exit(exitUsage)
}

type report struct {
	Buffer *bufferReport `json:"buffer,omitempty"`
	Queues []queueReport `json:"queues"`
	// Problems are decoder failures, and with -expect-idle every way the regions are not at rest.
	Problems []string `json:"problems"`
}

type bufferReport struct {
	Source string             `json:"source"`
	Size   int                `json:"size"`
	Header bufferRegionHeader `json:"header"`
	Lists  []listReport       `json:"lists"`
	// Leak is shmipc-go's verdict: the free counts do not add up to the capacities.
	Leak               bool  `json:"memory_leak"`
	FreeSlices         int64 `json:"free_slices"`
	ExpectedFreeSlices int64 `json:"expected_free_slices"`
	// ReportedSlices are the slices shmipc-go prints: each list's last free slice, and every slice in use.
	ReportedSlices []sliceReport `json:"reported_slices"`
	// DecoderMessages are lines shmipc-go printed that are not part of its report (its own error messages).
	DecoderMessages []string `json:"decoder_messages"`
	DecodedBy       string   `json:"decoded_by"`
}

type bufferRegionHeader struct {
	ListCount uint16 `json:"list_count"`
	Reserved  uint16 `json:"reserved"`
	UsedBytes uint32 `json:"used_bytes"`
	DecodedBy string `json:"decoded_by"`
}

type listReport struct {
	Index int `json:"index"`
	// Offset of the list header in the region (region-inspect's own walk).
	Offset            uint32 `json:"offset"`
	Capacity          uint32 `json:"capacity"`
	FreeCount         int32  `json:"free_count"`
	WalkedFreeCount   int64  `json:"walked_free_count"`
	SliceDataCapacity uint32 `json:"slice_data_capacity"`
	Head              uint32 `json:"head"`
	Tail              uint32 `json:"tail"`
	DecodedBy         string `json:"decoded_by"`
}

type sliceReport struct {
	Offset  uint32 `json:"offset"`
	Next    uint32 `json:"next"`
	Length  uint32 `json:"length"`
	Flags   uint8  `json:"flags"`
	HasNext bool   `json:"has_next"`
	InUse   bool   `json:"in_use"`
	DataHex string `json:"data_hex"`
}

type queueReport struct {
	Source         string     `json:"source"`
	Size           int        `json:"size"`
	ClientToServer ringReport `json:"client_to_server"`
	ServerToClient ringReport `json:"server_to_client"`
}

type ringReport struct {
	Cap         int64  `json:"cap"`
	Head        int64  `json:"head"`
	Tail        int64  `json:"tail"`
	Size        int64  `json:"size"`
	WorkingFlag uint32 `json:"working_flag"`
	DecodedBy   string `json:"decoded_by"`
	// Elements are decoded by region-inspect (shmipc-go prints none).
	Elements []elementReport `json:"elements"`
}

type elementReport struct {
	Index    int64  `json:"index"`
	StreamID uint32 `json:"stream_id"`
	Offset   uint32 `json:"offset"`
	Status   uint32 `json:"status"`
	State    string `json:"state"`
}

func inspect(o options) report {
	rep := report{Queues: []queueReport{}, Problems: []string{}}
	snapshots, err := os.MkdirTemp("", "region-inspect-")
	if err != nil {
		rep.Problems = append(rep.Problems, "cannot make a snapshot directory: "+err.Error())
		return rep
	}
	defer os.RemoveAll(snapshots)

	if o.bufferPath != "" {
		buffer, problems := inspectBuffer(o, snapshots)
		rep.Buffer = buffer
		rep.Problems = append(rep.Problems, problems...)
	}
	for i, path := range o.queuePaths {
		queue, problems := inspectQueue(o, path, filepath.Join(snapshots, "queue"+strconv.Itoa(i)))
		if queue != nil {
			rep.Queues = append(rep.Queues, *queue)
		}
		rep.Problems = append(rep.Problems, problems...)
	}
	return rep
}

// snapshot copies a region to a private file, so nothing here touches the live mapping.
func snapshot(source, target string) ([]byte, error) {
	mem, err := os.ReadFile(source)
	if err != nil {
		return nil, err
	}
	return mem, os.WriteFile(target, mem, 0o600)
}

var (
	listLine    = regexp.MustCompile(`^(\d+)\. list capacity:(\d+) size:(-?\d+) realSize:(\d+) perSliceCap:(\d+) headOffset:(\d+) tailOffset:(\d+)$`)
	summaryLine = regexp.MustCompile(`^summary:memory leak:(true|false) all free slice num:(-?\d+) expect num:(\d+)$`)
	sliceLine   = regexp.MustCompile(`^offset in shm :(\d+) next:(\d+) len:(\d+) flag:(\d+) inused:(true|false) data:`)
	queueLine   = regexp.MustCompile(`^path:(\w+) name:(.*), cap:(\d+) head:(-?\d+) tail:(-?\d+) size:(-?\d+) flag:(\d+)$`)
)

const inUseNotice = "now check the buffer slice which is in used"

func inspectBuffer(o options, dir string) (*bufferReport, []string) {
	copyPath := filepath.Join(dir, "buffer")
	mem, err := snapshot(o.bufferPath, copyPath)
	if err != nil {
		return nil, []string{"cannot read buffer region " + o.bufferPath + ": " + err.Error()}
	}
	rep := &bufferReport{Source: o.bufferPath, Size: len(mem), Lists: []listReport{}, ReportedSlices: []sliceReport{},
		DecoderMessages: []string{}, DecodedBy: decodedByGo}
	var problems []string
	if len(mem) < bufferRegionHeaderSize {
		return rep, []string{fmt.Sprintf("buffer region is %d bytes, smaller than its %d-byte header", len(mem), bufferRegionHeaderSize)}
	}
	rep.Header = bufferRegionHeader{
		ListCount: binary.LittleEndian.Uint16(mem[0:]),
		Reserved:  binary.LittleEndian.Uint16(mem[2:]),
		UsedBytes: binary.LittleEndian.Uint32(mem[4:]),
		DecodedBy: decodedByTool,
	}

	text, err := captureStdout(o.timeout, func() { shmipc.DebugBufferListDetail(copyPath) })
	if err != nil {
		problems = append(problems, "shmipc-go DebugBufferListDetail: "+err.Error())
	}
	offsets := listOffsets(mem, int(rep.Header.ListCount))
	for len(text) > 0 {
		line, rest := cutLine(text)
		if m := sliceLine.FindSubmatch(line); m != nil {
			length := atou(m[3])
			dataStart := len(m[0])
			consumed := dataStart + int(length)
			if consumed > len(text) {
				consumed = len(text)
			}
			data := text[min(dataStart, len(text)):consumed]
			flags := uint8(atou(m[4]))
			rep.ReportedSlices = append(rep.ReportedSlices, sliceReport{
				Offset: atou(m[1]), Next: atou(m[2]), Length: length, Flags: flags,
				HasNext: flags&1 != 0, InUse: string(m[5]) == "true",
				DataHex: hex.EncodeToString(data[:min(len(data), o.sliceData)]),
			})
			text = text[consumed:]
			if len(text) > 0 && text[0] == '\n' {
				text = text[1:]
			}
			continue
		}
		text = rest
		switch m := listLine.FindStringSubmatch(string(line)); {
		case m != nil:
			index, _ := strconv.Atoi(m[1])
			free, _ := strconv.ParseInt(m[3], 10, 32)
			walked, _ := strconv.ParseInt(m[4], 10, 64)
			list := listReport{Index: index, Capacity: atou([]byte(m[2])), FreeCount: int32(free), WalkedFreeCount: walked,
				SliceDataCapacity: atou([]byte(m[5])), Head: atou([]byte(m[6])), Tail: atou([]byte(m[7])), DecodedBy: decodedByGo}
			if index < len(offsets) {
				list.Offset = offsets[index]
			}
			rep.Lists = append(rep.Lists, list)
		case summaryLine.MatchString(string(line)):
			m := summaryLine.FindStringSubmatch(string(line))
			rep.Leak = m[1] == "true"
			rep.FreeSlices, _ = strconv.ParseInt(m[2], 10, 64)
			rep.ExpectedFreeSlices, _ = strconv.ParseInt(m[3], 10, 64)
		case string(line) == inUseNotice || len(line) == 0:
		default:
			rep.DecoderMessages = append(rep.DecoderMessages, string(line))
		}
	}
	if len(rep.Lists) == 0 {
		problems = append(problems, "shmipc-go decoded no buffer list (it maps a region only if list_count > 0 and used_bytes fits)")
	}
	if len(rep.Lists) != int(rep.Header.ListCount) {
		problems = append(problems, fmt.Sprintf("header says %d lists, shmipc-go decoded %d", rep.Header.ListCount, len(rep.Lists)))
	}
	if o.ownerLists != nil {
		problems = append(problems, ownerListProblems(rep, o.ownerLists)...)
	}
	if o.expectIdle {
		problems = append(problems, idleBufferProblems(rep, o)...)
	}
	return rep, problems
}

// ownerListProblems compares the decoded lists with the owner's own counts.
func ownerListProblems(rep *bufferReport, owner []ownerList) []string {
	var problems []string
	if len(rep.Lists) != len(owner) {
		return []string{fmt.Sprintf("the owner counts %d lists, shmipc-go decoded %d", len(owner), len(rep.Lists))}
	}
	for i, l := range rep.Lists {
		want := owner[i]
		if l.SliceDataCapacity != want.SliceDataCapacity || l.Capacity != want.Capacity ||
			l.FreeCount != int32(want.Free) || l.WalkedFreeCount != int64(want.Free) {
			problems = append(problems, fmt.Sprintf(
				"list %d: shmipc-go reads %d-byte slices, %d free (%d walked) of %d; the owner counts %d-byte slices, %d free of %d",
				i, l.SliceDataCapacity, l.FreeCount, l.WalkedFreeCount, l.Capacity, want.SliceDataCapacity, want.Free, want.Capacity))
		}
	}
	return problems
}

func idleBufferProblems(rep *bufferReport, o options) []string {
	var problems []string
	held := map[int]int{} // list index -> slices the owner holds, allowed in use
	var heldTotal int64
	if o.ownerLists != nil {
		for i, l := range o.ownerLists {
			held[i] = int(l.Capacity - l.Free)
			heldTotal += int64(held[i])
			if held[i] > o.maxHeld {
				problems = append(problems, fmt.Sprintf("list %d: the owner holds %d slices at rest, more than -max-held-per-list %d",
					i, held[i], o.maxHeld))
			}
		}
	}
	if rep.Leak && rep.ExpectedFreeSlices-rep.FreeSlices != heldTotal {
		problems = append(problems, fmt.Sprintf("shmipc-go reports a leak: %d free slices, %d expected", rep.FreeSlices, rep.ExpectedFreeSlices))
	}
	for _, l := range rep.Lists {
		if int64(l.FreeCount) != l.WalkedFreeCount {
			problems = append(problems, fmt.Sprintf("list %d: free count %d but %d slices on its free list", l.Index, l.FreeCount, l.WalkedFreeCount))
		}
	}
	inUse := map[int]int{}
	for _, s := range rep.ReportedSlices {
		if !s.InUse {
			continue
		}
		list := listOf(rep.Lists, s.Offset)
		if inUse[list]++; inUse[list] > held[list] {
			problems = append(problems, fmt.Sprintf("slice at offset %d is still in use (%d bytes)", s.Offset, s.Length))
		}
	}
	for list, n := range held {
		if inUse[list] != n {
			problems = append(problems, fmt.Sprintf("list %d: the owner holds %d slices, shmipc-go reports %d in use", list, n, inUse[list]))
		}
	}
	for _, m := range rep.DecoderMessages {
		problems = append(problems, "shmipc-go: "+m)
	}
	return problems
}

// listOf is the index of the list whose slices include offset, or -1.
func listOf(lists []listReport, offset uint32) int {
	for i, l := range lists {
		end := uint64(l.Offset) + bufferListHeaderSize + uint64(l.Capacity)*uint64(l.SliceDataCapacity+sliceHeaderSize)
		if offset >= l.Offset && uint64(offset) < end {
			return i
		}
	}
	return -1
}

// listOffsets walks the list headers the way the layout defines them.
func listOffsets(mem []byte, count int) []uint32 {
	offsets := make([]uint32, 0, count)
	offset := uint64(bufferRegionHeaderSize)
	for i := 0; i < count && offset+bufferListHeaderSize <= uint64(len(mem)); i++ {
		offsets = append(offsets, uint32(offset))
		capacity := uint64(binary.LittleEndian.Uint32(mem[offset+4:]))
		sliceData := uint64(binary.LittleEndian.Uint32(mem[offset+16:]))
		offset += bufferListHeaderSize + capacity*(sliceData+sliceHeaderSize)
	}
	return offsets
}

func inspectQueue(o options, path, copyPath string) (*queueReport, []string) {
	mem, err := snapshot(path, copyPath)
	if err != nil {
		return nil, []string{"cannot read queue region " + path + ": " + err.Error()}
	}
	rep := &queueReport{Source: path, Size: len(mem)}
	var problems []string
	if len(mem) < 2*queueHeaderSize || len(mem)%2 != 0 {
		return rep, []string{fmt.Sprintf("queue region %s is %d bytes: not two rings", path, len(mem))}
	}
	text, err := captureStdout(o.timeout, func() { shmipc.DebugQueueDetail(copyPath) })
	if err != nil {
		problems = append(problems, "shmipc-go DebugQueueDetail: "+err.Error())
	}
	half := len(mem) / 2
	decoded := 0
	for _, line := range strings.Split(string(text), "\n") {
		m := queueLine.FindStringSubmatch(line)
		if m == nil {
			if line != "" {
				problems = append(problems, "shmipc-go: "+line)
			}
			continue
		}
		ring := ringReport{Cap: atoi(m[3]), Head: atoi(m[4]), Tail: atoi(m[5]), Size: atoi(m[6]),
			WorkingFlag: uint32(atoi(m[7])), DecodedBy: decodedByGo, Elements: []elementReport{}}
		// shmipc-go names the rings from the server's side: it receives on the first half.
		switch m[1] {
		case "recvQueue":
			ring.Elements, problems = elements(mem[:half], ring, o.elements, problems)
			rep.ClientToServer = ring
		case "sendQueue":
			ring.Elements, problems = elements(mem[half:], ring, o.elements, problems)
			rep.ServerToClient = ring
		}
		decoded++
	}
	if decoded != 2 {
		problems = append(problems, fmt.Sprintf("shmipc-go decoded %d rings in %s, expected 2", decoded, path))
	}
	if o.expectIdle {
		for name, ring := range map[string]ringReport{"client_to_server": rep.ClientToServer, "server_to_client": rep.ServerToClient} {
			if ring.Size != 0 {
				problems = append(problems, fmt.Sprintf("%s ring of %s holds %d unconsumed elements", name, path, ring.Size))
			}
		}
	}
	return rep, problems
}

// elements decodes ring slots: u32 stream id | u32 offset | u32 status, native-endian.
func elements(ring []byte, header ringReport, which string, problems []string) ([]elementReport, []string) {
	out := []elementReport{}
	if which == "none" || header.Cap <= 0 {
		return out, problems
	}
	if int64(queueHeaderSize)+header.Cap*queueElementSize > int64(len(ring)) {
		return out, append(problems, fmt.Sprintf("ring cap %d does not fit in %d bytes", header.Cap, len(ring)))
	}
	first, last := header.Head, header.Tail
	if which == "all" {
		first, last = 0, header.Cap
	} else if last-first > header.Cap || last < first {
		return out, append(problems, fmt.Sprintf("ring head %d and tail %d are not a valid window for cap %d", first, last, header.Cap))
	}
	for index := first; index < last; index++ {
		at := queueHeaderSize + (index%header.Cap)*queueElementSize
		status := binary.LittleEndian.Uint32(ring[at+8:])
		out = append(out, elementReport{
			Index:    index,
			StreamID: binary.LittleEndian.Uint32(ring[at:]),
			Offset:   binary.LittleEndian.Uint32(ring[at+4:]),
			Status:   status,
			State:    streamState(status),
		})
	}
	return out, problems
}

func streamState(status uint32) string {
	switch status & 0xff {
	case 0:
		return "open"
	case 1:
		return "closed"
	case 2:
		return "half-closed"
	}
	return "unknown"
}

// captureStdout runs a shmipc-go debug function, which prints with fmt.Printf,
// and returns what it printed. It gives up after timeout (the function keeps
// running in the background; the process exits soon after).
func captureStdout(timeout time.Duration, f func()) ([]byte, error) {
	reader, writer, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	original := os.Stdout
	os.Stdout = writer
	collected := make(chan []byte, 1)
	go func() {
		var all []byte
		buf := make([]byte, 64<<10)
		for {
			n, err := reader.Read(buf)
			all = append(all, buf[:n]...)
			if err != nil {
				collected <- all
				return
			}
		}
	}()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("panicked: %v", r)
			}
		}()
		f()
		done <- nil
	}()
	var runErr error
	select {
	case runErr = <-done:
	case <-time.After(timeout):
		runErr = fmt.Errorf("did not finish within %v (a free list that loops?)", timeout)
	}
	os.Stdout = original
	_ = writer.Close()
	return <-collected, runErr
}

func cutLine(text []byte) (line, rest []byte) {
	for i, b := range text {
		if b == '\n' {
			return text[:i], text[i+1:]
		}
	}
	return text, nil
}

func atou(b []byte) uint32 {
	v, _ := strconv.ParseUint(string(b), 10, 32)
	return uint32(v)
}

func atoi(s string) int64 {
	v, _ := strconv.ParseInt(s, 10, 64)
	return v
}

// discover finds a process's regions by name in /proc/<pid>/maps: memfd mappings
// ("/memfd:<name> (deleted)") are read through /proc/<pid>/map_files, or an open
// fd of the same memfd; /dev/shm files are read by path.
func discover(pid int, bufferMatch, queueMatch string) (string, []string, error) {
	maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return "", nil, err
	}
	fdByTarget := openFds(pid)
	var buffer string
	var queues []string
	seen := map[string]bool{}
	for _, line := range strings.Split(string(maps), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 6 {
			continue
		}
		target := strings.Join(fields[5:], " ")
		name := strings.TrimSuffix(strings.TrimPrefix(target, "/memfd:"), " (deleted)")
		isBuffer, isQueue := strings.Contains(name, bufferMatch), strings.Contains(name, queueMatch)
		if seen[target] || (!isBuffer && !isQueue) {
			continue
		}
		seen[target] = true
		source := target
		if strings.HasPrefix(target, "/memfd:") {
			source = fmt.Sprintf("/proc/%d/map_files/%s", pid, fields[0])
			if fd, ok := fdByTarget[target]; ok {
				source = fd
			}
		}
		if isBuffer && buffer == "" {
			buffer = source
		} else if isQueue {
			queues = append(queues, source)
		}
	}
	if buffer == "" && len(queues) == 0 {
		return "", nil, errors.New("no mapping of process " + strconv.Itoa(pid) + " is named like a region (-buffer-match, -queue-match)")
	}
	return buffer, queues, nil
}

func openFds(pid int) map[string]string {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, _ := os.ReadDir(dir)
	byTarget := make(map[string]string, len(entries))
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if target, err := os.Readlink(path); err == nil {
			if _, dup := byTarget[target]; !dup {
				byTarget[target] = path
			}
		}
	}
	return byTarget
}
