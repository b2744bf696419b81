package io.granary.storage.ufs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.granary.error.UnderStorageException;
import io.granary.storage.ufs.support.PutSource;
import io.granary.storage.ufs.testing.CuttingRelay;
import io.granary.storage.ufs.testing.S3ProxyServer;
import java.io.ByteArrayInputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
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
  void aPutCutOffMidBodyIsSentAgainWhenItsDataCanBeReopened() throws Exception {
    byte[] data = new byte[256 * 1024];
    new Random(3).nextBytes(data);
    try (CuttingRelay relay = new CuttingRelay(server.endpoint(), 64 * 1024);
        MeteredUnderStorage s = UnderStorages.create("s3://" + bucket + "/" + prefix, options(relay.endpoint().toString()))) {
      try (PutSource source = PutSource.replayable(() -> new ByteArrayInputStream(data), data.length)) {
        s.put("replayed", source, data.length);
      }
      assertEquals(2, relay.connections(), "the cut attempt and the one that succeeded");
      try (var in = ufs.open("replayed", 0, -1)) {
        assertArrayEquals(data, in.readAllBytes());
      }
    }
  }

  @Test
  void aPutCutOffMidBodyFromAOneTimeStreamFailsAndLeavesNothing() throws Exception {
    byte[] data = new byte[256 * 1024];
    try (CuttingRelay relay = new CuttingRelay(server.endpoint(), 64 * 1024);
        MeteredUnderStorage s = UnderStorages.create("s3://" + bucket + "/" + prefix, options(relay.endpoint().toString()))) {
      UnderStorageException e = assertThrows(UnderStorageException.class,
          () -> s.put("once", new ByteArrayInputStream(data), data.length));
      assertEquals(UnderStorageException.Kind.UNAVAILABLE, e.kind(), e.getMessage());
      assertEquals(1, relay.connections(), "a stream already read from is not sent again");
    }
    assertEquals(Optional.empty(), ufs.stat("once"));
  }

  /** s3proxy checking signatures drops some chunk-signed uploads mid-body; replayed puts survive that. */
  @Test
  void manySignedPutsOfBlockDataAllLand() throws Exception {
    S3ProxyServer signed = S3ProxyServer.sharedWithCredentials();
    Map<String, String> o = new HashMap<>(options(signed.endpoint().toString()));
    o.put("access-key", S3ProxyServer.ACCESS_KEY);
    o.put("secret-key", S3ProxyServer.SECRET_KEY);
    byte[] data = new byte[100 * 1024];
    new Random(7).nextBytes(data);
    try (MeteredUnderStorage s = UnderStorages.create("s3://" + signed.createBucket("signed-puts"), o)) {
      for (int i = 0; i < 1000; i++) {
        try (PutSource source = PutSource.replayable(() -> new ByteArrayInputStream(data), data.length)) {
          s.put("many/" + (i % 50), source, data.length);
        }
      }
      try (var in = s.open("many/7", 0, -1)) {
        assertArrayEquals(data, in.readAllBytes());
      }
    }
  }

  @Test
  void etagsComeFromTheStore() {
    put("e.txt", "x");
    assertTrue(!ufs.stat("e.txt").orElseThrow().etag().isEmpty());
  }
}
