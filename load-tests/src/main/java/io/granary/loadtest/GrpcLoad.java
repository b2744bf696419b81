package io.granary.loadtest;

import static io.granary.loadtest.BenchSupport.MIB;
import static io.granary.loadtest.BenchSupport.message;

import io.granary.sdk.CallAuth;
import io.granary.sdk.GranaryClient;
import io.granary.sdk.GranaryMethods;
import io.granary.sdk.proto.BlockInfo;
import io.granary.sdk.proto.CacheReport;
import io.granary.sdk.proto.DataChunk;
import io.granary.sdk.proto.FileStatus;
import io.granary.sdk.proto.FileType;
import io.granary.sdk.proto.LoadProgress;
import io.granary.sdk.proto.LoadRequest;
import io.granary.sdk.proto.OpenFileResponse;
import io.granary.sdk.proto.PathRequest;
import io.granary.sdk.proto.ReadBlockRequest;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.transport.Transport;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gRPC load driver (issue 6): raw calls of the block API through a Vert.x {@link GrpcClient}
 * with the SDK's method descriptors ({@link GranaryMethods}) and call signatures ({@link CallAuth}),
 * not through {@link GranaryClient} (whose metadata cache would answer most calls itself). Not a
 * test: run by {@code load-tests/grpc-load.sh}, or by hand against a gateway on this host:
 *
 * <pre>
 * java -cp 'load-tests/target/classes:load-tests/target/lib/*' io.granary.loadtest.GrpcLoad gen \
 *   --ufs DATA_DIR/ufs --stat-files 1000 --read-files 2 --load-files 200
 * java -cp 'load-tests/target/classes:load-tests/target/lib/*' io.granary.loadtest.GrpcLoad run \
 *   --port GRPC_PORT --access-key AK --secret-key SK --stat-files 1000 --read-files 2 --load-files 200
 * </pre>
 *
 * <p>{@code gen} writes the data set straight into an under-storage directory (the gateway's
 * {@code <data-dir>/ufs}): {@code DIR/stat/} ({@code --stat-files} small files), {@code DIR/read/}
 * ({@code --read-files} files of {@code --read-size}, which must be loaded into the cache before
 * {@code run}, e.g. with {@code granary fs load -R}) and {@code DIR/cold/} ({@code --load-files}
 * files of {@code --load-size}, which nothing may touch before {@code run}). {@code run} checks the
 * data set with the SDK (counts, sizes, every block of {@code read/} cached) and then runs, in
 * order:
 * <ul>
 *   <li>{@code stat}: {@code --stat-concurrency} GetStatus calls always in flight (closed loop: each
 *       slot sends its next call when its last one answers), over random paths of {@code stat/},
 *       spread over {@code --connections} HTTP/2 connections (one {@link GrpcClient} each, slot
 *       {@code i} on connection {@code i % connections}); every answer's path, type and length is
 *       checked.
 *   <li>{@code read}: {@code --read-streams} ReadBlock server streams always in flight, each a
 *       whole-file read (offset 0, the file's length, {@code --read-chunk} messages) of the files
 *       of {@code read/} in turn; the bytes of every stream are counted and must equal the length.
 *   <li>{@code load}: one Load RPC (recursive, {@code --load-parallelism}) of {@code cold/};
 *       files/s and MiB/s from its progress stream. Every file must be loaded (none failed or
 *       skipped), and afterwards every block of every file must be cached.
 * </ul>
 * The two closed loops run a warm-up ({@code --warmup} seconds) and then a window ({@code
 * --seconds}); throughput counts the calls that ended in the window (and, for ReadBlock, the bytes
 * received in it), latency percentiles those calls. A failed call is counted, its message printed
 * (the first few), and the loop goes on; any error (including a failed check) makes the exit
 * status 1. Output on stdout: a markdown table, then one {@code grpcload scenario=... key=value ...}
 * line per scenario and a final {@code grpcload scenario=all errors=N}; progress on stderr.
 */
public final class GrpcLoad {
  static final List<String> SCENARIOS = List.of("stat", "read", "load");
  private static final long SEED = 0x6772616e617279L; // "granary"
  private static final int MAX_LOGGED_ERRORS = 10;
  /** USER_HZ, the unit of the CPU times in /proc/PID/stat (100 on every common Linux). */
  private static final long CLOCK_TICKS = 100;

  private final RunOptions o;
  private final Vertx vertx;
  private final List<GrpcClient> clients = new ArrayList<>();
  private final SocketAddress address;
  private final AtomicInteger loggedErrors = new AtomicInteger();
  private final List<Row> rows = new ArrayList<>();
  private final List<String> lines = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private long errors;

  GrpcLoad(RunOptions o) {
    this.o = o;
    this.vertx = Vertx.builder()
        .with(new VertxOptions().setEventLoopPoolSize(o.eventLoops))
        .withTransport(Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO)
        .build();
    this.address = SocketAddress.inetSocketAddress(o.port, o.host);
    HttpClientOptions http = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setTcpNoDelay(true);
    if (o.http2Window > 0) {
      http.setHttp2ConnectionWindowSize(o.http2Window);
      http.getInitialSettings().setInitialWindowSize(o.http2Window);
    }
    for (int i = 0; i < o.connections; i++) {
      // Each client has its own HTTP client, whose HTTP/2 pool holds one connection (the default).
      clients.add(GrpcClient.client(vertx, new GrpcClientOptions().setMaxMessageSize(16 << 20), http));
    }
  }

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("gen")) {
      GenOptions g = BenchSupport.parseOrExit("GrpcLoad gen", USAGE, GenOptions::parse, tail(args));
      BenchSupport.runAndExit("GrpcLoad gen", () -> {
        gen(g);
        return 0;
      });
    } else {
      if (args.length == 0 || !args[0].equals("run")) {
        BenchSupport.usageExit("GrpcLoad", "expected gen or run as the first argument", USAGE);
      }
      RunOptions r = BenchSupport.parseOrExit("GrpcLoad run", USAGE, RunOptions::parse, tail(args));
      GrpcLoad load = new GrpcLoad(r);
      int rc = BenchSupport.runReporting("GrpcLoad", load::run);
      load.close();
      BenchSupport.exitWith(rc);
    }
  }

  private static String[] tail(String[] args) {
    return java.util.Arrays.copyOfRange(args, 1, args.length);
  }

  private void close() {
    for (GrpcClient c : clients) {
      c.close();
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      log("closing Vert.x: %s", message(e));
    }
  }

  // ---------------------------------------------------------------- gen

  /** Writes the data set under {@code --ufs}/{@code --dir}. */
  static void gen(GenOptions g) throws Exception {
    long t0 = System.nanoTime();
    Path base = g.ufs.resolve(g.dir);
    writeFiles(base.resolve("stat"), g.statFiles, g.statSize, 1, g.threads);
    writeFiles(base.resolve("read"), g.readFiles, g.readSize, 2, g.threads);
    writeFiles(base.resolve("cold"), g.loadFiles, g.loadSize, 3, g.threads);
    long bytes = g.statFiles * g.statSize + g.readFiles * g.readSize + g.loadFiles * g.loadSize;
    double secs = (System.nanoTime() - t0) / 1e9;
    System.err.printf(Locale.ROOT, "[grpcload] gen: %d + %d + %d files, %.0f MiB in %.1f s under %s%n", g.statFiles,
        g.readFiles, g.loadFiles, bytes / MIB, secs, base);
  }

  private static void writeFiles(Path dir, int files, long size, int set, int threads) throws Exception {
    Files.createDirectories(dir);
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    BenchSupport.runThreads(threads, "gen", "gen " + dir, failure, () -> {
      byte[] buf = new byte[(int) Math.min(size, 1 << 20)];
      int i;
      while (failure.get() == null && (i = next.getAndIncrement()) < files) {
        SplittableRandom r = new SplittableRandom(SEED + set * 1_000_003L + i);
        try (OutputStream out = Files.newOutputStream(dir.resolve(fileName(i)))) {
          for (long left = size; left > 0; left -= buf.length) {
            r.nextBytes(buf);
            out.write(buf, 0, (int) Math.min(buf.length, left));
          }
        }
      }
    });
  }

  static String fileName(int i) {
    return String.format(Locale.ROOT, "f-%06d", i);
  }

  // ---------------------------------------------------------------- run

  int run() throws Exception {
    log("gateway %s:%d, %d HTTP/2 connection(s), %d event loop(s) (%s), HTTP/2 window %s; scenarios %s, %.0f s warm-up"
        + " + %.0f s window", o.host, o.port, o.connections, o.eventLoops, Transport.EPOLL.available() ? "epoll" : "nio",
        o.http2Window > 0 ? (o.http2Window >> 10) + " KiB" : "default", String.join(",", o.scenarios), o.warmup, o.seconds);
    try (GranaryClient sdk = new GranaryClient(o.host, o.port, o.accessKey, o.secretKey,
        new GranaryClient.Options(0, 1000, false, 120_000))) {
      for (String s : o.scenarios) {
        try {
          switch (s) {
            case "stat" -> stat(sdk);
            case "read" -> read(sdk);
            case "load" -> load(sdk);
            default -> throw new IllegalArgumentException("unknown scenario " + s);
          }
        } catch (Exception e) {
          // A setup or check that failed: the scenario's row says so, and the run goes on.
          errors++;
          log("%s: FAILED: %s", s, message(e));
          rows.add(Row.failed(s, message(e)));
          lines.add("grpcload scenario=" + s + " failed=1 errors=1");
        }
      }
    }
    print();
    return errors == 0 ? 0 : 1;
  }

  // ---------------------------------------------------------------- plumbing

  /** The last signature made on this thread: calls of one method in the same millisecond share it. */
  private record Signed(String method, long dateMs, String date, String signature) {}

  private final ThreadLocal<Signed> lastSigned = new ThreadLocal<>();

  /**
   * Signs a call with {@link CallAuth} as the SDK does. The signature covers only the method and
   * the time in milliseconds, so calls of one method within the same millisecond carry the same
   * headers; they are computed once per millisecond (and thread), which keeps the driver's HMAC
   * work out of the way at tens of thousands of calls per second. The gateway still verifies every
   * call.
   */
  private void sign(MultiMap headers, String method) {
    long now = System.currentTimeMillis();
    Signed s = lastSigned.get();
    if (s == null || s.dateMs() != now || !s.method().equals(method)) {
      s = new Signed(method, now, Long.toString(now), CallAuth.sign(o.secretKey, method, now));
      lastSigned.set(s);
    }
    headers.set(GranaryMethods.ACCESS_KEY_HEADER, o.accessKey);
    headers.set(GranaryMethods.DATE_HEADER, s.date());
    headers.set(GranaryMethods.SIGNATURE_HEADER, s.signature());
  }

  private static IOException statusError(String what, GrpcClientResponse<?, ?> resp) {
    return new IOException(what + ": " + resp.status() + (resp.statusMessage() == null ? "" : " " + resp.statusMessage()));
  }

  private void logError(String scenario, Throwable t) {
    int n = loggedErrors.incrementAndGet();
    if (n <= MAX_LOGGED_ERRORS) {
      log("%s: error: %s", scenario, message(t));
    } else if (n == MAX_LOGGED_ERRORS + 1) {
      log("(further errors are counted, not printed)");
    }
  }

  /** One call of a closed loop on {@code client}: completes with the bytes it received, fails on any error. */
  interface Call {
    Future<Long> start(GrpcClient client, long seq);
  }

  /** What a closed loop measured: calls that ended in the window, and all errors. */
  record Loop(double seconds, long calls, long bytes, long errors, LatencyHistogram latency, int connections,
      long maxConcurrentStreams, double clientCpu, double serverCpu) {}

  /**
   * {@code slots} calls always in flight, slot {@code i} on client {@code i % clients}: a warm-up,
   * then the window; then the loop stops and waits for the calls in flight (at most {@code drain}
   * seconds). {@code bytes} is what the calls add their received bytes to as they go.
   */
  private Loop closedLoop(String name, int slots, Call call, LongAdder bytes, double drain) throws Exception {
    LatencyHistogram latency = new LatencyHistogram();
    LongAdder calls = new LongAdder();
    LongAdder errs = new LongAdder();
    AtomicLong seq = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    // start, end (ns), bytes at start, at end, client CPU ns at start, at end, server CPU ns at start, at end
    long[] window = {Long.MAX_VALUE, Long.MAX_VALUE, 0, 0, 0, 0, 0, 0};
    CountDownLatch windowOver = new CountDownLatch(1);
    CountDownLatch finished = new CountDownLatch(slots);
    long warmMs = Math.max(1, (long) (o.warmup * 1000));
    long winMs = Math.max(1, (long) (o.seconds * 1000));
    vertx.setTimer(warmMs, id -> {
      synchronized (window) {
        window[2] = bytes.sum();
        window[4] = processCpuNanos();
        window[6] = serverCpuNanos();
        window[0] = System.nanoTime();
      }
    });
    vertx.setTimer(warmMs + winMs, id -> {
      synchronized (window) {
        window[1] = System.nanoTime();
        window[3] = bytes.sum();
        window[5] = processCpuNanos();
        window[7] = serverCpuNanos();
      }
      stop.set(true);
      windowOver.countDown();
    });
    for (int s = 0; s < slots; s++) {
      GrpcClient client = clients.get(s % clients.size());
      Runnable[] next = new Runnable[1];
      next[0] = () -> {
        if (stop.get()) {
          finished.countDown();
          return;
        }
        long t0 = System.nanoTime();
        Future<Long> f;
        try {
          f = call.start(client, seq.getAndIncrement());
        } catch (RuntimeException e) {
          f = Future.failedFuture(e);
        }
        f.onComplete(ar -> {
          long t1 = System.nanoTime();
          if (ar.failed()) {
            errs.increment();
            logError(name, ar.cause());
            vertx.setTimer(10, id -> next[0].run()); // no busy loop on a dead server; never recurse
            return;
          }
          synchronized (window) {
            if (t1 >= window[0] && t1 <= window[1]) {
              calls.increment();
              latency.record(t1 - t0);
            }
          }
          next[0].run();
        });
      };
      next[0].run();
    }
    long limit = warmMs + winMs + 30_000;
    if (!windowOver.await(limit, TimeUnit.MILLISECONDS)) {
      throw new IOException(name + ": the window did not end within " + limit + " ms");
    }
    if (!finished.await((long) (drain * 1000), TimeUnit.MILLISECONDS)) {
      long stuck = finished.getCount();
      errs.add(stuck);
      log("%s: %d call(s) still in flight %.0f s after the window: counted as errors", name, stuck, drain);
    }
    double secs;
    long b;
    double clientCpu;
    double serverCpu;
    synchronized (window) {
      secs = (window[1] - window[0]) / 1e9;
      b = window[3] - window[2];
      clientCpu = window[4] < 0 || window[5] < 0 ? Double.NaN : (window[5] - window[4]) / 1e9 / secs;
      serverCpu = window[6] < 0 || window[7] < 0 ? Double.NaN : (window[7] - window[6]) / 1e9 / secs;
    }
    return new Loop(secs, calls.sum(), b, errs.sum(), latency, connections.size(), maxStreams.get(), clientCpu,
        serverCpu);
  }

  /** CPU time of this JVM (all threads), or -1. */
  private static long processCpuNanos() {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  /** CPU time (user + system) of {@code --server-pid} from /proc, or -1 (none given, or unreadable). */
  private long serverCpuNanos() {
    if (o.serverPid <= 0) {
      return -1;
    }
    try {
      String stat = Files.readString(Path.of("/proc/" + o.serverPid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // after "pid (comm) ": state is field 3 of stat(5), so utime (14) and stime (15) are at 11 and 12
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
      return ticks * (1_000_000_000L / CLOCK_TICKS);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private final Set<HttpConnection> connections = ConcurrentHashMap.newKeySet();
  private final AtomicLong maxStreams = new AtomicLong(-1);

  /** Notes the connection a call went out on (to report how many the calls were multiplexed on). */
  private void noteConnection(GrpcClientRequest<?, ?> req) {
    HttpConnection c = req.connection();
    if (c != null && connections.add(c)) {
      maxStreams.set(c.remoteSettings().getMaxConcurrentStreams());
    }
  }

  // ---------------------------------------------------------------- stat storm

  private void stat(GranaryClient sdk) throws Exception {
    String dir = o.dir + "/stat";
    List<FileStatus> entries = sdk.list(dir);
    List<String> paths = new ArrayList<>();
    for (FileStatus f : entries) {
      if (f.getType() != FileType.FILE || f.getLength() != o.statSize) {
        throw new IOException(f.getPath() + ": type " + f.getType() + ", length " + f.getLength() + ", expected a file of "
            + o.statSize + " bytes");
      }
      paths.add(f.getPath());
    }
    if (paths.size() != o.statFiles) {
      throw new IOException(dir + " has " + paths.size() + " files, expected " + o.statFiles);
    }
    log("stat: %d paths under %s; %d calls in flight on %d connection(s)", paths.size(), dir, o.statConcurrency,
        clients.size());
    connections.clear();
    String[] ps = paths.toArray(String[]::new);
    Loop l = closedLoop("stat", o.statConcurrency, (client, n) -> {
      String path = ps[(int) Math.floorMod(mix(n), (long) ps.length)];
      return client.request(address, GranaryMethods.GET_STATUS.client()).compose(req -> {
        noteConnection(req);
        sign(req.headers(), "GetStatus");
        return req.send(PathRequest.newBuilder().setPath(path).build());
      }).compose(resp -> resp.last().transform(ar -> {
        if (resp.status() != null && resp.status() != GrpcStatus.OK) {
          return Future.failedFuture(statusError("GetStatus " + path, resp));
        }
        if (ar.failed()) {
          return Future.failedFuture(ar.cause());
        }
        FileStatus st = ar.result();
        if (!st.getPath().equals(path) || st.getType() != FileType.FILE || st.getLength() != o.statSize) {
          return Future.failedFuture(new IOException("GetStatus " + path + ": got path " + st.getPath() + ", type "
              + st.getType() + ", length " + st.getLength() + " (expected a file of " + o.statSize + " bytes)"));
        }
        return Future.succeededFuture(0L);
      }));
    }, new LongAdder(), 30);
    errors += l.errors();
    double rps = l.calls() / l.seconds();
    log("stat: %.0f calls/s, p50 %.2f ms, p99 %.2f ms, %d errors, %d connection(s) used (server allows %d streams each)",
        rps, ms(l.latency().percentileNanos(0.5)), ms(l.latency().percentileNanos(0.99)), l.errors(), l.connections(),
        l.maxConcurrentStreams());
    if (l.connections() > clients.size()) {
      notes.add("stat: the calls used " + l.connections() + " connections, more than the " + clients.size() + " asked for");
    }
    if (l.maxConcurrentStreams() >= 0 && (long) o.statConcurrency > l.maxConcurrentStreams() * clients.size()) {
      notes.add("stat: more calls in flight (" + o.statConcurrency + ") than the server's stream limit ("
          + l.maxConcurrentStreams() + " per connection) allows: the rest waited in the client's queue");
    }
    rows.add(new Row("GetStatus storm", o.statConcurrency + " in flight, " + l.connections() + " HTTP/2 conn., "
        + paths.size() + " paths", l.calls(), l.errors(), fmt(rps) + " calls/s", "", l.latency(), l.clientCpu(),
        l.serverCpu()));
    lines.add(String.format(Locale.ROOT, "grpcload scenario=stat concurrency=%d connections=%d paths=%d seconds=%.3f"
        + " calls=%d errors=%d calls_per_s=%.1f %s %s", o.statConcurrency, l.connections(), paths.size(), l.seconds(),
        l.calls(), l.errors(), rps, latencyKv(l.latency()), cpuKv(l.clientCpu(), l.serverCpu())));
  }

  /** Spreads call numbers over the paths (a fixed pseudo-random order, the same in every run). */
  private static long mix(long n) {
    long z = n * 0x9E3779B97F4A7C15L + SEED;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  // ---------------------------------------------------------------- ReadBlock streams

  private void read(GranaryClient sdk) throws Exception {
    String dir = o.dir + "/read";
    List<FileStatus> entries = sdk.list(dir);
    if (entries.size() != o.readFiles) {
      throw new IOException(dir + " has " + entries.size() + " entries, expected " + o.readFiles + " files");
    }
    List<String> paths = new ArrayList<>();
    for (FileStatus f : entries) {
      OpenFileResponse r = sdk.open(f.getPath());
      long cached = 0;
      for (BlockInfo b : r.getBlocksList()) {
        if (b.getCached()) {
          cached += b.getLength();
        }
      }
      if (f.getType() != FileType.FILE || r.getStatus().getLength() != o.readSize) {
        throw new IOException(f.getPath() + ": type " + f.getType() + ", length " + r.getStatus().getLength()
            + ", expected a file of " + o.readSize + " bytes");
      }
      if (cached != o.readSize) {
        throw new IOException(f.getPath() + ": " + cached + " of " + o.readSize + " bytes cached: the read set must be"
            + " loaded into the cache first (granary fs load -R " + dir + ")");
      }
      paths.add(f.getPath());
    }
    log("read: %d cached files of %d MiB under %s; %d ReadBlock streams in flight, %d KiB messages", paths.size(),
        o.readSize >> 20, dir, o.readStreams, o.readChunk >> 10);
    connections.clear();
    String[] ps = paths.toArray(String[]::new);
    LongAdder bytes = new LongAdder();
    LatencyHistogram firstByte = new LatencyHistogram();
    Loop l = closedLoop("read", o.readStreams, (client, n) -> {
      String path = ps[(int) (n % ps.length)];
      long t0 = System.nanoTime();
      Promise<Long> done = Promise.promise();
      client.request(address, GranaryMethods.READ_BLOCK.client()).compose(req -> {
        noteConnection(req);
        sign(req.headers(), "ReadBlock");
        // handlers before the request leaves: a stream drops what arrives before they are set
        Future<Void> handled = req.response().map(resp -> {
          long[] got = {0};
          resp.handler((DataChunk c) -> {
            if (got[0] == 0) {
              firstByte.record(System.nanoTime() - t0);
            }
            int k = c.getData().size();
            got[0] += k;
            bytes.add(k);
          });
          resp.exceptionHandler(done::tryFail);
          resp.endHandler(v -> {
            if (resp.status() != GrpcStatus.OK) {
              done.tryFail(statusError("ReadBlock " + path, resp));
            } else if (got[0] != o.readSize) {
              done.tryFail(new IOException("ReadBlock " + path + ": " + got[0] + " bytes, expected " + o.readSize));
            } else {
              done.tryComplete(got[0]);
            }
          });
          return null;
        });
        req.end(ReadBlockRequest.newBuilder().setPath(path).setOffset(0).setLength(o.readSize)
            .setChunkSize(o.readChunk).build());
        return handled;
      }).onFailure(done::tryFail);
      return done.future();
    }, bytes, 120);
    errors += l.errors();
    double mibps = l.bytes() / MIB / l.seconds();
    double fps = l.calls() / l.seconds();
    log("read: %.0f MiB/s, %.1f files/s, p50 %.0f ms, p99 %.0f ms per file, first message p50 %.1f ms, %d errors", mibps,
        fps, ms(l.latency().percentileNanos(0.5)), ms(l.latency().percentileNanos(0.99)),
        ms(firstByte.percentileNanos(0.5)), l.errors());
    rows.add(new Row("ReadBlock streams", o.readStreams + " streams, " + paths.size() + " cached files of "
        + (o.readSize >> 20) + " MiB, " + (o.readChunk >> 10) + " KiB msgs", l.calls(), l.errors(),
        fmt(fps) + " files/s", fmt(mibps), l.latency(), l.clientCpu(), l.serverCpu()));
    lines.add(String.format(Locale.ROOT, "grpcload scenario=read streams=%d connections=%d files=%d file_bytes=%d"
        + " chunk=%d seconds=%.3f calls=%d errors=%d bytes=%d files_per_s=%.2f mib_per_s=%.1f %s first_msg_p50_ms=%.3f"
        + " first_msg_p99_ms=%.3f %s", o.readStreams, l.connections(), paths.size(), o.readSize, o.readChunk,
        l.seconds(), l.calls(), l.errors(), l.bytes(), fps, mibps, latencyKv(l.latency()),
        ms(firstByte.percentileNanos(0.5)), ms(firstByte.percentileNanos(0.99)), cpuKv(l.clientCpu(), l.serverCpu())));
  }

  // ---------------------------------------------------------------- Load of a cold directory

  private void load(GranaryClient sdk) throws Exception {
    String dir = o.dir + "/cold";
    CacheReport before = sdk.report();
    long expectBytes = (long) o.loadFiles * o.loadSize;
    log("load: one Load RPC of %s (%d files of %d KiB in the under-storage, never read), parallelism %d", dir,
        o.loadFiles, o.loadSize >> 10, o.loadParallelism);
    AtomicLong messages = new AtomicLong();
    AtomicLong firstNs = new AtomicLong();
    AtomicLong lastNs = new AtomicLong();
    AtomicReference<LoadProgress> last = new AtomicReference<>(LoadProgress.getDefaultInstance());
    LongAdder fileErrors = new LongAdder();
    Promise<Void> done = Promise.promise();
    long cpu0 = processCpuNanos();
    long srv0 = serverCpuNanos();
    long t0 = System.nanoTime();
    clients.get(0).request(address, GranaryMethods.LOAD.client()).compose(req -> {
      sign(req.headers(), "Load");
      Future<Void> handled = req.response().map(resp -> {
        resp.handler((LoadProgress p) -> {
          long now = System.nanoTime();
          if (messages.getAndIncrement() == 0) {
            firstNs.set(now - t0);
          }
          lastNs.set(now - t0);
          last.set(p);
          if (!p.getDone() && !p.getError().isEmpty()) {
            fileErrors.increment();
            logError("load", new IOException(p.getCurrent() + ": " + p.getError()));
          }
        });
        resp.exceptionHandler(done::tryFail);
        resp.endHandler(v -> {
          if (resp.status() != GrpcStatus.OK) {
            done.tryFail(statusError("Load " + dir, resp));
          } else {
            done.tryComplete();
          }
        });
        return null;
      });
      req.end(LoadRequest.newBuilder().setPath(dir).setRecursive(true).setParallelism(o.loadParallelism).build());
      return handled;
    }).onFailure(done::tryFail);
    try {
      done.future().toCompletionStage().toCompletableFuture().get(o.loadTimeout, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IOException("Load " + dir + ": not finished after " + o.loadTimeout + " s");
    }
    double rpcSecs = (System.nanoTime() - t0) / 1e9;
    long cpu1 = processCpuNanos();
    long srv1 = serverCpuNanos();
    double clientCpu = cpu0 < 0 || cpu1 < 0 ? Double.NaN : (cpu1 - cpu0) / 1e9 / rpcSecs;
    double serverCpu = srv0 < 0 || srv1 < 0 ? Double.NaN : (srv1 - srv0) / 1e9 / rpcSecs;
    LoadProgress p = last.get();
    double secs = lastNs.get() / 1e9; // to the final progress message
    List<String> problems = new ArrayList<>();
    if (!p.getDone()) {
      problems.add("the progress stream ended without its final (done) message");
    }
    if (!p.getError().isEmpty()) {
      problems.add("the load stopped: " + p.getError());
    }
    if (p.getFilesFailed() > 0) {
      problems.add(p.getFilesFailed() + " files failed");
    }
    if (p.getFilesSkipped() > 0) {
      problems.add(p.getFilesSkipped() + " files were skipped as already cached (not a cold load)");
    }
    if (p.getFilesTotal() != o.loadFiles || p.getFilesDone() != o.loadFiles) {
      problems.add("files done/total " + p.getFilesDone() + "/" + p.getFilesTotal() + ", expected " + o.loadFiles);
    }
    if (p.getBytesDone() != expectBytes || p.getBytesTotal() != expectBytes) {
      problems.add("bytes done/total " + p.getBytesDone() + "/" + p.getBytesTotal() + ", expected " + expectBytes);
    }
    // Afterwards every block of every file must be cached.
    long notCached = 0;
    for (FileStatus f : sdk.list(dir)) {
      for (BlockInfo b : sdk.open(f.getPath()).getBlocksList()) {
        if (!b.getCached()) {
          notCached++;
        }
      }
    }
    if (notCached > 0) {
      problems.add(notCached + " blocks not cached after the load");
    }
    CacheReport after = sdk.report();
    long ufsRead = after.getUfsBytesRead() - before.getUfsBytesRead();
    if (ufsRead < expectBytes) {
      problems.add("the under-storage gave " + ufsRead + " bytes, less than the " + expectBytes + " loaded");
    }
    long errs = fileErrors.sum() + (problems.isEmpty() ? 0 : 1);
    for (String s : problems) {
      log("load: error: %s", s);
    }
    errors += errs;
    double fps = p.getFilesDone() / secs;
    double mibps = p.getBytesDone() / MIB / secs;
    log("load: %d files, %.0f MiB in %.2f s: %.0f files/s, %.0f MiB/s; %d progress messages, first after %.0f ms;"
        + " under-storage read %.0f MiB; %d errors", p.getFilesDone(), p.getBytesDone() / MIB, secs, fps, mibps,
        messages.get(), firstNs.get() / 1e6, ufsRead / MIB, errs);
    LatencyHistogram one = new LatencyHistogram();
    one.record((long) (rpcSecs * 1e9));
    rows.add(new Row("Load (cold directory)", o.loadFiles + " files of " + sizeLabel(o.loadSize) + ", parallelism "
        + o.loadParallelism + "; latency = the whole RPC", 1, errs, fmt(fps) + " files/s", fmt(mibps), one, clientCpu,
        serverCpu));
    lines.add(String.format(Locale.ROOT, "grpcload scenario=load files=%d file_bytes=%d parallelism=%d seconds=%.3f"
        + " rpc_seconds=%.3f files_done=%d bytes_done=%d files_per_s=%.1f mib_per_s=%.1f progress_messages=%d"
        + " first_progress_ms=%.1f ufs_read_bytes=%d errors=%d %s", o.loadFiles, o.loadSize, o.loadParallelism, secs,
        rpcSecs, p.getFilesDone(), p.getBytesDone(), fps, mibps, messages.get(), firstNs.get() / 1e6, ufsRead, errs,
        cpuKv(clientCpu, serverCpu)));
  }

  // ---------------------------------------------------------------- output

  /** One table row; a null latency marks a scenario that failed before it measured anything. */
  record Row(String scenario, String setup, long calls, long errors, String throughput, String mibps,
      LatencyHistogram latency, double clientCpu, double serverCpu) {
    static Row failed(String scenario, String why) {
      return new Row(scenario, "FAILED: " + why.replace('|', '/'), 0, 1, "n/a", "n/a", null, Double.NaN, Double.NaN);
    }
  }

  private void print() {
    StringBuilder b = new StringBuilder();
    b.append("| scenario | load | calls | errors | throughput | MiB/s | p50 ms | p95 ms | p99 ms | max ms"
        + " | CPU driver / gateway (cores) |\n");
    b.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Row r : rows) {
      LatencyHistogram h = r.latency();
      b.append("| ").append(r.scenario()).append(" | ").append(r.setup()).append(" | ").append(r.calls()).append(" | ")
          .append(r.errors() > 0 ? "**" + r.errors() + "**" : "0").append(" | ").append(r.throughput()).append(" | ")
          .append(r.mibps().isEmpty() ? "" : r.mibps()).append(" | ")
          .append(h == null ? "n/a" : fmtMs(h.percentileNanos(0.50))).append(" | ")
          .append(h == null ? "n/a" : fmtMs(h.percentileNanos(0.95))).append(" | ")
          .append(h == null ? "n/a" : fmtMs(h.percentileNanos(0.99))).append(" | ")
          .append(h == null ? "n/a" : fmtMs(h.maxNanos())).append(" | ")
          .append(cpu(r.clientCpu())).append(" / ").append(cpu(r.serverCpu())).append(" |\n");
    }
    System.out.print(b);
    for (String n : notes) {
      System.out.println();
      System.out.println("Note: " + n);
    }
    System.out.println();
    for (String l : lines) {
      System.out.println(l);
    }
    System.out.println("grpcload scenario=all errors=" + errors);
    System.out.flush();
  }

  private static String latencyKv(LatencyHistogram h) {
    return String.format(Locale.ROOT, "p50_ms=%.3f p95_ms=%.3f p99_ms=%.3f max_ms=%.3f mean_ms=%.3f",
        ms(h.percentileNanos(0.5)), ms(h.percentileNanos(0.95)), ms(h.percentileNanos(0.99)), ms(h.maxNanos()),
        ms(h.meanNanos()));
  }

  private static String cpu(double cores) {
    return Double.isNaN(cores) ? "n/a" : String.format(Locale.ROOT, "%.2f", cores);
  }

  private static String cpuKv(double client, double server) {
    return String.format(Locale.ROOT, "driver_cpu_cores=%.3f gateway_cpu_cores=%.3f", client, server);
  }

  private static double ms(double nanos) {
    return nanos / 1e6;
  }

  private static String fmtMs(double nanos) {
    if (Double.isNaN(nanos)) {
      return "n/a";
    }
    double v = nanos / 1e6;
    return String.format(Locale.ROOT, v < 10 ? "%.2f" : v < 100 ? "%.1f" : "%.0f", v);
  }

  private static String fmt(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return "n/a";
    }
    return String.format(Locale.ROOT, v < 10 ? "%.2f" : v < 100 ? "%.1f" : "%.0f", v);
  }

  private static String sizeLabel(long bytes) {
    if (bytes >= (1 << 20) && bytes % (1 << 20) == 0) {
      return (bytes >> 20) + " MiB";
    }
    if (bytes >= 1024 && bytes % 1024 == 0) {
      return (bytes >> 10) + " KiB";
    }
    return bytes + " B";
  }

  private static void log(String format, Object... args) {
    BenchSupport.log("grpcload", format, args);
  }

  // ---------------------------------------------------------------- options

  static final String USAGE = """
      usage: GrpcLoad gen --ufs DIR [data set options]
             GrpcLoad run --port GRPC_PORT --access-key AK --secret-key SK [data set options] [options]
        data set (the same for gen and run; run checks the gateway holds exactly this):
          --dir NAME              directory under the root (gen: under --ufs) (default grpcload)
          --stat-files N          files for the stat storm, in DIR/stat (default 1000)
          --stat-size BYTES       their size (default 4KiB)
          --read-files N          files for the ReadBlock streams, in DIR/read (default 2)
          --read-size BYTES       their size (default 64MiB)
          --load-files N          files of the cold directory, DIR/cold (default 200)
          --load-size BYTES       their size (default 1MiB)
        gen:
          --ufs DIR               the gateway's under-storage directory (<data-dir>/ufs)
          --threads N             files written in parallel (default 4)
        run:
          --host H                gateway host (default 127.0.0.1)
          --scenarios LIST        comma list of stat,read,load (default: all, in that order)
          --seconds S             measured window of stat and read (default 10)
          --warmup S              warm-up before each window (default 2)
          --connections N         HTTP/2 connections the calls are spread over (default 2)
          --event-loops N         the client's Vert.x event loops (default 1)
          --http2-window BYTES    HTTP/2 stream and connection flow-control window (default 1MiB; 0: Vert.x's 64 KiB)
          --stat-concurrency N    GetStatus calls in flight (default 64)
          --read-streams N        ReadBlock streams in flight (default 4)
          --read-chunk BYTES      ReadBlock message size asked for (default 1MiB)
          --load-parallelism N    the Load RPC's parallelism (default 8)
          --load-timeout S        give up on the Load RPC after S seconds (default 300)
          --server-pid PID        the gateway's process (on this host): its CPU use is reported too
        sizes take a KiB, MiB or GiB suffix.""";

  /** Options of the data set, shared by gen and run (only run takes the gateway's). */
  abstract static class DataSet extends BenchSupport.GatewayOptions {
    String dir = "grpcload";
    int statFiles = 1000;
    long statSize = 4 << 10;
    int readFiles = 2;
    long readSize = 64L << 20;
    int loadFiles = 200;
    long loadSize = 1 << 20;

    DataSet(double seconds, double warmup) {
      super(seconds, warmup);
    }

    boolean setData(String a, String v) {
      switch (a) {
        case "--dir" -> dir = v.replaceAll("^/+|/+$", "");
        case "--stat-files" -> statFiles = Integer.parseInt(v);
        case "--stat-size" -> statSize = parseSize(v);
        case "--read-files" -> readFiles = Integer.parseInt(v);
        case "--read-size" -> readSize = parseSize(v);
        case "--load-files" -> loadFiles = Integer.parseInt(v);
        case "--load-size" -> loadSize = parseSize(v);
        default -> {
          return false;
        }
      }
      return true;
    }

    void checkData() {
      if (dir.isEmpty() || statFiles < 1 || readFiles < 1 || loadFiles < 1 || statSize < 1 || readSize < 1
          || loadSize < 1) {
        throw new IllegalArgumentException("--dir must not be empty; counts and sizes must be >= 1");
      }
    }
  }

  static final class GenOptions extends DataSet {
    Path ufs;
    int threads = 4;

    GenOptions() {
      super(0, 0); // gen has no window
    }

    static GenOptions parse(String[] args) {
      GenOptions g = new GenOptions();
      BenchSupport.parseOptions(args, (a, v) -> {
        switch (a) {
          case "--ufs" -> g.ufs = Path.of(v);
          case "--threads" -> g.threads = Integer.parseInt(v);
          default -> {
            return g.setData(a, v);
          }
        }
        return true;
      });
      if (g.ufs == null) {
        throw new IllegalArgumentException("--ufs is required");
      }
      g.checkData();
      return g;
    }
  }

  static final class RunOptions extends DataSet {
    List<String> scenarios = SCENARIOS;
    int connections = 2;
    int eventLoops = 1;
    int http2Window = 1 << 20;
    int statConcurrency = 64;
    int readStreams = 4;
    int readChunk = 1 << 20;
    int loadParallelism = 8;
    long loadTimeout = 300;
    long serverPid = -1;

    RunOptions() {
      super(10, 2);
    }

    static RunOptions parse(String[] args) {
      RunOptions o = new RunOptions();
      BenchSupport.parseOptions(args, (a, v) -> {
        switch (a) {
          case "--scenarios" -> o.scenarios = List.of(v.split(","));
          case "--connections" -> o.connections = Integer.parseInt(v);
          case "--event-loops" -> o.eventLoops = Integer.parseInt(v);
          case "--http2-window" -> o.http2Window = (int) parseSize(v);
          case "--stat-concurrency" -> o.statConcurrency = Integer.parseInt(v);
          case "--read-streams" -> o.readStreams = Integer.parseInt(v);
          case "--read-chunk" -> o.readChunk = (int) parseSize(v);
          case "--load-parallelism" -> o.loadParallelism = Integer.parseInt(v);
          case "--load-timeout" -> o.loadTimeout = Long.parseLong(v);
          case "--server-pid" -> o.serverPid = Long.parseLong(v);
          default -> {
            return o.setGateway(a, v) || o.setData(a, v);
          }
        }
        return true;
      });
      o.checkGateway();
      BenchSupport.checkWorkloads(o.scenarios, SCENARIOS);
      o.checkData();
      o.dir = "/" + o.dir;
      if (o.connections < 1 || o.eventLoops < 1 || o.statConcurrency < 1 || o.readStreams < 1 || o.readChunk < 1
          || o.loadParallelism < 1 || o.seconds <= 0 || o.warmup < 0 || o.http2Window < 0) {
        throw new IllegalArgumentException("counts must be >= 1, --seconds > 0, --warmup and --http2-window >= 0");
      }
      if (o.readChunk > (4 << 20)) {
        throw new IllegalArgumentException("--read-chunk must be at most 4MiB (the gateway's limit)");
      }
      if (o.http2Window > 0 && o.http2Window < 65535) {
        throw new IllegalArgumentException("--http2-window must be 0 or at least 65535");
      }
      return o;
    }
  }

  /** Bytes, with an optional KiB/MiB/GiB (or K/M/G) suffix. */
  static long parseSize(String v) {
    String s = v.trim().toUpperCase(Locale.ROOT);
    long mult = 1;
    for (String[] suffix : new String[][] {{"GIB", "G"}, {"MIB", "M"}, {"KIB", "K"}}) {
      long m = suffix[1].equals("G") ? 1L << 30 : suffix[1].equals("M") ? 1L << 20 : 1L << 10;
      if (s.endsWith(suffix[0])) {
        s = s.substring(0, s.length() - suffix[0].length());
        mult = m;
        break;
      }
      if (s.endsWith(suffix[1])) {
        s = s.substring(0, s.length() - 1);
        mult = m;
        break;
      }
    }
    return Long.parseLong(s.trim()) * mult;
  }
}
