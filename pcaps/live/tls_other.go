//go:build !linux

package live

import (
	"context"
	"errors"
)

// RecordTLS needs Linux (AF_PACKET); elsewhere it returns an error.
func RecordTLS(ctx context.Context, path string, opt Options) (int, error) {
	return 0, errors.New("live: RecordTLS needs Linux (AF_PACKET capture on lo)")
}
