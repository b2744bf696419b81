package io.granary.gateway.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.granary.metadata.BlockRecord;
import io.granary.storage.BlockStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/** Multipart uploads survive a restart, and completing one moves cached blocks without copying them. */
class MultipartPersistenceTest {
  @TempDir Path dir;

  private static Set<Object> blockFileInodes(S3TestGateway gw) throws IOException {
    BlockStore blocks = gw.server.engine().blockStore();
    Set<Object> inodes = new HashSet<>();
    java.util.List<BlockRecord> records = new java.util.ArrayList<>();
    gw.server.engine().metadataStore().read(v -> {
      v.scanBlocks(records::add);
      return null;
    });
    for (BlockRecord r : records) {
      inodes.add(Files.getAttribute(blocks.pathOf(r), "unix:ino"));
    }
    return inodes;
  }

  @Test
  void anUploadSurvivesARestartAndCompletesByLinkingItsBlocks() throws Exception {
    byte[] p1 = new byte[5 * 1024 * 1024 + 11];
    byte[] p2 = new byte[3 * 1024 * 1024];
    new Random(1).nextBytes(p1);
    new Random(2).nextBytes(p2);
    String id;
    String e1;
    String e2;
    try (S3TestGateway gw = new S3TestGateway(dir, "2MiB"); S3Client s3 = gw.client()) {
      s3.createBucket(b -> b.bucket("restart"));
      id = s3.createMultipartUpload(b -> b.bucket("restart").key("video.mp4")).uploadId();
      e1 = s3.uploadPart(b -> b.bucket("restart").key("video.mp4").uploadId(id).partNumber(1), RequestBody.fromBytes(p1)).eTag();
      e2 = s3.uploadPart(b -> b.bucket("restart").key("video.mp4").uploadId(id).partNumber(2), RequestBody.fromBytes(p2)).eTag();
    }
    try (S3TestGateway gw = new S3TestGateway(dir, "2MiB"); S3Client s3 = gw.client()) {
      assertEquals(2, s3.listParts(b -> b.bucket("restart").key("video.mp4").uploadId(id)).parts().size(), "parts survived");
      Set<Object> partFiles = blockFileInodes(gw);
      assertEquals(5, partFiles.size(), "part 1 is three 2 MiB blocks, part 2 two");
      s3.completeMultipartUpload(b -> b.bucket("restart").key("video.mp4").uploadId(id).multipartUpload(m -> m.parts(
          CompletedPart.builder().partNumber(1).eTag(e1).build(), CompletedPart.builder().partNumber(2).eTag(e2).build())));
      assertEquals(partFiles, blockFileInodes(gw), "the object's blocks are the parts' block files, not copies");
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      expected.write(p1);
      expected.write(p2);
      assertArrayEquals(expected.toByteArray(), s3.getObjectAsBytes(b -> b.bucket("restart").key("video.mp4")).asByteArray());
      assertArrayEquals(expected.toByteArray(), Files.readAllBytes(gw.ufs().resolve("restart/video.mp4")),
          "CACHE_THROUGH persisted the whole object");
    }
  }
}
