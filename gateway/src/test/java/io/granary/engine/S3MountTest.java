package io.granary.engine;

import static io.granary.engine.GranaryEngineTest.bytes;
import static io.granary.engine.GranaryEngineTest.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.granary.error.NotFoundException;
import io.granary.storage.ufs.testing.S3ProxyServer;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/** The engine over an S3 mount served by a real s3proxy on loopback. */
class S3MountTest {
  @TempDir Path dir;

  @Test
  void s3MountLoadsCachesAndWritesThrough() throws Exception {
    S3ProxyServer s3 = S3ProxyServer.shared();
    String bucket = s3.createBucket("engine");
    byte[] data = bytes(150 * 1024, 1);
    s3.client().putObject(PutObjectRequest.builder().bucket(bucket).key("ds/train/a.bin").build(), RequestBody.fromBytes(data));
    Map<String, String> opts = Map.of("endpoint", s3.endpoint().toString(), "region", "us-east-1",
        "access-key", "local", "secret-key", "local", Mount.SYNC_INTERVAL, "0");
    try (EngineFixture fx = new EngineFixture(dir, 64 * 1024, Map.of(), 8L << 20).open()) {
      GranaryEngine e = fx.engine;
      e.mount("/s3", "s3://" + bucket + "/ds", opts);
      assertEquals(List.of("train"), e.list("/s3", "", 10).stream().map(FileInfo::name).toList());
      assertArrayEquals(data, readAll(e, "/s3/train/a.bin", null));
      long opens = e.ufsOpens();
      assertArrayEquals(data, readAll(e, "/s3/train/a.bin", null));
      assertEquals(opens, e.ufsOpens(), "second read from cache");

      byte[] written = bytes(70 * 1024, 2);
      e.write("/s3/train/b.bin", new ByteArrayInputStream(written), written.length,
          WriteOptions.defaults().withWriteType(WriteType.CACHE_THROUGH));
      assertArrayEquals(written, s3.client().getObjectAsBytes(b -> b.bucket(bucket).key("ds/train/b.bin")).asByteArray());

      // replaced behind the cache: sync interval 0 notices and drops the stale blocks
      byte[] replaced = bytes(20 * 1024, 3);
      s3.client().putObject(PutObjectRequest.builder().bucket(bucket).key("ds/train/a.bin").build(), RequestBody.fromBytes(replaced));
      assertArrayEquals(replaced, readAll(e, "/s3/train/a.bin", null));

      byte[] async = bytes(90 * 1024, 4);
      e.write("/s3/train/async.bin", new ByteArrayInputStream(async), async.length,
          WriteOptions.defaults().withWriteType(WriteType.ASYNC_THROUGH));
      Await.until(() -> e.persistQueueLength() == 0, "ASYNC_THROUGH to reach the bucket");
      assertArrayEquals(async, s3.client().getObjectAsBytes(b -> b.bucket(bucket).key("ds/train/async.bin")).asByteArray());

      e.rename("/s3/train/b.bin", "/s3/train/c.bin");
      assertArrayEquals(written, s3.client().getObjectAsBytes(b -> b.bucket(bucket).key("ds/train/c.bin")).asByteArray());
      e.delete("/s3/train", true);
      assertThrows(NotFoundException.class, () -> e.stat("/s3/train"));
      assertEquals(0, s3.client().listObjectsV2(b -> b.bucket(bucket).prefix("ds/train/")).keyCount());
    }
  }
}
