package io.granary.cli;

import io.granary.boot.GranaryServer;
import io.granary.config.GranaryConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code granary serve}: runs the gateway until SIGTERM or SIGINT. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Start the gateway (defaults: root mounted on <data-dir>/ufs, metadata and cache under <data-dir>).")
final class ServeCommand implements Callable<Integer> {
  private static volatile boolean serving;

  @Option(names = "--config", description = "YAML configuration file.")
  Path config;

  @Option(names = "--data-dir", description = "Data directory (default ./data).")
  String dataDir;

  @Option(names = "--host", description = "Address to bind (default 127.0.0.1).")
  String host;

  @Option(names = "--s3-port", description = "S3 port (0: any free port).")
  Integer s3Port;

  @Option(names = "--grpc-port", description = "gRPC port (0: any free port).")
  Integer grpcPort;

  @Option(names = "--admin-port", description = "Admin port for /health and /metrics (0: any free port).")
  Integer adminPort;

  @Option(names = "--fuse-mount", paramLabel = "MOUNTPOINT",
      description = "Also mount the namespace here with FUSE (in-process; unmounted on exit).")
  String fuseMount;

  @Option(names = {"-o", "--fuse-options"}, paramLabel = "OPTIONS",
      description = "FUSE mount options, comma-separated (repeatable), e.g. attr_timeout=60,threads=16.")
  java.util.List<String> fuseOptions = new java.util.ArrayList<>();

  static boolean serving() {
    return serving;
  }

  @Override
  public Integer call() throws Exception {
    GranaryConfig cfg = config != null ? GranaryConfig.load(config) : defaultConfig();
    if (dataDir != null) {
      cfg.dataDir = dataDir;
    }
    if (host != null) {
      cfg.host = host;
    }
    if (s3Port != null) {
      cfg.s3.port = s3Port;
    }
    if (grpcPort != null) {
      cfg.grpc.port = grpcPort;
    }
    if (adminPort != null) {
      cfg.admin.port = adminPort;
    }
    if (fuseMount != null) {
      cfg.fuse.mountPoint = fuseMount;
    }
    cfg.fuse.options.addAll(fuseOptions);
    GranaryServer server = GranaryServer.start(cfg, System.getenv(), System.out);
    serving = true;
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("granary-shutdown").unstarted(() -> {
      server.close();
      stopped.countDown();
    }));
    stopped.await();
    return 0;
  }

  private static GranaryConfig defaultConfig() throws java.io.IOException {
    Path local = Path.of("granary.yaml");
    return Files.exists(local) ? GranaryConfig.load(local) : new GranaryConfig();
  }
}
