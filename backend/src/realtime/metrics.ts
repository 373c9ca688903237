import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The real-time gateway's Prometheus metrics, one registry per server. */
export function createMetrics() {
  const registry = new Registry();
  return {
    registry,
    connections: new Gauge({ name: 'chatterlink_ws_connections', help: 'Open WebSocket connections', registers: [registry] }),
    degraded: new Gauge({ name: 'chatterlink_ws_degraded', help: 'Connections falling behind, sent durable events only', registers: [registry] }),
    framesIn: new Counter({ name: 'chatterlink_ws_frames_in_total', help: 'Frames received', registers: [registry] }),
    framesOut: new Counter({ name: 'chatterlink_ws_frames_out_total', help: 'Frames sent to one socket', registers: [registry] }),
    acks: new Counter({ name: 'chatterlink_ws_acks_total', help: 'Commands acknowledged', registers: [registry] }),
    errors: new Counter({ name: 'chatterlink_ws_errors_total', help: 'Error frames sent', labelNames: ['code'], registers: [registry] }),
    deliveries: new Counter({ name: 'chatterlink_fanout_deliveries_total', help: 'Event frames delivered to subscribers', registers: [registry] }),
    published: new Counter({ name: 'chatterlink_fanout_events_total', help: 'Events published to topics', registers: [registry] }),
    catchUpPages: new Counter({ name: 'chatterlink_catchup_pages_total', help: 'Catch-up pages read', registers: [registry] }),
    closes: new Counter({ name: 'chatterlink_ws_closes_total', help: 'Connections closed by the server', labelNames: ['code'], registers: [registry] }),
    ackLatency: new Histogram({
      name: 'chatterlink_ack_latency_seconds',
      help: 'From command frame received to ack sent (durable commit included)',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
