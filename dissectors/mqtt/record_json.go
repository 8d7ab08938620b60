package mqtt

import (
	"encoding/json"
	"strconv"
)

// TypeName returns the JSON name of packet type t as decoded under
// protocol level version: "AUTH" is "RESERVED" on a flow whose known
// version is not 5.0.
func TypeName(t PacketType, version uint8) string {
	if t == Auth && version != 0 && version != 5 {
		return "RESERVED"
	}
	return t.String()
}

type willJSON struct {
	Topic         string    `json:"topic"`
	QoS           uint8     `json:"qos"`
	Retain        bool      `json:"retain"`
	PayloadLength int       `json:"payload_length"`
	Properties    propsJSON `json:"properties,omitempty"`
}

type topicJSON struct {
	Filter            string `json:"filter"`
	Wildcard          bool   `json:"wildcard"`
	QoS               *uint8 `json:"qos,omitempty"`
	NoLocal           *bool  `json:"no_local,omitempty"`
	RetainAsPublished *bool  `json:"retain_as_published,omitempty"`
	RetainHandling    *uint8 `json:"retain_handling,omitempty"`
}

type recordJSON struct {
	Type                   string      `json:"type"`
	ProtocolVersion        uint8       `json:"protocol_version,omitempty"`
	ProtocolVersionGuess   uint8       `json:"protocol_version_guess,omitempty"`
	ClientID               string      `json:"client_id,omitempty"`
	DUP                    *bool       `json:"dup,omitempty"`
	QoS                    *uint8      `json:"qos,omitempty"`
	Retain                 *bool       `json:"retain,omitempty"`
	PacketID               *uint16     `json:"packet_id,omitempty"`
	ProtocolName           *string     `json:"protocol_name,omitempty"`
	CleanSession           *bool       `json:"clean_session,omitempty"`
	KeepAlive              *uint16     `json:"keep_alive,omitempty"`
	Will                   *willJSON   `json:"will,omitempty"`
	Username               *string     `json:"username,omitempty"`
	UsernamePresent        *bool       `json:"username_present,omitempty"`
	PasswordPresent        *bool       `json:"password_present,omitempty"`
	PlaintextCredentials   *bool       `json:"plaintext_credentials,omitempty"`
	Anonymous              *bool       `json:"anonymous,omitempty"`
	SessionPresent         *bool       `json:"session_present,omitempty"`
	ReturnCode             *uint8      `json:"return_code,omitempty"`
	ReasonCode             *uint8      `json:"reason_code,omitempty"`
	Reason                 string      `json:"reason,omitempty"`
	Topic                  *string     `json:"topic,omitempty"`
	PayloadLength          *int        `json:"payload_length,omitempty"`
	PayloadPreview         string      `json:"payload_preview,omitempty"`
	PayloadPreviewEncoding string      `json:"payload_preview_encoding,omitempty"`
	Topics                 []topicJSON `json:"topics,omitempty"`
	ReasonCodes            []uint16    `json:"reason_codes,omitempty"`
	Reasons                []string    `json:"reasons,omitempty"`
	Properties             propsJSON   `json:"properties,omitempty"`
}

// MarshalJSON writes the schema documented in the package comment.
func (r *Record) MarshalJSON() ([]byte, error) {
	v := r.DecodedVersion
	if v == 0 {
		v = r.ProtocolVersion
	}
	j := recordJSON{
		Type:            TypeName(r.Type, v),
		ProtocolVersion: r.ProtocolVersion,
		ClientID:        r.ClientID,
		Properties:      r.Properties,
	}
	if r.ProtocolVersion == 0 && r.Type != Connect {
		j.ProtocolVersionGuess = r.DecodedVersion
	}
	if r.HasPacketID {
		j.PacketID = &r.PacketID
	}
	switch r.Type {
	case Connect:
		j.ProtocolName, j.CleanSession, j.KeepAlive = &r.ProtocolName, &r.CleanSession, &r.KeepAlive
		j.UsernamePresent, j.PasswordPresent = &r.UsernamePresent, &r.PasswordPresent
		j.PlaintextCredentials, j.Anonymous = &r.PlaintextCredentials, &r.Anonymous
		if r.UsernamePresent {
			j.Username = &r.Username
		}
		if w := r.Will; w != nil {
			j.Will = &willJSON{Topic: w.Topic, QoS: w.QoS, Retain: w.Retain,
				PayloadLength: w.PayloadLength, Properties: w.Properties}
		}
	case ConnAck:
		j.SessionPresent = &r.SessionPresent
	case Publish:
		j.DUP, j.QoS, j.Retain = &r.DUP, &r.QoS, &r.Retain
		j.Topic, j.PayloadLength = &r.Topic, &r.PayloadLength
		j.PayloadPreview, j.PayloadPreviewEncoding = r.Preview, r.PreviewEncoding
	}
	if r.HasReasonCode {
		if r.Type == ConnAck && r.DecodedVersion != 5 {
			j.ReturnCode = &r.ReasonCode
		} else {
			j.ReasonCode = &r.ReasonCode
		}
		j.Reason = r.ReasonName
	}
	if r.Type != Publish && r.Topic != "" {
		j.Topic = &r.Topic
	}
	if len(r.Topics) > 0 {
		j.Topics = make([]topicJSON, len(r.Topics))
		withQoS := r.Type == Subscribe || r.Type == SubAck
		for i := range r.Topics {
			tf := &r.Topics[i]
			tj := topicJSON{Filter: tf.Filter, Wildcard: tf.Wildcard}
			if withQoS {
				tj.QoS = &tf.QoS
				if v == 5 {
					tj.NoLocal, tj.RetainAsPublished, tj.RetainHandling = &tf.NoLocal, &tf.RetainAsPublished, &tf.RetainHandling
				}
			}
			j.Topics[i] = tj
		}
	}
	if len(r.ReasonCodes) > 0 {
		j.ReasonCodes = make([]uint16, len(r.ReasonCodes))
		j.Reasons = make([]string, len(r.ReasonCodes))
		for i, c := range r.ReasonCodes {
			j.ReasonCodes[i] = uint16(c)
			j.Reasons[i] = ReasonName(r.Type, v, c)
		}
	}
	return json.Marshal(&j)
}

// propsJSON writes properties as one object keyed by property name, in
// the order they first appear: numbers for integer properties, strings
// for string properties, "<name>_length" for binary data,
// "subscription_identifier" as an array of numbers, and "user_properties"
// as an array of {key, value}. A repeated non-repeatable property keeps
// its first value.
type propsJSON []Property

func (ps propsJSON) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 64+32*len(ps))
	b = append(b, '{')
	var done uint64
	for i := range ps {
		p := &ps[i]
		if p.ID >= 64 || done&(1<<p.ID) != 0 {
			continue
		}
		done |= 1 << p.ID
		if len(b) > 1 {
			b = append(b, ',')
		}
		switch p.Type {
		case PropStringPair:
			b = append(b, `"user_properties":[`...)
			n := 0
			for k := i; k < len(ps); k++ {
				if ps[k].ID != p.ID {
					continue
				}
				if n > 0 {
					b = append(b, ',')
				}
				n++
				b = append(b, `{"key":`...)
				b = appendJSONString(b, ps[k].Key)
				b = append(b, `,"value":`...)
				b = appendJSONString(b, ps[k].Str)
				b = append(b, '}')
			}
			b = append(b, ']')
		case PropVarInt: // subscription identifiers: repeatable in PUBLISH
			b = append(b, '"')
			b = append(b, p.Name...)
			b = append(b, `":[`...)
			n := 0
			for k := i; k < len(ps); k++ {
				if ps[k].ID == p.ID {
					if n > 0 {
						b = append(b, ',')
					}
					n++
					b = strconv.AppendUint(b, uint64(ps[k].Num), 10)
				}
			}
			b = append(b, ']')
		case PropString:
			b = append(b, '"')
			b = append(b, p.Name...)
			b = append(b, `":`...)
			b = appendJSONString(b, p.Str)
		case PropBinary:
			b = append(b, '"')
			b = append(b, p.Name...)
			b = append(b, `_length":`...)
			b = strconv.AppendUint(b, uint64(p.Num), 10)
		default:
			b = append(b, '"')
			b = append(b, p.Name...)
			b = append(b, `":`...)
			b = strconv.AppendUint(b, uint64(p.Num), 10)
		}
	}
	return append(b, '}'), nil
}

// appendJSONString appends s as a JSON string (invalid UTF-8 becomes
// U+FFFD, as encoding/json does).
func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}
