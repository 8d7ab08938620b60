// Package livetest is what tests of live capture share: veth pairs whose
// capture end is in the test process's own network namespace and whose
// other end is in a fresh namespace, an injector that writes raw frames
// into that other end, and the frames of capture files to inject.
//
// It is imported only by tests. Everything it creates is removed in
// t.Cleanup, and the peer namespace is anonymous, held by a file
// descriptor of the test process: if the process dies before its
// cleanups run (a go test -timeout panic, a kill), the kernel deletes
// the namespace, which deletes both ends of every pair in it.
//
// Interface names are random and a clash is retried, so tests of
// several packages that go test runs at the same time never share an
// interface. Creating pairs needs root and the ip command (iproute2).
package livetest
