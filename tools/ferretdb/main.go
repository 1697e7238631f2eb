// Command ferretdb runs FerretDB v1 with its SQLite backend as CollabCampus's embedded
// MongoDB-compatible database for development and tests.
//
// It uses FerretDB's embeddable package rather than its own main: the upstream main
// refuses to start unless built from a git checkout (it panics on a missing version.txt).
// Clients connect through a relay that makes conditional writes atomic (see relay.go).
// On start it prints one line, "ready <mongodb uri>", to stdout. It stops on SIGINT/SIGTERM
// and, with -exit-on-stdin-eof, when its parent closes stdin (so it never outlives a
// parent that was killed).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listenAddr := flag.String("listen-addr", "127.0.0.1:0", "TCP address to listen on (port 0 picks a free port)")
	dataDir := flag.String("data-dir", "", "directory for the SQLite database files (required)")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	exitOnStdinEOF := flag.Bool("exit-on-stdin-eof", false, "stop when stdin is closed")
	flag.Parse()

	if err := run(*listenAddr, *dataDir, *logLevel, *exitOnStdinEOF); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
}

func run(listenAddr, dataDir, logLevel string, exitOnStdinEOF bool) error {
	if dataDir == "" {
		return fmt.Errorf("-data-dir is required")
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return err
	}
	if err = os.MkdirAll(abs, 0o700); err != nil {
		return err
	}

	var level slog.Level
	if err = level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	if exitOnStdinEOF {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	// FerretDB itself listens on a private loopback port; clients reach it through the relay.
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
	})
	if err != nil {
		return err
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()

	// MongoDBURI blocks until FerretDB's listener is bound.
	upstream, err := url.Parse(f.MongoDBURI())
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", listenAddr)
	if err != nil {
		stop()
		<-done
		return err
	}
	r := &relay{upstream: upstream.Host, logger: logger}
	go r.serve(l)

	fmt.Printf("ready mongodb://%s/\n", l.Addr())

	<-done
	_ = l.Close()
	return nil
}
