package eventhubs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azeventhubs/v2"
	"github.com/Azure/go-amqp"

	"github.com/otsensor/otsensor/alerts/sink"
)

// secretKey is in every test connection string: no error may show it.
const secretKey = "c2VjcmV0LWtleS12YWx1ZQ=="

func TestParseConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, cs string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(cs+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	plain := write("plain", "Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey="+secretKey)
	entity := write("entity", "Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey="+secretKey+";EntityPath=alerts")
	sas := write("sas", "Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessSignature=SharedAccessSignature sr=x&sig="+secretKey+"&se=1&skn=send")
	emu := write("emu", "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey="+secretKey+";UseDevelopmentEmulator=true")
	noKey := write("nokey", "Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessKeyName=send")
	broken := write("broken", "Endpoint=sb://ns1;SharedAccessKey"+secretKey)

	tests := []struct {
		name, url, csFile string
		wantHub, wantName string // SDK hub argument, hub name
		wantErr           string // substring; "" means no error
	}{
		{"url hub", "eventhubs://ns1.servicebus.windows.net/alerts", plain, "alerts", "alerts", ""},
		{"host case", "eventhubs://NS1.servicebus.windows.net/alerts", plain, "alerts", "alerts", ""},
		{"no host", "eventhubs:///alerts", plain, "alerts", "alerts", ""},
		{"entity path only", "eventhubs://ns1.servicebus.windows.net", entity, "", "alerts", ""},
		{"entity path and same url hub", "eventhubs://ns1.servicebus.windows.net/alerts/", entity, "", "alerts", ""},
		{"sas", "eventhubs://ns1.servicebus.windows.net/alerts", sas, "alerts", "alerts", ""},
		{"emulator", "eventhubs://127.0.0.1:5672/alerts", emu, "alerts", "alerts", ""},
		{"entity path and other url hub", "eventhubs://ns1.servicebus.windows.net/other", entity, "", "", `url hub "other" is not the connection string's EntityPath "alerts"`},
		{"no hub", "eventhubs://ns1.servicebus.windows.net", plain, "", "", "no event hub"},
		{"other host", "eventhubs://ns2.servicebus.windows.net/alerts", plain, "", "", `url host "ns2.servicebus.windows.net" is not the connection string's Endpoint host "ns1.servicebus.windows.net"`},
		{"nested path", "eventhubs://ns1.servicebus.windows.net/a/b", plain, "", "", "single hub name"},
		{"wrong scheme", "kafka://ns1.servicebus.windows.net/alerts", plain, "", "", `scheme "kafka"`},
		{"no connection string", "eventhubs://ns1.servicebus.windows.net/alerts", "", "", "", "connection_string is required"},
		{"missing file", "eventhubs://ns1.servicebus.windows.net/alerts", filepath.Join(dir, "absent"), "", "", "connection_string: secret"},
		{"no key", "eventhubs://ns1.servicebus.windows.net/alerts", noKey, "", "", "connection_string"},
		{"broken", "eventhubs://ns1.servicebus.windows.net/alerts", broken, "", "", "connection_string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := sink.Config{URL: tt.url, ConnectionString: sink.Secret{File: tt.csFile}}
			got, err := parseConfig(cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseConfig() error = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), secretKey) {
					t.Errorf("error shows the key: %v", err)
				}
				if _, err := New(cfg, nil); err == nil {
					t.Errorf("New accepted what parseConfig refused")
				}
				return
			}
			if err != nil {
				t.Fatalf("parseConfig() = %v", err)
			}
			if got.hub != tt.wantHub || got.hubName != tt.wantName {
				t.Errorf("hub %q name %q, want %q %q", got.hub, got.hubName, tt.wantHub, tt.wantName)
			}
			s, err := New(cfg, nil)
			if err != nil {
				t.Fatalf("New() = %v", err)
			}
			if err := s.Close(); err != nil {
				t.Errorf("Close() = %v", err)
			}
		})
	}
}

// TestParseURLForm: the --sink flag's query names the connection string's
// variable; the sink's name drops the query.
func TestParseURLForm(t *testing.T) {
	t.Setenv("EH_CS", "Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey="+secretKey)
	cfg, err := sink.ParseURL("eventhubs://ns1.servicebus.windows.net/alerts?connection_string_env=EH_CS&timeout=5s")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, nil, WithPartitionKey("sensor-1"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Name() != "eventhubs://ns1.servicebus.windows.net/alerts" {
		t.Errorf("Name() = %q", s.Name())
	}
}

type rpcCodeErr int

func (e rpcCodeErr) Error() string { return fmt.Sprintf("rpc status %d", int(e)) }
func (e rpcCodeErr) RPCCode() int  { return int(e) }

func TestClassify(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		permanent bool
		keep      bool // the producer client stays
	}{
		{"connlost", &azeventhubs.Error{Code: azeventhubs.ErrorCodeConnectionLost}, false, false},
		{"unauthorized", &azeventhubs.Error{Code: azeventhubs.ErrorCodeUnauthorizedAccess}, true, false},
		{"server busy after retries", &amqp.Error{Condition: "com.microsoft:server-busy"}, false, true},
		{"resource limit", &amqp.Error{Condition: amqp.ErrCondResourceLimitExceeded}, false, true},
		{"service timeout", &amqp.Error{Condition: "com.microsoft:timeout"}, false, true},
		{"unknown hub", &amqp.Error{Condition: amqp.ErrCondNotFound}, true, false},
		{"unauthorized condition", &amqp.Error{Condition: amqp.ErrCondUnauthorizedAccess}, true, false},
		{"entity disabled", fmt.Errorf("send: %w", &amqp.Error{Condition: "com.microsoft:entity-disabled"}), true, false},
		{"internal error", &amqp.Error{Condition: amqp.ErrCondInternalError}, false, false},
		{"detach forced in link error", &amqp.LinkError{RemoteErr: &amqp.Error{Condition: amqp.ErrCondDetachForced}}, false, false},
		{"cbs 404", rpcCodeErr(404), true, false},
		{"cbs 401", rpcCodeErr(401), true, false},
		{"management 503", rpcCodeErr(503), false, false},
		{"deadline", context.DeadlineExceeded, false, false},
		{"refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.err)
			if sink.IsPermanent(got) != tt.permanent {
				t.Errorf("classify(%v) permanent = %v, want %v", tt.err, sink.IsPermanent(got), tt.permanent)
			}
			if !errors.Is(got, tt.err) {
				t.Errorf("classify lost the error: %v", got)
			}
			if keepClient(tt.err) != tt.keep {
				t.Errorf("keepClient(%v) = %v, want %v", tt.err, !tt.keep, tt.keep)
			}
		})
	}
	if classify(nil) != nil {
		t.Error("classify(nil) != nil")
	}
}
