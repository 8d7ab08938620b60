package eventhubs

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azeventhubs/v2"

	"github.com/otsensor/otsensor/alerts/sink"
)

// target is where a sink sends, read from its Config.
type target struct {
	connStr string // the connection string (a secret)
	// hub is the hub to pass to the SDK: empty when the connection
	// string's EntityPath names it (the SDK refuses both).
	hub string
	// hubName is the hub, wherever it was named.
	hubName string
	// namespace is the connection string's Endpoint host.
	namespace string
}

// parseConfig checks cfg and reads its connection string. The URL is
// eventhubs://<namespace host>/<hub>; the host may be left out
// (eventhubs:///hub) and the hub too when the connection string has an
// EntityPath. Errors never hold the connection string.
func parseConfig(cfg sink.Config) (target, error) {
	if s := cfg.Scheme(); s != "eventhubs" {
		return target{}, fmt.Errorf("eventhubs: url: scheme %q is not eventhubs://", s)
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return target{}, fmt.Errorf("eventhubs: url: %w", err)
	}
	if u.User != nil {
		return target{}, errors.New("eventhubs: url: no user part: credentials come from the connection string")
	}
	urlHub := strings.Trim(u.Path, "/")
	if strings.Contains(urlHub, "/") {
		return target{}, fmt.Errorf("eventhubs: url: path %q must be a single hub name", u.Path)
	}
	if !cfg.ConnectionString.IsSet() {
		return target{}, errors.New("eventhubs: connection_string is required (in YAML, or ?connection_string_env=VAR / ?connection_string_file=PATH)")
	}
	cs, err := cfg.ConnectionString.Read()
	if err != nil {
		return target{}, fmt.Errorf("eventhubs: connection_string: %w", err)
	}
	props, err := azeventhubs.ParseConnectionString(cs)
	if err != nil {
		// The SDK's parse errors name keys and the endpoint, never a key value.
		return target{}, fmt.Errorf("eventhubs: connection_string: %w", err)
	}
	t := target{connStr: cs, namespace: props.FullyQualifiedNamespace}
	if u.Host != "" && !strings.EqualFold(u.Host, props.FullyQualifiedNamespace) {
		return target{}, fmt.Errorf("eventhubs: url host %q is not the connection string's Endpoint host %q", u.Host, props.FullyQualifiedNamespace)
	}
	entity := ""
	if props.EntityPath != nil {
		entity = *props.EntityPath
	}
	switch {
	case entity == "" && urlHub == "":
		return target{}, errors.New("eventhubs: no event hub: put it in the URL path (eventhubs://namespace/hub) or the connection string's EntityPath")
	case entity != "" && urlHub != "" && entity != urlHub:
		return target{}, fmt.Errorf("eventhubs: url hub %q is not the connection string's EntityPath %q", urlHub, entity)
	case entity != "":
		t.hubName = entity
	default:
		t.hub, t.hubName = urlHub, urlHub
	}
	return t, nil
}
