package io.granary.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.granary.engine.BlockView;
import io.granary.engine.DatasetLoader;
import io.granary.engine.EngineMetrics;
import io.granary.engine.FileInfo;
import io.granary.engine.GranaryEngine;
import io.granary.engine.ReadType;
import io.granary.engine.WriteOptions;
import io.granary.engine.WriteType;
import io.granary.error.GranaryException;
import io.granary.metadata.InodeType;
import io.granary.metadata.MountEntry;
import io.granary.sdk.CallAuth;
import io.granary.sdk.GranaryMethods;
import io.granary.sdk.proto.BlockInfo;
import io.granary.sdk.proto.CacheReport;
import io.granary.sdk.proto.DataChunk;
import io.granary.sdk.proto.Empty;
import io.granary.sdk.proto.FileStatus;
import io.granary.sdk.proto.FileType;
import io.granary.sdk.proto.FreeResponse;
import io.granary.sdk.proto.ListPage;
import io.granary.sdk.proto.ListRequest;
import io.granary.sdk.proto.LoadProgress;
import io.granary.sdk.proto.MountPoint;
import io.granary.sdk.proto.MountTable;
import io.granary.sdk.proto.OpenFileResponse;
import io.granary.sdk.proto.ReadBlockRequest;
import io.granary.sdk.proto.TierReport;
import io.granary.sdk.proto.WriteRequest;
import io.granary.storage.TierUsage;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.WorkerExecutor;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC block API on the engine. Every call is authenticated from its metadata, runs on a
 * worker pool (the engine blocks), and answers with the result or a status that names the path.
 */
public final class GranaryGrpcService {
  private static final Logger LOG = LoggerFactory.getLogger(GranaryGrpcService.class);
  private static final int DEFAULT_CHUNK = 1 << 20;
  private static final int LIST_PAGE = 1000;

  private final GranaryEngine engine;
  private final Function<String, String> secrets;
  private final WorkerExecutor workers;
  private final String hostId;
  private final LongSupplier clock;
  private volatile String dataUrl = "";

  public GranaryGrpcService(GranaryEngine engine, Function<String, String> secrets, WorkerExecutor workers,
      String hostId, LongSupplier clock) {
    this.engine = engine;
    this.secrets = secrets;
    this.workers = workers;
    this.hostId = hostId;
    this.clock = clock;
  }

  /** The base URL of the ranged HTTP data path, once the listener knows its port. */
  public void dataUrl(String url) {
    this.dataUrl = url;
  }

  /** Whether the metadata of a call (or a data request) carries a valid signature for {@code method}. */
  boolean authenticated(MultiMap headers, String method) {
    String key = headers.get(GranaryMethods.ACCESS_KEY_HEADER);
    String date = headers.get(GranaryMethods.DATE_HEADER);
    String sig = headers.get(GranaryMethods.SIGNATURE_HEADER);
    if (key == null || date == null || sig == null) {
      return false;
    }
    String secret = secrets.apply(key);
    try {
      return secret != null && CallAuth.verify(secret, method, Long.parseLong(date), sig, clock.getAsLong());
    } catch (NumberFormatException e) {
      return false;
    }
  }

  public void bind(GrpcServer server) {
    unary(server, GranaryMethods.GET_STATUS, "GetStatus", r -> status(engine.stat(r.getPath())));
    unary(server, GranaryMethods.CREATE_DIRECTORY, "CreateDirectory", r -> status(engine.mkdir(r.getPath(), r.getParents())));
    unary(server, GranaryMethods.DELETE, "Delete", r -> {
      engine.delete(r.getPath(), r.getRecursive());
      return Empty.getDefaultInstance();
    });
    unary(server, GranaryMethods.RENAME, "Rename", r -> status(engine.rename(r.getSrc(), r.getDst())));
    unary(server, GranaryMethods.MOUNT, "Mount", r -> {
      engine.mount(r.getPath(), r.getUri(), r.getOptionsMap());
      return Empty.getDefaultInstance();
    });
    unary(server, GranaryMethods.UNMOUNT, "Unmount", r -> {
      engine.unmount(r.getPath());
      return Empty.getDefaultInstance();
    });
    unary(server, GranaryMethods.GET_MOUNT_TABLE, "GetMountTable", r -> {
      MountTable.Builder b = MountTable.newBuilder();
      for (MountEntry m : engine.mountTable()) {
        b.addMounts(MountPoint.newBuilder().setPath(m.path()).setUri(m.uri()).putAllOptions(redact(m.options())));
      }
      return b.build();
    });
    unary(server, GranaryMethods.OPEN_FILE, "OpenFile", r -> {
      FileInfo f = engine.stat(r.getPath());
      boolean local = hostId.equals(r.getClientHostId());
      OpenFileResponse.Builder b = OpenFileResponse.newBuilder().setStatus(status(f)).setHostId(hostId).setDataUrl(dataUrl);
      if (!f.isDirectory()) {
        for (BlockView v : engine.blocks(r.getPath())) {
          BlockInfo.Builder bi = BlockInfo.newBuilder().setIndex(v.index()).setOffset(v.offset()).setLength(v.length())
              .setCached(v.cached()).setTier(v.tier().orElse(""));
          if (local && v.file().isPresent()) {
            bi.setLocalPath(v.file().get().toString());
          }
          b.addBlocks(bi);
        }
      }
      return b.build();
    });
    unary(server, GranaryMethods.FREE, "Free", r -> FreeResponse.newBuilder().setBytesFreed(engine.free(r.getPath())).build());
    unary(server, GranaryMethods.PIN, "Pin", r -> {
      engine.setPinned(r.getPath(), r.getPinned());
      return Empty.getDefaultInstance();
    });
    unary(server, GranaryMethods.SET_TTL, "SetTtl", r -> {
      engine.setTtl(r.getPath(), r.getTtlMs(), r.getAction().isEmpty() ? "FREE" : r.getAction());
      return Empty.getDefaultInstance();
    });
    unary(server, GranaryMethods.GET_CACHE_REPORT, "GetCacheReport", r -> report());
    unary(server, GranaryMethods.SYNC, "Sync", r -> {
      engine.sync(r.getPath(), r.getRecursive());
      return Empty.getDefaultInstance();
    });
    unary(server, GranaryMethods.SET_ATTRIBUTES, "SetAttributes", r -> status(engine.changePosix(r.getPath(),
        r.hasMode() ? r.getMode() : null, r.hasUid() ? r.getUid() : null, r.hasGid() ? r.getGid() : null,
        r.hasMtimeMs() ? r.getMtimeMs() : null)));
    unary(server, GranaryMethods.CREATE_SYMLINK, "CreateSymlink",
        r -> status(engine.symlink(r.getPath(), r.getTarget(), r.getUid(), r.getGid())));
    server.callHandler(GranaryMethods.LIST_STATUS.server(), req -> guarded(req, "ListStatus", () -> listStatus(req)));
    server.callHandler(GranaryMethods.READ_BLOCK.server(), req -> guarded(req, "ReadBlock", () -> readBlock(req)));
    server.callHandler(GranaryMethods.WRITE_FILE.server(), req -> guarded(req, "WriteFile", () -> writeFile(req)));
    server.callHandler(GranaryMethods.LOAD.server(), req -> guarded(req, "Load", () -> load(req)));
  }

  /** Connector secrets stay on the gateway. */
  private static Map<String, String> redact(Map<String, String> options) {
    Map<String, String> out = new java.util.LinkedHashMap<>(options);
    out.replaceAll((k, v) -> {
      String lower = k.toLowerCase(java.util.Locale.ROOT);
      return lower.contains("secret") || lower.contains("password") || lower.contains("token")
          || lower.contains("credential") ? "****" : v;
    });
    return out;
  }

  // ---- plumbing ----------------------------------------------------------------------------

  @FunctionalInterface
  private interface Call<Req, Resp> {
    Resp apply(Req request) throws IOException;
  }

  private <Req extends Message, Resp extends Message> void unary(GrpcServer server,
      GranaryMethods.Method<Req, Resp> method, String name, Call<Req, Resp> call) {
    server.callHandler(method.server(), req -> {
      if (!authenticated(req.headers(), name)) {
        fail(req.response(), GrpcStatus.UNAUTHENTICATED, "missing or invalid credentials for " + name);
        return;
      }
      req.last().onSuccess(msg -> workers.executeBlocking(() -> call.apply(msg), false).onComplete(ar -> {
        if (ar.succeeded()) {
          req.response().end(ar.result());
        } else {
          failWith(req.response(), name, ar.cause());
        }
      })).onFailure(t -> fail(req.response(), GrpcStatus.INVALID_ARGUMENT, "bad request message: " + t.getMessage()));
    });
  }

  private <Req, Resp> void guarded(GrpcServerRequest<Req, Resp> req, String name, Runnable body) {
    if (!authenticated(req.headers(), name)) {
      fail(req.response(), GrpcStatus.UNAUTHENTICATED, "missing or invalid credentials for " + name);
      return;
    }
    body.run();
  }

  private static void fail(GrpcServerResponse<?, ?> response, GrpcStatus status, String message) {
    response.status(status).statusMessage(message).end();
  }

  private static void failWith(GrpcServerResponse<?, ?> response, String name, Throwable t) {
    if (t instanceof GranaryException g) {
      fail(response, GrpcErrors.status(g), g.getMessage());
    } else if (t instanceof IOException io) {
      fail(response, GrpcStatus.UNAVAILABLE, io.getMessage());
    } else {
      LOG.error("{} failed", name, t);
      fail(response, GrpcStatus.INTERNAL, name + " failed: " + t);
    }
  }

  /** Writes a message from a worker thread, waiting while the stream's queue is full. */
  private static <Resp> void send(GrpcServerResponse<?, Resp> response, Resp msg) throws IOException {
    Future<Void> f = response.write(msg);
    if (response.writeQueueFull()) {
      try {
        f.toCompletionStage().toCompletableFuture().get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IOException("the client went away: " + e.getCause(), e.getCause());
      }
    }
  }

  private <T> void onWorker(GrpcServerResponse<?, ?> response, String name, Callable<T> work) {
    workers.executeBlocking(work, false).onFailure(t -> failWith(response, name, t));
  }

  // ---- streaming calls ---------------------------------------------------------------------

  private void listStatus(GrpcServerRequest<ListRequest, ListPage> req) {
    req.last().onSuccess(r -> onWorker(req.response(), "ListStatus", () -> {
      int page = r.getPageSize() == 0 ? LIST_PAGE : Math.min(r.getPageSize(), 10_000);
      long max = r.getMaxEntries() == 0 ? Long.MAX_VALUE : r.getMaxEntries();
      String after = r.getStartAfter();
      long sent = 0;
      while (sent < max) {
        List<FileInfo> entries = engine.list(r.getPath(), after, (int) Math.min(page, max - sent));
        ListPage.Builder b = ListPage.newBuilder();
        for (FileInfo f : entries) {
          b.addEntries(status(f));
        }
        send(req.response(), b.build());
        sent += entries.size();
        if (entries.size() < page) {
          break;
        }
        after = entries.get(entries.size() - 1).name();
      }
      req.response().end();
      return null;
    }));
  }

  private void readBlock(GrpcServerRequest<ReadBlockRequest, DataChunk> req) {
    req.last().onSuccess(r -> onWorker(req.response(), "ReadBlock", () -> {
      int chunk = r.getChunkSize() == 0 ? DEFAULT_CHUNK : Math.min(r.getChunkSize(), 4 << 20);
      ReadType rt = r.getReadType().isEmpty() ? null : ReadType.parse(r.getReadType());
      long length = r.getLength() == 0 ? -1 : r.getLength();
      try (InputStream in = engine.read(r.getPath(), r.getOffset(), length, rt)) {
        byte[] buf = new byte[chunk];
        int n;
        while ((n = in.readNBytes(buf, 0, chunk)) > 0) {
          send(req.response(), DataChunk.newBuilder().setData(ByteString.copyFrom(buf, 0, n)).build());
        }
      }
      req.response().end();
      return null;
    }));
  }

  private void writeFile(GrpcServerRequest<WriteRequest, FileStatus> req) {
    MessageStream body = new MessageStream(req);
    onWorker(req.response(), "WriteFile", () -> {
      WriteRequest head = body.header();
      if (!head.hasHeader()) {
        throw new io.granary.error.InvalidArgumentException("the first WriteFile message must be the header");
      }
      var h = head.getHeader();
      WriteOptions o = WriteOptions.defaults().withOverwrite(h.getOverwrite())
          .withWriteType(h.getWriteType().isEmpty() ? null : WriteType.parse(h.getWriteType()));
      FileInfo f = engine.write(h.getPath(), body, h.getLength(), o);
      req.response().end(status(f));
      return null;
    });
  }

  private void load(GrpcServerRequest<io.granary.sdk.proto.LoadRequest, LoadProgress> req) {
    req.last().onSuccess(r -> onWorker(req.response(), "Load", () -> {
      AtomicBoolean cancelled = new AtomicBoolean();
      req.response().exceptionHandler(t -> cancelled.set(true));
      new DatasetLoader(engine).load(r.getPath(), r.getRecursive(), r.getParallelism() == 0 ? 4 : r.getParallelism(),
          p -> {
            try {
              send(req.response(), LoadProgress.newBuilder().setFilesDone(p.filesDone()).setFilesTotal(p.filesTotal())
                  .setBytesDone(p.bytesDone()).setBytesTotal(p.bytesTotal()).setFilesSkipped(p.filesSkipped())
                  .setFilesFailed(p.filesFailed()).setCurrent(p.current()).setError(p.error() == null ? "" : p.error())
                  .setDone(p.done()).build());
            } catch (IOException e) {
              cancelled.set(true);
            }
          }, cancelled);
      req.response().end();
      return null;
    }));
  }

  // ---- messages ----------------------------------------------------------------------------

  private FileStatus status(FileInfo f) {
    FileStatus.Builder b = FileStatus.newBuilder().setPath(f.path()).setId(f.id())
        .setType(f.type() == InodeType.DIRECTORY ? FileType.DIRECTORY : f.type() == InodeType.SYMLINK ? FileType.SYMLINK : FileType.FILE)
        .setLength(f.length()).setMtimeMs(f.mtimeMs()).setMode(f.mode()).setPersisted(f.persisted())
        .setPinned(f.pinned()).setMountPoint(f.mountPoint()).setBlockSize(f.blockSize())
        .setUid(f.uid()).setGid(f.gid()).setSymlinkTarget(f.target() == null ? "" : f.target());
    f.attributes().forEach((k, v) -> {
      if (!k.startsWith("granary.blocks")) {
        b.putAttributes(k, v);
      }
    });
    if (!f.isDirectory()) {
      b.setCachedBytes(engine.cachedBytes(f));
    }
    return b.build();
  }

  private CacheReport report() {
    EngineMetrics m = engine.metrics();
    CacheReport.Builder b = CacheReport.newBuilder().setHits(m.blockHits()).setMisses(m.blockMisses())
        .setHitRatio(m.blockHits() + m.blockMisses() == 0 ? 0 : (double) m.blockHits() / (m.blockHits() + m.blockMisses()))
        .setUfsBytesRead(engine.ufsBytesRead()).setCacheBytesRead(m.bytesFromCache())
        .setPersistQueueLength(engine.persistQueueLength()).setPersistOldestPendingMs(engine.persistOldestPendingMs());
    for (TierUsage t : engine.blockStore().usage()) {
      b.addTiers(TierReport.newBuilder().setName(t.name()).setCapacity(t.capacity()).setUsed(t.used()).setBlocks(t.blocks()));
    }
    return b.build();
  }
}
