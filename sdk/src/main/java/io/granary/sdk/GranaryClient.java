package io.granary.sdk;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.granary.sdk.proto.BlockInfo;
import io.granary.sdk.proto.CacheReport;
import io.granary.sdk.proto.CreateDirectoryRequest;
import io.granary.sdk.proto.DeleteRequest;
import io.granary.sdk.proto.Empty;
import io.granary.sdk.proto.FileStatus;
import io.granary.sdk.proto.ListPage;
import io.granary.sdk.proto.ListRequest;
import io.granary.sdk.proto.LoadProgress;
import io.granary.sdk.proto.LoadRequest;
import io.granary.sdk.proto.MountPoint;
import io.granary.sdk.proto.MountRequest;
import io.granary.sdk.proto.OpenFileRequest;
import io.granary.sdk.proto.OpenFileResponse;
import io.granary.sdk.proto.PathRequest;
import io.granary.sdk.proto.PinRequest;
import io.granary.sdk.proto.ReadBlockRequest;
import io.granary.sdk.proto.RenameRequest;
import io.granary.sdk.proto.SetAttributesRequest;
import io.granary.sdk.proto.SetTtlRequest;
import io.granary.sdk.proto.SymlinkRequest;
import io.granary.sdk.proto.WriteHeader;
import io.granary.sdk.proto.WriteRequest;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.common.GrpcStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The Java SDK of Granary's block API. Calls block (use them from your own threads, not from a
 * Vert.x event loop). Statuses and block lists are cached for {@link Options#metadataTtlMs()} and
 * dropped when this client changes a path; file data is read straight from the block files when
 * the gateway runs on the same host (short circuit), else over the gateway's ranged HTTP data
 * path, which is served with sendfile.
 */
public final class GranaryClient implements AutoCloseable {

  /**
   * Client settings.
   *
   * @param metadataTtlMs    how long a status or block list is trusted (0: no cache)
   * @param metadataEntries  bound of the metadata cache
   * @param shortCircuit     read block files directly when the gateway shares this host
   * @param timeoutMs        bound of every call
   */
  public record Options(long metadataTtlMs, int metadataEntries, boolean shortCircuit, long timeoutMs) {
    public static Options defaults() {
      return new Options(30_000, 100_000, true, 120_000);
    }
  }

  private final Vertx vertx;
  private final boolean ownVertx;
  private final GrpcClient grpc;
  private final SocketAddress address;
  private final String accessKey;
  private final String secret;
  private final Options options;
  private final MetadataCache<FileStatus> statusCache;
  private final MetadataCache<OpenFileResponse> openCache;
  private final AtomicLong rpcs = new AtomicLong();

  public GranaryClient(String host, int port, String accessKey, String secret, Options options) {
    this(Vertx.vertx(), true, host, port, accessKey, secret, options);
  }

  private GranaryClient(Vertx vertx, boolean ownVertx, String host, int port, String accessKey, String secret,
      Options options) {
    this.vertx = vertx;
    this.ownVertx = ownVertx;
    this.grpc = GrpcClient.client(vertx, new GrpcClientOptions().setMaxMessageSize(16 << 20));
    this.address = SocketAddress.inetSocketAddress(port, host);
    this.accessKey = accessKey;
    this.secret = secret;
    this.options = options;
    this.statusCache = new MetadataCache<>(options.metadataEntries(), options.metadataTtlMs(), System::currentTimeMillis);
    this.openCache = new MetadataCache<>(options.metadataEntries(), options.metadataTtlMs(), System::currentTimeMillis);
  }

  /** RPCs made so far (a cached answer makes none). */
  public long rpcCount() {
    return rpcs.get();
  }

  // ---- plumbing ----------------------------------------------------------------------------

  private void sign(MultiMap headers, String method) {
    long now = System.currentTimeMillis();
    headers.set(GranaryMethods.ACCESS_KEY_HEADER, accessKey);
    headers.set(GranaryMethods.DATE_HEADER, Long.toString(now));
    headers.set(GranaryMethods.SIGNATURE_HEADER, CallAuth.sign(secret, method, now));
  }

  private <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(options.timeoutMs(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GranaryClientException(GrpcStatus.CANCELLED, "interrupted", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof GranaryClientException g ? g : new GranaryClientException(GrpcStatus.UNAVAILABLE, String.valueOf(c), c);
    } catch (TimeoutException e) {
      throw new GranaryClientException(GrpcStatus.DEADLINE_EXCEEDED, "no answer within " + options.timeoutMs() + " ms", e);
    }
  }

  private <Req extends Message, Resp extends Message> Resp unary(GranaryMethods.Method<Req, Resp> m, String name, Req msg) {
    rpcs.incrementAndGet();
    return await(grpc.request(address, m.client()).compose(req -> {
      sign(req.headers(), name);
      return req.send(msg);
    }).compose(resp -> resp.last().transform(ar -> {
      if (resp.status() != null && resp.status() != GrpcStatus.OK) {
        return Future.failedFuture(new GranaryClientException(resp.status(), resp.statusMessage()));
      }
      return ar.succeeded() ? Future.succeededFuture(ar.result()) : Future.failedFuture(ar.cause());
    })));
  }

  /** Calls a server-streaming RPC, handing each message to {@code each} on the caller's thread. */
  private <Req extends Message, Resp extends Message> void stream(GranaryMethods.Method<Req, Resp> m, String name, Req msg,
      Consumer<Resp> each) {
    rpcs.incrementAndGet();
    java.util.concurrent.LinkedBlockingQueue<Object> queue = new java.util.concurrent.LinkedBlockingQueue<>();
    Object end = new Object();
    // The handlers go on the response before the request leaves: a stream drops the messages and
    // the end that arrive before its handlers are set, and a listener added from this thread to an
    // already answered call would run only after them.
    grpc.request(address, m.client()).compose(req -> {
      Future<Void> handled = req.response().map(resp -> {
        resp.handler(queue::add);
        resp.exceptionHandler(queue::add);
        resp.endHandler(v -> queue.add(resp.status() == GrpcStatus.OK ? end
            : new GranaryClientException(resp.status(), resp.statusMessage())));
        return null;
      });
      sign(req.headers(), name);
      req.end(msg);
      return handled;
    }).onFailure(queue::add);
    while (true) {
      Object o;
      try {
        o = queue.poll(options.timeoutMs(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new GranaryClientException(GrpcStatus.CANCELLED, "interrupted", e);
      }
      if (o == null) {
        throw new GranaryClientException(GrpcStatus.DEADLINE_EXCEEDED, name + ": no message within " + options.timeoutMs() + " ms");
      }
      if (o == end) {
        return;
      }
      if (o instanceof GranaryClientException g) {
        throw g;
      }
      if (o instanceof Throwable t) {
        throw new GranaryClientException(GrpcStatus.UNAVAILABLE, String.valueOf(t), t);
      }
      @SuppressWarnings("unchecked")
      Resp r = (Resp) o;
      each.accept(r);
    }
  }

  void changed(String path) {
    statusCache.invalidate(path);
    openCache.invalidate(path);
    int slash = path.lastIndexOf('/');
    String parent = slash <= 0 ? "/" : path.substring(0, slash);
    statusCache.invalidate(parent);
  }

  // ---- namespace ---------------------------------------------------------------------------

  public FileStatus stat(String path) {
    FileStatus cached = statusCache.get(path);
    if (cached != null) {
      return cached;
    }
    FileStatus s = unary(GranaryMethods.GET_STATUS, "GetStatus", PathRequest.newBuilder().setPath(path).build());
    statusCache.put(path, s);
    return s;
  }

  /** Every entry of a directory, streamed page by page to {@code each}. */
  public void list(String path, Consumer<FileStatus> each) {
    stream(GranaryMethods.LIST_STATUS, "ListStatus", ListRequest.newBuilder().setPath(path).build(),
        (ListPage page) -> page.getEntriesList().forEach(each));
  }

  /**
   * One page of a directory: up to {@code maxEntries} entries after the name {@code startAfter}
   * ("" for the start), in name order, without reading the rest of the directory.
   */
  public List<FileStatus> list(String path, String startAfter, int maxEntries) {
    if (maxEntries <= 0) {
      throw new IllegalArgumentException("maxEntries must be > 0, got " + maxEntries);
    }
    List<FileStatus> out = new ArrayList<>(Math.min(maxEntries, 1024));
    stream(GranaryMethods.LIST_STATUS, "ListStatus", ListRequest.newBuilder().setPath(path)
        .setStartAfter(startAfter == null ? "" : startAfter).setPageSize(Math.min(maxEntries, 10_000))
        .setMaxEntries(maxEntries).build(), (ListPage page) -> out.addAll(page.getEntriesList()));
    return out;
  }

  /** The entries of a directory (for directories that fit in memory; else {@link #list(String, Consumer)}). */
  public List<FileStatus> list(String path) {
    List<FileStatus> out = new ArrayList<>();
    list(path, out::add);
    return out;
  }

  public FileStatus mkdir(String path, boolean parents) {
    changed(path);
    try {
      return unary(GranaryMethods.CREATE_DIRECTORY, "CreateDirectory",
          CreateDirectoryRequest.newBuilder().setPath(path).setParents(parents).build());
    } finally {
      changed(path); // again: a stat racing with the call may have cached the old answer
    }
  }

  public void delete(String path, boolean recursive) {
    changed(path);
    try {
      unary(GranaryMethods.DELETE, "Delete", DeleteRequest.newBuilder().setPath(path).setRecursive(recursive).build());
    } finally {
      changed(path);
    }
  }

  public FileStatus rename(String src, String dst) {
    changed(src);
    changed(dst);
    try {
      return unary(GranaryMethods.RENAME, "Rename", RenameRequest.newBuilder().setSrc(src).setDst(dst).build());
    } finally {
      changed(src);
      changed(dst);
    }
  }

  public void mount(String path, String uri, Map<String, String> mountOptions) {
    changed(path);
    unary(GranaryMethods.MOUNT, "Mount", MountRequest.newBuilder().setPath(path).setUri(uri).putAllOptions(mountOptions).build());
  }

  public void unmount(String path) {
    changed(path);
    unary(GranaryMethods.UNMOUNT, "Unmount", PathRequest.newBuilder().setPath(path).build());
  }

  /**
   * Changes POSIX mode bits, owner, group or modification time of a path; null leaves a field as
   * it is. Returns the new status.
   */
  public FileStatus setAttributes(String path, Integer mode, Integer uid, Integer gid, Long mtimeMs) {
    SetAttributesRequest.Builder b = SetAttributesRequest.newBuilder().setPath(path);
    if (mode != null) {
      b.setMode(mode);
    }
    if (uid != null) {
      b.setUid(uid);
    }
    if (gid != null) {
      b.setGid(gid);
    }
    if (mtimeMs != null) {
      b.setMtimeMs(mtimeMs);
    }
    changed(path);
    try {
      return unary(GranaryMethods.SET_ATTRIBUTES, "SetAttributes", b.build());
    } finally {
      changed(path); // a stat racing with the call may have cached the old status
    }
  }

  /** Creates a symbolic link at {@code path} pointing to {@code target}, owned by uid:gid. */
  public FileStatus symlink(String path, String target, int uid, int gid) {
    changed(path);
    try {
      return unary(GranaryMethods.CREATE_SYMLINK, "CreateSymlink",
          SymlinkRequest.newBuilder().setPath(path).setTarget(target).setUid(uid).setGid(gid).build());
    } finally {
      changed(path);
    }
  }

  public List<MountPoint> mounts() {
    return unary(GranaryMethods.GET_MOUNT_TABLE, "GetMountTable", Empty.getDefaultInstance()).getMountsList();
  }

  // ---- data --------------------------------------------------------------------------------

  /** The file's blocks and where they are (cached like a status). */
  public OpenFileResponse open(String path) {
    OpenFileResponse cached = openCache.get(path);
    if (cached != null) {
      return cached;
    }
    OpenFileResponse r = unary(GranaryMethods.OPEN_FILE, "OpenFile",
        OpenFileRequest.newBuilder().setPath(path).setClientHostId(HostId.get()).build());
    openCache.put(path, r);
    return r;
  }

  /** Reads a file as a stream. */
  public InputStream openInputStream(String path) {
    return java.nio.channels.Channels.newInputStream(openChannel(path));
  }

  /** Reads a file with positional reads. */
  public SeekableByteChannel openChannel(String path) {
    return new GranaryFileChannel(this, open(path), null);
  }

  /**
   * Reads a file already looked up with {@link #open}, so that several channels of one file see
   * the same version and block list.
   *
   * @param readType how the gateway reads blocks it has not cached (NO_CACHE, CACHE, CACHE_PROMOTE;
   *                 null for the mount's default); cached blocks on this host are read directly anyway
   */
  public SeekableByteChannel openChannel(OpenFileResponse file, String readType) {
    return new GranaryFileChannel(this, file, readType == null || readType.isEmpty() ? null : readType);
  }

  /** Bytes [offset, offset+length) over the ranged HTTP data path. */
  InputStream readRemote(OpenFileResponse file, long offset, long length, String readType) throws IOException {
    String path = file.getStatus().getPath();
    URI url = URI.create(file.getDataUrl() + encodePath(path) + "?offset=" + offset + "&length=" + length
        + (readType == null ? "" : "&read_type=" + URLEncoder.encode(readType, StandardCharsets.UTF_8)));
    long now = System.currentTimeMillis();
    try {
      return RangeReader.get(url, Map.of(
          GranaryMethods.ACCESS_KEY_HEADER, accessKey,
          GranaryMethods.DATE_HEADER, Long.toString(now),
          GranaryMethods.SIGNATURE_HEADER, CallAuth.sign(secret, "Data:" + path, now)), (int) options.timeoutMs());
    } catch (RangeReader.HttpStatusException e) {
      throw new GranaryClientException(e.status == 404 ? GrpcStatus.NOT_FOUND
          : e.status == 401 ? GrpcStatus.UNAUTHENTICATED : GrpcStatus.UNAVAILABLE, e.getMessage(), e);
    }
  }

  private static String encodePath(String path) {
    StringBuilder b = new StringBuilder();
    for (String part : path.split("/")) {
      if (!part.isEmpty()) {
        b.append('/').append(URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20"));
      }
    }
    return b.toString();
  }

  boolean shortCircuit() {
    return options.shortCircuit();
  }

  /** The settings this client was made with. */
  public Options options() {
    return options;
  }

  /** Forgets a file's cached block list (a local block file was gone). */
  void forgetOpen(String path) {
    openCache.invalidate(path);
  }

  /** Reads a range through the ReadBlock RPC (the gRPC data path; slower than {@link #openChannel}). */
  public byte[] readBlockRpc(String path, long offset, long length, int chunkSize) {
    return readBlockRpc(path, offset, length, chunkSize, null);
  }

  /** The same with a read type (NO_CACHE, CACHE, CACHE_PROMOTE; null for the mount's default). */
  public byte[] readBlockRpc(String path, long offset, long length, int chunkSize, String readType) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    stream(GranaryMethods.READ_BLOCK, "ReadBlock", ReadBlockRequest.newBuilder().setPath(path).setOffset(offset)
        .setLength(length).setChunkSize(chunkSize).setReadType(readType == null ? "" : readType).build(), c -> {
          byte[] b = c.getData().toByteArray();
          out.write(b, 0, b.length);
        });
    return out.toByteArray();
  }

  /**
   * Writes a file: bytes written to the stream go to the gateway as they come, and the file
   * appears whole when the stream is closed; if the caller's data fails, {@link
   * GranaryOutputStream#abort()} instead, and nothing appears (with a known length, a short
   * stream is refused by the gateway anyway).
   *
   * @param writeType null for the mount's default
   * @param length    the exact size if known, else -1
   */
  public GranaryOutputStream create(String path, String writeType, boolean overwrite, long length) {
    changed(path);
    rpcs.incrementAndGet();
    GrpcClientRequest<WriteRequest, FileStatus> req = await(grpc.request(address, GranaryMethods.WRITE_FILE.client()));
    sign(req.headers(), "WriteFile");
    req.write(WriteRequest.newBuilder().setHeader(WriteHeader.newBuilder().setPath(path)
        .setWriteType(writeType == null ? "" : writeType).setOverwrite(overwrite).setLength(length)).build());
    return new GranaryOutputStream(this, req, path);
  }

  FileStatus finishWrite(GrpcClientRequest<WriteRequest, FileStatus> req) {
    return await(req.end().compose(v -> req.response()).compose(resp -> resp.last().transform(ar -> {
      if (resp.status() != null && resp.status() != GrpcStatus.OK) {
        return Future.failedFuture(new GranaryClientException(resp.status(), resp.statusMessage()));
      }
      return ar.succeeded() ? Future.succeededFuture(ar.result()) : Future.failedFuture(ar.cause());
    })));
  }

  void sendChunk(GrpcClientRequest<WriteRequest, FileStatus> req, byte[] data, int off, int len) {
    Future<Void> w = req.write(WriteRequest.newBuilder().setData(ByteString.copyFrom(data, off, len)).build());
    if (req.writeQueueFull()) {
      await(w);
    }
  }

  // ---- cache control -----------------------------------------------------------------------

  /** Loads a path into the cache, reporting progress; returns the final progress. */
  public LoadProgress load(String path, boolean recursive, int parallelism, Consumer<LoadProgress> progress) {
    LoadProgress[] last = {LoadProgress.getDefaultInstance()};
    stream(GranaryMethods.LOAD, "Load", LoadRequest.newBuilder().setPath(path).setRecursive(recursive)
        .setParallelism(parallelism).build(), p -> {
          last[0] = p;
          progress.accept(p);
        });
    openCache.invalidate(path);
    statusCache.invalidate(path);
    return last[0];
  }

  public long free(String path) {
    changed(path);
    return unary(GranaryMethods.FREE, "Free", PathRequest.newBuilder().setPath(path).build()).getBytesFreed();
  }

  public void pin(String path, boolean pinned) {
    changed(path);
    unary(GranaryMethods.PIN, "Pin", PinRequest.newBuilder().setPath(path).setPinned(pinned).build());
  }

  /** Sets a TTL (0 clears it); action FREE or DELETE. */
  public void setTtl(String path, long ttlMs, String action) {
    changed(path);
    unary(GranaryMethods.SET_TTL, "SetTtl", SetTtlRequest.newBuilder().setPath(path).setTtlMs(ttlMs).setAction(action).build());
  }

  /** Makes the gateway re-check a path (recursively if asked) against its under-storage now. */
  public void sync(String path, boolean recursive) {
    changed(path);
    unary(GranaryMethods.SYNC, "Sync", PathRequest.newBuilder().setPath(path).setRecursive(recursive).build());
  }

  public CacheReport report() {
    return unary(GranaryMethods.GET_CACHE_REPORT, "GetCacheReport", Empty.getDefaultInstance());
  }

  /** Blocks of a file with their cache state, from {@link #open}. */
  public List<BlockInfo> blocks(String path) {
    return open(path).getBlocksList();
  }

  @Override
  public void close() {
    await(grpc.close());
    if (ownVertx) {
      await(vertx.close());
    }
  }
}
