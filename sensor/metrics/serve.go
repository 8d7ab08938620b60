package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
)

// Serve limits, generous for a scrape every few seconds.
const (
	readHeaderTimeout = 10 * time.Second
	scrapeTimeout     = 30 * time.Second
	shutdownTimeout   = 5 * time.Second
	maxScrapes        = 4 // concurrent /metrics requests
)

// Serve listens on addr (host:port) and serves g's metrics on /metrics
// until ctx ends, then shuts the server down gracefully (in-flight scrapes
// get a few seconds) and returns nil. It logs the address it listens on
// and the errors of failed gathers (the scrape still gets the metrics that
// could be gathered). The daemon calls it only when configured with an
// address: an empty addr is an error, never a default port.
func Serve(ctx context.Context, addr string, g prometheus.Gatherer, log *zap.Logger) error {
	if addr == "" {
		return errors.New("metrics: no listen address")
	}
	if log == nil {
		log = zap.NewNop()
	}
	stdLog, err := zap.NewStdLogAt(log.Named("metrics"), zap.WarnLevel)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorLog:            stdLog,
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: maxScrapes,
		Timeout:             scrapeTimeout,
	}))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: readHeaderTimeout,
		WriteTimeout:      scrapeTimeout + 5*time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          stdLog,
	}
	log.Info("metrics listening", zap.String("addr", ln.Addr().String()))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("metrics: serve %s: %w", addr, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	if err != nil {
		srv.Close()
		err = fmt.Errorf("metrics: shutdown: %w", err)
	}
	<-done // http.ErrServerClosed
	return err
}
