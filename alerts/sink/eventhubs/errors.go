package eventhubs

import (
	"context"
	"errors"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azeventhubs/v2"
	"github.com/Azure/go-amqp"

	"github.com/otsensor/otsensor/alerts/sink"
)

// permanentCondition tells whether retrying cannot fix an AMQP error
// condition.
func permanentCondition(c amqp.ErrCond) bool {
	switch c {
	case amqp.ErrCondUnauthorizedAccess, // bad key or SAS, no Send claim
		amqp.ErrCondNotFound,                  // no such hub (refused attach)
		"com.microsoft:entity-disabled",       // hub disabled
		"com.microsoft:argument-out-of-range", // no such partition
		amqp.ErrCondMessageSizeExceeded:
		return true
	}
	return false
}

// classify returns err, wrapped with sink.Permanent when resending the
// same batch cannot succeed. What the SDK returns once its own retries
// are spent:
//   - *azeventhubs.Error with Code connlost: the connection or link was
//     lost (refused, reset, peer gone): retryable;
//   - *azeventhubs.Error with Code unauthorized: permanent;
//   - a plain *amqp.Error: throttling (com.microsoft:server-busy,
//     amqp:resource-limit-exceeded) and other conditions are retryable,
//     those permanentCondition names (unknown hub, ...) are not;
//   - a $cbs or $management reply with status 401, 403 or 404: permanent;
//   - context errors: retryable.
func classify(err error) error {
	if err == nil || !isPermanent(err) {
		return err
	}
	return sink.Permanent(err)
}

func isPermanent(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ehErr *azeventhubs.Error
	if errors.As(err, &ehErr) {
		// azeventhubs.Error does not unwrap: its Code is all there is.
		return ehErr.Code == azeventhubs.ErrorCodeUnauthorizedAccess
	}
	var amqpErr *amqp.Error
	if errors.As(err, &amqpErr) {
		return permanentCondition(amqpErr.Condition)
	}
	// The SDK's RPC error type is internal; its RPCCode method is not.
	var rpcErr interface{ RPCCode() int }
	if errors.As(err, &rpcErr) {
		switch rpcErr.RPCCode() {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
			return true
		}
	}
	return false
}

// keepClient tells whether the producer client is still worth using after
// err: throttling leaves the connection sound, anything else may not, and
// the next Send starts from a new client.
func keepClient(err error) bool {
	var amqpErr *amqp.Error
	if errors.As(err, &amqpErr) {
		switch amqpErr.Condition {
		case "com.microsoft:server-busy", amqp.ErrCondResourceLimitExceeded, "com.microsoft:timeout":
			return true
		}
	}
	return false
}
