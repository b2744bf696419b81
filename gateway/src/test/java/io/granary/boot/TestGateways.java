package io.granary.boot;

import io.granary.config.GranaryConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/** Gateways for tests: every listener on a free loopback port, one MEM tier, a known key pair. */
public final class TestGateways {
  private TestGateways() {}

  /** A config under {@code dir} (data in dir/data, MEM tier in dir/mem). */
  public static GranaryConfig config(Path dir, String memQuota, String blockSize, String accessKey, String secretKey) {
    GranaryConfig cfg = new GranaryConfig();
    cfg.dataDir = dir.resolve("data").toString();
    cfg.admin.port = 0;
    cfg.s3.port = 0;
    cfg.grpc.port = 0;
    cfg.blockSize = blockSize;
    GranaryConfig.Tier mem = new GranaryConfig.Tier();
    mem.name = "MEM";
    mem.path = dir.resolve("mem").toString();
    mem.quota = memQuota;
    cfg.tiers.add(mem);
    GranaryConfig.Credential c = new GranaryConfig.Credential();
    c.accessKey = accessKey;
    c.secretKey = secretKey;
    cfg.credentials.add(c);
    return cfg;
  }

  /** Starts a gateway, discarding its listener lines. */
  public static GranaryServer start(GranaryConfig cfg) throws IOException {
    return GranaryServer.start(cfg, Map.of(), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
  }
}
