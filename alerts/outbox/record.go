package outbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
)

// Keys of the outbox's records in the shared Badger database.
const (
	prefixMsg  = "ob/m/" // + 8-byte big-endian seq: a message record
	prefixSink = "ob/s/" // + sink name: a sinkState (JSON)
	keyMeta    = "ob/meta"
)

const msgKeyLen = len(prefixMsg) + 8

// putMsgKey writes the key of message seq into dst (msgKeyLen bytes).
func putMsgKey(dst []byte, seq uint64) []byte {
	copy(dst, prefixMsg)
	binary.BigEndian.PutUint64(dst[len(prefixMsg):msgKeyLen], seq)
	return dst[:msgKeyLen]
}

func msgKey(seq uint64) []byte { return putMsgKey(make([]byte, msgKeyLen), seq) }

// seqOf reads the seq of a message key.
func seqOf(key []byte) (uint64, bool) {
	if len(key) != msgKeyLen || string(key[:len(prefixMsg)]) != prefixMsg {
		return 0, false
	}
	return binary.BigEndian.Uint64(key[len(prefixMsg):]), true
}

func sinkKey(name string) []byte { return []byte(prefixSink + name) }

// Message record, version 1:
//
//	version byte (1), flags byte (bit 0: Time set),
//	uvarint len(ID), ID, uvarint len(Type), Type,
//	[varint Unix seconds, uvarint nanoseconds] if Time set,
//	Body (the rest).
const (
	recordV1    = 1
	flagHasTime = 1
)

var errRecord = errors.New("outbox: corrupt message record")

// recordSize is the exact length appendRecord adds.
func recordSize(m *sink.Message) int {
	n := 2 + uvarintLen(uint64(len(m.ID))) + len(m.ID) + uvarintLen(uint64(len(m.Type))) + len(m.Type) + len(m.Body)
	if !m.Time.IsZero() {
		n += varintLen(m.Time.Unix()) + uvarintLen(uint64(m.Time.Nanosecond()))
	}
	return n
}

// appendRecord appends m's record to dst.
func appendRecord(dst []byte, m *sink.Message) []byte {
	var flags byte
	if !m.Time.IsZero() {
		flags |= flagHasTime
	}
	dst = append(dst, recordV1, flags)
	dst = binary.AppendUvarint(dst, uint64(len(m.ID)))
	dst = append(dst, m.ID...)
	dst = binary.AppendUvarint(dst, uint64(len(m.Type)))
	dst = append(dst, m.Type...)
	if flags&flagHasTime != 0 {
		dst = binary.AppendVarint(dst, m.Time.Unix())
		dst = binary.AppendUvarint(dst, uint64(m.Time.Nanosecond()))
	}
	return append(dst, m.Body...)
}

// decodeRecord reads a record. The Body it returns aliases v: copy it if
// v is only valid for a while (a Badger value).
func decodeRecord(seq uint64, v []byte) (sink.Message, error) {
	m := sink.Message{Seq: seq}
	if len(v) < 2 || v[0] != recordV1 {
		return m, fmt.Errorf("%w: seq %d: bad header", errRecord, seq)
	}
	flags, p := v[1], 2
	var s string
	var err error
	if s, p, err = readString(v, p); err != nil {
		return m, fmt.Errorf("%w: seq %d: id", errRecord, seq)
	}
	m.ID = s
	if s, p, err = readString(v, p); err != nil {
		return m, fmt.Errorf("%w: seq %d: type", errRecord, seq)
	}
	m.Type = s
	if flags&flagHasTime != 0 {
		sec, n := binary.Varint(v[p:])
		if n <= 0 {
			return m, fmt.Errorf("%w: seq %d: time", errRecord, seq)
		}
		p += n
		nsec, n := binary.Uvarint(v[p:])
		if n <= 0 || nsec >= 1e9 {
			return m, fmt.Errorf("%w: seq %d: time", errRecord, seq)
		}
		p += n
		m.Time = time.Unix(sec, int64(nsec)).UTC()
	}
	m.Body = v[p:]
	return m, nil
}

// readString reads a uvarint length and that many bytes at v[p:].
func readString(v []byte, p int) (string, int, error) {
	l, n := binary.Uvarint(v[p:])
	if n <= 0 || l > uint64(len(v)-p-n) {
		return "", p, errRecord
	}
	p += n
	return string(v[p : p+int(l)]), p + int(l), nil
}

// recordTime reads only the Time of a record (zero if unset or corrupt).
func recordTime(v []byte) time.Time {
	m, err := decodeRecord(0, v)
	if err != nil {
		return time.Time{}
	}
	return m.Time
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

func varintLen(x int64) int {
	ux := uint64(x) << 1
	if x < 0 {
		ux = ^ux
	}
	return uvarintLen(ux)
}
