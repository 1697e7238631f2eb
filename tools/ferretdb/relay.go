package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
)

// FerretDB v1 runs a conditional write as "query, apply in Go, UPDATE ... WHERE _id = ?"
// without re-checking the condition, so two concurrent findAndModify calls with the same
// filter can both succeed and one update is lost. MongoDB guarantees single-document
// atomicity, and CollabCampus relies on it (refresh-token rotation, membership and task
// version checks). The relay restores that guarantee: it sits in front of FerretDB and
// runs mutating commands one at a time; reads and inserts (guarded by SQLite's unique
// indexes) stay concurrent.

// serializedCommands are the commands that read-then-write documents.
var serializedCommands = map[string]bool{
	"findAndModify": true, "findandmodify": true,
	"update": true,
	"delete": true,
}

const (
	opMsg            = 2013
	flagMoreToCome   = 1 << 1
	maxMessageLength = 48 * 1000 * 1000 // MongoDB's maxMessageSizeBytes
)

type relay struct {
	upstream string
	writes   sync.Mutex
	logger   *slog.Logger
}

func (r *relay) serve(l net.Listener) {
	for {
		client, err := l.Accept()
		if err != nil {
			return
		}
		go r.handle(client)
	}
}

// handle relays one client connection. MongoDB drivers send one request at a time per
// connection and wait for its reply, so requests and replies alternate.
func (r *relay) handle(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", r.upstream)
	if err != nil {
		r.logger.Error("relay: cannot reach FerretDB", "error", err)
		return
	}
	defer server.Close()

	for {
		request, err := readMessage(client)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				r.logger.Debug("relay: client read", "error", err)
			}
			return
		}
		if err = r.roundTrip(request, client, server); err != nil {
			r.logger.Debug("relay: round trip", "error", err)
			return
		}
	}
}

func (r *relay) roundTrip(request []byte, client, server net.Conn) error {
	if isSerialized(request) {
		r.writes.Lock()
		defer r.writes.Unlock()
	}
	if _, err := server.Write(request); err != nil {
		return err
	}
	if expectsNoReply(request) {
		return nil
	}
	for {
		reply, err := readMessage(server)
		if err != nil {
			return err
		}
		if _, err = client.Write(reply); err != nil {
			return err
		}
		if !expectsNoReply(reply) { // a reply flagged moreToCome is followed by another
			return nil
		}
	}
}

// readMessage reads one wire-protocol message: a 16-byte header whose first int32 is the
// total length, then the body.
func readMessage(conn net.Conn) ([]byte, error) {
	var header [16]byte
	if _, err := io.ReadFull(conn, header[:]); err != nil {
		return nil, err
	}
	length := int(int32(binary.LittleEndian.Uint32(header[0:4])))
	if length < 16 || length > maxMessageLength {
		return nil, fmt.Errorf("invalid message length %d", length)
	}
	msg := make([]byte, length)
	copy(msg, header[:])
	if _, err := io.ReadFull(conn, msg[16:]); err != nil {
		return nil, err
	}
	return msg, nil
}

func opCode(msg []byte) int32 { return int32(binary.LittleEndian.Uint32(msg[12:16])) }

func expectsNoReply(msg []byte) bool {
	return opCode(msg) == opMsg && len(msg) >= 20 && binary.LittleEndian.Uint32(msg[16:20])&flagMoreToCome != 0
}

// isSerialized tells whether msg is an OP_MSG whose command (the first field of its body
// document, section kind 0) reads then writes documents.
func isSerialized(msg []byte) bool {
	if opCode(msg) != opMsg {
		return false
	}
	for pos := 20; pos < len(msg); {
		kind := msg[pos]
		pos++
		if pos+4 > len(msg) {
			return false
		}
		size := int(int32(binary.LittleEndian.Uint32(msg[pos : pos+4])))
		if size < 5 || pos+size > len(msg) {
			return false
		}
		if kind == 0 {
			// BSON document: int32 length, then elements of type byte + cstring name + value.
			doc := msg[pos : pos+size]
			end := bytes.IndexByte(doc[5:], 0)
			return end > 0 && serializedCommands[string(doc[5:5+end])]
		}
		pos += size // kind 1: a document sequence, whose int32 size includes itself
	}
	return false
}
