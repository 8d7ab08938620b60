//go:build linux

package live

import (
	"context"
	"fmt"
	"os"
	"time"
)

// RecordMQTT starts mosquitto on 127.0.0.1 and 127.0.0.2 (one port),
// captures lo, runs the MQTT clients described in the package doc one
// after the other and writes the broker port's traffic to path as an
// Ethernet pcap. It returns the number of packets written once every
// client is done and the capture is flushed.
//
// The clients, in order: a 3.1.1 subscriber (will, filters plant/+/temp
// and plant/#) that stays connected to the end; a 3.1.1 publisher (QoS 0,
// 1, 2, a retained message, subscribe and unsubscribe); a 3.1 (MQIsdp)
// publisher; a 5.0 HMI (properties everywhere, DISCONNECT 0x04 so its
// will is published); 3.1.1 and 5.0 connects the broker refuses
// (anonymous, wrong password, and for 5.0 an unsupported authentication
// method); anonymous 3.1.1 and 5.0 clients with empty client ids on the
// anonymous listener; mosquitto_sub/mosquitto_pub exchanges in 5.0 and
// 3.1.1. Topics and payloads are fixed; ports, times and the broker's
// assigned client ids vary per run.
func RecordMQTT(ctx context.Context, path string, opt Options) (packets int, err error) {
	ctx, cancel, err := begin(ctx, "RecordMQTT", &opt)
	if err != nil {
		return 0, err
	}
	defer cancel()
	t, err := findTools()
	if err != nil {
		return 0, fmt.Errorf("live: %w", err)
	}
	port := opt.Port
	if port == 0 {
		if port, err = freePort(); err != nil {
			return 0, fmt.Errorf("live: %w", err)
		}
	}
	dir, err := os.MkdirTemp("", "otsensor-mosquitto-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	b, err := startBroker(ctx, t, dir, port)
	if err != nil {
		return 0, fmt.Errorf("live: %w", err)
	}
	defer b.stop()
	// The capture starts after the broker is up, so that no readiness
	// probe ends up in it.
	rec, err := StartRecording(uint16(port))
	if err != nil {
		return 0, fmt.Errorf("live: %w", err)
	}
	if err := runMQTTClients(ctx, t, b); err != nil {
		rec.Abort()
		return 0, fmt.Errorf("live: %w\nmosquitto log:\n%s", err, b.tail())
	}
	n, err := rec.Stop(path)
	if err != nil {
		return 0, fmt.Errorf("live: %w", err)
	}
	return n, nil
}

// runMQTTClients runs the clients of RecordMQTT.
func runMQTTClients(ctx context.Context, t tools, b *broker) error {
	port := b.port
	in := newInbox()
	sub, err := subscriber311(port, in)
	if err != nil {
		return err
	}
	defer sub.Disconnect(100)
	if err := publisher311(port); err != nil {
		return err
	}
	if err := in.wait(tokenTimeout, "plant/line1/temp", "plant/line1/setpoint", "plant/line1/log"); err != nil {
		return err
	}
	if err := publisher31(port); err != nil {
		return err
	}
	if err := in.wait(tokenTimeout, "plant/line2/temp"); err != nil {
		return err
	}
	if err := hmiV5(ctx, port); err != nil {
		return err
	}
	// The HMI's commands, and its will published on DISCONNECT 0x04.
	if err := in.wait(tokenTimeout, "plant/hmi/cmd", "plant/hmi/trend", "plant/status/hmi-v5"); err != nil {
		return err
	}
	if err := refused311(port); err != nil {
		return err
	}
	if err := refusedV5(ctx, port); err != nil {
		return err
	}
	if err := anonymous311(port); err != nil {
		return err
	}
	if err := anonymousV5(ctx, port); err != nil {
		return err
	}
	if err := in.wait(tokenTimeout, "plant/anon/temp", "plant/anon/v5"); err != nil {
		return err
	}
	for _, x := range []struct{ version, topic string }{{"mqttv5", "plant/cli/v5"}, {"mqttv311", "plant/cli/v311"}} {
		if err := cliExchange(ctx, t, b, x.version, x.topic); err != nil {
			return err
		}
	}
	if err := in.wait(tokenTimeout, "plant/cli/v5", "plant/cli/v311"); err != nil {
		return err
	}
	time.Sleep(100 * time.Millisecond) // the subscriber's last acknowledgements
	return nil
}
