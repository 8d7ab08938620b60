// Package corpus reads the shared capture corpus (../shared/pcaps next to
// the repository) for the dissectors' tests: it finds the directory, the
// tshark truth files and the TCP/UDP packets of a capture. Only _test.go
// files import it.
package corpus
