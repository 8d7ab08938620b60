// Package capture reads capture files for replay: classic pcap (both byte
// orders, microsecond and nanosecond timestamps) and pcapng (several
// sections and interfaces, each with its own link type and timestamp
// resolution), either of them optionally gzip-compressed.
//
// Parsing is gopacket's pcapgo. This package adds what a sensor needs around
// it: format and gzip detection with clear errors, exact byte offsets of
// damaged records, limits on lengths taken from the file, zero allocations
// per packet, and progress reporting.
//
// Limits: a packet is at most MaxCaptureLength bytes; a pcapng block at
// most 16 MiB; a pcapng section at most 65536 interfaces and 16 MiB of
// interface, name-resolution and decryption-secrets blocks (pcapgo keeps
// them in memory). Past a limit, Next returns a *DamageError. To enforce
// them before pcapgo trusts a length, the reader follows pcapng block
// framing (type and length fields only) in the stream it hands to pcapgo.
//
// Allocation: none per packet, except that pcapgo allocates for some
// pcapng packet options it parses and drops (one allocation per packet
// with an epb_flags option, as dumpcap writes; more for comments, hashes
// and verdicts).
//
// A File is used by one goroutine; only Progress may be called concurrently
// with Next.
package capture
