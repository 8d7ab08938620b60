// Package api is the local API of the otsensor daemon: HTTP/JSON on a
// unix socket (never a network port), and the client the CLI uses to do
// against a running daemon what it does against the data dir when no
// daemon runs.
//
// Backend is the contract both sides share: the daemon implements it
// over its live inventory, alert engine, baseline and outbox, and serves
// it with NewServer and Server.Serve; Client implements it over the
// socket. A CLI command written against Backend does not care which one
// it has.
//
// Routes (all JSON; errors are {"error": message, "code": code} with the
// HTTP status of the code, see Error):
//
//	GET  /v1/ping                        {"api": "v1"}: a daemon answers here
//	GET  /v1/status                      Status
//	GET  /v1/inventory                   {"devices": [...], "links": [...]}
//	GET  /v1/devices                     [Device]
//	GET  /v1/links                       [LinkView]
//	GET  /v1/alerts                      [Alert]
//	POST /v1/alerts/{id}/ack|mute|learn  Alert (id: the whole id or a unique prefix)
//	GET  /v1/baseline                    BaselineStatus
//	POST /v1/baseline/lock|learn|reset   BaselineStatus (learn?for=7d|36h: learn that long, then lock)
//	GET  /v1/outbox                      the outbox status, snake_case
//	GET  /v1/changes                     NDJSON: one Change per line, until the client goes
package api
