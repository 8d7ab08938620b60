// Package alerts will hold the alert model, rules, the durable outbox and
// the sinks (issues 6 and 7). Nothing in the pipeline uses it yet.
package alerts
