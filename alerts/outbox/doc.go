// Package outbox is otsensor's durable store-and-forward queue: a FIFO of
// sink.Messages in the sensor's Badger database, in front of every sink.
//
// Messages are written once, under "ob/m/<seq>", and each sink keeps its
// own cursor (the last sequence number it confirmed) and counters under
// "ob/s/<name>". A message is deleted when every registered sink has
// confirmed it; with no sink registered, messages stay until the byte cap
// (Config.MaxBytes) is reached, and then the oldest are dropped, the drop
// being counted for every sink that had not yet sent them.
//
// Delivery is at-least-once. A Forwarder sends a batch, and only when the
// sink accepted it does it advance the sink's cursor and counters, in one
// transaction; a crash between the two resends that batch once. Enqueued
// messages reach the disk's page cache at once, so a killed process loses
// nothing; on power loss, the messages enqueued in the last
// Config.SyncInterval (1 s by default) may be lost, unless
// Config.Synchronous syncs every Enqueue.
//
// Sequence numbers start at 1 and grow by one; the stored messages are
// always the contiguous range [head, next).
package outbox
