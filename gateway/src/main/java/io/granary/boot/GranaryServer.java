package io.granary.boot;

import io.granary.admin.AdminServer;
import io.granary.config.GranaryConfig;
import io.granary.config.Sizes;
import io.granary.engine.EngineOptions;
import io.granary.engine.GranaryEngine;
import io.granary.sdk.HostId;
import io.granary.gateway.s3.EngineS3Backend;
import io.granary.s3.http.S3Server;
import io.granary.metadata.lmdb.LmdbMetadataStore;
import io.granary.storage.TierSpec;
import io.granary.storage.policy.EvictionPolicies;
import io.granary.storage.tiered.TieredBlockStore;
import io.granary.storage.ufs.UnderStorages;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.transport.Transport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running gateway: metadata, cache tiers, the engine and the listeners, started from a
 * configuration and stopped in reverse order.
 */
public final class GranaryServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GranaryServer.class);

  private final GranaryConfig config;
  private final Path dataDir;
  private LmdbMetadataStore meta;
  private TieredBlockStore blocks;
  private GranaryEngine engine;
  private Vertx vertx;
  private AdminServer admin;
  private S3Server s3;
  private io.vertx.core.http.HttpServer grpcHttp;
  private List<GranaryConfig.Credential> credentials;
  private io.granary.fuse.FuseMount fuseMount;
  private io.granary.gateway.fuse.EngineFuseBackend fuseBackend;
  private volatile boolean closed;

  private GranaryServer(GranaryConfig config) {
    this.config = config;
    this.dataDir = Path.of(config.dataDir).toAbsolutePath().normalize();
  }

  /**
   * Starts a gateway and prints one {@code <name> listening on http://HOST:PORT} line per
   * listener to {@code out}.
   */
  public static GranaryServer start(GranaryConfig config, Map<String, String> env, PrintStream out) throws IOException {
    GranaryServer s = new GranaryServer(config);
    try {
      s.open(env, out);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  private void open(Map<String, String> env, PrintStream out) throws IOException {
    Files.createDirectories(dataDir);
    credentials = KeyStore.resolve(config, dataDir, env);
    meta = LmdbMetadataStore.open(dataDir.resolve("metadata"));
    List<TierSpec> tiers = tierSpecs();
    blocks = TieredBlockStore.open(tiers, meta, EvictionPolicies.create(config.eviction, tiers.size()),
        System::currentTimeMillis);
    EngineOptions eo = EngineOptions.defaults().withBlockSize(config.blockSizeBytes());
    eo = new EngineOptions(eo.blockSize(), config.ufsThreads, eo.listPageSize(), eo.clock());
    engine = new GranaryEngine(meta, blocks, eo, UnderStorages::create);
    String rootUri = config.root.uri == null || config.root.uri.isBlank()
        ? "file://" + dataDir.resolve("ufs")
        : config.root.uri;
    if (rootUri.startsWith("file://")) {
      Files.createDirectories(Path.of(rootUri.substring("file://".length())));
    }
    engine.persistBandwidth(Sizes.parse(config.persistBandwidth));
    engine.start(rootUri, config.root.options);
    engine.startTtlChecks();
    vertx = Vertx.builder().withTransport(transport(config.transport)).build();
    Map<String, String> secrets = new java.util.HashMap<>();
    for (GranaryConfig.Credential c : credentials) {
      secrets.put(c.accessKey, c.secretKey);
    }
    s3 = new S3Server(new EngineS3Backend(engine), key -> java.util.Optional.ofNullable(secrets.get(key)),
        new S3Server.Options(config.host, config.s3.port, config.s3.region, config.s3.domains,
            java.util.Set.copyOf(config.s3.publicReadBuckets), config.s3.workerThreads, config.s3.eventLoops),
        java.time.Clock.systemUTC());
    await(s3.listen(vertx));
    out.println("s3 listening on http://" + config.host + ":" + s3.port());
    startGrpc(secrets, out);
    mountFuse(out);
    admin = new AdminServer(engine, () -> fuseMount == null ? null : fuseMount.fs().stats());
    await(admin.listen(vertx, config.host, config.admin.port));
    out.println("admin listening on http://" + config.host + ":" + admin.port());
    out.flush();
    LOG.info("granary started: data in {}, root under-storage {}", dataDir, rootUri);
  }

  /** The FUSE mount on the in-process engine, if configured. */
  private void mountFuse(PrintStream out) throws IOException {
    if (config.fuse.mountPoint == null || config.fuse.mountPoint.isBlank()) {
      return;
    }
    io.granary.fuse.MountOptions mo = io.granary.fuse.MountOptions.parse(config.fuse.options);
    fuseBackend = new io.granary.gateway.fuse.EngineFuseBackend(engine, mo.backendOptions());
    fuseMount = io.granary.fuse.FuseMount.mount(fuseBackend, Path.of(config.fuse.mountPoint), mo,
        dataDir.resolve("fuse-staging"));
    out.println("fuse mounted at " + fuseMount.mountPoint());
  }

  /** The FUSE mount, if any. */
  public java.util.Optional<io.granary.fuse.FuseMount> fuseMount() {
    return java.util.Optional.ofNullable(fuseMount);
  }

  /** The gRPC block API and the SDK's HTTP data path, on one HTTP/2 (and HTTP/1.1) port. */
  private void startGrpc(Map<String, String> secrets, PrintStream out) throws IOException {
    io.vertx.core.WorkerExecutor grpcWorkers = vertx.createSharedWorkerExecutor("granary-grpc", 64);
    io.granary.grpc.GranaryGrpcService service = new io.granary.grpc.GranaryGrpcService(engine, secrets::get,
        grpcWorkers, HostId.get(), System::currentTimeMillis);
    io.vertx.grpc.server.GrpcServer grpc = io.vertx.grpc.server.GrpcServer.server(vertx,
        new io.vertx.grpc.server.GrpcServerOptions().setMaxMessageSize(16 << 20));
    service.bind(grpc);
    io.granary.grpc.DataPathHandler data = new io.granary.grpc.DataPathHandler(engine, service, grpcWorkers);
    grpcHttp = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setHost(config.host)
        .setPort(config.grpc.port).setTcpNoDelay(true).setHttp2ClearTextEnabled(true));
    grpcHttp.requestHandler(req -> {
      if (req.path().startsWith(io.granary.grpc.DataPathHandler.PREFIX + "/")) {
        data.handle(req);
      } else {
        grpc.handle(req);
      }
    });
    await(grpcHttp.listen());
    String base = "http://" + config.host + ":" + grpcHttp.actualPort();
    service.dataUrl(base + io.granary.grpc.DataPathHandler.PREFIX);
    out.println("grpc listening on " + base);
  }

  /** The configured Netty transport, or NIO with a warning if the native one cannot load here. */
  static Transport transport(String name) {
    Transport t = switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "epoll" -> Transport.EPOLL;
      case "io_uring", "io-uring", "iouring" -> Transport.IO_URING;
      case "nio" -> Transport.NIO;
      default -> throw new IllegalArgumentException("unknown transport '" + name + "' (epoll, io_uring, nio)");
    };
    if (!t.available()) {
      LOG.warn("transport {} is not available here ({}); using nio", name, t.unavailabilityCause().toString());
      return Transport.NIO;
    }
    return t;
  }

  private List<TierSpec> tierSpecs() throws IOException {
    List<TierSpec> specs = new ArrayList<>();
    if (config.tiers.isEmpty()) {
      Path shm = Path.of("/dev/shm");
      if (Files.isDirectory(shm) && Files.isWritable(shm)) {
        specs.add(new TierSpec("MEM", shm.resolve("granary").resolve(instanceId()), Sizes.parse("1GiB")));
      }
      specs.add(new TierSpec("SSD", dataDir.resolve("cache"), Sizes.parse("16GiB")));
      return specs;
    }
    for (GranaryConfig.Tier t : config.tiers) {
      if (t.name == null || t.path == null || t.quota == null) {
        throw new IllegalArgumentException("each tier needs name, path and quota");
      }
      Path dir = Path.of(t.path);
      specs.add(new TierSpec(t.name, dir.isAbsolute() ? dir : dataDir.resolve(dir), Sizes.parse(t.quota),
          t.highWatermark, t.lowWatermark));
    }
    return specs;
  }

  /** A stable id for this data directory, so several gateways can share /dev/shm. */
  private String instanceId() throws IOException {
    Path f = dataDir.resolve("instance-id");
    if (Files.exists(f)) {
      return Files.readString(f, StandardCharsets.UTF_8).trim();
    }
    String id = UUID.randomUUID().toString();
    Files.writeString(f, id + "\n", StandardCharsets.UTF_8);
    return id;
  }

  private static <T> T await(Future<T> f) throws IOException {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException(e.getCause() != null ? e.getCause().getMessage() : e.toString(), e);
    }
  }

  /** What the admin listener's /metrics says now. */
  public String adminMetrics() {
    return admin.metrics();
  }

  public GranaryEngine engine() {
    return engine;
  }

  public AdminServer admin() {
    return admin;
  }

  public int adminPort() {
    return admin.port();
  }

  public int s3Port() {
    return s3.port();
  }

  public int grpcPort() {
    return grpcHttp.actualPort();
  }

  public Path dataDir() {
    return dataDir;
  }

  public List<GranaryConfig.Credential> credentials() {
    return credentials;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (fuseMount != null) {
      fuseMount.close(); // first: open files commit through the engine
    }
    if (fuseBackend != null) {
      fuseBackend.close();
    }
    if (vertx != null) {
      try {
        await(vertx.close());
      } catch (IOException e) {
        LOG.warn("closing the listeners failed", e);
      }
    }
    if (engine != null) {
      engine.close();
    }
    if (blocks != null) {
      blocks.close();
    }
    if (meta != null) {
      meta.close();
    }
    LOG.info("granary stopped: data in {}", dataDir);
  }
}
