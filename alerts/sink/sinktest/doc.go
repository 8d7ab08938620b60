// Package sinktest holds what the sink packages' tests share: a test
// certificate authority, a free loopback port, a peer that never answers,
// polling until messages arrived, and messages in the otsensor message
// schema. Only tests import it.
package sinktest
