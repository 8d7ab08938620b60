package eventhubs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azeventhubs/v2"
	"github.com/Azure/go-amqp"

	"github.com/otsensor/otsensor/alerts/sink"
)

// alerts returns n alert messages with ids prefix-000...; their bodies
// carry sensor_id sensor.
func alerts(prefix, sensor string, n, pad int) []sink.Message {
	out := make([]sink.Message, 0, n)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%s-%03d", prefix, i)
		body := fmt.Sprintf(`{"schema":"otsensor.message","v":1,"id":%q,"type":"alert","sensor_id":%q,"time":"2023-11-14T22:13:20Z","alert":{"rule":"modbus.write","pad":%q}}`,
			id, sensor, strings.Repeat("x", pad))
		out = append(out, sink.Message{Seq: uint64(i + 1), ID: id, Type: sink.TypeAlert, Time: time.Unix(1700000000, 0).UTC(), Body: []byte(body)})
	}
	return out
}

func ids(ms []sink.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func sendCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestSendBatch: one Send of 5 alerts is one transfer to the hub; every
// event carries its message id, the partition key, the type property and
// content type application/json.
func TestSendBatch(t *testing.T) {
	p := newStandIn(t, 0)
	s := p.newSink(t, p.key, p.hub, WithPartitionKey("sensor-7"))
	batch := alerts("a", "ignored", 5, 0)
	if err := s.Send(sendCtx(t), batch); err != nil {
		t.Fatal(err)
	}
	var want []received
	for _, m := range batch {
		want = append(want, received{ID: m.ID, Key: "sensor-7", Type: "alert", ContentType: "application/json"})
	}
	if got := p.received(t); !slices.Equal(got, want) {
		t.Errorf("received %v\nwant %v", got, want)
	}
	if got := p.transfers(); !slices.Equal(got, []int{5}) {
		t.Errorf("transfers %v, want one of 5 events", got)
	}
	if want := fmt.Sprintf("eventhubs://127.0.0.1:%d/alerts", p.port); s.Name() != want {
		t.Errorf("Name() = %q, want %q", s.Name(), want)
	}
}

// TestPartitionKeyFromBody: without WithPartitionKey the key is the body's
// sensor_id; a batch mixing two sensors goes out as one transfer per run
// of equal keys, in order.
func TestPartitionKeyFromBody(t *testing.T) {
	p := newStandIn(t, 0)
	s := p.newSink(t, p.key, p.hub)
	batch := append(alerts("x", "sensor-A", 2, 0), alerts("y", "sensor-B", 3, 0)...)
	batch = append(batch, sink.Message{ID: "hb-1", Type: sink.TypeHeartbeat, Body: []byte(`{"id":"hb-1"}`)})
	if err := s.Send(sendCtx(t), batch); err != nil {
		t.Fatal(err)
	}
	got := p.received(t)
	if !slices.Equal(idsOf(got), ids(batch)) {
		t.Fatalf("received %v, want %v", idsOf(got), ids(batch))
	}
	wantKeys := []string{"sensor-A", "sensor-A", "sensor-B", "sensor-B", "sensor-B", "-"}
	for i, e := range got {
		if e.Key != wantKeys[i] {
			t.Errorf("event %s: partition key %q, want %q", e.ID, e.Key, wantKeys[i])
		}
	}
	if e := got[5]; e.Type != "heartbeat" {
		t.Errorf("heartbeat type property %q", e.Type)
	}
	if tr := p.transfers(); !slices.Equal(tr, []int{2, 3, 1}) {
		t.Errorf("transfers %v, want [2 3 1]", tr)
	}
}

func idsOf(rs []received) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// TestSplitOversizedBatch: the hub's link takes at most 2 KiB per transfer
// (max-message-size); 20 events of ~400 bytes do not fit in one, so Send
// splits them into several transfers, none over the limit, in order. One
// event that alone exceeds the limit is a permanent error.
func TestSplitOversizedBatch(t *testing.T) {
	p := newStandIn(t, 2048)
	s := p.newSink(t, p.key, p.hub, WithPartitionKey("sensor-1"))
	batch := alerts("big", "sensor-1", 20, 250)
	if err := s.Send(sendCtx(t), batch); err != nil {
		t.Fatal(err)
	}
	if got := p.receivedIDs(t); !slices.Equal(got, ids(batch)) {
		t.Fatalf("received %v\nwant %v", got, ids(batch))
	}
	tr := p.transfers()
	total := 0
	for _, n := range tr {
		total += n
	}
	// Each event is >= 400 bytes encoded: at most 5 fit in 2048.
	if len(tr) < 4 || total != 20 || slices.Max(tr) > 5 {
		t.Errorf("transfers %v: want >= 4 transfers of <= 5 events, 20 in all", tr)
	}
	if sizes := p.transferSizes(); slices.Max(sizes) > 2048 || slices.Min(sizes[:len(sizes)-1]) < 1024 {
		t.Errorf("transfer sizes %v: want each within 2048 bytes, all but the last over half full", sizes)
	}
	t.Logf("transfers %v, bytes %v", tr, p.transferSizes())

	huge := alerts("huge", "sensor-1", 1, 4000)
	err := s.Send(sendCtx(t), huge)
	if !sink.IsPermanent(err) {
		t.Fatalf("Send(4 KB event) = %v, want a permanent error", err)
	}
}

// TestThrottling: the hub rejects transfers with com.microsoft:server-busy.
// Two rejections are retried inside Send (the SDK's bounded retries);
// five outlast them: Send fails with a retryable plain *amqp.Error and the
// next Send delivers. amqp:resource-limit-exceeded, which the SDK does not
// retry itself, is retryable for the outbox too. Nothing is duplicated.
func TestThrottling(t *testing.T) {
	p := newStandIn(t, 0)
	s := p.newSink(t, p.key, p.hub, WithPartitionKey("sensor-1"))
	ctx := sendCtx(t)

	p.command(t, "throttle 2 com.microsoft:server-busy")
	b1 := alerts("t1", "sensor-1", 3, 0)
	if err := s.Send(ctx, b1); err != nil {
		t.Fatalf("Send after 2 throttled transfers: %v", err)
	}

	p.command(t, "throttle 5 com.microsoft:server-busy")
	b2 := alerts("t2", "sensor-1", 3, 0)
	err := s.Send(ctx, b2)
	var amqpErr *amqp.Error
	if err == nil || sink.IsPermanent(err) || !errors.As(err, &amqpErr) || amqpErr.Condition != "com.microsoft:server-busy" {
		t.Fatalf("Send with 5 throttled transfers = %v, want a retryable *amqp.Error server-busy", err)
	}
	if err := s.Send(ctx, b2); err != nil { // 2 more rejections, then accepted
		t.Fatalf("second Send: %v", err)
	}

	p.command(t, "throttle 1 amqp:resource-limit-exceeded")
	b3 := alerts("t3", "sensor-1", 2, 0)
	err = s.Send(ctx, b3)
	if err == nil || sink.IsPermanent(err) || !errors.As(err, &amqpErr) || amqpErr.Condition != amqp.ErrCondResourceLimitExceeded {
		t.Fatalf("Send with resource-limit-exceeded = %v, want a retryable *amqp.Error", err)
	}
	if err := s.Send(ctx, b3); err != nil {
		t.Fatalf("Send after resource-limit-exceeded: %v", err)
	}

	want := slices.Concat(ids(b1), ids(b2), ids(b3))
	if got := p.receivedIDs(t); !slices.Equal(got, want) {
		t.Errorf("received %v\nwant %v", got, want)
	}
}

// TestConnectionLoss: the hub goes away (process killed); Send fails
// quickly with a retryable connlost error, keeps failing while the hub is
// down, and delivers once it is back on the same address. After a quick
// restart, the next Send delivers at once.
func TestConnectionLoss(t *testing.T) {
	p := newStandIn(t, 0)
	s := p.newSink(t, p.key, p.hub, WithPartitionKey("sensor-1"))
	b1 := alerts("c1", "sensor-1", 2, 0)
	if err := s.Send(sendCtx(t), b1); err != nil {
		t.Fatal(err)
	}
	p.stop(t)

	b2 := alerts("c2", "sensor-1", 2, 0)
	for i := 0; i < 2; i++ { // first on the dead connection, then on a refused one
		start := time.Now()
		err := s.Send(sendCtx(t), b2)
		took := time.Since(start)
		var ehErr *azeventhubs.Error
		if err == nil || sink.IsPermanent(err) || !errors.As(err, &ehErr) || ehErr.Code != azeventhubs.ErrorCodeConnectionLost {
			t.Fatalf("Send %d with the hub down = %v, want a retryable connlost error", i, err)
		}
		if took > 5*time.Second {
			t.Errorf("Send %d with the hub down took %v, want the SDK's bounded retries (~1 s)", i, took)
		}
	}

	p.start(t)
	if err := s.Send(sendCtx(t), b2); err != nil {
		t.Fatalf("Send after the hub came back: %v", err)
	}

	// A restart between two Sends: the SDK finds its connection dead and
	// redials within the same Send.
	p.stop(t)
	p.start(t)
	b3 := alerts("c3", "sensor-1", 2, 0)
	if err := s.Send(sendCtx(t), b3); err != nil {
		t.Fatalf("Send after a quick restart: %v", err)
	}
	want := slices.Concat(ids(b1), ids(b2), ids(b3))
	if got := p.receivedIDs(t); !slices.Equal(got, want) {
		t.Errorf("received %v, want %v", got, want)
	}
}

// TestSendHonoursContext: with nobody listening, a Send whose context
// ends first returns the context's error, by the deadline.
func TestSendHonoursContext(t *testing.T) {
	p := newStandIn(t, 0)
	p.stop(t)
	s := p.newSink(t, p.key, p.hub, WithRetryOptions(azeventhubs.RetryOptions{MaxRetries: 50, RetryDelay: 100 * time.Millisecond}))
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.Send(ctx, alerts("h", "sensor-1", 1, 0))
	if !errors.Is(err, context.DeadlineExceeded) || sink.IsPermanent(err) {
		t.Errorf("Send = %v, want context.DeadlineExceeded", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Send took %v with a 500ms deadline", took)
	}
}

// TestPermanentErrors: a wrong key (signature refused on $cbs), a hub that
// refuses all tokens, and an unknown hub (attach refused with
// amqp:not-found) are permanent; the secret is not in the error.
func TestPermanentErrors(t *testing.T) {
	p := newStandIn(t, 0)

	wrongKey := p.newSink(t, "d3Jvbmcta2V5", p.hub)
	err := wrongKey.Send(sendCtx(t), alerts("k", "sensor-1", 1, 0))
	var ehErr *azeventhubs.Error
	if !sink.IsPermanent(err) || !errors.As(err, &ehErr) || ehErr.Code != azeventhubs.ErrorCodeUnauthorizedAccess {
		t.Errorf("Send with a wrong key = %v, want permanent unauthorized", err)
	}
	if err != nil && strings.Contains(err.Error(), "d3Jvbmcta2V5") {
		t.Errorf("error shows the key: %v", err)
	}

	unknown := p.newSink(t, p.key, "nosuchhub")
	err = unknown.Send(sendCtx(t), alerts("u", "sensor-1", 1, 0))
	var amqpErr *amqp.Error
	if !sink.IsPermanent(err) || !errors.As(err, &amqpErr) || amqpErr.Condition != amqp.ErrCondNotFound {
		t.Errorf("Send to an unknown hub = %v, want permanent amqp:not-found", err)
	}

	p.command(t, "auth reject")
	rejected := p.newSink(t, p.key, p.hub)
	if err := rejected.Send(sendCtx(t), alerts("r", "sensor-1", 1, 0)); !sink.IsPermanent(err) {
		t.Errorf("Send with tokens refused = %v, want permanent", err)
	}
	p.command(t, "auth accept")
	if err := rejected.Send(sendCtx(t), alerts("r", "sensor-1", 1, 0)); err != nil {
		t.Errorf("Send once tokens are accepted again: %v", err)
	}
	if got := p.receivedIDs(t); !slices.Equal(got, []string{"r-000"}) {
		t.Errorf("received %v, want only r-000", got)
	}
}

// TestStandInManagement checks the stand-in answers $management READ the
// way the SDK parses it (the sink does not use it, a real hub does).
func TestStandInManagement(t *testing.T) {
	p := newStandIn(t, 0)
	pc, err := azeventhubs.NewProducerClientFromConnectionString(p.connString(p.key), p.hub, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close(context.Background())
	props, err := pc.GetEventHubProperties(sendCtx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if props.Name != "alerts" || !slices.Equal(props.PartitionIDs, []string{"0", "1"}) {
		t.Errorf("hub properties %+v", props)
	}
	pp, err := pc.GetPartitionProperties(sendCtx(t), "1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if pp.PartitionID != "1" || pp.EventHubName != "alerts" || !pp.IsEmpty {
		t.Errorf("partition properties %+v", pp)
	}
}
