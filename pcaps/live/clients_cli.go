package live

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"time"
)

// cliExchange runs mosquitto_sub for one message on topic with protocol
// version (mqttv5 or mqttv311) (and alarms/cli/#, which nothing
// publishes to: two filters in one SUBSCRIBE), waits until the broker logged its
// SUBSCRIBE, publishes one message with mosquitto_pub and waits for the
// subscriber to exit. Both authenticate; v5 adds properties.
func cliExchange(ctx context.Context, t tools, b *broker, version, topic string) error {
	port := strconv.Itoa(b.port)
	subID, pubID := "cli-sub-"+version, "cli-pub-"+version
	common := []string{"-h", AuthAddr, "-p", port, "-V", version, "-u", User, "-P", Password}
	subArgs := append(append([]string{}, common...), "-i", subID, "-t", topic, "-t", "alarms/cli/#", "-q", "2", "-C", "1", "-W", "10")
	pubArgs := append(append([]string{}, common...), "-i", pubID, "-t", topic, "-q", "1", "-m", "cli "+version+" 24.25")
	if version == "mqttv5" {
		subArgs = append(subArgs, "-D", "connect", "session-expiry-interval", "60", "-D", "subscribe", "user-property", "tool", "mosquitto_sub")
		pubArgs = append(pubArgs, "-D", "publish", "content-type", "text/plain", "-D", "publish", "user-property", "tool", "mosquitto_pub",
			"-D", "publish", "message-expiry-interval", "120")
	} else {
		pubArgs = append(pubArgs, "-r")
	}
	var subOut bytes.Buffer
	sub := exec.CommandContext(ctx, t.sub, subArgs...)
	sub.Stdout, sub.Stderr = &subOut, &subOut
	if err := sub.Start(); err != nil {
		return fmt.Errorf("mosquitto_sub: %w", err)
	}
	subDone := make(chan error, 1)
	go func() { subDone <- sub.Wait() }()
	if err := b.waitLog(ctx, "Received SUBSCRIBE from "+subID, 5*time.Second); err != nil {
		sub.Process.Kill()
		<-subDone
		return fmt.Errorf("mosquitto_sub %s: %w; output: %s", version, err, subOut.String())
	}
	if out, err := exec.CommandContext(ctx, t.pub, pubArgs...).CombinedOutput(); err != nil {
		sub.Process.Kill()
		<-subDone
		return fmt.Errorf("mosquitto_pub %s: %v: %s", version, err, bytes.TrimSpace(out))
	}
	select {
	case err := <-subDone:
		if err != nil {
			return fmt.Errorf("mosquitto_sub %s: %v: %s", version, err, subOut.String())
		}
		return nil
	case <-time.After(10 * time.Second):
		sub.Process.Kill()
		<-subDone
		return fmt.Errorf("mosquitto_sub %s received nothing", version)
	}
}
