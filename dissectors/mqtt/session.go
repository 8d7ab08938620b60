package mqtt

// propAssignedClientID is the MQTT 5.0 Assigned Client Identifier property
// of a CONNACK.
const propAssignedClientID = 0x12

// session is what a flow's packets tell about its MQTT session.
//
// A session must open with a CONNECT. When the flow layer saw the TCP
// handshake, any other packet before it raises mqtt.missing_connect; when
// the capture began mid-connection, only a CONNACK without a CONNECT does
// (it answers one, so the session's start is in the capture while its
// CONNECT is not): other packets may belong to a session opened before
// the capture. Either way the anomaly is raised once per flow.
type session struct {
	handshake bool // the flow's TCP handshake was captured
	connected bool // a CONNECT was seen
	flagged   bool // mqtt.missing_connect was raised
	version   uint8
	clientID  string
}

// update applies packet r (already decoded) to the session: it adopts the
// version and client id of a CONNECT and the client id a 5.0 broker
// assigns, and adds the session anomalies to f.
func (s *session) update(r *Record, f *findings) {
	if r.Type != Connect && r.Type != ConnAck && s.handshake {
		s.missing(f, "packet before CONNECT on a connection whose start was captured")
	}
	switch r.Type {
	case Connect:
		if s.connected {
			f.Add(anDoubleConnect, "second CONNECT on the connection")
		}
		s.connected = true
		s.version, s.clientID = r.ProtocolVersion, r.ClientID
	case ConnAck:
		s.missing(f, "CONNACK without a CONNECT")
		if s.clientID == "" {
			for i := range r.Properties {
				if pr := &r.Properties[i]; pr.ID == propAssignedClientID && pr.Str != "" {
					s.clientID = pr.Str
					r.ClientID = pr.Str
					break
				}
			}
		}
	}
}

// missing raises mqtt.missing_connect once per flow while no CONNECT was
// seen.
func (s *session) missing(f *findings, detail string) {
	if !s.connected && !s.flagged {
		s.flagged = true
		f.Add(anMissingConnect, detail)
	}
}
