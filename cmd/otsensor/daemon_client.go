package main

import (
	"errors"
	"fmt"

	"github.com/otsensor/otsensor/sensor/api"
)

// daemonClient returns a client of the daemon answering on the socket, nil
// when none runs (the CLI then uses the data dir itself: Badger allows one
// writer at a time, and a running daemon is it).
func (a *app) daemonClient() (*api.Client, error) {
	fc, err := a.fileConfig()
	if err != nil {
		return nil, err
	}
	path := a.socketPath(fc)
	switch err := api.Probe(path); {
	case err == nil:
		return api.NewClient(path), nil
	case errors.Is(err, api.ErrNoDaemon):
		return nil, nil
	default:
		return nil, &exitError{code: exitFailed, err: fmt.Errorf("daemon socket %s: %w", path, err)}
	}
}

// viaDaemon runs fn with a client of the running daemon; ok is false
// (and fn not run) when no daemon answers.
func (a *app) viaDaemon(fn func(*api.Client) error) (ok bool, err error) {
	c, err := a.daemonClient()
	if err != nil || c == nil {
		return err != nil, err
	}
	defer c.Close()
	return true, fn(c)
}

// apiError turns an API error into the CLI's exit status.
func apiError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, api.ErrNotFound), errors.Is(err, api.ErrAmbiguous):
		return &exitError{code: exitNoInput, err: err}
	case errors.Is(err, api.ErrInvalid):
		return &exitError{code: exitUsage, err: err}
	}
	return &exitError{code: exitFailed, err: err}
}
