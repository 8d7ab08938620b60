//go:build !linux

package main

import "errors"

func recordLive(string) (int, error) {
	return 0, errors.New("-live needs Linux (AF_PACKET)")
}
