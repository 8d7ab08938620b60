package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"errors"

	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/twmb/franz-go/pkg/kerr"
)

// classify marks err with sink.Permanent when retrying cannot fix it; any
// other error (unreachable broker, NOT_LEADER, timeouts, throttling, lost
// connections) stays retryable.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if isPermanent(err) {
		return sink.Permanent(err)
	}
	return err
}

// isPermanent tells whether err is, or wraps, a permanent Kafka error or a
// refused certificate.
func isPermanent(err error) bool {
	var ke *kerr.Error
	if errors.As(err, &ke) && permanentCode(ke.Code) {
		return true
	}
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		verify    *tls.CertificateVerificationError
	)
	return errors.As(err, &unknownCA) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &verify)
}

// permanentCode tells whether a broker error code is one that retrying the
// same batch with the same configuration will not change: authentication
// and authorization, a topic that does not exist (kgo reports it only
// after refreshing metadata UnknownTopicRetries times), an invalid topic,
// a record the broker will never take.
func permanentCode(code int16) bool {
	switch code {
	case kerr.SaslAuthenticationFailed.Code,
		kerr.UnsupportedSaslMechanism.Code,
		kerr.IllegalSaslState.Code,
		kerr.TopicAuthorizationFailed.Code,
		kerr.ClusterAuthorizationFailed.Code,
		kerr.TransactionalIDAuthorizationFailed.Code,
		kerr.DelegationTokenAuthorizationFailed.Code,
		kerr.UnknownTopicOrPartition.Code,
		kerr.UnknownTopicID.Code,
		kerr.InvalidTopicException.Code,
		kerr.MessageTooLarge.Code,
		kerr.RecordListTooLarge.Code,
		kerr.InvalidRecord.Code,
		kerr.InvalidRequiredAcks.Code,
		kerr.PolicyViolation.Code:
		return true
	}
	return false
}
