# The Locust peer of bench/peers.bench.ts: one user per stream, reading a streaming
# response line by line and recording ttft and itl as custom events, the way Locust
# users write an SSE test. It also records each event's delivery lag (arrival − the
# built-in target's x-sent-us stamp), for the fidelity comparison, and writes its
# figures to $PEER_OUT every 2 s (a Locust with many users can take minutes to stop,
# and the benchmark does not wait that long).
import json
import os
import time

import gevent
from locust import HttpUser, constant, events, task

PATH = os.environ.get("PEER_PATH", "/stream")
lags_us = []
counts = {"events": 0}


class StreamUser(HttpUser):
    wait_time = constant(0)

    @task
    def stream(self):
        start = time.perf_counter()
        last = None
        stamp = None
        with self.client.get(PATH, stream=True, catch_response=True, name="stream") as response:
            for line in response.iter_lines():
                if line.startswith(b"x-sent-us:"):
                    stamp = int(line[10:])
                    continue
                if not line.startswith(b"data:"):
                    continue
                now = time.perf_counter()
                if stamp is not None:
                    lags_us.append(time.time() * 1e6 - stamp)
                if line == b"data: [DONE]":
                    break
                counts["events"] += 1
                if last is None:
                    events.request.fire(request_type="SSE", name="ttft", response_time=(now - start) * 1000, response_length=0, exception=None, context={})
                else:
                    events.request.fire(request_type="SSE", name="itl", response_time=(now - last) * 1000, response_length=0, exception=None, context={})
                last = now
            response.success()


def write_figures():
    out = os.environ.get("PEER_OUT")
    if not out:
        return
    # The steady part only: the first third of the run is the ramp and warm-up.
    lags = sorted(lags_us[len(lags_us) // 3 :])
    pick = lambda p: lags[min(len(lags) - 1, int(p * len(lags)))] / 1000 if lags else None
    with open(out + ".tmp", "w") as f:
        json.dump({"events": counts["events"], "lagMs": {"p50": pick(0.5), "p99": pick(0.99), "count": len(lags)}}, f)
    os.replace(out + ".tmp", out)


def keep_writing():
    while True:
        gevent.sleep(2)
        write_figures()


@events.init.add_listener
def start_writer(environment, **kwargs):
    gevent.spawn(keep_writing)


@events.quitting.add_listener
def write_at_the_end(environment, **kwargs):
    write_figures()
