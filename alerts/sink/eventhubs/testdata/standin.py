#!/usr/bin/python3
"""Event Hubs stand-in for the eventhubs sink's tests (python3-qpid-proton).

Plain AMQP 1.0 on 127.0.0.1:PORT, as the azeventhubs client speaks it with
UseDevelopmentEmulator=true: SASL ANONYMOUS, put-token on $cbs (SAS signature
checked against --key-name/--key), READ on $management, and a producer link
to the hub (or hub/Partitions/N) whose batches are unpacked and recorded.

stdout: "listening PORT" once ready, then "msg ID PARTITION_KEY TYPE
CONTENT_TYPE" per accepted event, "batch N BYTES" per accepted transfer
(N events in a transfer of BYTES). stdin commands: "throttle N [CONDITION]"
rejects the next N transfers with CONDITION (com.microsoft:server-busy by
default, or e.g. amqp:resource-limit-exceeded); "auth
reject|accept" answers put-token with 401 or checks the signature; "sync"
prints "synced" once the commands before it are applied (and, stdout being
a pipe, once every line printed before it can be read).
"""
import argparse, base64, hashlib, hmac, sys, threading, time, urllib.parse
from proton import (UNDESCRIBED, Array, Condition, Data, Delivery, Described,
                    Handler, Message, Terminus, int32, timestamp)
from proton.reactor import Container

DATA_SECTION = 0x75
OUT_LOCK = threading.Lock()  # the reactor and the stdin thread both print


def out(line):
    with OUT_LOCK:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


class StandIn(Handler):
    def __init__(self, args):
        super().__init__()
        self.args = args
        self.lock = threading.Lock()
        self.throttle, self.throttle_cond = 0, "com.microsoft:server-busy"
        self.reject_auth = False
        self.reply_links = {}  # client reply address -> our sender link

    # Control commands, read from stdin on another thread.
    def command(self, line):
        f = line.split()
        with self.lock:
            if f[:1] == ["throttle"] and len(f) >= 2:
                self.throttle = int(f[1])
                if len(f) > 2:
                    self.throttle_cond = f[2]
            elif f[:1] == ["auth"] and len(f) == 2:
                self.reject_auth = f[1] == "reject"
        if f[:1] == ["sync"]:
            out("synced")

    def on_connection_bound(self, event):
        sasl = event.transport.sasl()
        sasl.allowed_mechs("ANONYMOUS")

    def on_connection_remote_open(self, event):
        event.connection.open()

    def on_session_remote_open(self, event):
        event.session.open()

    def on_link_remote_open(self, event):
        link = event.link
        link.snd_settle_mode = link.remote_snd_settle_mode
        link.rcv_settle_mode = link.remote_rcv_settle_mode
        if link.is_sender:  # the client receives: an RPC reply link
            link.source.copy(link.remote_source)
            link.target.copy(link.remote_target)
            self.reply_links[link.remote_target.address] = link
            link.open()
            return
        addr = link.remote_target.address or ""
        hub = self.args.hub
        if addr not in ("$cbs", "$management", hub) and not addr.startswith(hub + "/Partitions/"):
            # Refuse as Event Hubs does: attach without terminus, then detach.
            link.source.type = link.target.type = Terminus.UNSPECIFIED  # null
            link.condition = Condition("amqp:not-found",
                                       "The messaging entity '%s' could not be found." % addr)
            link.open()
            link.close()
            return
        link.source.copy(link.remote_source)
        link.target.copy(link.remote_target)
        link.max_message_size = self.args.max_message_size
        link.open()
        link.flow(100)

    def on_link_remote_close(self, event):
        if event.link.is_sender:
            self.reply_links.pop(event.link.target.address, None)
        event.link.close()

    def on_session_remote_close(self, event):
        event.session.close()

    def on_connection_remote_close(self, event):
        event.connection.close()

    def on_transport_closed(self, event):
        # A client that went away without closing: forget its reply links.
        conn = event.connection
        if conn is not None:
            for addr, link in list(self.reply_links.items()):
                if link.connection == conn:
                    del self.reply_links[addr]

    def on_delivery(self, event):
        dlv, link = event.delivery, event.link
        if not link.is_receiver or not dlv.readable or dlv.partial:
            return
        raw = link.recv(dlv.pending)
        link.advance()
        link.flow(1)
        addr = link.target.address
        if addr in ("$cbs", "$management"):
            req = Message()
            req.decode(raw)
            self.rpc(addr, req)
            dlv.update(Delivery.ACCEPTED)
        else:
            self.produce(dlv, raw)
        dlv.settle()

    def produce(self, dlv, raw):
        with self.lock:
            cond = None
            if self.throttle > 0:
                self.throttle -= 1
                cond = self.throttle_cond
        if cond:
            dlv.local.condition = Condition(cond, "stand-in: throttled")
            dlv.update(Delivery.REJECTED)
            return
        # Python proton does not expose the transfer's message-format
        # (0x80013700 for a batch): a batch is a message whose data sections
        # each hold an encoded message (starting with a described type).
        data = [bytes(s.value) for s in sections(raw)
                if isinstance(s, Described) and s.descriptor == DATA_SECTION]
        events = []
        if data and all(d.startswith(b"\x00S") for d in data):
            for d in data:
                m = Message()
                m.decode(d)
                events.append(m)
        else:
            m = Message()
            m.decode(raw)
            events.append(m)
        dlv.update(Delivery.ACCEPTED)
        out("batch %d %d" % (len(events), len(raw)))
        for m in events:
            key = (m.annotations or {}).get("x-opt-partition-key", "-")
            typ = (m.properties or {}).get("type", "-")
            out("msg %s %s %s %s" % (m.id, key, typ, m.content_type or "-"))

    def rpc(self, addr, req):
        props = req.properties or {}
        code, desc, value = 200, "OK", None
        if addr == "$cbs":
            code, desc = self.put_token(props.get("name", ""), req.body)
        elif props.get("operation") != "READ":
            code, desc = 400, "unsupported operation"
        elif props.get("type") == "com.microsoft:eventhub":
            value = {"name": self.args.hub, "created_at": timestamp(0),
                     "partition_ids": Array(UNDESCRIBED, Data.STRING, "0", "1"),
                     "georeplication_factor": int32(1)}
        else:
            now = timestamp(int(time.time() * 1000))
            value = {"name": self.args.hub, "partition": props.get("partition", ""),
                     "begin_sequence_number": 0, "last_enqueued_sequence_number": 0,
                     "last_enqueued_offset": "0", "last_enqueued_time_utc": now,
                     "is_partition_empty": True}
        link = self.reply_links.get(req.reply_to)
        if link is None:
            return
        resp = Message(body=value, correlation_id=req.id,
                       properties={"status-code": int32(code), "status-description": desc})
        link.send(resp).settle()

    def put_token(self, audience, token):
        with self.lock:
            if self.reject_auth:
                return 401, "Unauthorized: stand-in told to reject"
        fields = dict(p.split("=", 1) for p in str(token).replace("SharedAccessSignature ", "", 1).split("&") if "=" in p)
        sr, se, sig = fields.get("sr", ""), fields.get("se", "0"), urllib.parse.unquote(fields.get("sig", ""))
        want = base64.b64encode(hmac.new(self.args.key.encode(), (sr + "\n" + se).encode(), hashlib.sha256).digest()).decode()
        if fields.get("skn") != self.args.key_name or not hmac.compare_digest(sig, want):
            return 401, "InvalidSignature: the token has an invalid signature"
        if int(se) < time.time():
            return 401, "ExpiredToken"
        if urllib.parse.unquote(sr) != audience.lower():
            return 401, "InvalidAudience"
        return 200, "OK"


def sections(raw):
    """Splits an encoded message into its sections (described values)."""
    secs = []
    while raw:
        d = Data()
        n = d.decode(raw)
        d.rewind()
        d.next()
        secs.append(d.get_object())
        raw = raw[n:]
    return secs


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--hub", required=True)
    p.add_argument("--key-name", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--max-message-size", type=int, default=1024 * 1024)
    args = p.parse_args()
    h = StandIn(args)

    def control():
        for line in sys.stdin:
            h.command(line)
    threading.Thread(target=control, daemon=True).start()
    c = Container(h)
    c.listen("127.0.0.1:%d" % args.port)
    out("listening %d" % args.port)
    c.run()


if __name__ == "__main__":
    main()
