//go:build !linux

package live

import (
	"context"
	"errors"
)

// RecordMQTT needs Linux (AF_PACKET); elsewhere it returns an error.
func RecordMQTT(ctx context.Context, path string, opt Options) (int, error) {
	return 0, errors.New("live: RecordMQTT needs Linux (AF_PACKET capture on lo)")
}
