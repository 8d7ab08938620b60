package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/otsensor/otsensor/sensor/api"
)

// follow prints the daemon's changes of kind until interrupted: a line of
// text made by line, or with -o json the object as a JSON line; line
// returns "" for changes to skip (filters).
func (a *app) follow(ctx context.Context, kind, format string, line func(api.Change) string) error {
	c, err := a.daemonClient()
	if err != nil {
		return err
	}
	if c == nil {
		return &exitError{code: exitUsage, err: errors.New("following changes needs a running daemon (otsensor run)")}
	}
	defer c.Close()
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ch, err := c.Changes(ctx)
	if err != nil {
		return apiError(err)
	}
	enc := json.NewEncoder(a.out)
	for ch := range ch {
		if ch.Kind != kind {
			continue
		}
		text := line(ch)
		if text == "" {
			continue
		}
		if format == formatJSON {
			var v any = ch.Device
			if kind == api.ChangeAlert {
				v = ch.Alert
			}
			if err := enc.Encode(v); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintln(a.out, text)
	}
	if ctx.Err() == nil {
		return &exitError{code: exitFailed, err: errors.New("the daemon stopped")}
	}
	return nil
}

// deviceLine is one device change as text.
func deviceLine(c api.Change) string {
	d := c.Device
	return fmt.Sprintf("%s  %s  %s  %s  %s", stamp(d.LastSeen), d.ID, join(d.IPs), d.Vendor, strings.Join(d.Roles, ","))
}
