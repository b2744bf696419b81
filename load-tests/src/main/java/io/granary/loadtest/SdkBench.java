package io.granary.loadtest;

import static io.granary.loadtest.BenchSupport.MIB;
import static io.granary.loadtest.BenchSupport.message;
import static io.granary.loadtest.BenchSupport.result;
import static io.granary.loadtest.BenchSupport.sleepWatching;

import io.granary.sdk.CallAuth;
import io.granary.sdk.GranaryClient;
import io.granary.sdk.GranaryMethods;
import io.granary.sdk.proto.BlockInfo;
import io.granary.sdk.proto.FileStatus;
import io.granary.sdk.proto.FileType;
import io.granary.sdk.proto.OpenFileResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import java.util.zip.CRC32C;

/**
 * The Java SDK benchmark (issue 4). Not a test: run by {@code load-tests/sdk-bench.sh}, or by hand
 * against a gateway on this host:
 *
 * <pre>
 * java -cp 'load-tests/target/classes:load-tests/target/lib/*' io.granary.loadtest.SdkBench \
 *   --port GRPC_PORT --access-key AK --secret-key SK --seconds 15 --warmup 3
 * </pre>
 *
 * <p>Setup writes, with the SDK and write type {@code --write-type} (default MUST_CACHE, so it is
 * cached), one {@code --large-size} file (1 GiB) of seeded pseudo-random bytes, whose CRC32C is
 * computed while writing, and {@code --small-files} files of {@code --small-size} bytes, each
 * starting with its index and ending with its complement. It then checks that every block is
 * cached with a local path (short circuit possible). Workloads, in order:
 * <ul>
 *   <li>{@code large-net}, {@code large-sc}: sequential reads of the large file through
 *       {@code openChannel} into a reused direct buffer of {@code --read-size} bytes, with
 *       {@code shortCircuit} false, then true. A first pass checks the CRC32C (and warms up), then
 *       whole passes repeat until {@code --seconds} have passed; MiB/s over those passes.
 *   <li>{@code large-grpc}: the same bytes through {@code readBlockRpc} (gRPC ReadBlock streaming,
 *       {@code --grpc-chunk} messages), one call per block-sized range; first pass checksummed.
 *   <li>{@code large-raw} (a diagnostic, not the SDK): the same ranges as the SDK's network path
 *       asks for (one per block), signed like it, over one keep-alive socket read into a reused
 *       32 KiB direct buffer ({@link RawGetConnection}): what the gateway's data path and loopback
 *       give without the SDK's HTTP client. Byte counts checked, no checksum.
 *   <li>{@code stat}: {@code stat} of random small files with a metadata cache (TTL 60 s) and
 *       without (TTL 0), on each thread count of {@code --stat-threads}; calls/s and RPCs/call.
 *   <li>{@code small-net}, {@code small-sc}: whole reads of random small files on
 *       {@code --threads} threads, network then short circuit; reads/s. Block lists are cached
 *       (TTL 60 s) and primed first, so this is the data path alone.
 * </ul>
 * Every read is checked (byte count; CRC32C on the first large pass; index and complement of each
 * small file; status length of each stat); the first failure stops the run with exit status 1.
 * Results go to stdout as {@code RESULT <name> <value>} lines; progress to stderr.
 */
public final class SdkBench {
  private static final long SEED = 0x6772616e617279L; // "granary"
  private static final int GEN_CHUNK = 1 << 20;
  static final List<String> WORKLOADS = List.of("large-net", "large-sc", "large-grpc", "large-raw", "stat", "small-net",
      "small-sc");

  private final Options o;
  private final String largePath;
  private long largeCrc;

  SdkBench(Options o) {
    this.o = o;
    this.largePath = o.dir + "/large-" + o.largeSize;
  }

  public static void main(String[] args) {
    Options o = BenchSupport.parseOrExit("SdkBench", Options.USAGE, Options::parse, args);
    BenchSupport.runAndExit("SdkBench", () -> {
      new SdkBench(o).run();
      return 0;
    });
  }

  private GranaryClient client(long ttlMs, boolean shortCircuit) {
    return new GranaryClient(o.host, o.port, o.accessKey, o.secretKey,
        new GranaryClient.Options(ttlMs, 100_000, shortCircuit, 120_000));
  }

  void run() throws Exception {
    log("gateway %s:%d, large file %d MiB, read size %d, %d small files of %d bytes, write type %s",
        o.host, o.port, o.largeSize >> 20, o.readSize, o.smallFiles, o.smallSize, o.writeType);
    setup();
    for (String w : o.workloads) {
      switch (w) {
        case "large-net" -> large("net", false);
        case "large-sc" -> large("sc", true);
        case "large-grpc" -> largeGrpc();
        case "large-raw" -> largeRaw();
        case "stat" -> stat();
        case "small-net" -> small("net", false);
        case "small-sc" -> small("sc", true);
        default -> throw new IllegalArgumentException("unknown workload " + w);
      }
    }
  }

  // ---------------------------------------------------------------- setup

  private void setup() throws Exception {
    try (GranaryClient c = client(60_000, true)) {
      c.mkdir(o.dir + "/small", true);
      long t0 = System.nanoTime();
      CRC32C crc = new CRC32C();
      byte[] buf = new byte[GEN_CHUNK];
      try (OutputStream out = c.create(largePath, o.writeType, true, o.largeSize)) {
        for (long off = 0, i = 0; off < o.largeSize; off += GEN_CHUNK, i++) {
          int n = (int) Math.min(GEN_CHUNK, o.largeSize - off);
          fill(buf, n, i);
          crc.update(buf, 0, n);
          out.write(buf, 0, n);
        }
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      largeCrc = crc.getValue();
      log("setup: wrote %s (%d MiB, CRC32C %08x) in %.1f s: %.0f MiB/s", largePath, o.largeSize >> 20, largeCrc, secs,
          o.largeSize / MIB / secs);
      result("write_large_mibps", o.largeSize / MIB / secs);
      checkCached(c, largePath, o.largeSize);

      t0 = System.nanoTime();
      AtomicInteger next = new AtomicInteger();
      BenchSupport.runThreads(o.threads, "write-small", "write-small", new AtomicReference<>(), () -> {
        byte[] b = new byte[o.smallSize];
        int i;
        while ((i = next.getAndIncrement()) < o.smallFiles) {
          smallContent(b, i);
          try (OutputStream out = c.create(smallPath(i), o.writeType, true, o.smallSize)) {
            out.write(b);
          }
        }
      });
      secs = (System.nanoTime() - t0) / 1e9;
      log("setup: wrote %d files of %d bytes on %d threads in %.1f s: %.0f files/s", o.smallFiles, o.smallSize, o.threads,
          secs, o.smallFiles / secs);
      result("write_small_per_s", o.smallFiles / secs);
      for (int i = 0; i < o.smallFiles; i++) {
        checkCached(c, smallPath(i), o.smallSize);
      }
      log("setup: every block of the %d files is cached with a local path", o.smallFiles + 1);
    }
  }

  /** Fails unless the file has the length and every block is cached with a readable local block file. */
  private static void checkCached(GranaryClient c, String path, long size) throws IOException {
    OpenFileResponse f = c.open(path);
    if (f.getStatus().getLength() != size) {
      throw new IOException(path + ": length " + f.getStatus().getLength() + ", expected " + size);
    }
    long covered = 0;
    for (BlockInfo b : f.getBlocksList()) {
      if (!b.getCached() || b.getLocalPath().isEmpty() || !Files.isReadable(Path.of(b.getLocalPath()))) {
        throw new IOException(path + ": block " + b.getIndex() + " is not cached with a local file (cached="
            + b.getCached() + ", tier=" + b.getTier() + ", local path '" + b.getLocalPath() + "'): no short circuit possible");
      }
      covered += b.getLength();
    }
    if (covered != size) {
      throw new IOException(path + ": blocks cover " + covered + " bytes, expected " + size);
    }
  }

  /** Chunk {@code index} of the large file: seeded pseudo-random bytes, different in every chunk. */
  private static void fill(byte[] buf, int n, long index) {
    SplittableRandom r = new SplittableRandom(SEED + index * 0x9E3779B97F4A7C15L);
    ByteBuffer bb = ByteBuffer.wrap(buf, 0, n).order(ByteOrder.LITTLE_ENDIAN);
    while (bb.remaining() >= 8) {
      bb.putLong(r.nextLong());
    }
    while (bb.hasRemaining()) {
      bb.put((byte) r.nextInt());
    }
  }

  private static void smallContent(byte[] b, int i) {
    new SplittableRandom(SEED ^ i).nextBytes(b);
    ByteBuffer bb = ByteBuffer.wrap(b);
    bb.putLong(0, i);
    bb.putLong(b.length - 8, ~(long) i);
  }

  private String smallPath(int i) {
    return String.format(Locale.ROOT, "%s/small/f-%05d", o.dir, i);
  }

  // ---------------------------------------------------------------- large sequential reads

  private void large(String name, boolean shortCircuit) throws Exception {
    try (GranaryClient c = client(60_000, shortCircuit)) {
      ByteBuffer buf = ByteBuffer.allocateDirect(o.readSize);
      long t0 = System.nanoTime();
      long crc = readLarge(c, buf, true);
      double first = (System.nanoTime() - t0) / 1e9;
      if (crc != largeCrc) {
        throw new IOException(String.format("large-%s: CRC32C %08x, written %08x", name, crc, largeCrc));
      }
      log("large-%s: checksum pass %.2f s (%.0f MiB/s), CRC32C matches", name, first, o.largeSize / MIB / first);
      Passes p = passes(() -> readLarge(c, buf, false));
      log("large-%s (shortCircuit=%s): %.0f MiB/s over %d passes in %.1f s", name, shortCircuit, p.mibps(o.largeSize),
          p.passes, p.seconds);
      result("large_" + name + "_mibps", p.mibps(o.largeSize));
    }
  }

  /** One sequential pass over the large file; returns its CRC32C if {@code checksum}, else 0. */
  private long readLarge(GranaryClient c, ByteBuffer buf, boolean checksum) throws IOException {
    CRC32C crc = checksum ? new CRC32C() : null;
    long total = 0;
    try (SeekableByteChannel ch = c.openChannel(largePath)) {
      if (ch.size() != o.largeSize) {
        throw new IOException(largePath + ": size " + ch.size() + ", expected " + o.largeSize);
      }
      while (true) {
        buf.clear();
        int n = ch.read(buf);
        if (n < 0) {
          break;
        }
        if (crc != null) {
          buf.flip();
          crc.update(buf);
        }
        total += n;
      }
    }
    if (total != o.largeSize) {
      throw new IOException(largePath + ": read " + total + " bytes, expected " + o.largeSize);
    }
    return crc == null ? 0 : crc.getValue();
  }

  private void largeGrpc() throws Exception {
    try (GranaryClient c = client(60_000, false)) {
      FileStatus st = c.stat(largePath);
      long range = st.getBlockSize() > 0 ? st.getBlockSize() : 64L << 20;
      long t0 = System.nanoTime();
      long crc = readGrpc(c, range, true);
      double first = (System.nanoTime() - t0) / 1e9;
      if (crc != largeCrc) {
        throw new IOException(String.format("large-grpc: CRC32C %08x, written %08x", crc, largeCrc));
      }
      log("large-grpc: checksum pass %.2f s (%.0f MiB/s), CRC32C matches", first, o.largeSize / MIB / first);
      Passes p = passes(() -> readGrpc(c, range, false));
      log("large-grpc (ReadBlock, %d KiB chunks, one call per %d MiB): %.0f MiB/s over %d passes in %.1f s",
          o.grpcChunk >> 10, range >> 20, p.mibps(o.largeSize), p.passes, p.seconds);
      result("large_grpc_mibps", p.mibps(o.largeSize));
    }
  }

  private long readGrpc(GranaryClient c, long range, boolean checksum) throws IOException {
    CRC32C crc = checksum ? new CRC32C() : null;
    long total = 0;
    for (long off = 0; off < o.largeSize; off += range) {
      long len = Math.min(range, o.largeSize - off);
      byte[] b = c.readBlockRpc(largePath, off, len, o.grpcChunk);
      if (b.length != len) {
        throw new IOException(largePath + ": ReadBlock at " + off + " returned " + b.length + " bytes, expected " + len);
      }
      if (crc != null) {
        crc.update(b);
      }
      total += b.length;
    }
    if (total != o.largeSize) {
      throw new IOException(largePath + ": ReadBlock passes read " + total + " bytes, expected " + o.largeSize);
    }
    return crc == null ? 0 : crc.getValue();
  }

  private void largeRaw() throws Exception {
    OpenFileResponse f;
    try (GranaryClient c = client(60_000, false)) {
      f = c.open(largePath);
    }
    URI data = URI.create(f.getDataUrl());
    String target = data.getRawPath() + "/" + Arrays.stream(largePath.split("/")).filter(p -> !p.isEmpty())
        .map(p -> URLEncoder.encode(p, StandardCharsets.UTF_8).replace("+", "%20")).collect(Collectors.joining("/"));
    String hostHeader = data.getHost() + ":" + data.getPort();
    try (RawGetConnection conn = new RawGetConnection(data.getHost(), data.getPort())) {
      LongAdder bytes = new LongAdder();
      Pass pass = () -> {
        long before = bytes.sum();
        for (BlockInfo b : f.getBlocksList()) {
          long now = System.currentTimeMillis();
          Map<String, String> h = new LinkedHashMap<>();
          h.put("Host", hostHeader);
          h.put(GranaryMethods.ACCESS_KEY_HEADER, o.accessKey);
          h.put(GranaryMethods.DATE_HEADER, Long.toString(now));
          h.put(GranaryMethods.SIGNATURE_HEADER, CallAuth.sign(o.secretKey, "Data:" + largePath, now));
          conn.get(target + "?offset=" + b.getOffset() + "&length=" + b.getLength(), h, b.getLength(), bytes);
        }
        if (bytes.sum() - before != o.largeSize) {
          throw new IOException("large-raw: " + (bytes.sum() - before) + " bytes in a pass, expected " + o.largeSize);
        }
        return 0;
      };
      pass.run(); // warm-up
      Passes p = passes(pass);
      log("large-raw (data path, raw socket, %d KiB reads): %.0f MiB/s over %d passes in %.1f s",
          RawGetConnection.BUFFER >> 10, p.mibps(o.largeSize), p.passes, p.seconds);
      result("large_raw_mibps", p.mibps(o.largeSize));
    }
  }

  interface Pass {
    long run() throws Exception;
  }

  record Passes(int passes, double seconds) {
    double mibps(long size) {
      return passes * (double) size / MIB / seconds;
    }
  }

  /** Whole passes, back to back, until {@code --seconds} have passed (at least one). */
  private Passes passes(Pass pass) throws Exception {
    long t0 = System.nanoTime();
    long end = t0 + (long) (o.seconds * 1e9);
    int n = 0;
    long t;
    do {
      pass.run();
      n++;
      t = System.nanoTime();
    } while (t < end);
    return new Passes(n, (t - t0) / 1e9);
  }

  // ---------------------------------------------------------------- stat

  private void stat() throws Exception {
    for (boolean cached : new boolean[] {true, false}) {
      for (int threads : o.statThreads) {
        String name = "stat_" + (cached ? "cached" : "uncached") + "_t" + threads;
        try (GranaryClient c = client(cached ? 60_000 : 0, false)) {
          LongAdder calls = new LongAdder();
          Window w = closedLoop(name, threads, c, () -> {
            int i = ThreadLocalRandom.current().nextInt(o.smallFiles);
            FileStatus s = c.stat(smallPath(i));
            if (s.getLength() != o.smallSize || s.getType() != FileType.FILE) {
              throw new IOException(smallPath(i) + ": stat says " + s.getType() + " of " + s.getLength() + " bytes");
            }
            calls.increment();
          }, calls);
          double rate = w.ops / w.seconds;
          double rpcPerCall = w.ops == 0 ? 0 : (double) w.rpcs / w.ops;
          log("stat %s, %d thread(s): %.0f calls/s, %.3f RPCs per call (%d calls in %.1f s)",
              cached ? "with cache (TTL 60 s)" : "without cache (TTL 0)", threads, rate, rpcPerCall, w.ops, w.seconds);
          result(name + "_per_s", rate);
          result(name + "_rpc_per_call", rpcPerCall);
        }
      }
    }
  }

  // ---------------------------------------------------------------- small reads

  private void small(String name, boolean shortCircuit) throws Exception {
    try (GranaryClient c = client(60_000, shortCircuit)) {
      for (int i = 0; i < o.smallFiles; i++) {
        c.open(smallPath(i)); // prime the block-list cache: measure the data path
      }
      LongAdder reads = new LongAdder();
      ThreadLocal<ByteBuffer> bufs = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(o.smallSize + 8192));
      Window w = closedLoop("small_" + name, o.threads, c, () -> {
        int i = ThreadLocalRandom.current().nextInt(o.smallFiles);
        ByteBuffer b = bufs.get();
        b.clear();
        try (SeekableByteChannel ch = c.openChannel(smallPath(i))) {
          while (ch.read(b) >= 0) {
            if (!b.hasRemaining()) {
              throw new IOException(smallPath(i) + ": more than " + b.capacity() + " bytes");
            }
          }
        }
        if (b.position() != o.smallSize || b.getLong(0) != i || b.getLong(o.smallSize - 8) != ~(long) i) {
          throw new IOException(smallPath(i) + ": read " + b.position() + " bytes (expected " + o.smallSize
              + ") or the wrong content");
        }
        reads.increment();
      }, reads);
      double rate = w.ops / w.seconds;
      log("small-%s (shortCircuit=%s), %d threads: %.0f reads/s (%.0f MiB/s), %d RPCs in the window", name, shortCircuit,
          o.threads, rate, rate * o.smallSize / MIB, w.rpcs);
      result("small_" + name + "_per_s", rate);
      result("small_" + name + "_rpcs", w.rpcs);
    }
  }

  // ---------------------------------------------------------------- closed loop

  interface Op {
    void run() throws Exception;
  }

  record Window(double seconds, long ops, long rpcs) {}

  /** {@code threads} threads run {@code op} back to back: warm-up, then a window; counters snapshotted at both ends. */
  private Window closedLoop(String name, int threads, GranaryClient c, Op op, LongAdder ops) throws Exception {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      ts.add(Thread.ofPlatform().daemon().name(name + "-" + t).start(() -> {
        try {
          while (!stop.get() && failure.get() == null) {
            op.run();
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }));
    }
    try {
      sleepWatching(o.warmup, failure);
      long n0 = ops.sum();
      long r0 = c.rpcCount();
      long t0 = System.nanoTime();
      sleepWatching(o.seconds, failure);
      long t1 = System.nanoTime();
      long n1 = ops.sum();
      long r1 = c.rpcCount();
      return new Window((t1 - t0) / 1e9, n1 - n0, r1 - r0);
    } finally {
      stop.set(true);
      for (Thread t : ts) {
        t.join(120_000);
      }
      if (failure.get() != null) {
        throw new IOException(name + ": " + message(failure.get()), failure.get());
      }
    }
  }

  private static void log(String format, Object... args) {
    BenchSupport.log("sdkbench", format, args);
  }

  // ---------------------------------------------------------------- options

  static final class Options extends BenchSupport.GatewayOptions {
    static final String USAGE = """
        usage: SdkBench --port GRPC_PORT --access-key AK --secret-key SK [options]
          --host H               gateway host (default 127.0.0.1; short circuit needs this machine)
          --workloads LIST       comma list of large-net,large-sc,large-grpc,large-raw,stat,small-net,small-sc
                                 (default: all)
          --seconds S            measured time per workload (default 15)
          --warmup S             warm-up of the stat and small-read loops (default 3)
          --large-size BYTES     the large file (default 1073741824)
          --read-size BYTES      buffer of each channel read of the large file (default 16384)
          --grpc-chunk BYTES     ReadBlock message size (default 1048576)
          --small-files N        small files (default 2000)
          --small-size BYTES     size of each (default 102400)
          --threads N            small-file reads and writes in parallel (default 8)
          --stat-threads LIST    thread counts for stat (default 1,4)
          --write-type T         MUST_CACHE or CACHE_THROUGH (default MUST_CACHE)
          --dir PATH             directory in the gateway's namespace (default /sdkbench)""";

    List<String> workloads = WORKLOADS;
    long largeSize = 1L << 30;
    int readSize = 16 << 10;
    int grpcChunk = 1 << 20;
    int smallFiles = 2000;
    int smallSize = 100 << 10;
    int threads = 8;
    int[] statThreads = {1, 4};
    String writeType = "MUST_CACHE";
    String dir = "/sdkbench";

    Options() {
      super(15, 3);
    }

    static Options parse(String[] args) {
      Options o = new Options();
      BenchSupport.parseOptions(args, (a, v) -> {
        switch (a) {
          case "--workloads" -> o.workloads = List.of(v.split(","));
          case "--large-size" -> o.largeSize = Long.parseLong(v);
          case "--read-size" -> o.readSize = Integer.parseInt(v);
          case "--grpc-chunk" -> o.grpcChunk = Integer.parseInt(v);
          case "--small-files" -> o.smallFiles = Integer.parseInt(v);
          case "--small-size" -> o.smallSize = Integer.parseInt(v);
          case "--threads" -> o.threads = Integer.parseInt(v);
          case "--stat-threads" -> o.statThreads = BenchSupport.intList(v);
          case "--write-type" -> o.writeType = v;
          case "--dir" -> o.dir = v;
          default -> {
            return o.setGateway(a, v);
          }
        }
        return true;
      });
      o.checkGateway();
      BenchSupport.checkWorkloads(o.workloads, WORKLOADS);
      if (o.smallSize < 16 || o.smallFiles < 1 || o.largeSize < 1 || o.readSize < 1 || o.threads < 1) {
        throw new IllegalArgumentException("--small-size must be >= 16; counts and sizes >= 1");
      }
      if (!o.writeType.equals("MUST_CACHE") && !o.writeType.equals("CACHE_THROUGH")) {
        throw new IllegalArgumentException("--write-type must be MUST_CACHE or CACHE_THROUGH (the file must be cached)");
      }
      return o;
    }
  }
}
