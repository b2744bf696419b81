package io.granary.storage.ufs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.granary.error.InvalidArgumentException;
import io.granary.storage.ufs.testing.OssDialectAdapter;
import io.granary.storage.ufs.testing.S3ProxyServer;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract through the Aliyun OSS SDK, against s3proxy behind the OSS dialect adapter. */
class OssUnderStorageTest extends UnderStorageContractTest {
  private static S3ProxyServer server;
  private static OssDialectAdapter adapter;
  private static String bucket;
  private String prefix;

  @BeforeAll
  static void start() {
    server = S3ProxyServer.shared();
    bucket = server.createBucket("oss-contract");
    adapter = OssDialectAdapter.start(server.endpoint());
  }

  @AfterAll
  static void stop() {
    if (adapter != null) {
      adapter.close();
    }
  }

  @Override
  protected MeteredUnderStorage newStorage() {
    prefix = "t-" + UUID.randomUUID();
    return UnderStorages.create("oss://" + bucket + "/" + prefix, S3UnderStorageTest.options(adapter.endpoint().toString()));
  }

  @Test
  void mkdirsWritesADirectoryMarker() {
    ufs.mkdirs("m/n");
    var head = server.client().headObject(b -> b.bucket(bucket).key(prefix + "/m/n/"));
    assertEquals(0L, head.contentLength());
  }

  @Test
  void anEndpointIsRequired() {
    assertThrows(InvalidArgumentException.class, () -> UnderStorages.create("oss://bucket/p", Map.of()));
  }
}
