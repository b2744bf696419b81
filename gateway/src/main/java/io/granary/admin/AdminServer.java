package io.granary.admin;

import io.granary.engine.EngineMetrics;
import io.granary.engine.GranaryEngine;
import io.granary.metadata.MetadataStore;
import io.granary.storage.TierUsage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

/** The admin listener: {@code /health} and {@code /metrics} (Prometheus text). */
public final class AdminServer {
  private final GranaryEngine engine;
  private final java.util.function.Supplier<io.granary.fuse.FuseStats> fuse;
  private HttpServer server;

  /** {@code fuse} gives the FUSE mount's counters, or null when nothing is mounted. */
  public AdminServer(GranaryEngine engine, java.util.function.Supplier<io.granary.fuse.FuseStats> fuse) {
    this.engine = engine;
    this.fuse = fuse;
  }

  public Future<HttpServer> listen(Vertx vertx, String host, int port) {
    server = vertx.createHttpServer();
    return server.requestHandler(this::handle).listen(port, host);
  }

  public int port() {
    return server.actualPort();
  }

  private void handle(HttpServerRequest req) {
    switch (req.path()) {
      case "/health" -> req.response().putHeader("content-type", "application/json")
          .end("{\"status\":\"UP\"}");
      case "/metrics" -> req.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
          .end(metrics());
      default -> req.response().setStatusCode(404).putHeader("content-type", "text/plain")
          .end("not found: " + req.path() + " (try /health or /metrics)\n");
    }
  }

  /** The current metrics in Prometheus text format. */
  public String metrics() {
    PrometheusText p = new PrometheusText();
    var tiers = engine.blockStore().usage();
    p.family("granary_cache_capacity_bytes", "gauge", "Quota of a cache tier in bytes.");
    for (TierUsage t : tiers) {
      p.sample("tier", t.name(), t.capacity());
    }
    p.family("granary_cache_used_bytes", "gauge", "Bytes used in a cache tier, including blocks being written.");
    for (TierUsage t : tiers) {
      p.sample("tier", t.name(), t.used());
    }
    p.family("granary_cache_blocks", "gauge", "Cached blocks in a tier.");
    for (TierUsage t : tiers) {
      p.sample("tier", t.name(), t.blocks());
    }
    EngineMetrics m = engine.metrics();
    p.family("granary_cache_hits_total", "counter", "Block reads served from the cache.").sample(m.blockHits());
    p.family("granary_cache_misses_total", "counter", "Block reads that found the block not cached.").sample(m.blockMisses());
    long reads = m.blockHits() + m.blockMisses();
    p.family("granary_cache_hit_ratio", "gauge", "Hits over block reads since start.")
        .sample(reads == 0 ? 0.0 : (double) m.blockHits() / reads);
    p.family("granary_cache_read_bytes_total", "counter", "Bytes read from cached block files.").sample(m.bytesFromCache());
    p.family("granary_ufs_read_bytes_total", "counter", "Bytes read from under-storages.").sample(engine.ufsBytesRead());
    p.family("granary_ufs_reads_total", "counter", "Ranged reads opened on under-storages.").sample(engine.ufsOpens());
    p.family("granary_cold_fetches_total", "counter", "Block fetches from under-storage into the cache.").sample(m.coldFetches());
    p.family("granary_cold_fetch_joins_total", "counter", "Readers that joined a fetch already under way.").sample(m.coldFetchJoins());
    p.family("granary_persist_queue_length", "gauge", "ASYNC_THROUGH files not yet in their under-storage.")
        .sample(engine.persistQueueLength());
    p.family("granary_persist_oldest_pending_seconds", "gauge", "Age of the oldest file waiting to be persisted.")
        .sample(engine.persistOldestPendingMs() / 1000.0);
    MetadataStore.Stats s = engine.metadataStore().stats();
    p.family("granary_metadata_inodes", "gauge", "Files and directories in the namespace.").sample(s.inodes());
    p.family("granary_metadata_used_bytes", "gauge", "Bytes of the metadata map in use.").sample(s.usedBytes());
    p.family("granary_metadata_map_bytes", "gauge", "Size of the metadata memory map.").sample(s.mapSize());
    io.granary.fuse.FuseStats f = fuse.get();
    if (f != null) {
      fuseMetrics(p, f);
    }
    return p.toString();
  }

  private static void fuseMetrics(PrometheusText p, io.granary.fuse.FuseStats f) {
    var counts = f.snapshot();
    p.family("granary_fuse_calls_total", "counter", "FUSE callbacks by operation.");
    counts.forEach((op, c) -> p.sample("op", op.name().toLowerCase(java.util.Locale.ROOT), c.calls()));
    p.family("granary_fuse_errors_total", "counter", "FUSE callbacks that returned an errno.");
    counts.forEach((op, c) -> p.sample("op", op.name().toLowerCase(java.util.Locale.ROOT), c.errors()));
    p.family("granary_fuse_slow_calls_total", "counter", "FUSE callbacks slower than the slow_ms option.");
    counts.forEach((op, c) -> p.sample("op", op.name().toLowerCase(java.util.Locale.ROOT), c.slow()));
    p.family("granary_fuse_read_bytes_total", "counter", "Bytes returned by FUSE reads.").sample(f.bytesRead());
    p.family("granary_fuse_written_bytes_total", "counter", "Bytes taken by FUSE writes.").sample(f.bytesWritten());
  }
}
