package io.granary.grpc;

import io.granary.engine.GranaryEngine;
import io.granary.engine.ReadType;
import io.granary.error.GranaryException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The SDK's fast data path beside gRPC on the same port: {@code GET /data/<path>?offset=&length=[&read_type=]}
 * answers a byte range, with sendfile when a cached block holds it whole. gRPC streaming through
 * Vert.x tops out far below the loopback limit; this does not. Signed like a gRPC call, with the
 * method {@code Data:<path>}.
 */
public final class DataPathHandler implements Handler<HttpServerRequest> {
  public static final String PREFIX = "/data";

  private final GranaryEngine engine;
  private final GranaryGrpcService auth;
  private final WorkerExecutor workers;

  public DataPathHandler(GranaryEngine engine, GranaryGrpcService auth, WorkerExecutor workers) {
    this.engine = engine;
    this.auth = auth;
    this.workers = workers;
  }

  @Override
  public void handle(HttpServerRequest req) {
    HttpServerResponse resp = req.response();
    String path = URLDecoder.decode(req.path().substring(PREFIX.length()).replace("+", "%2B"), StandardCharsets.UTF_8);
    if (!auth.authenticated(req.headers(), "Data:" + path)) {
      resp.setStatusCode(401).end("missing or invalid credentials\n");
      return;
    }
    long offset;
    long length;
    try {
      offset = Long.parseLong(req.getParam("offset", "0"));
      length = Long.parseLong(req.getParam("length", "-1"));
    } catch (NumberFormatException e) {
      resp.setStatusCode(400).end("offset and length must be numbers\n");
      return;
    }
    ReadType readType;
    try {
      String rt = req.getParam("read_type");
      readType = rt == null || rt.isEmpty() ? null : ReadType.parse(rt);
    } catch (GranaryException e) {
      resp.setStatusCode(400).end(e.getMessage() + "\n");
      return;
    }
    workers.executeBlocking(() -> {
      long size = engine.stat(path).length();
      long len = length < 0 ? Math.max(0, size - offset) : Math.min(length, Math.max(0, size - offset));
      Optional<GranaryEngine.CachedRange> cached = len > 0 ? engine.cachedRange(path, offset, len) : Optional.empty();
      return new Object[] {len, cached};
    }, false).onComplete(ar -> {
      if (ar.failed()) {
        fail(resp, ar.cause());
        return;
      }
      long len = (Long) ar.result()[0];
      @SuppressWarnings("unchecked")
      Optional<GranaryEngine.CachedRange> cached = (Optional<GranaryEngine.CachedRange>) ar.result()[1];
      if (cached.isPresent()) {
        resp.sendFile(cached.get().file().toString(), cached.get().offsetInFile(), len)
            .onFailure(t -> stream(resp, path, offset, len, readType));
      } else {
        stream(resp, path, offset, len, readType);
      }
    });
  }

  private void stream(HttpServerResponse resp, String path, long offset, long len, ReadType readType) {
    if (resp.headWritten()) {
      resp.reset();
      return;
    }
    resp.putHeader("Content-Length", Long.toString(len));
    workers.executeBlocking(() -> {
      try (InputStream in = engine.read(path, offset, len, readType)) {
        byte[] buf = new byte[1 << 20];
        int n;
        while ((n = in.read(buf)) > 0) {
          Future<Void> w = resp.write(Buffer.buffer(n).appendBytes(buf, 0, n));
          if (resp.writeQueueFull()) {
            w.toCompletionStage().toCompletableFuture().get();
          }
        }
      }
      resp.end();
      return null;
    }, false).onFailure(t -> fail(resp, t));
  }

  private static void fail(HttpServerResponse resp, Throwable t) {
    if (resp.headWritten()) {
      resp.reset();
      return;
    }
    int status = t instanceof GranaryException g ? switch (GrpcErrors.status(g)) {
      case NOT_FOUND -> 404;
      case INVALID_ARGUMENT, FAILED_PRECONDITION -> 400;
      case UNAVAILABLE -> 503;
      default -> 500;
    } : 500;
    resp.setStatusCode(status).end(String.valueOf(t.getMessage()) + "\n");
  }
}
