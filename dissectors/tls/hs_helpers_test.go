package tls

import ()

// u16b, u24b: length prefixes for hand-built messages.
func u16b(n int) []byte { return []byte{byte(n >> 8), byte(n)} }
func u24b(n int) []byte { return []byte{byte(n >> 16), byte(n >> 8), byte(n)} }

// hsExt builds one extension: type, length, data.
func hsExt(typ uint16, data []byte) []byte {
	return append(append(u16b(int(typ)), u16b(len(data))...), data...)
}

// hsSNI builds server_name data with one host_name entry per name.
func hsSNI(names ...string) []byte {
	var list []byte
	for _, n := range names {
		list = append(list, 0)
		list = append(list, u16b(len(n))...)
		list = append(list, n...)
	}
	return append(u16b(len(list)), list...)
}

// hsClientHelloBody builds a ClientHello body: version 0x0303, a zero
// random, empty session id, the given suites, null compression and the
// given extensions (nil: no extensions block at all).
func hsClientHelloBody(suites []uint16, exts ...[]byte) []byte {
	b := []byte{0x03, 0x03}
	b = append(b, make([]byte, 32)...)
	b = append(b, 0)
	b = append(b, u16b(2*len(suites))...)
	for _, s := range suites {
		b = append(b, u16b(int(s))...)
	}
	b = append(b, 1, 0)
	if exts == nil {
		return b
	}
	var all []byte
	for _, e := range exts {
		all = append(all, e...)
	}
	return append(append(b, u16b(len(all))...), all...)
}

// hsServerHelloBody builds a ServerHello body with the given random
// (nil: zeros), suite and extensions.
func hsServerHelloBody(version uint16, random []byte, suite uint16, exts ...[]byte) []byte {
	b := u16b(int(version))
	if random == nil {
		random = make([]byte, 32)
	}
	b = append(b, random...)
	b = append(b, 0)
	b = append(b, u16b(int(suite))...)
	b = append(b, 0)
	var all []byte
	for _, e := range exts {
		all = append(all, e...)
	}
	return append(append(b, u16b(len(all))...), all...)
}
