package io.granary.storage.ufs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.granary.storage.ufs.testing.S3ProxyServer;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract against s3proxy, one bucket for the class and a fresh key prefix per test. */
class S3UnderStorageTest extends UnderStorageContractTest {
  private static S3ProxyServer server;
  private static String bucket;
  private String prefix;

  @BeforeAll
  static void createBucket() {
    server = S3ProxyServer.shared();
    bucket = server.createBucket("s3-contract");
  }

  @Override
  protected MeteredUnderStorage newStorage() {
    prefix = "t-" + UUID.randomUUID();
    return UnderStorages.create("s3://" + bucket + "/" + prefix, options(server.endpoint().toString()));
  }

  static Map<String, String> options(String endpoint) {
    return Map.of(
        "endpoint", endpoint,
        "connect-timeout-ms", "2000",
        "request-timeout-ms", "10000",
        "retries", "2",
        "retry-base-ms", "20");
  }

  @Test
  void mkdirsWritesADirectoryMarker() {
    ufs.mkdirs("m/n");
    var head = server.client().headObject(b -> b.bucket(bucket).key(prefix + "/m/n/"));
    assertEquals(0L, head.contentLength());
  }

  @Test
  void theRootOfAMissingBucketDoesNotExist() {
    try (MeteredUnderStorage missing = UnderStorages.create("s3://no-such-bucket-" + UUID.randomUUID(), options(server.endpoint().toString()))) {
      assertEquals(Optional.empty(), missing.stat(""));
    }
  }

  @Test
  void etagsComeFromTheStore() {
    put("e.txt", "x");
    assertTrue(!ufs.stat("e.txt").orElseThrow().etag().isEmpty());
  }
}
